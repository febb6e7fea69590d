package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
)

type sectionFormData struct {
	C       consult.Consultation
	Section consult.Section
	Started bool
}

// consultSectionEditForm shows the form to rename a section and change its
// introduction, in both languages.
func (s *Server) consultSectionEditForm(w http.ResponseWriter, r *http.Request) error {
	return s.consultSectionPage(w, r, http.StatusOK, nil)
}

func (s *Server) consultSectionPage(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	sid, err := pathInt(r, "sid")
	if err != nil {
		return err
	}
	svc := s.consultations()
	qn, err := svc.Questionnaire(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	d := sectionFormData{C: c}
	found := false
	for _, sec := range qn.Sections {
		if sec.ID == sid {
			d.Section, found = sec, true
		}
	}
	if !found {
		return pallmall.ErrNotFound
	}
	if d.Started, err = svc.HasResponses(r.Context(), actor, c.ID); err != nil {
		return err
	}
	if form == nil {
		form = &Form{Values: url.Values{"title_en": {d.Section.TitleEN}, "title_fr": {d.Section.TitleFR},
			"intro_en": {d.Section.IntroEN}, "intro_fr": {d.Section.IntroFR}}, Errors: map[string]string{}}
	}
	return s.render(w, r, status, "consult-section-form", "consult.section_edit.title", form, d)
}

func (s *Server) consultUpdateSection(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	sid, err := pathInt(r, "sid")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	p := r.PostForm
	err = s.consultations().UpdateSection(r.Context(), actor, consult.Section{ID: sid, ConsultationID: c.ID,
		TitleEN: p.Get("title_en"), TitleFR: p.Get("title_fr"), IntroEN: p.Get("intro_en"), IntroFR: p.Get("intro_fr")}, p.Get("reason"))
	form := NewForm(r, "title_en", "title_fr", "intro_en", "intro_fr", "reason")
	if form.AddErrors(err) {
		return s.consultSectionPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"#sections", http.StatusSeeOther)
	return nil
}

func (s *Server) consultMoveSection(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	sid, err := pathInt(r, "sid")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	by, _ := strconv.Atoi(r.PostForm.Get("by"))
	err = s.consultations().MoveSection(r.Context(), actor, c.ID, sid, by, r.PostForm.Get("reason"))
	form := NewForm(r, "reason")
	if form.AddErrors(err) {
		return s.consultAdminPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"#sections", http.StatusSeeOther)
	return nil
}

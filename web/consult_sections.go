package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
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
	return s.builderChange(w, r, "sid", []string{"title_en", "title_fr", "intro_en", "intro_fr", "reason"},
		func(ctx context.Context, actor auth.Actor, cid, sid int64, p url.Values) error {
			return s.consultations().UpdateSection(ctx, actor, consult.Section{ID: sid, ConsultationID: cid,
				TitleEN: p.Get("title_en"), TitleFR: p.Get("title_fr"), IntroEN: p.Get("intro_en"), IntroFR: p.Get("intro_fr")}, p.Get("reason"))
		}, s.consultSectionPage)
}

func (s *Server) consultMoveSection(w http.ResponseWriter, r *http.Request) error {
	return s.builderChange(w, r, "sid", []string{"reason"},
		func(ctx context.Context, actor auth.Actor, cid, sid int64, p url.Values) error {
			by, _ := strconv.Atoi(p.Get("by"))
			return s.consultations().MoveSection(ctx, actor, cid, sid, by, p.Get("reason"))
		}, s.consultAdminPage)
}

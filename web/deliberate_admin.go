package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/deliberate"
)

// delibRequireSecretariat returns the actor if they may manage deliberations.
func delibRequireSecretariat(r *http.Request) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	if !deliberate.CanManage(a) {
		return a, pallmall.ErrForbidden
	}
	return a, nil
}

var delibFields = []string{"title_en", "title_fr", "description_en", "description_fr", "moderation", "require_stakeholder", "status", "consultation_id"}

func delibFromForm(r *http.Request) deliberate.Deliberation {
	p := r.PostForm
	cid, _ := strconv.ParseInt(p.Get("consultation_id"), 10, 64)
	if p.Get("consultation_id") != "" && cid == 0 {
		cid = -1 // not a number: Validate reports it
	}
	return deliberate.Deliberation{TitleEN: p.Get("title_en"), TitleFR: p.Get("title_fr"), DescriptionEN: p.Get("description_en"),
		DescriptionFR: p.Get("description_fr"), Moderation: deliberate.Moderation(p.Get("moderation")),
		RequireStakeholder: p.Get("require_stakeholder") == "yes", Status: deliberate.Status(p.Get("status")), ConsultationID: cid}
}

func delibValues(d deliberate.Deliberation) url.Values {
	v := url.Values{"title_en": {d.TitleEN}, "title_fr": {d.TitleFR}, "description_en": {d.DescriptionEN}, "description_fr": {d.DescriptionFR},
		"moderation": {string(d.Moderation)}, "status": {string(d.Status)}}
	if d.RequireStakeholder {
		v.Set("require_stakeholder", "yes")
	}
	if d.ConsultationID != 0 {
		v.Set("consultation_id", strconv.FormatInt(d.ConsultationID, 10))
	}
	return v
}

func (s *Server) delibAdminList(w http.ResponseWriter, r *http.Request) error {
	actor, err := delibRequireSecretariat(r)
	if err != nil {
		return err
	}
	list, err := s.deliberations().List(r.Context(), actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "deliberate-admin-list", "deliberate.admin.list_title", nil, list)
}

type delibAdminData struct {
	D             deliberate.Deliberation
	New           bool
	Statements    []deliberate.Statement
	Pending       int
	Consultations []consultOption
}

type consultOption struct {
	ID    string
	Title string
}

// consultOptions lists the consultations a deliberation can belong to.
func (s *Server) consultOptions(r *http.Request, actor auth.Actor) ([]consultOption, error) {
	list, err := (&consult.Service{DB: s.DB}).List(r.Context(), actor)
	var out []consultOption
	for _, c := range list {
		out = append(out, consultOption{ID: strconv.FormatInt(c.ID, 10), Title: c.Title(info(r).lang)})
	}
	return out, err
}

func (s *Server) delibNewForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := delibRequireSecretariat(r); err != nil {
		return err
	}
	form := &Form{Values: url.Values{"moderation": {"pre"}, "status": {"draft"}}, Errors: map[string]string{}}
	opts, err := s.consultOptions(r, Actor(r))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "deliberate-admin", "deliberate.admin.new_title", form, delibAdminData{New: true, Consultations: opts})
}

func (s *Server) delibCreate(w http.ResponseWriter, r *http.Request) error {
	actor, err := delibRequireSecretariat(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, delibFields...)
	d, err := s.deliberations().Create(r.Context(), actor, delibFromForm(r))
	if form.AddErrors(err) {
		opts, oerr := s.consultOptions(r, actor)
		if oerr != nil {
			return oerr
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "deliberate-admin", "deliberate.admin.new_title", form, delibAdminData{New: true, Consultations: opts})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/deliberations/"+strconv.FormatInt(d.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) delibAdminData(r *http.Request, d deliberate.Deliberation, actor auth.Actor) (delibAdminData, error) {
	sts, err := s.deliberations().Statements(r.Context(), actor, d.ID, "")
	if err != nil {
		return delibAdminData{}, err
	}
	opts, err := s.consultOptions(r, actor)
	data := delibAdminData{D: d, Statements: sts, Consultations: opts}
	for _, st := range sts {
		if st.Status == deliberate.Pending {
			data.Pending++
		}
	}
	return data, err
}

func (s *Server) delibAdmin(w http.ResponseWriter, r *http.Request) error {
	actor, err := delibRequireSecretariat(r)
	if err != nil {
		return err
	}
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	data, err := s.delibAdminData(r, d, actor)
	if err != nil {
		return err
	}
	form := &Form{Values: delibValues(d), Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "deliberate-admin", "deliberate.admin.title", form, data)
}

func (s *Server) delibUpdate(w http.ResponseWriter, r *http.Request) error {
	actor, err := delibRequireSecretariat(r)
	if err != nil {
		return err
	}
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, delibFields...)
	upd := delibFromForm(r)
	upd.ID = d.ID
	_, err = s.deliberations().Update(r.Context(), actor, upd)
	if form.AddErrors(err) {
		data, derr := s.delibAdminData(r, d, actor)
		if derr != nil {
			return derr
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "deliberate-admin", "deliberate.admin.title", form, data)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/deliberations/"+strconv.FormatInt(d.ID, 10)+"?saved=1", http.StatusSeeOther)
	return nil
}

func (s *Server) delibAddSeed(w http.ResponseWriter, r *http.Request) error {
	actor, err := delibRequireSecretariat(r)
	if err != nil {
		return err
	}
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	seed := NewForm(r, "text_en", "text_fr")
	_, err = s.deliberations().AddSeed(r.Context(), actor, d.ID, r.PostForm.Get("text_en"), r.PostForm.Get("text_fr"))
	if seed.AddErrors(err) {
		data, derr := s.delibAdminData(r, d, actor)
		if derr != nil {
			return derr
		}
		// The page's settings show as stored; the statement keeps what was
		// typed, with its errors.
		form := &Form{Values: delibValues(d), Errors: seed.Errors, Order: seed.Order}
		form.Values.Set("text_en", seed.Get("text_en"))
		form.Values.Set("text_fr", seed.Get("text_fr"))
		return s.render(w, r, http.StatusUnprocessableEntity, "deliberate-admin", "deliberate.admin.title", form, data)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/deliberations/"+strconv.FormatInt(d.ID, 10)+"#statements", http.StatusSeeOther)
	return nil
}

func (s *Server) delibQueue(w http.ResponseWriter, r *http.Request) error {
	actor, err := delibRequireSecretariat(r)
	if err != nil {
		return err
	}
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	all, err := s.deliberations().Statements(r.Context(), actor, d.ID, "")
	if err != nil {
		return err
	}
	// Pending statements first, then those shown (which may still be
	// corrected or removed), then those removed (which may be restored);
	// newest first.
	var pending, accepted, rejected []deliberate.Statement
	for i := len(all) - 1; i >= 0; i-- {
		switch st := all[i]; st.Status {
		case deliberate.Pending:
			pending = append(pending, st)
		case deliberate.Accepted:
			accepted = append(accepted, st)
		default:
			rejected = append(rejected, st)
		}
	}
	return s.render(w, r, http.StatusOK, "deliberate-queue", "deliberate.queue.title", &Form{Values: url.Values{}, Errors: map[string]string{}},
		map[string]any{"D": d, "Pending": pending, "Accepted": accepted, "Rejected": rejected})
}

func (s *Server) delibModerate(w http.ResponseWriter, r *http.Request) error {
	actor, err := delibRequireSecretariat(r)
	if err != nil {
		return err
	}
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	sid, err := strconv.ParseInt(r.PathValue("sid"), 10, 64)
	if err != nil {
		return pallmall.ErrNotFound
	}
	err = s.deliberations().Moderate(r.Context(), actor, d.ID, sid, deliberate.StatementStatus(r.PostForm.Get("decision")),
		r.PostForm.Get("text_en"), r.PostForm.Get("text_fr"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/deliberations/"+strconv.FormatInt(d.ID, 10)+"/queue", http.StatusSeeOther)
	return nil
}

package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// requireSecretariat returns the actor if it is the secretariat.
func requireSecretariat(r *http.Request) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	if !a.Is(auth.Secretariat) {
		return a, pallmall.ErrForbidden
	}
	return a, nil
}

func (s *Server) consultAdminList(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireAnalysis(r)
	if err != nil {
		return err
	}
	list, err := s.consultations().List(r.Context(), actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "consult-admin-list", "consult.admin_list.title", nil, list)
}

var consultFields = []string{"title_en", "title_fr", "summary_en", "summary_fr", "body_en", "body_fr", "audiences", "opens_at", "closes_at", "partner_en", "partner_fr", "partner_key", "require_email", "retention_months", "reason"}

type consultFormData struct {
	ID           int64
	Stakeholders []consult.Stakeholder
	Started      bool // responses exist: changes need a reason
}

func consultValues(c consult.Consultation) url.Values {
	v := url.Values{
		"title_en": {c.TitleEN}, "title_fr": {c.TitleFR}, "summary_en": {c.SummaryEN}, "summary_fr": {c.SummaryFR},
		"body_en": {c.BodyEN}, "body_fr": {c.BodyFR}, "partner_en": {c.PartnerEN}, "partner_fr": {c.PartnerFR}, "partner_key": {c.PartnerKey},
		"opens_at": {localInput(c.OpensAt)}, "closes_at": {localInput(c.ClosesAt)},
		"retention_months": {strconv.Itoa(c.RetentionMonths)},
	}
	for _, a := range c.Audiences {
		v.Add("audiences", string(a))
	}
	if c.RequireEmail {
		v.Set("require_email", "yes")
	}
	return v
}

func (s *Server) consultNewForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireSecretariat(r); err != nil {
		return err
	}
	form := &Form{Values: url.Values{"retention_months": {strconv.Itoa(consult.DefaultRetentionMonths)}}, Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "consult-admin-form", "consult.admin_new.title", form, consultFormData{Stakeholders: consult.Stakeholders})
}

// consultFromForm reads the consultation form, noting unreadable dates.
func consultFromForm(r *http.Request, form *Form) consult.Consultation {
	p := r.PostForm
	c := consult.Consultation{
		TitleEN: p.Get("title_en"), TitleFR: p.Get("title_fr"), SummaryEN: p.Get("summary_en"), SummaryFR: p.Get("summary_fr"),
		BodyEN: p.Get("body_en"), BodyFR: p.Get("body_fr"), PartnerEN: p.Get("partner_en"), PartnerFR: p.Get("partner_fr"),
		PartnerKey: p.Get("partner_key"), RequireEmail: p.Get("require_email") == "yes",
	}
	for _, a := range p["audiences"] {
		c.Audiences = append(c.Audiences, consult.Stakeholder(a))
	}
	var ok bool
	if c.OpensAt, ok = parseLocal(p.Get("opens_at")); !ok {
		form.Errors["opens_at"] = "consult.error.date"
	}
	if c.ClosesAt, ok = parseLocal(p.Get("closes_at")); !ok {
		form.Errors["closes_at"] = "consult.error.date"
	}
	if m := strings.TrimSpace(p.Get("retention_months")); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 {
			form.Errors["retention_months"] = "consult.error.retention"
		}
		c.RetentionMonths = n
	}
	return c
}

func (s *Server) consultCreate(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, consultFields...)
	c := consultFromForm(r, form)
	if len(form.Errors) == 0 {
		c, err = s.consultations().Create(r.Context(), actor, c)
	} else if verr := c.Validate(); verr != nil {
		form.AddErrors(verr)
	}
	if form.AddErrors(err) || len(form.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "consult-admin-form", "consult.admin_new.title", form, consultFormData{Stakeholders: consult.Stakeholders})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) consultEditForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	started, err := s.consultations().HasResponses(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	form := &Form{Values: consultValues(c), Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "consult-admin-form", "consult.admin_edit.title", form, consultFormData{ID: c.ID, Stakeholders: consult.Stakeholders, Started: started})
}

func (s *Server) consultUpdate(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	old, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, consultFields...)
	c := consultFromForm(r, form)
	c.ID = old.ID
	if len(form.Errors) == 0 {
		_, err = s.consultations().Update(r.Context(), actor, c, r.PostForm.Get("reason"))
	} else if verr := c.Validate(); verr != nil {
		form.AddErrors(verr)
	}
	if form.AddErrors(err) || len(form.Errors) > 0 {
		started, _ := s.consultations().HasResponses(r.Context(), actor, c.ID)
		return s.render(w, r, http.StatusUnprocessableEntity, "consult-admin-form", "consult.admin_edit.title", form, consultFormData{ID: c.ID, Stakeholders: consult.Stakeholders, Started: started})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

type consultAdminData struct {
	C            consult.Consultation
	State        consult.Status
	Opens        string
	Closes       string
	Sections     []consult.Section
	Changes      []consult.Change
	Counts       consult.Counts
	Started      bool
	Stakeholders []consult.Stakeholder
	Questions    map[int64]consult.Question
}

func (s *Server) consultAdmin(w http.ResponseWriter, r *http.Request) error {
	return s.consultAdminPage(w, r, http.StatusOK, &Form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) consultAdminPage(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	svc := s.consultations()
	qn, err := svc.Questionnaire(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	changes, err := svc.Changes(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	counts, err := svc.Counts(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	lang := info(r).lang
	d := consultAdminData{C: c, State: c.State(svc.Clock()), Opens: bothZones(c.OpensAt, lang), Closes: bothZones(c.ClosesAt, lang),
		Sections: qn.Sections, Changes: changes, Counts: counts, Started: counts.Started > 0, Stakeholders: consult.Stakeholders,
		Questions: map[int64]consult.Question{}}
	for _, q := range qn.Questions() {
		d.Questions[q.ID] = q
	}
	return s.render(w, r, status, "consult-admin", "consult.admin.title", form, d)
}

func (s *Server) consultSetStatus(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	to := consult.Status(r.PostForm.Get("status"))
	err = s.consultations().SetStatus(r.Context(), actor, c.ID, to)
	form := NewForm(r, "status")
	if form.AddErrors(err) {
		return s.consultAdminPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) consultAddSection(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	p := r.PostForm
	_, err = s.consultations().AddSection(r.Context(), actor, consult.Section{ConsultationID: c.ID,
		TitleEN: p.Get("title_en"), TitleFR: p.Get("title_fr"), IntroEN: p.Get("intro_en"), IntroFR: p.Get("intro_fr")}, p.Get("reason"))
	form := NewForm(r, "title_en", "title_fr", "intro_en", "intro_fr", "reason")
	if form.AddErrors(err) {
		return s.consultAdminPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"#sections", http.StatusSeeOther)
	return nil
}

var questionFields = []string{"section", "kind", "text_en", "text_fr", "hint_en", "hint_fr", "required", "max_chars", "options", "allow_other", "audiences", "cond_question", "cond_values", "reason"}

type questionFormData struct {
	C            consult.Consultation
	QuestionID   int64
	Sections     []consult.Section
	Kinds        []consult.Kind
	Stakeholders []consult.Stakeholder
	Conditions   []consult.Question // earlier choice questions
	Started      bool
}

func (s *Server) questionFormData(r *http.Request, c consult.Consultation, questionID int64) (questionFormData, consult.Questionnaire, error) {
	actor := Actor(r)
	svc := s.consultations()
	qn, err := svc.Questionnaire(r.Context(), actor, c.ID)
	if err != nil {
		return questionFormData{}, qn, err
	}
	started, err := svc.HasResponses(r.Context(), actor, c.ID)
	d := questionFormData{C: c, QuestionID: questionID, Sections: qn.Sections, Kinds: consult.Kinds, Stakeholders: consult.Stakeholders, Started: started}
	for _, q := range qn.Questions() {
		if q.ID == questionID {
			break // only earlier questions can be conditions
		}
		if q.Kind == consult.Single || q.Kind == consult.Multiple || q.Kind == consult.YesNo {
			d.Conditions = append(d.Conditions, q)
		}
	}
	return d, qn, err
}

func questionValues(q consult.Question) url.Values {
	v := url.Values{
		"section": {strconv.FormatInt(q.SectionID, 10)}, "kind": {string(q.Kind)}, "text_en": {q.TextEN}, "text_fr": {q.TextFR},
		"hint_en": {q.HintEN}, "hint_fr": {q.HintFR}, "options": {consult.FormatOptions(q.Options)},
		"cond_values": {strings.Join(q.CondValues, ", ")},
	}
	if q.MaxChars > 0 {
		v.Set("max_chars", strconv.Itoa(q.MaxChars))
	}
	if q.Required {
		v.Set("required", "yes")
	}
	if q.AllowOther {
		v.Set("allow_other", "yes")
	}
	if q.CondQuestionID != 0 {
		v.Set("cond_question", strconv.FormatInt(q.CondQuestionID, 10))
	}
	for _, a := range q.Audiences {
		v.Add("audiences", string(a))
	}
	return v
}

func (s *Server) consultQuestionForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireSecretariat(r); err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	var qid int64
	if r.PathValue("qid") != "" {
		if qid, err = pathInt(r, "qid"); err != nil {
			return err
		}
	}
	d, qn, err := s.questionFormData(r, c, qid)
	if err != nil {
		return err
	}
	form := &Form{Values: url.Values{"section": {r.URL.Query().Get("section")}, "kind": {"short_text"}}, Errors: map[string]string{}}
	title := "consult.question_new.title"
	if qid != 0 {
		q, ok := qn.Question(qid)
		if !ok {
			return pallmall.ErrNotFound
		}
		form.Values = questionValues(q)
		title = "consult.question_edit.title"
	}
	return s.render(w, r, http.StatusOK, "consult-question-form", title, form, d)
}

func (s *Server) consultSaveQuestion(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	var qid int64
	if r.PathValue("qid") != "" {
		if qid, err = pathInt(r, "qid"); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, questionFields...)
	p := r.PostForm
	q := consult.Question{ID: qid, ConsultationID: c.ID, Kind: consult.Kind(p.Get("kind")), TextEN: p.Get("text_en"), TextFR: p.Get("text_fr"),
		HintEN: p.Get("hint_en"), HintFR: p.Get("hint_fr"), Required: p.Get("required") == "yes", AllowOther: p.Get("allow_other") == "yes"}
	q.SectionID, _ = strconv.ParseInt(p.Get("section"), 10, 64)
	if s := strings.TrimSpace(p.Get("max_chars")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			form.Errors["max_chars"] = "consult.error.max_chars"
		}
		q.MaxChars = n
	}
	if q.Kind.HasOptions() {
		var ok bool
		if q.Options, ok = consult.ParseOptions(p.Get("options")); !ok {
			form.Errors["options"] = "consult.error.options"
		}
	}
	for _, a := range p["audiences"] {
		q.Audiences = append(q.Audiences, consult.Stakeholder(a))
	}
	q.CondQuestionID, _ = strconv.ParseInt(p.Get("cond_question"), 10, 64)
	for _, v := range strings.Split(p.Get("cond_values"), ",") {
		if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
			q.CondValues = append(q.CondValues, v)
		}
	}
	if len(form.Errors) == 0 {
		_, err = s.consultations().SaveQuestion(r.Context(), actor, q, p.Get("reason"))
	} else if verr := q.Validate(); verr != nil {
		form.AddErrors(verr)
	}
	if form.AddErrors(err) || len(form.Errors) > 0 {
		d, _, derr := s.questionFormData(r, c, qid)
		if derr != nil {
			return derr
		}
		title := "consult.question_new.title"
		if qid != 0 {
			title = "consult.question_edit.title"
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "consult-question-form", title, form, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"#sections", http.StatusSeeOther)
	return nil
}

// consultPreview shows the questionnaire as a respondent of one
// stakeholder type would see it, without storing anything.
func (s *Server) consultPreview(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	as := consult.Stakeholder(r.URL.Query().Get("as"))
	if !as.Valid() {
		as = consult.State
	}
	qn, err := s.consultations().Questionnaire(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	lang := info(r).lang
	var sections []sectionView
	for _, sec := range qn.Sections {
		sv := sectionView{Section: sec}
		for _, q := range sec.Questions {
			if q.ShownTo(as) {
				sv.Questions = append(sv.Questions, newQuestionView(q, qn, lang, nil, ""))
			}
		}
		sections = append(sections, sv)
	}
	return s.render(w, r, http.StatusOK, "consult-preview", "consult.preview.title", nil, map[string]any{
		"C": c, "As": as, "Stakeholders": consult.Stakeholders, "Sections": sections,
	})
}

// builderChange is the shape of every change the secretariat makes to one
// part of a questionnaire (a question or a section, named by the path
// value idName) from a form that may need a reason: parse the form, ask
// the service, then either redisplay the form with its errors and typed
// values (through redisplay) or go back to the builder's sections.
func (s *Server) builderChange(w http.ResponseWriter, r *http.Request, idName string, fields []string,
	change func(ctx context.Context, actor auth.Actor, consultationID, id int64, form url.Values) error,
	redisplay func(w http.ResponseWriter, r *http.Request, status int, form *Form) error) error {
	actor, err := requireSecretariat(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	id, err := pathInt(r, idName)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	err = change(r.Context(), actor, c.ID, id, r.PostForm)
	form := NewForm(r, fields...)
	if form.AddErrors(err) {
		return redisplay(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"#sections", http.StatusSeeOther)
	return nil
}

func (s *Server) consultDeleteQuestion(w http.ResponseWriter, r *http.Request) error {
	return s.builderChange(w, r, "qid", []string{"reason"},
		func(ctx context.Context, actor auth.Actor, cid, qid int64, p url.Values) error {
			return s.consultations().DeleteQuestion(ctx, actor, cid, qid, p.Get("reason"))
		},
		func(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
			form.Errors["reason"] = "consult.error.reason_required_delete"
			return s.consultAdminPage(w, r, status, form)
		})
}

func (s *Server) consultMoveQuestion(w http.ResponseWriter, r *http.Request) error {
	return s.builderChange(w, r, "qid", []string{"reason"},
		func(ctx context.Context, actor auth.Actor, cid, qid int64, p url.Values) error {
			by, _ := strconv.Atoi(p.Get("by"))
			return s.consultations().MoveQuestion(ctx, actor, cid, qid, by, p.Get("reason"))
		}, s.consultAdminPage)
}

func (s *Server) consultDeleteSection(w http.ResponseWriter, r *http.Request) error {
	return s.builderChange(w, r, "sid", []string{"reason"},
		func(ctx context.Context, actor auth.Actor, cid, sid int64, p url.Values) error {
			return s.consultations().DeleteSection(ctx, actor, cid, sid, p.Get("reason"))
		}, s.consultAdminPage)
}

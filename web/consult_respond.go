package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
)

// The respondent's resume token travels in a cookie per consultation once
// the resume link has been opened, so it does not sit in every URL.
func responseCookie(id int64) string { return "__Host-pallmall_response_" + strconv.FormatInt(id, 10) }

func setResponseCookie(w http.ResponseWriter, c consult.Consultation, token string) {
	// The cookie outlives the closing time by a year so a respondent can
	// still withdraw after close; the resume link works as long as well.
	http.SetCookie(w, &http.Cookie{Name: responseCookie(c.ID), Value: token, Path: "/", Expires: c.ClosesAt.Add(365 * 24 * time.Hour),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func clearResponseCookie(w http.ResponseWriter, id int64) {
	http.SetCookie(w, &http.Cookie{Name: responseCookie(id), Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// respondent loads the consultation and the response whose token the
// request carries. Without a valid token it returns ErrNotFound.
func (s *Server) respondent(r *http.Request) (consult.Consultation, consult.Response, string, error) {
	c, err := s.consultationFor(r)
	if err != nil {
		return c, consult.Response{}, "", err
	}
	ck, err := r.Cookie(responseCookie(c.ID))
	if err != nil {
		return c, consult.Response{}, "", pallmall.ErrNotFound
	}
	resp, err := s.consultations().ByToken(r.Context(), c.ID, ck.Value)
	return c, resp, ck.Value, err
}

// withRespondent runs h with the respondent's response, sending those
// without one to the start page.
func (s *Server) withRespondent(h func(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, resp, token, err := s.respondent(r)
		if errors.Is(err, pallmall.ErrNotFound) && c.ID != 0 {
			clearResponseCookie(w, c.ID)
			http.Redirect(w, r, "/consultations/"+strconv.FormatInt(c.ID, 10)+"/start", http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		return h(w, r, c, resp, token)
	}
}

func respondPath(c consult.Consultation, rest string) string {
	return "/consultations/" + strconv.FormatInt(c.ID, 10) + "/respond" + rest
}

func (s *Server) consultPublicList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.consultations().List(r.Context(), Actor(r))
	if err != nil {
		return err
	}
	now := time.Now()
	lang := info(r).lang
	type item struct {
		C      consult.Consultation
		State  consult.Status
		Closes string
	}
	var items []item
	for _, c := range list {
		if c.Status == consult.Draft {
			continue
		}
		items = append(items, item{c, c.State(now), bothZones(c.ClosesAt, lang)})
	}
	return s.render(w, r, http.StatusOK, "consult-list", "consult.list.title", nil, items)
}

func (s *Server) consultShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	c, qn, changes, err := s.consultations().Overview(r.Context(), Actor(r), id)
	if err != nil {
		return err
	}
	lang := info(r).lang
	delibs, err := s.deliberations().ForConsultation(r.Context(), Actor(r), c.ID)
	if err != nil {
		return err
	}
	_, hasCookie := r.Cookie(responseCookie(c.ID))
	now := time.Now()
	return s.render(w, r, http.StatusOK, "consult-show", "consult.show.title", nil, map[string]any{
		"C": c, "State": c.State(now), "Accepting": c.Accepting(now), "NotYet": c.Status == consult.Open && now.Before(c.OpensAt),
		"Opens": bothZones(c.OpensAt, lang), "Closes": bothZones(c.ClosesAt, lang), "Sections": qn.Sections, "Changes": changes,
		"Resuming": hasCookie == nil, "Body": paragraphs(c.Body(lang)), "Deliberations": delibs,
	})
}

var aboutFields = []string{"kind", "stakeholder", "name", "organisation_name", "country", "email"}

func aboutFromForm(r *http.Request) consult.About {
	p := r.PostForm
	return consult.About{Kind: p.Get("kind"), Stakeholder: consult.Stakeholder(p.Get("stakeholder")), Name: p.Get("name"),
		OrganisationName: p.Get("organisation_name"), Country: p.Get("country"), Email: p.Get("email")}
}

func aboutValues(a consult.About) url.Values {
	return url.Values{"kind": {a.Kind}, "stakeholder": {string(a.Stakeholder)}, "name": {a.Name}, "organisation_name": {a.OrganisationName},
		"country": {a.Country}, "email": {a.Email}}
}

func (s *Server) renderAbout(w http.ResponseWriter, r *http.Request, status int, c consult.Consultation, form *Form, editing bool) error {
	return s.render(w, r, status, "consult-about", "consult.about.title", form, map[string]any{
		"C": c, "Stakeholders": consult.Stakeholders, "Editing": editing,
	})
}

func (s *Server) consultStartForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	if _, resp, _, err := s.respondent(r); err == nil && resp.ID != 0 {
		http.Redirect(w, r, respondPath(c, ""), http.StatusSeeOther)
		return nil
	}
	if !c.Accepting(time.Now()) {
		return s.closedPage(w, r, c)
	}
	return s.renderAbout(w, r, http.StatusOK, c, &Form{Values: url.Values{}, Errors: map[string]string{}}, false)
}

func (s *Server) consultStart(w http.ResponseWriter, r *http.Request) error {
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, aboutFields...)
	resp, token, err := s.consultations().Start(r.Context(), c.ID, aboutFromForm(r))
	if isClosed(err) {
		return s.closedPage(w, r, c)
	}
	if form.AddErrors(err) {
		return s.renderAbout(w, r, http.StatusUnprocessableEntity, c, form, false)
	}
	if err != nil {
		return err
	}
	setResponseCookie(w, c, token)
	return s.render(w, r, http.StatusCreated, "consult-started", "consult.started.title", nil, map[string]any{
		"C": c, "Link": s.PublicURL + "/consultations/" + strconv.FormatInt(c.ID, 10) + "/resume/" + token, "Reference": resp.Reference,
		"Closes": bothZones(c.ClosesAt, info(r).lang),
	})
}

// consultResume opens a response from its private link.
func (s *Server) consultResume(w http.ResponseWriter, r *http.Request) error {
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	if _, err := s.consultations().ByToken(r.Context(), c.ID, token); err != nil {
		return err
	}
	setResponseCookie(w, c, token)
	http.Redirect(w, r, respondPath(c, ""), http.StatusSeeOther)
	return nil
}

// consultForget removes the response cookie from this browser, for shared
// computers; the resume link still works.
func (s *Server) consultForget(w http.ResponseWriter, r *http.Request) error {
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	clearResponseCookie(w, c.ID)
	http.Redirect(w, r, "/consultations/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

type taskSection struct {
	consult.Section
	Shown    int
	Answered int
	Missing  int
}

func (s *Server) consultTasks(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	svc := s.consultations()
	qn, err := svc.Questionnaire(r.Context(), Actor(r), c.ID)
	if err != nil {
		return err
	}
	changes, err := svc.ChangesSince(r.Context(), c.ID, resp.CreatedAt)
	if err != nil {
		return err
	}
	problems := qn.Problems(resp)
	var tasks []taskSection
	for _, sec := range qn.Sections {
		t := taskSection{Section: sec}
		for _, q := range sec.Questions {
			if !qn.Visible(q, resp.Stakeholder, resp.Answers) {
				continue
			}
			t.Shown++
			if !resp.Answers[q.ID].Empty() {
				t.Answered++
			}
			if problems[qName(q.ID)] != "" {
				t.Missing++
			}
		}
		if t.Shown > 0 {
			tasks = append(tasks, t)
		}
	}
	now := time.Now()
	lang := info(r).lang
	return s.render(w, r, http.StatusOK, "consult-tasks", "consult.tasks.title", nil, map[string]any{
		"C": c, "R": resp, "Tasks": tasks, "Changes": changes, "Accepting": c.Accepting(now), "Closes": bothZones(c.ClosesAt, lang),
		"Submitted": bothZones(resp.SubmittedAt, lang), "Ready": len(problems) == 0, "CanWithdraw": resp.Status == consult.StatusSubmitted && c.Status != consult.Published,
		"Saved": r.URL.Query().Get("saved") == "1", "Emailed": r.URL.Query().Get("emailed") == "1",
	})
}

func (s *Server) consultAboutForm(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	return s.renderAbout(w, r, http.StatusOK, c, &Form{Values: aboutValues(resp.About), Errors: map[string]string{}}, true)
}

func (s *Server) consultSaveAbout(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, aboutFields...)
	err := s.consultations().SaveAbout(r.Context(), c.ID, token, aboutFromForm(r))
	if isClosed(err) {
		return s.closedPage(w, r, c)
	}
	if form.AddErrors(err) {
		return s.renderAbout(w, r, http.StatusUnprocessableEntity, c, form, true)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, respondPath(c, ""), http.StatusSeeOther)
	return nil
}

// sectionFor finds the section named in the path and its place.
func sectionFor(r *http.Request, qn consult.Questionnaire) (int, consult.Section, error) {
	sid, err := pathInt(r, "sid")
	if err != nil {
		return 0, consult.Section{}, err
	}
	for i, sec := range qn.Sections {
		if sec.ID == sid {
			return i, sec, nil
		}
	}
	return 0, consult.Section{}, pallmall.ErrNotFound
}

// shownInSection lists the questions of sec a respondent sees: those for
// their stakeholder type whose condition is met, or whose condition depends
// on a question in this same section (shown with a note, since without
// JavaScript the page cannot hide them as the answer changes).
func shownInSection(qn consult.Questionnaire, sec consult.Section, resp consult.Response) []consult.Question {
	inSection := map[int64]bool{}
	var out []consult.Question
	for _, q := range sec.Questions {
		inSection[q.ID] = true
		if !q.ShownTo(resp.Stakeholder) {
			continue
		}
		if q.CondQuestionID != 0 && inSection[q.CondQuestionID] {
			out = append(out, q)
			continue
		}
		if qn.Visible(q, resp.Stakeholder, resp.Answers) {
			out = append(out, q)
		}
	}
	return out
}

func (s *Server) renderSection(w http.ResponseWriter, r *http.Request, status int, c consult.Consultation, resp consult.Response, qn consult.Questionnaire, idx int, sec consult.Section, form *Form) error {
	lang := info(r).lang
	sv := sectionView{Section: sec}
	for _, q := range shownInSection(qn, sec, resp) {
		v := newQuestionView(q, qn, lang, form.Values, form.Error(qName(q.ID)))
		if q.Kind == consult.File {
			v.File = resp.Answers[q.ID].File
		}
		sv.Questions = append(sv.Questions, v)
	}
	hasFile := false
	for _, q := range sv.Questions {
		hasFile = hasFile || q.Q.Kind == consult.File
	}
	return s.render(w, r, status, "consult-section", "consult.section.title", form, map[string]any{
		"C": c, "S": sv, "Number": idx + 1, "Of": len(qn.Sections), "HasFile": hasFile, "MaxUpload": consult.MaxFileSize >> 20,
	})
}

func (s *Server) consultSectionForm(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	qn, err := s.consultations().Questionnaire(r.Context(), Actor(r), c.ID)
	if err != nil {
		return err
	}
	idx, sec, err := sectionFor(r, qn)
	if err != nil {
		return err
	}
	if resp.Status != consult.StatusDraft || !c.Accepting(time.Now()) {
		http.Redirect(w, r, respondPath(c, ""), http.StatusSeeOther)
		return nil
	}
	values := url.Values{}
	for _, q := range sec.Questions {
		answerValues(q, resp.Answers[q.ID], values)
	}
	return s.renderSection(w, r, http.StatusOK, c, resp, qn, idx, sec, &Form{Values: values, Errors: map[string]string{}})
}

func (s *Server) consultSaveSection(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	svc := s.consultations()
	qn, err := svc.Questionnaire(r.Context(), Actor(r), c.ID)
	if err != nil {
		return err
	}
	idx, sec, err := sectionFor(r, qn)
	if err != nil {
		return err
	}
	if err := s.parseSectionForm(r); err != nil {
		return err
	}
	var order []string
	for _, q := range sec.Questions {
		order = append(order, qName(q.ID))
	}
	form := NewForm(r, order...)
	// Attachments first: a refused file is reported with everything else
	// typed kept, and an accepted one is stored even if another answer is
	// wrong.
	fileErrs := s.saveUploads(r, c, token, sec, form)
	later := r.PostForm.Get("action") == "later"
	err = svc.SaveAnswers(r.Context(), c.ID, token, sec.ID, answersFromValues(sec, r.PostForm), !later)
	if isClosed(err) {
		return s.closedPage(w, r, c)
	}
	if form.AddErrors(err) || fileErrs {
		resp, rerr := svc.ByToken(r.Context(), c.ID, token)
		if rerr != nil {
			return rerr
		}
		return s.renderSection(w, r, http.StatusUnprocessableEntity, c, resp, qn, idx, sec, form)
	}
	if err != nil {
		return err
	}
	switch {
	case later:
		http.Redirect(w, r, respondPath(c, "?saved=1"), http.StatusSeeOther)
	case idx+1 < len(qn.Sections):
		http.Redirect(w, r, respondPath(c, "/section/"+strconv.FormatInt(qn.Sections[idx+1].ID, 10)), http.StatusSeeOther)
	default:
		http.Redirect(w, r, respondPath(c, "/consent"), http.StatusSeeOther)
	}
	return nil
}

func (s *Server) renderConsent(w http.ResponseWriter, r *http.Request, status int, c consult.Consultation, resp consult.Response, form *Form) error {
	return s.render(w, r, status, "consult-consent", "consult.consent.title", form, map[string]any{
		"C": c, "R": resp, "W": c.Wording(info(r).lang),
	})
}

func boolValue(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (s *Server) consultConsentForm(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	values := url.Values{}
	if resp.Consent.Set {
		values = url.Values{"share": {boolValue(resp.Consent.Share)}, "publish": {string(resp.Consent.Publish)}, "contact": {boolValue(resp.Consent.Contact)}}
	}
	return s.renderConsent(w, r, http.StatusOK, c, resp, &Form{Values: values, Errors: map[string]string{}})
}

func formBool(v string) *bool {
	switch v {
	case "yes":
		b := true
		return &b
	case "no":
		b := false
		return &b
	}
	return nil
}

func (s *Server) consultSaveConsent(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "share", "publish", "contact")
	p := r.PostForm
	err := s.consultations().SetConsent(r.Context(), c.ID, token, info(r).lang, formBool(p.Get("share")), formBool(p.Get("contact")), consult.Publish(p.Get("publish")))
	if isClosed(err) {
		return s.closedPage(w, r, c)
	}
	if form.AddErrors(err) {
		return s.renderConsent(w, r, http.StatusUnprocessableEntity, c, resp, form)
	}
	if err != nil {
		return err
	}
	if resp.Status == consult.StatusSubmitted {
		http.Redirect(w, r, respondPath(c, ""), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, respondPath(c, "/check"), http.StatusSeeOther)
	return nil
}

type checkRow struct {
	Q       consult.Question
	Text    string
	Lines   []string
	Error   string
	Section int64
}

func (s *Server) renderCheck(w http.ResponseWriter, r *http.Request, status int, c consult.Consultation, resp consult.Response, form *Form) error {
	qn, err := s.consultations().Questionnaire(r.Context(), Actor(r), c.ID)
	if err != nil {
		return err
	}
	lang := info(r).lang
	type checkSection struct {
		consult.Section
		Rows []checkRow
	}
	var sections []checkSection
	for _, sec := range qn.Sections {
		cs := checkSection{Section: sec}
		for _, q := range sec.Questions {
			if qn.Visible(q, resp.Stakeholder, resp.Answers) {
				cs.Rows = append(cs.Rows, checkRow{Q: q, Text: q.Text(lang), Lines: strings.Split(answerText(q, resp.Answers[q.ID], lang), "\n"), Error: form.Error(qName(q.ID)), Section: sec.ID})
			}
		}
		if len(cs.Rows) > 0 {
			sections = append(sections, cs)
		}
	}
	return s.render(w, r, status, "consult-check", "consult.check.title", form, map[string]any{
		"C": c, "R": resp, "Sections": sections, "W": c.Wording(lang),
	})
}

func (s *Server) consultCheck(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	if resp.Status != consult.StatusDraft {
		http.Redirect(w, r, respondPath(c, ""), http.StatusSeeOther)
		return nil
	}
	return s.renderCheck(w, r, http.StatusOK, c, resp, &Form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) consultSubmit(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	_, err := s.consultations().Submit(r.Context(), c.ID, token)
	if isClosed(err) {
		return s.closedPage(w, r, c)
	}
	form := &Form{Values: url.Values{}, Errors: map[string]string{}}
	if form.AddErrors(err) {
		return s.renderCheck(w, r, http.StatusUnprocessableEntity, c, resp, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, respondPath(c, "/receipt"), http.StatusSeeOther)
	return nil
}

func (s *Server) consultReceipt(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	rc, ok := resp.Receipt()
	if !ok {
		return pallmall.ErrNotFound
	}
	return s.render(w, r, http.StatusOK, "consult-receipt", "consult.receipt.title", nil, map[string]any{
		"C": c, "R": resp, "Receipt": rc, "At": bothZones(rc.SubmittedAt, info(r).lang), "Withdrawn": bothZones(resp.WithdrawnAt, info(r).lang),
	})
}

func (s *Server) consultReceiptJSON(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	rc, ok := resp.Receipt()
	if !ok {
		return pallmall.ErrNotFound
	}
	b, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="pallmall-receipt-`+rc.Reference+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(append(b, '\n'))
	return err
}

func (s *Server) consultWithdraw(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	if err := s.consultations().Withdraw(r.Context(), c.ID, token); err != nil {
		return err
	}
	http.Redirect(w, r, respondPath(c, ""), http.StatusSeeOther)
	return nil
}

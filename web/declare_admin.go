package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
)

func declareSecretariat(r *http.Request) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	if !a.Is(auth.Secretariat) {
		return a, pallmall.ErrForbidden
	}
	return a, nil
}

type declarePaperPage struct {
	Frameworks    []declare.Framework
	Organisations []auth.Organisation
}

func (s *Server) declarePaperData(r *http.Request) (declarePaperPage, error) {
	fws, err := s.declareService().Frameworks(r.Context())
	if err != nil {
		return declarePaperPage{}, err
	}
	orgs, err := s.Auth.Organisations(r.Context(), "", 0, 0)
	sortOrgs(orgs, info(r).lang)
	return declarePaperPage{Frameworks: fws, Organisations: orgs}, err
}

func (s *Server) declarePaperForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := declareSecretariat(r); err != nil {
		return err
	}
	d, err := s.declarePaperData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "declare-paper", "declare.paper.title", &Form{Values: r.URL.Query(), Errors: map[string]string{}}, d)
}

func (s *Server) declareRecordPaper(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSecretariat(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.declarePaperData(r)
	if err != nil {
		return err
	}
	form := NewForm(r, "framework", "organisation", "reference")
	fw, version, _ := strings.Cut(r.PostForm.Get("framework"), "@")
	orgID, _ := strconv.ParseInt(r.PostForm.Get("organisation"), 10, 64)
	if fw == "" {
		form.Errors["framework"] = "error.choose_one"
	}
	if orgID == 0 {
		form.Errors["organisation"] = "error.choose_one"
	}
	if len(form.Errors) == 0 {
		e, err := s.declareService().Endorse(r.Context(), actor, declare.EndorseInput{FrameworkID: fw, Version: version, OrganisationID: orgID,
			Method: declare.MethodPaper, PaperReference: r.PostForm.Get("reference")})
		if err == nil {
			http.Redirect(w, r, "/frameworks/"+e.FrameworkID+"/endorsements/"+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
			return nil
		}
		switch {
		case declareNotFound(err):
			form.Errors["framework"] = "error.choose_one"
		case !declareFormError(form, "organisation", err):
			return err
		}
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "declare-paper", "declare.paper.title", form, d)
}

type declareRoundsPage struct {
	Rounds     []declare.Round
	Frameworks []declare.Framework
}

func (s *Server) declareRoundsData(r *http.Request) (declareRoundsPage, error) {
	svc := s.declareService()
	rounds, err := svc.Rounds(r.Context())
	if err != nil {
		return declareRoundsPage{}, err
	}
	fws, err := svc.Frameworks(r.Context())
	return declareRoundsPage{Rounds: rounds, Frameworks: fws}, err
}

func (s *Server) declareRounds(w http.ResponseWriter, r *http.Request) error {
	if _, err := declareSecretariat(r); err != nil {
		return err
	}
	d, err := s.declareRoundsData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "declare-rounds", "declare.rounds.title", &Form{Errors: map[string]string{}}, d)
}

func (s *Server) declareOpenRound(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSecretariat(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.declareRoundsData(r)
	if err != nil {
		return err
	}
	form := NewForm(r, "framework", "title_en", "title_fr", "deadline")
	fw, version, _ := strings.Cut(r.PostForm.Get("framework"), "@")
	var deadline time.Time
	if v := strings.TrimSpace(r.PostForm.Get("deadline")); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			form.Errors["deadline"] = "declare.error.date"
		}
		// The deadline is the end of that day in UTC.
		deadline = t.Add(24*time.Hour - time.Second)
	}
	if fw == "" {
		form.Errors["framework"] = "error.choose_one"
	}
	if len(form.Errors) == 0 {
		round, err := s.declareService().OpenRound(r.Context(), actor, fw, version, declare.Text{EN: r.PostForm.Get("title_en"), FR: r.PostForm.Get("title_fr")}, deadline)
		if err == nil {
			http.Redirect(w, r, "/admin/reporting-rounds/"+strconv.FormatInt(round.ID, 10), http.StatusSeeOther)
			return nil
		}
		switch {
		case declareNotFound(err):
			form.Errors["framework"] = "error.choose_one"
		case !form.AddErrors(err):
			return err
		}
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "declare-rounds", "declare.rounds.title", form, d)
}

type declareRoundPage struct {
	Round    declare.Round
	Reported []declare.Report
	Missing  []auth.Organisation
	Overdue  bool
}

func (s *Server) declareRound(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	round, reported, missing, err := s.declareService().RoundStatus(r.Context(), actor, id)
	if err != nil {
		return err
	}
	d := declareRoundPage{Round: round, Reported: reported, Missing: missing, Overdue: time.Now().After(round.Deadline)}
	return s.render(w, r, http.StatusOK, "declare-round", "declare.round.title", nil, d)
}

func declareNotFound(err error) bool { return errors.Is(err, pallmall.ErrNotFound) }

type declarePublishPage struct {
	Frameworks []declare.Framework
	Example    string
}

func (s *Server) declarePublishData(r *http.Request) (declarePublishPage, error) {
	fws, err := s.declareService().Frameworks(r.Context())
	return declarePublishPage{Frameworks: fws, Example: declareExampleDocument}, err
}

// declareExampleDocument shows the document format on the publish form.
const declareExampleDocument = `{
  "framework": "code-of-practice-industry",
  "version": "2026",
  "title": {"en": "…", "fr": "…"},
  "preamble": {"en": "…", "fr": "…"},
  "pillars": [
    {"key": "accountability", "title": {"en": "…", "fr": "…"}, "summary": {"en": "…", "fr": "…"},
     "measures": [{"number": "1", "role": "industry", "text": {"en": "…", "fr": "…"}}]}
  ]
}`

func (s *Server) declarePublishForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := declareSecretariat(r); err != nil {
		return err
	}
	d, err := s.declarePublishData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "declare-publish", "declare.publish.title", &Form{Errors: map[string]string{}}, d)
}

// declarePublish publishes a framework version from its JSON document,
// creating the framework first if it is new. A JSON error names the line.
func (s *Server) declarePublish(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSecretariat(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.declarePublishData(r)
	if err != nil {
		return err
	}
	form := NewForm(r, "document", "summary_en", "summary_fr")
	render := func() error {
		return s.render(w, r, http.StatusUnprocessableEntity, "declare-publish", "declare.publish.title", form, d)
	}
	raw := r.PostForm.Get("document")
	var doc declare.Document
	if line, err := declare.ParseDocument([]byte(raw), &doc); err != nil {
		form.Errors["document"] = "declare.error.json"
		form.Values.Set("line", strconv.Itoa(line))
		return render()
	}
	svc := s.declareService()
	// Validate before creating a new framework, so that a refused document
	// leaves nothing behind.
	if err := doc.Validate(); err != nil {
		if !form.AddErrors(err) {
			return err
		}
		declarePointIntoDocument(form)
		return render()
	}
	if _, err := svc.Framework(r.Context(), doc.Framework); declareNotFound(err) {
		err := svc.CreateFramework(r.Context(), actor, doc.Framework, doc.Title, declare.Text{EN: r.PostForm.Get("summary_en"), FR: r.PostForm.Get("summary_fr")})
		if err != nil {
			var v *pallmall.ValidationError
			if errors.As(err, &v) {
				for k, msg := range v.Fields {
					if k == "id" {
						k = "document"
					}
					form.Errors[k] = msg
				}
				return render()
			}
			return err
		}
	} else if err != nil {
		return err
	}
	v, err := svc.PublishVersion(r.Context(), actor, doc)
	switch {
	case err == nil:
		http.Redirect(w, r, "/frameworks/"+v.FrameworkID+"?version="+url.QueryEscape(v.Version), http.StatusSeeOther)
		return nil
	case errors.Is(err, pallmall.ErrAlreadyExists):
		form.Errors["document"] = "declare.error.version_exists"
	case form.AddErrors(err):
		declarePointIntoDocument(form)
	default:
		return err
	}
	return render()
}

// declarePointIntoDocument moves errors on paths inside the document (such
// as pillars.0.title_fr) to the document field, naming the path.
func declarePointIntoDocument(form *Form) {
	for k, msg := range form.Errors {
		if k != "document" && k != "summary_en" && k != "summary_fr" {
			delete(form.Errors, k)
			form.Errors["document"] = msg
			form.Values.Set("path", k)
		}
	}
}

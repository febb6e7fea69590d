package web

import (
	"errors"
	"net/http"
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

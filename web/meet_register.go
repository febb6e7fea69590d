package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/meet"
)

// meetRefusal reports whether err is a registration rule's refusal.
func meetRefusal(err error) (*meet.Refusal, bool) {
	var r *meet.Refusal
	ok := errors.As(err, &r)
	return r, ok
}

type meetRegistrationData struct {
	M               meetView
	Org             auth.Organisation
	Interpretations []meet.Interpretation
	Members         []int // member row numbers, 1 to the limit less the head
	Existing        *meet.Registration
}

// meetRegistrationOrg is the organisation a registration page acts for: the
// delegate's own, or for the secretariat the one named by ?organisation=.
func meetRegistrationOrg(r *http.Request) (int64, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return 0, pallmall.ErrUnauthenticated
	}
	if a.Is(auth.Secretariat) {
		id, err := strconv.ParseInt(r.FormValue("organisation"), 10, 64)
		if err != nil || id <= 0 {
			return 0, pallmall.ErrNotFound
		}
		return id, nil
	}
	if !a.Is(auth.Delegate) || a.OrganisationID == 0 {
		return 0, pallmall.ErrForbidden
	}
	return a.OrganisationID, nil
}

func (s *Server) meetRegistrationData(r *http.Request, id, org int64) (meetRegistrationData, error) {
	ctx, actor, svc := r.Context(), Actor(r), s.meetService()
	m, err := svc.Meeting(ctx, actor, id)
	if err != nil {
		return meetRegistrationData{}, err
	}
	o, err := s.Auth.Organisation(ctx, org)
	if err != nil {
		return meetRegistrationData{}, err
	}
	d := meetRegistrationData{M: meetView{m, time.Now()}, Org: o, Interpretations: meet.Interpretations}
	for i := 1; i < m.DelegationLimit; i++ {
		d.Members = append(d.Members, i)
	}
	reg, err := svc.Registration(ctx, actor, id, org)
	switch {
	case err == nil && reg.Status != meet.Cancelled:
		d.Existing = &reg
	case err != nil && !meetNotFound(err):
		return d, err
	}
	return d, nil
}

func (s *Server) meetRegistrationForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	org, err := meetRegistrationOrg(r)
	if err != nil {
		return err
	}
	d, err := s.meetRegistrationData(r, id, org)
	if err != nil {
		return err
	}
	form := &Form{Values: url.Values{"interpretation": {string(meet.NoInterpretation)}}, Errors: map[string]string{}}
	if d.Existing != nil {
		form.Values.Set("interpretation", string(d.Existing.Interpretation))
		for i, p := range d.Existing.Participants {
			prefix := "head"
			if i > 0 {
				prefix = fmt.Sprintf("member%d", i)
			}
			form.Values.Set(prefix+"_name", p.Name)
			form.Values.Set(prefix+"_job_title", p.JobTitle)
			form.Values.Set(prefix+"_dietary", p.Dietary)
			form.Values.Set(prefix+"_access", p.AccessNeeds)
		}
	}
	// Say at once, rather than after typing, when registering is refused.
	status := http.StatusOK
	ok, err := s.meetService().IsInvited(r.Context(), Actor(r), id, org)
	if err != nil {
		return err
	}
	switch {
	case !ok:
		form.Errors["registration"], status = meet.ErrNotInvited.Key, http.StatusForbidden
	case d.M.Cancelled:
		form.Errors["registration"], status = meet.ErrMeetingCancelled.Key, http.StatusConflict
	case !d.M.Open() && !Actor(r).Is(auth.Secretariat):
		form.Errors["registration"], status = meet.ErrDeadlinePassed.Key, http.StatusConflict
	}
	return s.render(w, r, status, "meet-register", "meet.register.title", form, d)
}

func meetDelegationFromForm(v url.Values, limit int) meet.Delegation {
	person := func(prefix string) meet.Participant {
		return meet.Participant{Name: v.Get(prefix + "_name"), JobTitle: v.Get(prefix + "_job_title"), Dietary: v.Get(prefix + "_dietary"), AccessNeeds: v.Get(prefix + "_access")}
	}
	d := meet.Delegation{Head: person("head"), Interpretation: meet.Interpretation(v.Get("interpretation"))}
	// Read every member row sent, not only up to the limit, so a delegation
	// beyond the limit is refused rather than silently cut short.
	for i := 1; i <= max(limit, 50); i++ {
		p := person(fmt.Sprintf("member%d", i))
		if i >= limit && p == (meet.Participant{}) {
			break
		}
		d.Members = append(d.Members, p)
	}
	return d
}

func (s *Server) meetRegister(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	org, err := meetRegistrationOrg(r)
	if err != nil {
		return err
	}
	d, err := s.meetRegistrationData(r, id, org)
	if err != nil {
		return err
	}
	order := []string{"registration", "head_name", "members"}
	for _, i := range d.Members {
		order = append(order, fmt.Sprintf("member%d_name", i))
	}
	form := NewForm(r, append(order, "interpretation")...)
	_, err = s.meetService().Register(r.Context(), Actor(r), id, org, meetDelegationFromForm(r.PostForm, d.M.DelegationLimit))
	if ref, ok := meetRefusal(err); ok {
		form.Errors["registration"] = ref.Key
		status := http.StatusConflict
		if errors.Is(err, pallmall.ErrForbidden) {
			status = http.StatusForbidden
		}
		return s.render(w, r, status, "meet-register", "meet.register.title", form, d)
	}
	if form.AddErrors(err) {
		return s.render(w, r, http.StatusUnprocessableEntity, "meet-register", "meet.register.title", form, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"#registration", http.StatusSeeOther)
	return nil
}

func (s *Server) meetCancelRegistration(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	org, err := meetRegistrationOrg(r)
	if err != nil {
		return err
	}
	err = s.meetService().CancelRegistration(r.Context(), Actor(r), id, org)
	if ref, ok := meetRefusal(err); ok {
		d, derr := s.meetRegistrationData(r, id, org)
		if derr != nil {
			return derr
		}
		form := &Form{Values: url.Values{}, Errors: map[string]string{"registration": ref.Key}}
		return s.render(w, r, http.StatusConflict, "meet-register", "meet.register.title", form, d)
	}
	if err != nil {
		return err
	}
	if Actor(r).Is(auth.Secretariat) {
		http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"/delegations", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"#registration", http.StatusSeeOther)
	return nil
}

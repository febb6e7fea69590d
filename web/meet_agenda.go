package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/meet"
)

// meetSpeakerRows is how many speakers the session form offers.
const meetSpeakerRows = 4

type meetSessionFormData struct {
	M             meetView
	Orgs          []auth.Organisation
	Speakers      []int
	Versions      []meetVersionChoice
	Consultations []consult.Consultation
	Deliberations []deliberate.Deliberation
}

func (s *Server) meetSessionFormData(r *http.Request, actor auth.Actor, id int64) (meetSessionFormData, error) {
	m, err := s.meetService().Meeting(r.Context(), actor, id)
	if err != nil {
		return meetSessionFormData{}, err
	}
	orgs, err := s.Auth.Organisations(r.Context(), "", 0, 0)
	sortOrgs(orgs, info(r).lang)
	if err != nil {
		return meetSessionFormData{}, err
	}
	d := meetSessionFormData{M: meetView{m, time.Now()}, Orgs: orgs}
	for i := 1; i <= meetSpeakerRows; i++ {
		d.Speakers = append(d.Speakers, i)
	}
	if d.Versions, err = s.meetVersionChoices(r.Context()); err != nil {
		return d, err
	}
	if d.Consultations, err = (&consult.Service{DB: s.DB}).List(r.Context(), actor); err != nil {
		return d, err
	}
	d.Deliberations, err = (&deliberate.Service{DB: s.DB}).List(r.Context(), actor)
	return d, err
}

func (s *Server) meetSessionForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.meetSessionFormData(r, actor, id)
	if err != nil {
		return err
	}
	start := meetFormatLocal(d.M.StartsAt, d.M.Meeting)
	f := &Form{Values: url.Values{"session_starts_at": {start}, "session_ends_at": {start}}, Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "meet-session", "meet.session.title", f, d)
}

func (s *Server) meetAddSession(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.meetSessionFormData(r, actor, id)
	if err != nil {
		return err
	}
	form := NewForm(r, "session_title_en", "session_title_fr", "session_starts_at", "session_ends_at", "room", "speakers", "links", "deliberation_id")
	v := r.PostForm
	sess := meet.Session{MeetingID: id, TitleEN: v.Get("session_title_en"), TitleFR: v.Get("session_title_fr"), Room: v.Get("room"),
		StartsAt: meetParseLocal(v.Get("session_starts_at"), d.M.TimeZone), EndsAt: meetParseLocal(v.Get("session_ends_at"), d.M.TimeZone)}
	for i := 1; i <= meetSpeakerRows; i++ {
		org, _ := strconv.ParseInt(v.Get(fmt.Sprintf("speaker%d_org", i)), 10, 64)
		name := strings.TrimSpace(v.Get(fmt.Sprintf("speaker%d_name", i)))
		if org > 0 {
			sess.Speakers = append(sess.Speakers, meet.Speaker{OrganisationID: org, Name: name})
		} else if name != "" {
			form.Errors["speakers"] = "meet.error.speaker_org"
		}
	}
	optionalID := func(field string) (int64, bool) {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			return 0, true
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n > 0
	}
	if n, ok := optionalID("consultation_id"); !ok {
		form.Errors["links"] = "meet.error.link"
	} else if n > 0 {
		if _, err := (&consult.Service{DB: s.DB}).Get(r.Context(), actor, n); err != nil {
			form.Errors["links"] = "meet.error.no_such_consultation"
		}
		sess.Links = append(sess.Links, meet.Link{Kind: meet.LinkConsultation, RefID: n})
	}
	if n, ok := optionalID("framework_version_id"); !ok {
		form.Errors["links"] = "meet.error.link"
	} else if n > 0 {
		if _, ok := s.meetVersion(r.Context(), &declare.Service{DB: s.DB}, n); !ok {
			form.Errors["links"] = "meet.error.no_such_version"
		}
		sess.Links = append(sess.Links, meet.Link{Kind: meet.LinkFrameworkVersion, RefID: n})
	}
	if v.Get("register_statistics") == "yes" {
		sess.Links = append(sess.Links, meet.Link{Kind: meet.LinkRegisterStatistics})
	}
	if n, ok := optionalID("deliberation_id"); !ok {
		form.Errors["deliberation_id"] = "meet.error.link"
	} else {
		if _, err := (&deliberate.Service{DB: s.DB}).Get(r.Context(), actor, n); n > 0 && err != nil {
			form.Errors["deliberation_id"] = "meet.error.no_such_deliberation"
		}
		sess.DeliberationID = n
	}
	if len(form.Errors) == 0 {
		_, err = s.meetService().AddSession(r.Context(), actor, sess)
		if err != nil && !form.AddErrors(err) {
			return err
		}
	}
	if len(form.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "meet-session", "meet.session.title", form, d)
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"#agenda", http.StatusSeeOther)
	return nil
}

func (s *Server) meetDeleteSession(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sid, err := pathID(r, "session")
	if err != nil {
		return err
	}
	if err := s.meetService().DeleteSession(r.Context(), actor, id, sid); err != nil {
		return err
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"#agenda", http.StatusSeeOther)
	return nil
}

type meetOutcomeFormData struct {
	M        meetView
	Invited  []auth.Organisation
	Versions []meetVersionChoice
}

func (s *Server) meetOutcomeFormData(r *http.Request, actor auth.Actor, id int64) (meetOutcomeFormData, error) {
	svc := s.meetService()
	m, err := svc.Meeting(r.Context(), actor, id)
	if err != nil {
		return meetOutcomeFormData{}, err
	}
	d := meetOutcomeFormData{M: meetView{m, time.Now()}}
	invs, err := svc.Invitations(r.Context(), actor, id)
	if err != nil {
		return d, err
	}
	orgs, err := s.orgIndex(r)
	if err != nil {
		return d, err
	}
	for _, in := range invs {
		d.Invited = append(d.Invited, orgs[in.OrganisationID])
	}
	sortOrgs(d.Invited, info(r).lang)
	d.Versions, err = s.meetVersionChoices(r.Context())
	return d, err
}

func (s *Server) meetOutcomeForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.meetOutcomeFormData(r, actor, id)
	if err != nil {
		return err
	}
	o := d.M.Outcome
	v := url.Values{"summary_en": {o.SummaryEN}, "summary_fr": {o.SummaryFR}, "adopted_en": {o.AdoptedEN}, "adopted_fr": {o.AdoptedFR}}
	if o.FrameworkVersionID > 0 {
		v.Set("framework_version_id", strconv.FormatInt(o.FrameworkVersionID, 10))
	}
	es, err := s.meetService().Endorsements(r.Context(), actor, id)
	if err != nil {
		return err
	}
	for _, e := range es {
		v.Add("endorsed", strconv.FormatInt(e.OrganisationID, 10))
	}
	return s.render(w, r, http.StatusOK, "meet-outcome", "meet.outcome.title", &Form{Values: v, Errors: map[string]string{}}, d)
}

func (s *Server) meetPublishOutcome(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.meetOutcomeFormData(r, actor, id)
	if err != nil {
		return err
	}
	form := NewForm(r, "summary_en", "summary_fr", "adopted_en", "adopted_fr", "framework_version_id", "endorsements")
	v := r.PostForm
	o := meet.Outcome{SummaryEN: v.Get("summary_en"), SummaryFR: v.Get("summary_fr"), AdoptedEN: v.Get("adopted_en"), AdoptedFR: v.Get("adopted_fr")}
	if fv := strings.TrimSpace(v.Get("framework_version_id")); fv != "" {
		n, err := strconv.ParseInt(fv, 10, 64)
		if _, ok := s.meetVersion(r.Context(), &declare.Service{DB: s.DB}, n); err != nil || !ok {
			form.Errors["framework_version_id"] = "meet.error.no_such_version"
		}
		o.FrameworkVersionID = n
	}
	var es []meet.Endorsement
	for _, org := range v["endorsed"] {
		n, _ := strconv.ParseInt(org, 10, 64)
		es = append(es, meet.Endorsement{OrganisationID: n})
	}
	if len(form.Errors) == 0 {
		// Link each endorsement to its record in the signatory register.
		if es, err = s.meetLinkEndorsements(r.Context(), o.FrameworkVersionID, es); err != nil {
			return err
		}
	}
	if len(form.Errors) == 0 {
		if err := s.meetService().PublishOutcome(r.Context(), actor, id, o, es); err != nil && !form.AddErrors(err) {
			return err
		}
	}
	if len(form.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "meet-outcome", "meet.outcome.title", form, d)
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"#outcome", http.StatusSeeOther)
	return nil
}

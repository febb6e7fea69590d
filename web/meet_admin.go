package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/meet"
)

// meetSecretariat returns the actor if it is the secretariat: the public
// is sent to sign in, others get 403.
func meetSecretariat(r *http.Request) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	if !a.Is(auth.Secretariat) {
		return a, pallmall.ErrForbidden
	}
	return a, nil
}

// meetParseLocal reads a date and time typed on the venue's clock, as a
// datetime-local input sends it (2026-06-10T09:00) or typed with a space.
// It returns the zero time if the value does not parse.
func meetParseLocal(v, zone string) time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = time.UTC
	}
	v = strings.Replace(strings.TrimSpace(v), " ", "T", 1)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func meetFormatLocal(t time.Time, m meet.Meeting) string {
	if t.IsZero() {
		return ""
	}
	return m.Local(t).Format("2006-01-02T15:04")
}

type meetFormData struct {
	ID           int64
	Kinds        []meet.Kind
	Formats      []meet.Format
	Visibilities []meet.Visibility
}

var meetFields = []string{"title_en", "title_fr", "description_en", "description_fr", "kind", "format", "venue", "city", "time_zone",
	"starts_at", "ends_at", "registration_deadline", "capacity", "delegation_limit", "visibility", "chatham_house"}

func meetFormData0(id int64) meetFormData {
	return meetFormData{ID: id, Kinds: meet.Kinds, Formats: meet.Formats, Visibilities: meet.Visibilities}
}

func meetFromForm(v url.Values) meet.Meeting {
	zone := strings.TrimSpace(v.Get("time_zone"))
	capacity, _ := strconv.Atoi(strings.TrimSpace(v.Get("capacity")))
	limit, _ := strconv.Atoi(strings.TrimSpace(v.Get("delegation_limit")))
	return meet.Meeting{
		TitleEN: v.Get("title_en"), TitleFR: v.Get("title_fr"), DescriptionEN: v.Get("description_en"), DescriptionFR: v.Get("description_fr"),
		Kind: meet.Kind(v.Get("kind")), Format: meet.Format(v.Get("format")), Venue: v.Get("venue"), City: v.Get("city"), TimeZone: zone,
		StartsAt: meetParseLocal(v.Get("starts_at"), zone), EndsAt: meetParseLocal(v.Get("ends_at"), zone),
		RegistrationDeadline: meetParseLocal(v.Get("registration_deadline"), zone),
		Capacity:             capacity, DelegationLimit: limit, Visibility: meet.Visibility(v.Get("visibility")),
		ChathamHouse: v.Get("chatham_house") == "yes",
	}
}

func (s *Server) meetNewForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := meetSecretariat(r); err != nil {
		return err
	}
	f := &Form{Values: url.Values{"time_zone": {"Europe/London"}, "kind": {string(meet.Intermediary)}, "format": {string(meet.InPerson)},
		"visibility": {string(meet.Public)}, "delegation_limit": {"3"}}, Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "meet-form", "meet.new.title", f, meetFormData0(0))
}

func (s *Server) meetCreate(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, meetFields...)
	m, err := s.meetService().CreateMeeting(r.Context(), actor, meetFromForm(r.PostForm))
	if form.AddErrors(err) {
		return s.render(w, r, http.StatusUnprocessableEntity, "meet-form", "meet.new.title", form, meetFormData0(0))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(m.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) meetEditForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.meetService().Meeting(r.Context(), actor, id)
	if err != nil {
		return err
	}
	v := url.Values{
		"title_en": {m.TitleEN}, "title_fr": {m.TitleFR}, "description_en": {m.DescriptionEN}, "description_fr": {m.DescriptionFR},
		"kind": {string(m.Kind)}, "format": {string(m.Format)}, "venue": {m.Venue}, "city": {m.City}, "time_zone": {m.TimeZone},
		"starts_at": {meetFormatLocal(m.StartsAt, m)}, "ends_at": {meetFormatLocal(m.EndsAt, m)}, "registration_deadline": {meetFormatLocal(m.RegistrationDeadline, m)},
		"capacity": {strconv.Itoa(m.Capacity)}, "delegation_limit": {strconv.Itoa(m.DelegationLimit)}, "visibility": {string(m.Visibility)},
	}
	if m.ChathamHouse {
		v.Set("chatham_house", "yes")
	}
	return s.render(w, r, http.StatusOK, "meet-form", "meet.edit.title", &Form{Values: v, Errors: map[string]string{}}, meetFormData0(id))
}

func (s *Server) meetUpdate(w http.ResponseWriter, r *http.Request) error {
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
	form := NewForm(r, meetFields...)
	m := meetFromForm(r.PostForm)
	m.ID = id
	_, err = s.meetService().UpdateMeeting(r.Context(), actor, m)
	if form.AddErrors(err) {
		return s.render(w, r, http.StatusUnprocessableEntity, "meet-form", "meet.edit.title", form, meetFormData0(id))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) meetCancel(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.meetService().CancelMeeting(r.Context(), actor, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type meetDelegationsData struct {
	M             meetView
	Invitations   []meet.Invitation
	Registrations []meet.Registration
	Places        meet.Places
	Orgs          map[int64]auth.Organisation
	Uninvited     []auth.Organisation
}

func (s *Server) meetDelegations(w http.ResponseWriter, r *http.Request) error {
	return s.meetRenderDelegations(w, r, http.StatusOK, nil)
}

func (s *Server) meetRenderDelegations(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, svc := r.Context(), s.meetService()
	m, err := svc.Meeting(ctx, actor, id)
	if err != nil {
		return err
	}
	d := meetDelegationsData{M: meetView{m, time.Now()}}
	if d.Invitations, err = svc.Invitations(ctx, actor, id); err != nil {
		return err
	}
	if d.Registrations, err = svc.Registrations(ctx, actor, id); err != nil {
		return err
	}
	if d.Places, err = svc.Places(ctx, actor, id); err != nil {
		return err
	}
	if d.Orgs, err = s.orgIndex(r); err != nil {
		return err
	}
	invited := map[int64]bool{}
	for _, in := range d.Invitations {
		invited[in.OrganisationID] = true
	}
	for _, o := range d.Orgs {
		if !invited[o.ID] {
			d.Uninvited = append(d.Uninvited, o)
		}
	}
	sortOrgs(d.Uninvited, info(r).lang)
	if form == nil {
		form = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	return s.render(w, r, status, "meet-delegations", "meet.delegations.title", form, d)
}

func (s *Server) meetInvite(w http.ResponseWriter, r *http.Request) error {
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
	form := NewForm(r, "organisation")
	orgs := r.PostForm["organisation"]
	if len(orgs) == 0 {
		form.Errors["organisation"] = "meet.error.choose_organisation"
		return s.meetRenderDelegations(w, r, http.StatusUnprocessableEntity, form)
	}
	for _, v := range orgs {
		org, _ := strconv.ParseInt(v, 10, 64)
		err := s.meetService().Invite(r.Context(), actor, id, org)
		if meetNotFound(err) {
			form.Errors["organisation"] = "meet.error.choose_organisation"
			return s.meetRenderDelegations(w, r, http.StatusUnprocessableEntity, form)
		}
		if ref, ok := meetRefusal(err); ok {
			form.Errors["organisation"] = ref.Key
			return s.meetRenderDelegations(w, r, http.StatusConflict, form)
		}
		if err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"/delegations", http.StatusSeeOther)
	return nil
}

func (s *Server) meetUninvite(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	org, err := pathID(r, "org")
	if err != nil {
		return err
	}
	err = s.meetService().Uninvite(r.Context(), actor, id, org)
	if ref, ok := meetRefusal(err); ok {
		form := &Form{Values: url.Values{}, Errors: map[string]string{"invitations": ref.Key}}
		return s.meetRenderDelegations(w, r, http.StatusConflict, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"/delegations", http.StatusSeeOther)
	return nil
}

// meetParticipantsExport serves the list of participants as a file, "csv" or
// "xlsx".
func (s *Server) meetParticipantsExport(format string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error { return s.meetWriteParticipants(w, r, format) }
}

func (s *Server) meetWriteParticipants(w http.ResponseWriter, r *http.Request, format string) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	regs, err := s.meetService().Registrations(r.Context(), actor, id)
	if err != nil {
		return err
	}
	orgs, err := s.orgIndex(r)
	if err != nil {
		return err
	}
	lang := info(r).lang
	name := func(id int64) string { return orgs[id].Name(lang) }
	var buf bytes.Buffer
	base := "meeting-" + strconv.FormatInt(id, 10) + "-participants"
	switch format {
	case "csv":
		err = meet.WriteParticipantsCSV(&buf, regs, name)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		base += ".csv"
	case "xlsx":
		err = meet.WriteParticipantsXLSX(&buf, regs, name)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		base += ".xlsx"
	default:
		return pallmall.ErrNotFound
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+base+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

type meetOutboxData struct {
	Messages []meet.Message
	Message  *meet.Message
	Next     string
}

func (s *Server) meetOutbox(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	const size = 50
	msgs, err := s.meetService().Outbox(r.Context(), actor, before, size+1)
	if err != nil {
		return err
	}
	d := meetOutboxData{Messages: msgs}
	if len(msgs) > size {
		d.Messages = msgs[:size]
		d.Next = "before=" + strconv.FormatInt(d.Messages[size-1].ID, 10)
	}
	return s.render(w, r, http.StatusOK, "meet-outbox", "meet.outbox.title", nil, d)
}

func (s *Server) meetOutboxMessage(w http.ResponseWriter, r *http.Request) error {
	actor, err := meetSecretariat(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.meetService().OutboxMessage(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "meet-outbox", "meet.outbox.message_title", nil, meetOutboxData{Message: &m})
}

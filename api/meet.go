package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/meet"
)

func (s *Server) meetings() *meet.Service {
	return &meet.Service{DB: s.DB, Directory: s.Auth, Keys: s.Auth.Keys}
}

// Meeting is a meeting as the API shows it. Times are RFC 3339 instants in
// UTC; the *_local fields give the same instants on the venue's clock.
type Meeting struct {
	ID                   int64           `json:"id"`
	TitleEN              string          `json:"title_en"`
	TitleFR              string          `json:"title_fr"`
	DescriptionEN        string          `json:"description_en"`
	DescriptionFR        string          `json:"description_fr"`
	Kind                 meet.Kind       `json:"kind"`
	Format               meet.Format     `json:"format"`
	Venue                string          `json:"venue"`
	City                 string          `json:"city"`
	TimeZone             string          `json:"time_zone"`
	StartsAt             time.Time       `json:"starts_at"`
	EndsAt               time.Time       `json:"ends_at"`
	StartsAtLocal        string          `json:"starts_at_local"`
	EndsAtLocal          string          `json:"ends_at_local"`
	RegistrationDeadline time.Time       `json:"registration_deadline"`
	Capacity             int             `json:"capacity"`
	DelegationLimit      int             `json:"delegation_limit"`
	Visibility           meet.Visibility `json:"visibility"`
	ChathamHouse         bool            `json:"chatham_house"`
	Cancelled            bool            `json:"cancelled"`
	CalendarURL          string          `json:"calendar_url"`
	Places               *MeetingPlaces  `json:"places,omitempty"`
	Agenda               []AgendaItem    `json:"agenda,omitempty"`
	Outcome              *Outcome        `json:"outcome,omitempty"`
}

// MeetingPlaces says how full a meeting is.
type MeetingPlaces struct {
	Confirmed  int `json:"confirmed"`
	Capacity   int `json:"capacity"`
	Waitlisted int `json:"waitlisted"`
}

// AgendaItem is one session of a meeting's agenda.
type AgendaItem struct {
	StartsAt       time.Time        `json:"starts_at"`
	EndsAt         time.Time        `json:"ends_at"`
	TitleEN        string           `json:"title_en"`
	TitleFR        string           `json:"title_fr"`
	Room           string           `json:"room,omitempty"`
	Speakers       []AgendaSpeaker  `json:"speakers"`
	Links          []AgendaDocument `json:"documents"`
	DeliberationID *int64           `json:"deliberation_id"`
}

// AgendaSpeaker is a speaker, by organisation.
type AgendaSpeaker struct {
	OrganisationID int64  `json:"organisation_id"`
	Name           string `json:"name,omitempty"`
}

// AgendaDocument is a document a session discusses.
type AgendaDocument struct {
	Kind meet.LinkKind `json:"kind"`
	ID   *int64        `json:"id"`
}

// Outcome is a meeting's published outcome.
type Outcome struct {
	SummaryEN          string               `json:"summary_en"`
	SummaryFR          string               `json:"summary_fr"`
	AdoptedEN          string               `json:"adopted_en"`
	AdoptedFR          string               `json:"adopted_fr"`
	FrameworkVersionID *int64               `json:"framework_version_id"`
	PublishedAt        time.Time            `json:"published_at"`
	Endorsements       []OutcomeEndorsement `json:"endorsements"`
}

// OutcomeEndorsement is an endorsement made at the meeting.
type OutcomeEndorsement struct {
	OrganisationID int64  `json:"organisation_id"`
	EndorsementID  *int64 `json:"endorsement_id"`
}

func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func meetingJSON(m meet.Meeting) Meeting {
	return Meeting{
		ID: m.ID, TitleEN: m.TitleEN, TitleFR: m.TitleFR, DescriptionEN: m.DescriptionEN, DescriptionFR: m.DescriptionFR,
		Kind: m.Kind, Format: m.Format, Venue: m.Venue, City: m.City, TimeZone: m.TimeZone,
		StartsAt: m.StartsAt.UTC(), EndsAt: m.EndsAt.UTC(),
		StartsAtLocal: m.Local(m.StartsAt).Format(time.RFC3339), EndsAtLocal: m.Local(m.EndsAt).Format(time.RFC3339),
		RegistrationDeadline: m.RegistrationDeadline.UTC(), Capacity: m.Capacity, DelegationLimit: m.DelegationLimit,
		Visibility: m.Visibility, ChathamHouse: m.ChathamHouse, Cancelled: m.Cancelled,
		CalendarURL: "/meetings/" + strconv.FormatInt(m.ID, 10) + "/calendar.ics",
	}
}

func (s *Server) listMeetings(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	limit, err := parseLimit(r, 100, 500)
	if err != nil {
		return err
	}
	after, err := parseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	f := meet.Filter{After: after, Limit: limit + 1, ByID: true}
	if v := r.URL.Query().Get("organisation_id"); v != "" {
		if f.OrganisationID, err = strconv.ParseInt(v, 10, 64); err != nil || f.OrganisationID <= 0 {
			ve := &pallmall.ValidationError{}
			ve.Add("organisation_id", "error.choose_one")
			return ve
		}
	}
	ms, err := s.meetings().Meetings(r.Context(), actor, f)
	if err != nil {
		return err
	}
	page := Page[Meeting]{Data: []Meeting{}}
	if len(ms) > limit {
		ms = ms[:limit]
		page.NextCursor = cursor(ms[len(ms)-1].ID)
	}
	for _, m := range ms {
		page.Data = append(page.Data, meetingJSON(m))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getMeeting(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx, svc := r.Context(), s.meetings()
	m, err := svc.Meeting(ctx, actor, id)
	if err != nil {
		return err
	}
	out := meetingJSON(m)
	p, err := svc.Places(ctx, actor, id)
	if err != nil {
		return err
	}
	out.Places = &MeetingPlaces{Confirmed: p.Confirmed, Capacity: p.Capacity, Waitlisted: p.Waitlisted}
	agenda, err := svc.Agenda(ctx, actor, id)
	if err != nil {
		return err
	}
	out.Agenda = []AgendaItem{}
	for _, a := range agenda {
		item := AgendaItem{StartsAt: a.StartsAt, EndsAt: a.EndsAt, TitleEN: a.TitleEN, TitleFR: a.TitleFR, Room: a.Room,
			Speakers: []AgendaSpeaker{}, Links: []AgendaDocument{}, DeliberationID: optionalID(a.DeliberationID)}
		for _, sp := range a.Speakers {
			item.Speakers = append(item.Speakers, AgendaSpeaker{OrganisationID: sp.OrganisationID, Name: sp.Name})
		}
		for _, l := range a.Links {
			item.Links = append(item.Links, AgendaDocument{Kind: l.Kind, ID: optionalID(l.RefID)})
		}
		out.Agenda = append(out.Agenda, item)
	}
	if o := m.Outcome; o.Published() {
		es, err := svc.Endorsements(ctx, actor, id)
		if err != nil {
			return err
		}
		out.Outcome = &Outcome{SummaryEN: o.SummaryEN, SummaryFR: o.SummaryFR, AdoptedEN: o.AdoptedEN, AdoptedFR: o.AdoptedFR,
			FrameworkVersionID: optionalID(o.FrameworkVersionID), PublishedAt: o.PublishedAt, Endorsements: []OutcomeEndorsement{}}
		for _, e := range es {
			out.Outcome.Endorsements = append(out.Outcome.Endorsements, OutcomeEndorsement{OrganisationID: e.OrganisationID, EndorsementID: optionalID(e.EndorsementID)})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Person is one member of a delegation.
type Person struct {
	Name        string `json:"name"`
	JobTitle    string `json:"job_title,omitempty"`
	Dietary     string `json:"dietary,omitempty"`
	AccessNeeds string `json:"access_needs,omitempty"`
}

// NewRegistration is the body of POST /api/v1/meetings/{id}/registrations.
type NewRegistration struct {
	// OrganisationID defaults to the token owner's organisation.
	OrganisationID int64               `json:"organisation_id,omitempty"`
	Head           Person              `json:"head"`
	Members        []Person            `json:"members"`
	Interpretation meet.Interpretation `json:"interpretation"`
}

// Registration is an organisation's registration as the API shows it to
// that organisation.
type Registration struct {
	ID              int64               `json:"id"`
	MeetingID       int64               `json:"meeting_id"`
	OrganisationID  int64               `json:"organisation_id"`
	Status          meet.Status         `json:"status"`
	WaitingPosition *int                `json:"waiting_position"`
	Interpretation  meet.Interpretation `json:"interpretation"`
	Head            Person              `json:"head"`
	Members         []Person            `json:"members"`
}

// refusalMessages are the API's words for the registration refusals.
var refusalMessages = map[string]string{
	meet.ErrNotInvited.Key:       "your organisation is not invited to this meeting",
	meet.ErrDeadlinePassed.Key:   "the registration deadline has passed",
	meet.ErrMeetingCancelled.Key: "the meeting has been cancelled",
	meet.ErrNoRoomToGrow.Key:     "not enough places are left to enlarge the delegation; it keeps its places",
	meet.ErrNotRegistered.Key:    "the organisation has no registration",
}

func (s *Server) createRegistration(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	if !actor.Is(auth.Delegate, auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	// A meeting the actor may not see answers as one that does not exist,
	// whatever the body.
	if _, err := s.meetings().Meeting(r.Context(), actor, id); err != nil {
		return err
	}
	var in NewRegistration
	if err := decode(r, &in); err != nil {
		return err
	}
	org := in.OrganisationID
	if org == 0 {
		org = actor.OrganisationID
	}
	if org == 0 {
		ve := &pallmall.ValidationError{}
		ve.Add("organisation_id", "meet.error.organisation_required")
		return ve
	}
	person := func(p Person) meet.Participant {
		return meet.Participant{Name: p.Name, JobTitle: p.JobTitle, Dietary: p.Dietary, AccessNeeds: p.AccessNeeds}
	}
	d := meet.Delegation{Head: person(in.Head), Interpretation: in.Interpretation}
	for _, p := range in.Members {
		if p.Name == "" {
			ve := &pallmall.ValidationError{}
			ve.Add("members", "meet.error.member_name")
			return ve
		}
		d.Members = append(d.Members, person(p))
	}
	svc := s.meetings()
	reg, err := svc.Register(r.Context(), actor, id, org, d)
	var ref *meet.Refusal
	if errors.As(err, &ref) {
		code, status := "conflict", http.StatusConflict
		if errors.Is(err, pallmall.ErrForbidden) {
			code, status = "forbidden", http.StatusForbidden
		}
		writeJSON(w, status, Error{ErrorBody{Code: code, Message: refusalMessages[ref.Key], Fields: map[string]string{"registration": ref.Key}}})
		return nil
	}
	if err != nil {
		return err
	}
	out := Registration{ID: reg.ID, MeetingID: id, OrganisationID: org, Status: reg.Status, Interpretation: reg.Interpretation, Members: []Person{}}
	for i, p := range reg.Participants {
		jp := Person{Name: p.Name, JobTitle: p.JobTitle, Dietary: p.Dietary, AccessNeeds: p.AccessNeeds}
		if i == 0 {
			out.Head = jp
		} else {
			out.Members = append(out.Members, jp)
		}
	}
	if reg.Status == meet.Waitlisted {
		n, err := svc.WaitingPosition(r.Context(), actor, id, org)
		if err != nil {
			return err
		}
		out.WaitingPosition = &n
	}
	w.Header().Set("Location", "/api/v1/meetings/"+strconv.FormatInt(id, 10))
	writeJSON(w, http.StatusCreated, out)
	return nil
}

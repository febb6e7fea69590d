package web

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/meet"
)

// meetService returns the meetings service, built from the server's fields.
func (s *Server) meetService() *meet.Service {
	return &meet.Service{DB: s.DB, Directory: s.Auth, PublicURL: s.PublicURL, Keys: s.Auth.Keys}
}

// meetView is a meeting with what its pages show about it.
type meetView struct {
	meet.Meeting
	now time.Time
}

// When returns the meeting's dates on the venue's clock, with the zone.
func (m meetView) When(lang string) string { return meetWhen(m.Meeting, m.StartsAt, m.EndsAt, lang) }

// Deadline returns the registration deadline on the venue's clock.
func (m meetView) Deadline(lang string) string {
	return m.Local(m.RegistrationDeadline).Format(meetDateLayout(lang)) + " (" + m.TimeZone + ")"
}

// IsPast reports whether the meeting is over.
func (m meetView) IsPast() bool { return m.Past(m.now) }

// Open reports whether registration is open.
func (m meetView) Open() bool { return m.RegistrationOpen(m.now) }

// SessionTime returns a session's times on the venue's clock.
func (m meetView) SessionTime(sess meet.Session, lang string) string {
	a, b := m.Local(sess.StartsAt), m.Local(sess.EndsAt)
	day := "Mon 2 Jan"
	if lang == "fr" {
		day = "02/01"
	}
	return a.Format(day+" 15:04") + "–" + b.Format("15:04 MST")
}

func meetDateLayout(lang string) string {
	if lang == "fr" {
		return "2/01/2006 15:04 MST"
	}
	return "2 January 2006, 15:04 MST"
}

func meetWhen(m meet.Meeting, start, end time.Time, lang string) string {
	a, b := m.Local(start), m.Local(end)
	if a.Year() == b.Year() && a.YearDay() == b.YearDay() {
		return a.Format(meetDateLayout(lang)) + "–" + b.Format("15:04 MST") + " (" + m.TimeZone + ")"
	}
	return a.Format(meetDateLayout(lang)) + " – " + b.Format(meetDateLayout(lang)) + " (" + m.TimeZone + ")"
}

type meetListData struct {
	Upcoming, Past []meetView
	// FeedURL is the secret address of the delegate's organisation's
	// calendar feed.
	FeedURL string
}

func (s *Server) meetList(w http.ResponseWriter, r *http.Request) error {
	all, err := s.meetService().Meetings(r.Context(), Actor(r), meet.Filter{})
	if err != nil {
		return err
	}
	now := time.Now()
	var d meetListData
	for _, m := range all {
		v := meetView{m, now}
		if v.IsPast() {
			d.Past = append([]meetView{v}, d.Past...) // newest first
		} else {
			d.Upcoming = append(d.Upcoming, v)
		}
	}
	if a := Actor(r); a.Is(auth.Delegate) && a.OrganisationID != 0 {
		token, err := s.meetService().FeedToken(r.Context(), a, a.OrganisationID)
		if err != nil {
			return err
		}
		d.FeedURL = s.PublicURL + "/meetings/feed/" + strconv.FormatInt(a.OrganisationID, 10) + "/" + token + "/calendar.ics"
	}
	return s.render(w, r, http.StatusOK, "meet-list", "meet.list.title", nil, d)
}

type meetDetailData struct {
	M            meetView
	Agenda       []meet.Session
	Places       meet.Places
	Endorsements []meet.Endorsement
	Orgs         map[int64]auth.Organisation
	Links        meetLinks
	// For a delegate: whether their organisation is invited, and its
	// registration if any.
	OwnOrg       int64
	Invited      bool
	Registration *meet.Registration
	Position     int // place on the waiting list, from 1
}

func (s *Server) meetPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, actor, svc := r.Context(), Actor(r), s.meetService()
	m, err := svc.Meeting(ctx, actor, id)
	if err != nil {
		return err
	}
	d := meetDetailData{M: meetView{m, time.Now()}}
	if d.Agenda, err = svc.Agenda(ctx, actor, id); err != nil {
		return err
	}
	if d.Places, err = svc.Places(ctx, actor, id); err != nil {
		return err
	}
	if d.Endorsements, err = svc.Endorsements(ctx, actor, id); err != nil {
		return err
	}
	if d.Orgs, err = s.orgIndex(r); err != nil {
		return err
	}
	d.Links = s.meetResolve(ctx, actor, m, d.Agenda, d.Endorsements)
	if actor.Is(auth.Delegate) && actor.OrganisationID != 0 {
		d.OwnOrg = actor.OrganisationID
		if d.Invited, err = svc.IsInvited(ctx, actor, id, actor.OrganisationID); err != nil {
			return err
		}
		reg, err := svc.Registration(ctx, actor, id, actor.OrganisationID)
		switch {
		case err == nil:
			d.Registration = &reg
			if reg.Status == meet.Waitlisted {
				d.Position, err = svc.WaitingPosition(ctx, actor, id, actor.OrganisationID)
				if err != nil {
					return err
				}
			}
		case !meetNotFound(err):
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "meet-detail", "meet.detail.title", nil, d)
}

func meetNotFound(err error) bool { return errors.Is(err, pallmall.ErrNotFound) }

// meetICS serves one meeting's calendar file.
func (s *Server) meetICS(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.meetService().Meeting(r.Context(), Actor(r), id)
	if err != nil {
		return err
	}
	return s.meetWriteICS(w, r, "meeting-"+strconv.FormatInt(id, 10)+".ics", meet.Calendar{Meetings: []meet.Meeting{m}})
}

// meetOrganisationICS serves, to those who act for an organisation, the
// calendar of every meeting it is invited to. Which meetings an
// organisation takes part in is not public: calendar applications use the
// secret feed address instead (meetFeedICS).
func (s *Server) meetOrganisationICS(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	actor := Actor(r)
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	if !actor.ActsFor(id) {
		return pallmall.ErrForbidden
	}
	o, err := s.Auth.Organisation(r.Context(), id)
	if err != nil {
		return err
	}
	ms, err := s.meetService().Meetings(r.Context(), actor, meet.Filter{OrganisationID: id})
	if err != nil {
		return err
	}
	return s.meetWriteICS(w, r, "organisation-"+strconv.FormatInt(id, 10)+"-meetings.ics", s.meetFeedCalendar(r, o, ms))
}

// meetFeedICS serves an organisation's calendar feed at its secret
// address, for calendar applications, which fetch it without signing in.
func (s *Server) meetFeedICS(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "org")
	if err != nil {
		return err
	}
	ms, err := s.meetService().FeedMeetings(r.Context(), id, r.PathValue("token"))
	if err != nil {
		return err
	}
	o, err := s.Auth.Organisation(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.meetWriteICS(w, r, "meetings.ics", s.meetFeedCalendar(r, o, ms))
}

func (s *Server) meetFeedCalendar(r *http.Request, o auth.Organisation, ms []meet.Meeting) meet.Calendar {
	lang := info(r).lang
	return meet.Calendar{Name: o.Name(lang) + ": " + s.catalog.T(lang, "meet.list.title"), Meetings: ms}
}

func (s *Server) meetWriteICS(w http.ResponseWriter, r *http.Request, filename string, c meet.Calendar) error {
	c.Lang, c.BaseURL, c.Stamp = info(r).lang, s.PublicURL, time.Now()
	var buf bytes.Buffer
	if err := meet.WriteICS(&buf, c); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	if Actor(r).SignedIn() {
		h.Set("Cache-Control", "no-store")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Paras splits text into paragraphs at blank lines, for showing text the
// secretariat wrote without letting it write markup.
func (m meetView) Paras(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

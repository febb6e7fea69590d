package meet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// LinkKind names what an agenda item links to, in another capability.
type LinkKind string

// The kinds of linked document.
const (
	LinkConsultation       LinkKind = "consultation"
	LinkFrameworkVersion   LinkKind = "framework_version"
	LinkRegisterStatistics LinkKind = "register_statistics"
)

// LinkKinds lists every kind in display order.
var LinkKinds = []LinkKind{LinkConsultation, LinkFrameworkVersion, LinkRegisterStatistics}

// Link is a document an agenda session discusses, by kind and id (no id
// for the register's statistics, which are one page).
type Link struct {
	Kind  LinkKind
	RefID int64
}

// Speaker is someone speaking for an organisation; Name may be empty when
// the organisation has not said who.
type Speaker struct {
	OrganisationID int64
	Name           string
}

// Session is one item of a meeting's agenda.
type Session struct {
	ID               int64
	MeetingID        int64
	StartsAt, EndsAt time.Time
	TitleEN, TitleFR string
	Room             string
	Speakers         []Speaker
	Links            []Link
	// DeliberationID is the deliberation to run live in the room, 0 for
	// none.
	DeliberationID int64
}

// Title returns the title in lang.
func (s Session) Title(lang string) string { return pick(lang, s.TitleEN, s.TitleFR) }

// Validate normalises s and checks it falls within meeting m.
func (s *Session) Validate(m Meeting) error {
	var v pallmall.ValidationError
	s.TitleEN, s.TitleFR, s.Room = strings.TrimSpace(s.TitleEN), strings.TrimSpace(s.TitleFR), strings.TrimSpace(s.Room)
	for name, val := range map[string]string{"session_title_en": s.TitleEN, "session_title_fr": s.TitleFR} {
		switch {
		case val == "":
			v.Add(name, "error.required")
		case len(val) > 300:
			v.Add(name, "error.too_long")
		}
	}
	if len(s.Room) > 100 {
		v.Add("room", "error.too_long")
	}
	switch {
	case s.StartsAt.IsZero():
		v.Add("session_starts_at", "meet.error.date_time")
	case s.EndsAt.IsZero():
		v.Add("session_ends_at", "meet.error.date_time")
	case !s.EndsAt.After(s.StartsAt):
		v.Add("session_ends_at", "meet.error.ends_before_start")
	case s.StartsAt.Before(m.StartsAt) || s.EndsAt.After(m.EndsAt):
		v.Add("session_starts_at", "meet.error.outside_meeting")
	}
	for _, l := range s.Links {
		if !slices.Contains(LinkKinds, l.Kind) || (l.Kind != LinkRegisterStatistics && l.RefID <= 0) {
			v.Add("links", "meet.error.link")
		}
	}
	if s.DeliberationID < 0 {
		v.Add("deliberation_id", "meet.error.link")
	}
	return v.Err()
}

// AddSession adds an item to a meeting's agenda. Returns ErrForbidden
// unless actor is the secretariat, ErrNotFound, a ValidationError, and a
// ValidationError on speakers if a speaker's organisation does not exist.
func (s *Service) AddSession(ctx context.Context, actor auth.Actor, in Session) (Session, error) {
	if !actor.Is(auth.Secretariat) {
		return in, pallmall.ErrForbidden
	}
	m, err := s.Meeting(ctx, actor, in.MeetingID)
	if err != nil {
		return in, err
	}
	if err := in.Validate(m); err != nil {
		return in, err
	}
	var delib any
	if in.DeliberationID > 0 {
		delib = in.DeliberationID
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO meeting_sessions (meeting_id, starts_at, ends_at, title_en, title_fr, room, deliberation_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, in.MeetingID, in.StartsAt.UTC(), in.EndsAt.UTC(), in.TitleEN, in.TitleFR, in.Room, delib).Scan(&in.ID); err != nil {
			return err
		}
		for i, sp := range in.Speakers {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_session_speakers (session_id, position, organisation_id, name) VALUES ($1, $2, $3, $4)`,
				in.ID, i, sp.OrganisationID, strings.TrimSpace(sp.Name)); err != nil {
				return err
			}
		}
		for i, l := range in.Links {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_session_links (session_id, position, kind, ref_id) VALUES ($1, $2, $3, $4)`, in.ID, i, l.Kind, l.RefID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor.UserID, "meeting.session.add", "meeting", in.MeetingID, fmt.Sprintf("session=%d", in.ID))
	})
	if errors.Is(err, pallmall.ErrConflict) { // a speaker's organisation does not exist
		var v pallmall.ValidationError
		v.Add("speakers", "meet.error.speaker_org")
		return in, &v
	}
	return in, err
}

// DeleteSession removes an item from a meeting's agenda. Returns
// ErrForbidden and ErrNotFound.
func (s *Service) DeleteSession(ctx context.Context, actor auth.Actor, meetingID, sessionID int64) error {
	if !actor.Is(auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM meeting_sessions WHERE id = $1 AND meeting_id = $2`, sessionID, meetingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		return audit.Record(ctx, tx, actor.UserID, "meeting.session.delete", "meeting", meetingID, fmt.Sprintf("session=%d", sessionID))
	})
}

// Agenda returns a meeting's sessions in time order. Returns ErrNotFound if
// actor may not see the meeting.
func (s *Service) Agenda(ctx context.Context, actor auth.Actor, meetingID int64) ([]Session, error) {
	if _, err := s.Meeting(ctx, actor, meetingID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, meeting_id, starts_at, ends_at, title_en, title_fr, room, deliberation_id
		FROM meeting_sessions WHERE meeting_id = $1 ORDER BY starts_at, id`, meetingID)
	sessions, err := store.ScanAll(rows, err, func(r *sql.Rows) (Session, error) {
		var x Session
		var d sql.NullInt64
		err := r.Scan(&x.ID, &x.MeetingID, &x.StartsAt, &x.EndsAt, &x.TitleEN, &x.TitleFR, &x.Room, &d)
		x.StartsAt, x.EndsAt, x.DeliberationID = x.StartsAt.UTC(), x.EndsAt.UTC(), d.Int64
		return x, err
	})
	if err != nil {
		return nil, err
	}
	for i := range sessions {
		id := sessions[i].ID
		rows, err := s.DB.Query(ctx, `SELECT organisation_id, name FROM meeting_session_speakers WHERE session_id = $1 ORDER BY position`, id)
		if sessions[i].Speakers, err = store.ScanAll(rows, err, func(r *sql.Rows) (Speaker, error) {
			var sp Speaker
			return sp, r.Scan(&sp.OrganisationID, &sp.Name)
		}); err != nil {
			return nil, err
		}
		rows, err = s.DB.Query(ctx, `SELECT kind, ref_id FROM meeting_session_links WHERE session_id = $1 ORDER BY position`, id)
		if sessions[i].Links, err = store.ScanAll(rows, err, func(r *sql.Rows) (Link, error) {
			var l Link
			return l, r.Scan(&l.Kind, &l.RefID)
		}); err != nil {
			return nil, err
		}
	}
	return sessions, nil
}

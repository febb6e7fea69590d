// Package meet runs the meetings of the Pall Mall Process: plenaries,
// intermediary meetings, workshops and webinars; the organisations invited
// and the delegations they register; the agenda; the outcome; calendar
// files; and the email each change sends.
//
// Every exported operation takes the auth.Actor asking and checks access
// itself. A meeting open to invited organisations only does not exist, as
// far as others can tell (ErrNotFound).
package meet

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// Kind is the type of a meeting.
type Kind string

// The kinds of meeting.
const (
	Plenary      Kind = "plenary"
	Intermediary Kind = "intermediary"
	Workshop     Kind = "workshop"
	Webinar      Kind = "webinar"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{Plenary, Intermediary, Workshop, Webinar}

// Format says where people take part.
type Format string

// The formats.
const (
	InPerson Format = "in_person"
	Online   Format = "online"
	Hybrid   Format = "hybrid"
)

// Formats lists every format in display order.
var Formats = []Format{InPerson, Online, Hybrid}

// Visibility says who may see a meeting.
type Visibility string

// The visibilities.
const (
	// Public meetings are listed for everyone; only invited organisations
	// may register.
	Public Visibility = "public"
	// Invited meetings are seen by the secretariat and the invited
	// organisations only.
	Invited Visibility = "invited"
)

// Visibilities lists every visibility in display order.
var Visibilities = []Visibility{Public, Invited}

// Meeting is one meeting of the process. Times are instants (UTC in
// storage); TimeZone is the venue's IANA zone, in which they are shown.
type Meeting struct {
	ID                   int64
	TitleEN, TitleFR     string
	DescriptionEN        string
	DescriptionFR        string
	Kind                 Kind
	Format               Format
	Venue, City          string
	TimeZone             string
	StartsAt, EndsAt     time.Time
	RegistrationDeadline time.Time
	Capacity             int // people, across confirmed delegations
	DelegationLimit      int // people per organisation, head included
	Visibility           Visibility
	ChathamHouse         bool
	Cancelled            bool
	Sequence             int // bumped on every change, for calendar clients
	Outcome              Outcome
	CreatedAt, UpdatedAt time.Time
}

// Title returns the title in lang ("en" or "fr").
func (m Meeting) Title(lang string) string { return pick(lang, m.TitleEN, m.TitleFR) }

// Description returns the description in lang.
func (m Meeting) Description(lang string) string {
	return pick(lang, m.DescriptionEN, m.DescriptionFR)
}

// Location returns the venue's time zone, falling back to UTC for a zone
// this system does not know (Validate refuses those).
func (m Meeting) Location() *time.Location {
	if loc, err := time.LoadLocation(m.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Local returns t in the venue's time zone.
func (m Meeting) Local(t time.Time) time.Time { return t.In(m.Location()) }

// Past reports whether the meeting has ended at now.
func (m Meeting) Past(now time.Time) bool { return !m.EndsAt.After(now) }

// RegistrationOpen reports whether delegations may register or change at
// now.
func (m Meeting) RegistrationOpen(now time.Time) bool {
	return !m.Cancelled && now.Before(m.RegistrationDeadline)
}

func pick(lang, en, fr string) string {
	if lang == "fr" && fr != "" {
		return fr
	}
	return en
}

// Validate checks m and normalises its text fields. Message keys name the
// problems in the catalogues.
func (m *Meeting) Validate() error {
	var v pallmall.ValidationError
	for _, f := range []*string{&m.TitleEN, &m.TitleFR, &m.DescriptionEN, &m.DescriptionFR, &m.Venue, &m.City, &m.TimeZone} {
		*f = strings.TrimSpace(*f)
	}
	text := func(name, val string, required bool, max int) {
		switch {
		case required && val == "":
			v.Add(name, "error.required")
		case len(val) > max:
			v.Add(name, "error.too_long")
		}
	}
	text("title_en", m.TitleEN, true, 200)
	text("title_fr", m.TitleFR, true, 200)
	text("description_en", m.DescriptionEN, false, 10000)
	text("description_fr", m.DescriptionFR, false, 10000)
	text("venue", m.Venue, m.Format != Online, 200)
	text("city", m.City, m.Format != Online, 100)
	if !slices.Contains(Kinds, m.Kind) {
		v.Add("kind", "error.choose_one")
	}
	if !slices.Contains(Formats, m.Format) {
		v.Add("format", "error.choose_one")
	}
	if !slices.Contains(Visibilities, m.Visibility) {
		v.Add("visibility", "error.choose_one")
	}
	if _, err := time.LoadLocation(m.TimeZone); err != nil || m.TimeZone == "" || m.TimeZone == "Local" {
		v.Add("time_zone", "meet.error.time_zone")
	}
	switch {
	case m.StartsAt.IsZero():
		v.Add("starts_at", "meet.error.date_time")
	case m.EndsAt.IsZero():
		v.Add("ends_at", "meet.error.date_time")
	case !m.EndsAt.After(m.StartsAt):
		v.Add("ends_at", "meet.error.ends_before_start")
	case m.EndsAt.Sub(m.StartsAt) > 14*24*time.Hour:
		v.Add("ends_at", "meet.error.too_long")
	}
	switch {
	case m.RegistrationDeadline.IsZero():
		v.Add("registration_deadline", "meet.error.date_time")
	case !m.StartsAt.IsZero() && m.RegistrationDeadline.After(m.StartsAt):
		v.Add("registration_deadline", "meet.error.deadline_after_start")
	}
	if m.Capacity < 1 || m.Capacity > 100000 {
		v.Add("capacity", "meet.error.capacity")
	}
	switch {
	case m.DelegationLimit < 1 || m.DelegationLimit > 50:
		v.Add("delegation_limit", "meet.error.delegation_limit")
	case m.Capacity >= 1 && m.DelegationLimit > m.Capacity:
		// A delegation that could never fit would block the waiting list.
		v.Add("delegation_limit", "meet.error.limit_over_capacity")
	}
	return v.Err()
}

// Service stores and checks meetings. Build it with named fields.
type Service struct {
	DB *store.DB
	// Directory finds the delegates to notify. The users table's names and
	// emails are sealed, so only auth can read them.
	Directory Directory
	// PublicURL is where the platform is reached; email links start with it.
	PublicURL string
	// Keys seals the email outbox's recipients and bodies (see package
	// vault); the sender must use the same keys. Nil means a random
	// in-memory keyring, for tests.
	Keys *vault.Keyring
	// Now returns the current time; nil means store.Now. Tests move it.
	Now func() time.Time
}

// Directory lists an organisation's active delegates; *auth.Service is one.
type Directory interface {
	Delegates(ctx context.Context, orgID int64) ([]auth.User, error)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return store.Now()
}

const meetingColumns = `id, title_en, title_fr, description_en, description_fr, kind, format, venue, city, time_zone,
	starts_at, ends_at, registration_deadline, capacity, delegation_limit, visibility, chatham_house, cancelled, sequence,
	outcome_summary_en, outcome_summary_fr, outcome_adopted_en, outcome_adopted_fr, outcome_framework_version_id, outcome_published_at,
	created_at, updated_at`

func scanMeeting(r interface{ Scan(...any) error }) (Meeting, error) {
	var m Meeting
	var fv sql.NullInt64
	var pub sql.NullTime
	err := r.Scan(&m.ID, &m.TitleEN, &m.TitleFR, &m.DescriptionEN, &m.DescriptionFR, &m.Kind, &m.Format, &m.Venue, &m.City, &m.TimeZone,
		&m.StartsAt, &m.EndsAt, &m.RegistrationDeadline, &m.Capacity, &m.DelegationLimit, &m.Visibility, &m.ChathamHouse, &m.Cancelled, &m.Sequence,
		&m.Outcome.SummaryEN, &m.Outcome.SummaryFR, &m.Outcome.AdoptedEN, &m.Outcome.AdoptedFR, &fv, &pub,
		&m.CreatedAt, &m.UpdatedAt)
	m.Outcome.FrameworkVersionID = fv.Int64
	if pub.Valid {
		m.Outcome.PublishedAt = pub.Time.UTC()
	}
	for _, t := range []*time.Time{&m.StartsAt, &m.EndsAt, &m.RegistrationDeadline, &m.CreatedAt, &m.UpdatedAt} {
		*t = t.UTC()
	}
	return m, err
}

// CreateMeeting validates and stores m. Returns ErrForbidden unless actor is
// the secretariat, and a ValidationError for bad fields.
func (s *Service) CreateMeeting(ctx context.Context, actor auth.Actor, m Meeting) (Meeting, error) {
	if !actor.Is(auth.Secretariat) {
		return m, pallmall.ErrForbidden
	}
	if err := m.Validate(); err != nil {
		return m, err
	}
	now := s.now()
	m.CreatedAt, m.UpdatedAt = now, now
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO meetings (title_en, title_fr, description_en, description_fr, kind, format, venue, city, time_zone,
			starts_at, ends_at, registration_deadline, capacity, delegation_limit, visibility, chatham_house, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
			m.TitleEN, m.TitleFR, m.DescriptionEN, m.DescriptionFR, m.Kind, m.Format, m.Venue, m.City, m.TimeZone,
			m.StartsAt.UTC(), m.EndsAt.UTC(), m.RegistrationDeadline.UTC(), m.Capacity, m.DelegationLimit, m.Visibility, m.ChathamHouse, now, now).Scan(&m.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "meeting.create", "meeting", m.ID, string(m.Kind))
	})
	if err != nil {
		return m, fmt.Errorf("create meeting: %w", err)
	}
	return s.Meeting(ctx, actor, m.ID)
}

// UpdateMeeting replaces the details of meeting m.ID with m's (not its
// outcome or cancellation), emails the delegates of every organisation
// invited, and confirms waiting delegations that now fit. Returns ErrForbidden unless actor is the secretariat,
// ErrNotFound, and a ValidationError for bad fields.
func (s *Service) UpdateMeeting(ctx context.Context, actor auth.Actor, m Meeting) (Meeting, error) {
	if !actor.Is(auth.Secretariat) {
		return m, pallmall.ErrForbidden
	}
	if err := m.Validate(); err != nil {
		return m, err
	}
	now := s.now()
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE meetings SET title_en = $1, title_fr = $2, description_en = $3, description_fr = $4, kind = $5, format = $6,
			venue = $7, city = $8, time_zone = $9, starts_at = $10, ends_at = $11, registration_deadline = $12, capacity = $13,
			delegation_limit = $14, visibility = $15, chatham_house = $16, sequence = sequence + 1, updated_at = $17 WHERE id = $18`,
			m.TitleEN, m.TitleFR, m.DescriptionEN, m.DescriptionFR, m.Kind, m.Format, m.Venue, m.City, m.TimeZone,
			m.StartsAt.UTC(), m.EndsAt.UTC(), m.RegistrationDeadline.UTC(), m.Capacity, m.DelegationLimit, m.Visibility, m.ChathamHouse, now, m.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		updated, err := scanMeeting(tx.QueryRow(ctx, `SELECT `+meetingColumns+` FROM meetings WHERE id = $1`, m.ID))
		if err != nil {
			return err
		}
		if err := s.notifyInvited(ctx, tx, updated, EventMeetingChanged); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.UserID, "meeting.update", "meeting", m.ID, ""); err != nil {
			return err
		}
		// More places may let waiting delegations in.
		_, err = s.promote(ctx, tx, updated, now)
		return err
	})
	if err != nil {
		return m, fmt.Errorf("update meeting %d: %w", m.ID, err)
	}
	return s.Meeting(ctx, actor, m.ID)
}

// CancelMeeting marks a meeting cancelled and emails the delegates of every
// organisation invited. Returns ErrForbidden, ErrNotFound, and ErrConflict
// if it is already cancelled.
func (s *Service) CancelMeeting(ctx context.Context, actor auth.Actor, id int64) error {
	if !actor.Is(auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	now := s.now()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := scanMeeting(tx.QueryRow(ctx, `SELECT `+meetingColumns+` FROM meetings WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if m.Cancelled {
			return pallmall.ErrConflict
		}
		if _, err := tx.Exec(ctx, `UPDATE meetings SET cancelled = TRUE, sequence = sequence + 1, updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		m.Cancelled = true
		if err := s.notifyInvited(ctx, tx, m, EventMeetingCancelled); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "meeting.cancel", "meeting", id, "")
	})
}

// canSee reports whether actor may know that m exists.
func (s *Service) canSee(ctx context.Context, q store.Querier, actor auth.Actor, m Meeting) (bool, error) {
	if m.Visibility == Public || actor.Is(auth.Secretariat) {
		return true, nil
	}
	if !actor.SignedIn() || actor.OrganisationID == 0 {
		return false, nil
	}
	return invited(ctx, q, m.ID, actor.OrganisationID)
}

func invited(ctx context.Context, q store.Querier, meetingID, orgID int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_invitations WHERE meeting_id = $1 AND organisation_id = $2`, meetingID, orgID).Scan(&n)
	return n > 0, err
}

// Meeting returns the meeting with the given id if actor may see it.
// Returns ErrNotFound otherwise.
func (s *Service) Meeting(ctx context.Context, actor auth.Actor, id int64) (Meeting, error) {
	m, err := scanMeeting(s.DB.QueryRow(ctx, `SELECT `+meetingColumns+` FROM meetings WHERE id = $1`, id))
	if err != nil {
		return Meeting{}, err
	}
	ok, err := s.canSee(ctx, s.DB, actor, m)
	if err != nil {
		return Meeting{}, err
	}
	if !ok {
		return Meeting{}, pallmall.ErrNotFound
	}
	return m, nil
}

// Filter narrows a listing of meetings. Zero fields match everything.
type Filter struct {
	// OrganisationID keeps meetings that organisation is invited to; only
	// those who act for it may ask (ErrForbidden otherwise).
	OrganisationID int64
	After          int64 // cursor: only meetings with a larger id
	Limit          int
	// ByID orders by id instead of start time, for cursor pagination.
	ByID bool
}

// Meetings lists the meetings actor may see, by start time (then id) or
// by id, with the filter applied.
func (s *Service) Meetings(ctx context.Context, actor auth.Actor, f Filter) ([]Meeting, error) {
	if f.OrganisationID != 0 && !actor.ActsFor(f.OrganisationID) {
		// Which meetings an organisation is invited to is not public.
		return nil, pallmall.ErrForbidden
	}
	var own int64
	if actor.SignedIn() {
		own = actor.OrganisationID
	}
	return s.list(ctx, actor.Is(auth.Secretariat), own, f)
}

// list lists meetings: all of them for the secretariat, otherwise the
// public ones and those organisation own (0 for none) is invited to.
func (s *Service) list(ctx context.Context, secretariat bool, own int64, f Filter) ([]Meeting, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	order := "starts_at, id"
	if f.ByID {
		order = "id"
	}
	rows, err := s.DB.Query(ctx, `SELECT `+meetingColumns+` FROM meetings m
		WHERE m.id > $1
		AND ($2 OR m.visibility = 'public' OR ($3 <> 0 AND EXISTS (SELECT 1 FROM meeting_invitations i WHERE i.meeting_id = m.id AND i.organisation_id = $3)))
		AND ($4 = 0 OR EXISTS (SELECT 1 FROM meeting_invitations i WHERE i.meeting_id = m.id AND i.organisation_id = $4))
		ORDER BY `+order+` LIMIT $5`, f.After, secretariat, own, f.OrganisationID, limit)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Meeting, error) { return scanMeeting(r) })
}

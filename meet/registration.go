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

// Status is where a registration stands.
type Status string

// The statuses of a registration.
const (
	Confirmed  Status = "confirmed"
	Waitlisted Status = "waitlisted"
	Cancelled  Status = "cancelled"
)

// Interpretation is the simultaneous interpretation a delegation needs.
type Interpretation string

// The interpretation needs: none, into English, into French, or both.
const (
	NoInterpretation Interpretation = "none"
	IntoEnglish      Interpretation = "en"
	IntoFrench       Interpretation = "fr"
	IntoBoth         Interpretation = "both"
)

// Interpretations lists every choice in display order.
var Interpretations = []Interpretation{NoInterpretation, IntoEnglish, IntoFrench, IntoBoth}

// Participant is one person in a delegation. Dietary and access needs are
// shown only to the secretariat and to the delegation's own organisation.
type Participant struct {
	Name        string
	JobTitle    string
	Head        bool
	Dietary     string
	AccessNeeds string
}

// Delegation is what an organisation's delegate registers: the head of
// delegation, the other members, and the interpretation needed.
type Delegation struct {
	Head           Participant
	Members        []Participant // rows with no name are ignored
	Interpretation Interpretation
}

// People returns the delegation's participants, head first.
func (d Delegation) People() []Participant {
	h := d.Head
	h.Head = true
	out := []Participant{h}
	for _, p := range d.Members {
		if p.Name != "" {
			p.Head = false
			out = append(out, p)
		}
	}
	return out
}

// Validate normalises d and checks it against the per-organisation limit.
func (d *Delegation) Validate(limit int) error {
	var v pallmall.ValidationError
	clean := func(p *Participant, field string) {
		p.Name = strings.TrimSpace(p.Name)
		p.JobTitle = strings.TrimSpace(p.JobTitle)
		p.Dietary = strings.TrimSpace(p.Dietary)
		p.AccessNeeds = strings.TrimSpace(p.AccessNeeds)
		if len(p.Name) > 200 || len(p.JobTitle) > 200 {
			v.Add(field+"_name", "error.too_long")
		}
		if len(p.Dietary) > 500 {
			v.Add(field+"_dietary", "error.too_long")
		}
		if len(p.AccessNeeds) > 500 {
			v.Add(field+"_access", "error.too_long")
		}
	}
	clean(&d.Head, "head")
	if d.Head.Name == "" {
		v.Add("head_name", "meet.error.head_required")
	}
	for i := range d.Members {
		clean(&d.Members[i], fmt.Sprintf("member%d", i+1))
		m := d.Members[i]
		if m.Name == "" && (m.JobTitle != "" || m.Dietary != "" || m.AccessNeeds != "") {
			v.Add(fmt.Sprintf("member%d_name", i+1), "meet.error.member_name")
		}
	}
	if d.Interpretation == "" {
		d.Interpretation = NoInterpretation
	}
	if !slices.Contains(Interpretations, d.Interpretation) {
		v.Add("interpretation", "error.choose_one")
	}
	if n := len(d.People()); n > limit {
		v.Add("members", "meet.error.over_limit")
	}
	return v.Err()
}

// Registration is an organisation's registration for a meeting.
type Registration struct {
	ID             int64
	MeetingID      int64
	OrganisationID int64
	Status         Status
	Interpretation Interpretation
	Participants   []Participant // head first
	Rank           int           // order of arrival, for the waiting list
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Refusal is a registration rule that refused an action. Key is the
// message key saying which; the error also matches the kind it wraps
// (ErrForbidden or ErrConflict) with errors.Is.
type Refusal struct {
	Key  string
	kind error
}

func (r *Refusal) Error() string { return "refused: " + r.Key }
func (r *Refusal) Unwrap() error { return r.kind }

// The refusals.
var (
	// ErrNotInvited refuses a registration from an organisation that was
	// not invited.
	ErrNotInvited = &Refusal{"meet.error.not_invited", pallmall.ErrForbidden}
	// ErrDeadlinePassed refuses a registration, change or cancellation
	// after the registration deadline.
	ErrDeadlinePassed = &Refusal{"meet.error.deadline_passed", pallmall.ErrConflict}
	// ErrMeetingCancelled refuses anything on a cancelled meeting.
	ErrMeetingCancelled = &Refusal{"meet.error.meeting_cancelled", pallmall.ErrConflict}
	// ErrNoRoomToGrow refuses enlarging a confirmed delegation beyond the
	// meeting's remaining capacity (it keeps its places as they were).
	ErrNoRoomToGrow = &Refusal{"meet.error.no_room_to_grow", pallmall.ErrConflict}
	// ErrNotRegistered refuses cancelling a registration that does not
	// exist or is already cancelled.
	ErrNotRegistered = &Refusal{"meet.error.not_registered", pallmall.ErrConflict}
)

// Invite invites an organisation to a meeting and emails its delegates.
// Inviting it again changes nothing. Returns ErrForbidden unless actor is
// the secretariat, ErrNotFound for an unknown meeting or organisation, and
// ErrMeetingCancelled.
func (s *Service) Invite(ctx context.Context, actor auth.Actor, meetingID, orgID int64) error {
	if !actor.Is(auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	now := s.now()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := scanMeeting(tx.QueryRow(ctx, `SELECT `+meetingColumns+` FROM meetings WHERE id = $1`, meetingID))
		if err != nil {
			return err
		}
		if m.Cancelled {
			return ErrMeetingCancelled
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM organisations WHERE id = $1`, orgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return pallmall.ErrNotFound
		}
		res, err := tx.Exec(ctx, `INSERT INTO meeting_invitations (meeting_id, organisation_id, invited_at) VALUES ($1, $2, $3)
			ON CONFLICT (meeting_id, organisation_id) DO NOTHING`, meetingID, orgID, now)
		if err != nil {
			return err
		}
		if added, _ := res.RowsAffected(); added == 0 {
			return nil
		}
		if err := s.notifyOrg(ctx, tx, m, orgID, EventInvited, nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "meeting.invite", "meeting", meetingID, fmt.Sprintf("organisation=%d", orgID))
	})
}

// ErrStillRegistered refuses withdrawing the invitation of an organisation
// whose delegation is registered: cancel the registration first.
var ErrStillRegistered = &Refusal{"meet.error.still_registered", pallmall.ErrConflict}

// Uninvite withdraws an organisation's invitation, for one made by
// mistake. Returns ErrForbidden unless actor is the secretariat,
// ErrNotFound if it was not invited, and ErrStillRegistered.
func (s *Service) Uninvite(ctx context.Context, actor auth.Actor, meetingID, orgID int64) error {
	if !actor.Is(auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		reg, err := registrationRow(ctx, tx, meetingID, orgID)
		switch {
		case err == nil && reg.Status != Cancelled:
			return ErrStillRegistered
		case err != nil && !errors.Is(err, pallmall.ErrNotFound):
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM meeting_invitations WHERE meeting_id = $1 AND organisation_id = $2`, meetingID, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		return audit.Record(ctx, tx, actor.UserID, "meeting.uninvite", "meeting", meetingID, fmt.Sprintf("organisation=%d", orgID))
	})
}

// Invitation is an organisation invited to a meeting, with where its
// registration stands ("" if it has not registered).
type Invitation struct {
	OrganisationID int64
	InvitedAt      time.Time
	Status         Status
	People         int
}

// Invitations lists the organisations invited to a meeting, in the order
// they were invited. Only the secretariat may see the list: taking part can
// itself be sensitive. Returns ErrForbidden.
func (s *Service) Invitations(ctx context.Context, actor auth.Actor, meetingID int64) ([]Invitation, error) {
	if !actor.Is(auth.Secretariat) {
		return nil, pallmall.ErrForbidden
	}
	rows, err := s.DB.Query(ctx, `SELECT i.organisation_id, i.invited_at, COALESCE(r.status, ''),
		(SELECT COUNT(*) FROM meeting_participants p WHERE p.registration_id = r.id)
		FROM meeting_invitations i LEFT JOIN meeting_registrations r ON r.meeting_id = i.meeting_id AND r.organisation_id = i.organisation_id
		WHERE i.meeting_id = $1 ORDER BY i.invited_at, i.organisation_id`, meetingID)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Invitation, error) {
		var in Invitation
		err := r.Scan(&in.OrganisationID, &in.InvitedAt, &in.Status, &in.People)
		in.InvitedAt = in.InvitedAt.UTC()
		return in, err
	})
}

// IsInvited reports whether organisation orgID is invited to a meeting
// actor may see. Returns ErrNotFound if actor may not see the meeting.
func (s *Service) IsInvited(ctx context.Context, actor auth.Actor, meetingID, orgID int64) (bool, error) {
	if _, err := s.Meeting(ctx, actor, meetingID); err != nil {
		return false, err
	}
	if !actor.ActsFor(orgID) {
		return false, pallmall.ErrForbidden
	}
	return invited(ctx, s.DB, meetingID, orgID)
}

// Places counts the people in confirmed delegations and the delegations on
// the waiting list.
type Places struct {
	Confirmed, Capacity, Waitlisted int
}

// Remaining returns the places left.
func (p Places) Remaining() int { return max(0, p.Capacity-p.Confirmed) }

// Places returns how full a meeting actor may see is. Returns ErrNotFound.
func (s *Service) Places(ctx context.Context, actor auth.Actor, meetingID int64) (Places, error) {
	m, err := s.Meeting(ctx, actor, meetingID)
	if err != nil {
		return Places{}, err
	}
	p := Places{Capacity: m.Capacity}
	if p.Confirmed, err = confirmedPeople(ctx, s.DB, meetingID, 0); err != nil {
		return p, err
	}
	err = s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_registrations WHERE meeting_id = $1 AND status = 'waitlisted'`, meetingID).Scan(&p.Waitlisted)
	return p, err
}

// confirmedPeople counts people in confirmed delegations, leaving out the
// registration with id except.
func confirmedPeople(ctx context.Context, q store.Querier, meetingID, except int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_participants p JOIN meeting_registrations r ON r.id = p.registration_id
		WHERE r.meeting_id = $1 AND r.status = 'confirmed' AND r.id <> $2`, meetingID, except).Scan(&n)
	return n, err
}

// Register registers or changes organisation orgID's delegation to a
// meeting, and emails its delegates. A new registration is confirmed if the
// meeting has room for the whole delegation and nobody is waiting, and goes
// on the waiting list otherwise. A confirmed delegation may shrink, or grow
// within the places left.
//
// Returns ErrForbidden unless actor acts for the organisation, ErrNotFound
// if actor may not see the meeting, a ValidationError for a bad delegation
// (including one beyond the per-organisation limit), and the refusals
// ErrNotInvited, ErrMeetingCancelled, ErrDeadlinePassed (the secretariat may
// still register an organisation after the deadline) and ErrNoRoomToGrow.
func (s *Service) Register(ctx context.Context, actor auth.Actor, meetingID, orgID int64, d Delegation) (Registration, error) {
	if !actor.ActsFor(orgID) {
		return Registration{}, pallmall.ErrForbidden
	}
	now := s.now()
	var reg Registration
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		// Lock the meeting row first so that concurrent registrations
		// count places one after the other on PostgreSQL too.
		if _, err := tx.Exec(ctx, `UPDATE meetings SET capacity = capacity WHERE id = $1`, meetingID); err != nil {
			return err
		}
		m, err := s.meetingFor(ctx, tx, actor, meetingID)
		if err != nil {
			return err
		}
		if ok, err := invited(ctx, tx, meetingID, orgID); err != nil {
			return err
		} else if !ok {
			return ErrNotInvited
		}
		if err := s.checkOpen(actor, m, now); err != nil {
			return err
		}
		if err := d.Validate(m.DelegationLimit); err != nil {
			return err
		}
		people := d.People()
		old, err := registrationRow(ctx, tx, meetingID, orgID)
		exists := err == nil
		if err != nil && !errors.Is(err, pallmall.ErrNotFound) {
			return err
		}
		others, err := confirmedPeople(ctx, tx, meetingID, old.ID)
		if err != nil {
			return err
		}
		event := EventRegistrationChanged
		switch {
		case exists && old.Status == Confirmed:
			if others+len(people) > m.Capacity {
				return ErrNoRoomToGrow
			}
			reg = old
		case exists && old.Status == Waitlisted:
			reg = old
		default:
			var waiting, maxRank int
			if err := tx.QueryRow(ctx, `SELECT COUNT(CASE WHEN status = 'waitlisted' THEN 1 END), COALESCE(MAX(rank), 0)
				FROM meeting_registrations WHERE meeting_id = $1`, meetingID).Scan(&waiting, &maxRank); err != nil {
				return err
			}
			reg = Registration{ID: old.ID, MeetingID: meetingID, OrganisationID: orgID, Rank: maxRank + 1, CreatedAt: now}
			if waiting == 0 && others+len(people) <= m.Capacity {
				reg.Status, event = Confirmed, EventRegistered
			} else {
				reg.Status, event = Waitlisted, EventWaitlisted
			}
		}
		reg.Interpretation, reg.Participants, reg.UpdatedAt = d.Interpretation, people, now
		var by any
		if actor.UserID != 0 {
			by = actor.UserID
		}
		if reg.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO meeting_registrations (meeting_id, organisation_id, status, interpretation, rank, registered_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, meetingID, orgID, reg.Status, reg.Interpretation, reg.Rank, by, now, now).Scan(&reg.ID)
		} else {
			_, err = tx.Exec(ctx, `UPDATE meeting_registrations SET status = $1, interpretation = $2, rank = $3, registered_by = $4, updated_at = $5 WHERE id = $6`,
				reg.Status, reg.Interpretation, reg.Rank, by, now, reg.ID)
		}
		if err != nil {
			return err
		}
		if err := s.replaceParticipants(ctx, tx, reg.ID, people); err != nil {
			return err
		}
		if err := s.notifyOrg(ctx, tx, m, orgID, event, &reg); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.UserID, "meeting.register", "meeting_registration", reg.ID, "status="+string(reg.Status)); err != nil {
			return err
		}
		promoted, err := s.promote(ctx, tx, m, now)
		if err != nil {
			return err
		}
		if slices.Contains(promoted, reg.ID) {
			reg.Status = Confirmed
		}
		return nil
	})
	if err != nil {
		return Registration{}, err
	}
	return reg, nil
}

// CancelRegistration cancels organisation orgID's registration, emails its
// delegates, and confirms delegations from the waiting list, in order, as
// long as the next one fits. Returns the same errors as Register, and
// ErrNotRegistered.
func (s *Service) CancelRegistration(ctx context.Context, actor auth.Actor, meetingID, orgID int64) error {
	if !actor.ActsFor(orgID) {
		return pallmall.ErrForbidden
	}
	now := s.now()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE meetings SET capacity = capacity WHERE id = $1`, meetingID); err != nil {
			return err
		}
		m, err := s.meetingFor(ctx, tx, actor, meetingID)
		if err != nil {
			return err
		}
		if err := s.checkOpen(actor, m, now); err != nil {
			return err
		}
		reg, err := registrationRow(ctx, tx, meetingID, orgID)
		if errors.Is(err, pallmall.ErrNotFound) || (err == nil && reg.Status == Cancelled) {
			return ErrNotRegistered
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE meeting_registrations SET status = 'cancelled', updated_at = $1 WHERE id = $2`, now, reg.ID); err != nil {
			return err
		}
		reg.Status = Cancelled
		if err := s.notifyOrg(ctx, tx, m, orgID, EventRegistrationCancelled, &reg); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.UserID, "meeting.cancel_registration", "meeting_registration", reg.ID, ""); err != nil {
			return err
		}
		_, err = s.promote(ctx, tx, m, now)
		return err
	})
}

// meetingFor reads a meeting inside a transaction, as Meeting does.
func (s *Service) meetingFor(ctx context.Context, tx *store.Tx, actor auth.Actor, id int64) (Meeting, error) {
	m, err := scanMeeting(tx.QueryRow(ctx, `SELECT `+meetingColumns+` FROM meetings WHERE id = $1`, id))
	if err != nil {
		return m, err
	}
	ok, err := s.canSee(ctx, tx, actor, m)
	if err != nil {
		return m, err
	}
	if !ok {
		return m, pallmall.ErrNotFound
	}
	return m, nil
}

func (s *Service) checkOpen(actor auth.Actor, m Meeting, now time.Time) error {
	if m.Cancelled {
		return ErrMeetingCancelled
	}
	if !now.Before(m.RegistrationDeadline) && !actor.Is(auth.Secretariat) {
		return ErrDeadlinePassed
	}
	return nil
}

// promote confirms waiting delegations in order of arrival while the next
// one fits, emailing each, and returns the ids it confirmed.
func (s *Service) promote(ctx context.Context, tx *store.Tx, m Meeting, now time.Time) ([]int64, error) {
	confirmed, err := confirmedPeople(ctx, tx, m.ID, 0)
	if err != nil {
		return nil, err
	}
	type waiting struct {
		id, org int64
		people  int
	}
	rows, err := tx.Query(ctx, `SELECT r.id, r.organisation_id, (SELECT COUNT(*) FROM meeting_participants p WHERE p.registration_id = r.id)
		FROM meeting_registrations r WHERE r.meeting_id = $1 AND r.status = 'waitlisted' ORDER BY r.rank, r.id`, m.ID)
	queue, err := store.ScanAll(rows, err, func(r *sql.Rows) (waiting, error) {
		var w waiting
		return w, r.Scan(&w.id, &w.org, &w.people)
	})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, w := range queue {
		if confirmed+w.people > m.Capacity {
			break
		}
		confirmed += w.people
		if _, err := tx.Exec(ctx, `UPDATE meeting_registrations SET status = 'confirmed', updated_at = $1 WHERE id = $2`, now, w.id); err != nil {
			return nil, err
		}
		reg := Registration{ID: w.id, MeetingID: m.ID, OrganisationID: w.org, Status: Confirmed}
		if err := s.notifyOrg(ctx, tx, m, w.org, EventPromoted, &reg); err != nil {
			return nil, err
		}
		if err := audit.Record(ctx, tx, 0, "meeting.promote", "meeting_registration", w.id, ""); err != nil {
			return nil, err
		}
		ids = append(ids, w.id)
	}
	return ids, nil
}

func registrationRow(ctx context.Context, q store.Querier, meetingID, orgID int64) (Registration, error) {
	var r Registration
	err := q.QueryRow(ctx, `SELECT id, meeting_id, organisation_id, status, interpretation, rank, created_at, updated_at
		FROM meeting_registrations WHERE meeting_id = $1 AND organisation_id = $2`, meetingID, orgID).
		Scan(&r.ID, &r.MeetingID, &r.OrganisationID, &r.Status, &r.Interpretation, &r.Rank, &r.CreatedAt, &r.UpdatedAt)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// replaceParticipants stores a delegation's members, their names, job
// titles, dietary and access needs sealed (see sealParticipant).
func (s *Service) replaceParticipants(ctx context.Context, tx *store.Tx, regID int64, people []Participant) error {
	if _, err := tx.Exec(ctx, `DELETE FROM meeting_participants WHERE registration_id = $1`, regID); err != nil {
		return err
	}
	for i, p := range people {
		p = sealParticipant(s.keys(), p)
		if _, err := tx.Exec(ctx, `INSERT INTO meeting_participants (registration_id, position, name, job_title, is_head, dietary, access_needs)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, regID, i, p.Name, p.JobTitle, p.Head, p.Dietary, p.AccessNeeds); err != nil {
			return err
		}
	}
	return nil
}

// participants returns a registration's members, opened. Callers have
// checked that the actor may see them.
func (s *Service) participants(ctx context.Context, q store.Querier, regID int64) ([]Participant, error) {
	rows, err := q.Query(ctx, `SELECT name, job_title, is_head, dietary, access_needs FROM meeting_participants WHERE registration_id = $1 ORDER BY position`, regID)
	people, err := store.ScanAll(rows, err, func(r *sql.Rows) (Participant, error) {
		var p Participant
		return p, r.Scan(&p.Name, &p.JobTitle, &p.Head, &p.Dietary, &p.AccessNeeds)
	})
	if err != nil {
		return nil, err
	}
	for i := range people {
		if err := openParticipant(s.keys(), &people[i]); err != nil {
			return nil, fmt.Errorf("registration %d: %w", regID, err)
		}
	}
	return people, nil
}

// Registration returns organisation orgID's registration for a meeting,
// with its participants. Returns ErrForbidden unless actor acts for the
// organisation, and ErrNotFound if there is none or actor may not see the
// meeting.
func (s *Service) Registration(ctx context.Context, actor auth.Actor, meetingID, orgID int64) (Registration, error) {
	if !actor.ActsFor(orgID) {
		return Registration{}, pallmall.ErrForbidden
	}
	if _, err := s.Meeting(ctx, actor, meetingID); err != nil {
		return Registration{}, err
	}
	r, err := registrationRow(ctx, s.DB, meetingID, orgID)
	if err != nil {
		return r, err
	}
	r.Participants, err = s.participants(ctx, s.DB, r.ID)
	return r, err
}

// Registrations lists every registration for a meeting with its people,
// confirmed first, then the waiting list in order, then cancellations:
// the list of participants. Only the secretariat may see it, as it holds
// dietary and access needs. Returns ErrForbidden.
func (s *Service) Registrations(ctx context.Context, actor auth.Actor, meetingID int64) ([]Registration, error) {
	if !actor.Is(auth.Secretariat) {
		return nil, pallmall.ErrForbidden
	}
	// A meeting that does not exist has no list, not an empty one.
	if _, err := s.Meeting(ctx, actor, meetingID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, meeting_id, organisation_id, status, interpretation, rank, created_at, updated_at
		FROM meeting_registrations WHERE meeting_id = $1
		ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, rank, id`, meetingID)
	regs, err := store.ScanAll(rows, err, func(r *sql.Rows) (Registration, error) {
		var g Registration
		err := r.Scan(&g.ID, &g.MeetingID, &g.OrganisationID, &g.Status, &g.Interpretation, &g.Rank, &g.CreatedAt, &g.UpdatedAt)
		g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
		return g, err
	})
	if err != nil {
		return nil, err
	}
	for i := range regs {
		if regs[i].Participants, err = s.participants(ctx, s.DB, regs[i].ID); err != nil {
			return nil, err
		}
	}
	return regs, nil
}

// WaitingPosition returns the place of organisation orgID's delegation on
// a meeting's waiting list, from 1, or 0 if it is not waiting. Returns the
// errors of Registration.
func (s *Service) WaitingPosition(ctx context.Context, actor auth.Actor, meetingID, orgID int64) (int, error) {
	reg, err := s.Registration(ctx, actor, meetingID, orgID)
	if err != nil || reg.Status != Waitlisted {
		return 0, err
	}
	var ahead int
	err = s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_registrations WHERE meeting_id = $1 AND status = 'waitlisted'
		AND (rank < $2 OR (rank = $2 AND id < $3))`, meetingID, reg.Rank, reg.ID).Scan(&ahead)
	return ahead + 1, err
}

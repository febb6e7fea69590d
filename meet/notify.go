package meet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// Event names what an email announces.
type Event string

// The events that send email.
const (
	EventInvited               Event = "invited"
	EventRegistered            Event = "registered"
	EventWaitlisted            Event = "waitlisted"
	EventPromoted              Event = "promoted"
	EventRegistrationChanged   Event = "registration_changed"
	EventRegistrationCancelled Event = "registration_cancelled"
	EventMeetingChanged        Event = "meeting_changed"
	EventMeetingCancelled      Event = "meeting_cancelled"
)

// Message is one email in the outbox. Every change that emails people
// writes its messages in the same transaction as the change, so none is
// lost or sent for a change that rolled back; a Mailer delivers them.
type Message struct {
	ID        int64
	CreatedAt time.Time
	MeetingID int64
	Event     Event
	ToAddress string
	ToName    string
	Subject   string
	Body      string
	SentAt    time.Time // zero while waiting
	Attempts  int
	LastError string
}

// texts holds the subject and first paragraph of each event's email, in
// English and French. %s is the meeting's title in that language.
var texts = map[Event][4]string{
	EventInvited: {"Invitation: %s", "Invitation : %s",
		"Your organisation is invited to %s. A delegate of your organisation can register its delegation on the platform.",
		"Votre organisation est invitée à %s. Un délégué de votre organisation peut inscrire sa délégation sur la plateforme."},
	EventRegistered: {"Registration confirmed: %s", "Inscription confirmée : %s",
		"Your organisation's delegation to %s is registered and confirmed.",
		"La délégation de votre organisation à %s est inscrite et confirmée."},
	EventWaitlisted: {"On the waiting list: %s", "Sur liste d’attente : %s",
		"%s is full. Your organisation's delegation is on the waiting list; you will be told if places become free.",
		"%s est complet. La délégation de votre organisation est sur liste d’attente ; vous serez prévenu si des places se libèrent."},
	EventPromoted: {"Places confirmed: %s", "Places confirmées : %s",
		"Places became free at %s: your organisation's delegation has moved from the waiting list and is now confirmed.",
		"Des places se sont libérées pour %s : la délégation de votre organisation quitte la liste d’attente et est confirmée."},
	EventRegistrationChanged: {"Registration changed: %s", "Inscription modifiée : %s",
		"Your organisation's registration for %s was changed.",
		"L’inscription de votre organisation à %s a été modifiée."},
	EventRegistrationCancelled: {"Registration cancelled: %s", "Inscription annulée : %s",
		"Your organisation's registration for %s was cancelled.",
		"L’inscription de votre organisation à %s a été annulée."},
	EventMeetingChanged: {"Meeting changed: %s", "Réunion modifiée : %s",
		"The details of %s have changed. Please check the dates, times and place below.",
		"Les informations de %s ont changé. Merci de vérifier ci-dessous les dates, heures et lieu."},
	EventMeetingCancelled: {"Meeting cancelled: %s", "Réunion annulée : %s",
		"%s has been cancelled.",
		"%s est annulée."},
}

var statusText = map[Status][2]string{
	Confirmed:  {"confirmed", "confirmée"},
	Waitlisted: {"on the waiting list", "sur liste d’attente"},
	Cancelled:  {"cancelled", "annulée"},
}

// compose writes the bilingual email for an event. It carries no personal
// data beyond the recipient's own name: needs stay on the platform.
func (s *Service) compose(m Meeting, ev Event, reg *Registration, toName string) (subject, body string) {
	t := texts[ev]
	subject = "[Pall Mall] " + fmt.Sprintf(t[0], m.TitleEN) + " / " + fmt.Sprintf(t[1], m.TitleFR)
	link := strings.TrimSuffix(s.PublicURL, "/") + "/meetings/" + strconv.FormatInt(m.ID, 10)
	var b strings.Builder
	section := func(lang, greeting, intro, when, where, online, status, see, cal string) {
		fmt.Fprintf(&b, "%s %s,\n\n%s\n\n", greeting, toName, intro)
		fmt.Fprintf(&b, "%s: %s\n", when, formatRange(m, lang))
		if m.Format == Online {
			fmt.Fprintf(&b, "%s: %s\n", where, online)
		} else {
			fmt.Fprintf(&b, "%s: %s, %s\n", where, m.Venue, m.City)
		}
		if reg != nil {
			i := 0
			if lang == "fr" {
				i = 1
			}
			fmt.Fprintf(&b, "%s: %s\n", status, statusText[reg.Status][i])
		}
		fmt.Fprintf(&b, "\n%s: %s\n%s: %s/calendar.ics\n", see, link, cal, link)
	}
	section("en", "Dear", fmt.Sprintf(t[2], m.TitleEN), "When", "Where", "online", "Registration", "Details", "Add to your calendar")
	b.WriteString("\n-- \n\n")
	section("fr", "Bonjour", fmt.Sprintf(t[3], m.TitleFR), "Quand", "Où", "en ligne", "Inscription", "Détails", "Ajouter à votre agenda")
	b.WriteString("\n-- \nPall Mall Process secretariat / Secrétariat du processus de Pall Mall\n")
	return subject, b.String()
}

// formatRange writes a meeting's dates in the venue's time zone, with the
// zone's abbreviation and name so nobody has to guess.
func formatRange(m Meeting, lang string) string {
	start, end := m.Local(m.StartsAt), m.Local(m.EndsAt)
	layout := "Monday 2 January 2006, 15:04 MST"
	if lang == "fr" {
		layout = "02/01/2006 15:04 MST"
	}
	return start.Format(layout) + " – " + end.Format(layout) + " (" + m.TimeZone + ")"
}

// notifyOrg writes an email for ev to every active delegate of orgID. A
// meeting that has ended sends none: recording a past meeting's
// invitations and delegations (as the secretariat does when it adds the
// history) is nothing to tell anyone about.
func (s *Service) notifyOrg(ctx context.Context, tx *store.Tx, m Meeting, orgID int64, ev Event, reg *Registration) error {
	if m.Past(s.now()) {
		return nil
	}
	if s.Directory == nil {
		return errors.New("meet: no directory of delegates configured")
	}
	delegates, err := s.Directory.Delegates(ctx, orgID)
	if err != nil {
		return err
	}
	type recipient struct{ email, name string }
	var to []recipient
	for _, u := range delegates {
		to = append(to, recipient{u.Email, u.Name})
	}
	now := s.now()
	k := s.keys()
	for _, r := range to {
		subject, body := s.compose(m, ev, reg, r.name)
		if _, err := tx.Exec(ctx, `INSERT INTO meeting_outbox (created_at, meeting_id, event, to_address, to_name, subject, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			now, m.ID, ev, k.Seal(sealAddress, r.email), k.Seal(sealName, r.name), subject, k.Seal(sealBody, body)); err != nil {
			return err
		}
	}
	return nil
}

// notifyInvited writes an email for ev to the delegates of every invited
// organisation that has not cancelled its registration.
func (s *Service) notifyInvited(ctx context.Context, tx *store.Tx, m Meeting, ev Event) error {
	rows, err := tx.Query(ctx, `SELECT i.organisation_id FROM meeting_invitations i
		WHERE i.meeting_id = $1 AND NOT EXISTS (SELECT 1 FROM meeting_registrations r WHERE r.meeting_id = i.meeting_id AND r.organisation_id = i.organisation_id AND r.status = 'cancelled')
		ORDER BY i.organisation_id`, m.ID)
	orgs, err := store.ScanAll(rows, err, func(r *sql.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		return err
	}
	for _, org := range orgs {
		if err := s.notifyOrg(ctx, tx, m, org, ev, nil); err != nil {
			return err
		}
	}
	return nil
}

const messageColumns = `id, created_at, meeting_id, event, to_address, to_name, subject, body, sent_at, attempts, last_error`

// Contexts for sealing the outbox's fields: the recipient's address and
// name, and the body, which greets them by name.
const (
	sealAddress = "meeting_outbox.to_address"
	sealName    = "meeting_outbox.to_name"
	sealBody    = "meeting_outbox.body"
)

var ephemeralKeys = sync.OnceValue(vault.Ephemeral)

func (s *Service) keys() *vault.Keyring {
	if s.Keys != nil {
		return s.Keys
	}
	return ephemeralKeys()
}

// openMessage opens m's sealed fields in place. Messages written before
// the outbox was sealed are in clear until `pallmall keys rotate` seals
// them, and are returned as they are.
func openMessage(k *vault.Keyring, m *Message) error {
	for _, f := range []struct {
		ctx string
		p   *string
	}{{sealAddress, &m.ToAddress}, {sealName, &m.ToName}, {sealBody, &m.Body}} {
		if !vault.IsSealed(*f.p) {
			continue
		}
		v, err := k.Open(f.ctx, *f.p)
		if err != nil {
			return fmt.Errorf("open outbox message %d: %w", m.ID, err)
		}
		*f.p = v
	}
	return nil
}

// openMessages opens every message's sealed fields.
func openMessages(k *vault.Keyring, msgs []Message, err error) ([]Message, error) {
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		if err := openMessage(k, &msgs[i]); err != nil {
			return nil, err
		}
	}
	return msgs, nil
}

// ResealOutbox seals, with keys' current key, every outbox message
// sealed with an older key or stored in clear, and returns how many it
// changed. `pallmall keys rotate` runs it.
func ResealOutbox(ctx context.Context, db *store.DB, keys *vault.Keyring) (int, error) {
	rows, err := db.Query(ctx, `SELECT `+messageColumns+` FROM meeting_outbox ORDER BY id`)
	msgs, err := store.ScanAll(rows, err, scanMessageRows)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range msgs {
		if keys.Current(m.ToAddress) && keys.Current(m.ToName) && keys.Current(m.Body) && vault.IsSealed(m.ToAddress) {
			continue
		}
		old := m.ToAddress
		if err := openMessage(keys, &m); err != nil {
			return n, err
		}
		if _, err := db.Exec(ctx, `UPDATE meeting_outbox SET to_address = $1, to_name = $2, body = $3 WHERE id = $4 AND to_address = $5`,
			keys.Seal(sealAddress, m.ToAddress), keys.Seal(sealName, m.ToName), keys.Seal(sealBody, m.Body), m.ID, old); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func scanMessageRows(r *sql.Rows) (Message, error) { return scanMessage(r) }

func scanMessage(r interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var sent sql.NullTime
	err := r.Scan(&m.ID, &m.CreatedAt, &m.MeetingID, &m.Event, &m.ToAddress, &m.ToName, &m.Subject, &m.Body, &sent, &m.Attempts, &m.LastError)
	m.CreatedAt = m.CreatedAt.UTC()
	if sent.Valid {
		m.SentAt = sent.Time.UTC()
	}
	return m, err
}

// Outbox lists emails newest first, before the cursor id (0 for the
// newest). Only the secretariat may read it. Returns ErrForbidden.
func (s *Service) Outbox(ctx context.Context, actor auth.Actor, before int64, limit int) ([]Message, error) {
	if !actor.Is(auth.Secretariat) {
		return nil, pallmall.ErrForbidden
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.DB.Query(ctx, `SELECT `+messageColumns+` FROM meeting_outbox WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2`, before, limit)
	msgs, err := store.ScanAll(rows, err, scanMessageRows)
	return openMessages(s.keys(), msgs, err)
}

// OutboxMessage returns one email. Returns ErrForbidden and ErrNotFound.
func (s *Service) OutboxMessage(ctx context.Context, actor auth.Actor, id int64) (Message, error) {
	if !actor.Is(auth.Secretariat) {
		return Message{}, pallmall.ErrForbidden
	}
	m, err := scanMessage(s.DB.QueryRow(ctx, `SELECT `+messageColumns+` FROM meeting_outbox WHERE id = $1`, id))
	if err != nil {
		return Message{}, err
	}
	return m, openMessage(s.keys(), &m)
}

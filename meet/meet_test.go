package meet_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// fixture is a platform with three organisations, a delegate for each, the
// secretariat, and a meeting service whose clock tests move.
type fixture struct {
	svc         *meet.Service
	auth        *auth.Service
	keysDir     string // the identity keys' folder, for rotation
	now         time.Time
	orgs        [3]auth.Organisation
	delegates   [3]auth.Actor
	secretariat auth.Actor
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{keysDir: t.TempDir(), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	keys, err := vault.LoadOrCreate(f.keysDir)
	if err != nil {
		t.Fatal(err)
	}
	f.auth = &auth.Service{DB: db, Keys: keys}
	f.svc = &meet.Service{DB: db, Directory: f.auth, PublicURL: "https://pallmall.example", Keys: f.auth.Keys, Now: func() time.Time { return f.now }}
	names := [][2]string{{"Ruritania", "Ruritanie"}, {"Open Rights Lab", "Labo des droits ouverts"}, {"Borduria", "Bordurie"}}
	for i, n := range names {
		o, err := f.auth.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: n[0], NameFR: n[1], Kind: auth.CivilSociety})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs[i] = o
		u, _, err := f.auth.CreateUser(ctx, auth.System, auth.NewUser{Email: "d" + string(rune('a'+i)) + "@example.org", Name: "Delegate " + n[0], Role: auth.Delegate, OrganisationID: o.ID}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.delegates[i] = u.Actor()
	}
	sec, _, err := f.auth.CreateUser(ctx, auth.System, auth.NewUser{Email: "sec@example.org", Name: "Sec", Role: auth.Secretariat}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f.secretariat = sec.Actor()
	return f
}

// meeting returns a valid meeting three months after the fixture's clock.
func (f *fixture) meeting() meet.Meeting {
	start := time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)
	return meet.Meeting{
		TitleEN: "Intermediary meeting", TitleFR: "Réunion intermédiaire", Kind: meet.Intermediary, Format: meet.Hybrid,
		Venue: "Lancaster House", City: "London", TimeZone: "Europe/London",
		StartsAt: start, EndsAt: start.Add(8 * time.Hour), RegistrationDeadline: start.Add(-7 * 24 * time.Hour),
		Capacity: 5, DelegationLimit: 3, Visibility: meet.Public,
	}
}

func (f *fixture) create(t *testing.T, m meet.Meeting) meet.Meeting {
	t.Helper()
	got, err := f.svc.CreateMeeting(context.Background(), f.secretariat, m)
	if err != nil {
		t.Fatalf("CreateMeeting: %v", err)
	}
	return got
}

func delegation(names ...string) meet.Delegation {
	d := meet.Delegation{Head: meet.Participant{Name: names[0]}, Interpretation: meet.NoInterpretation}
	for _, n := range names[1:] {
		d.Members = append(d.Members, meet.Participant{Name: n})
	}
	return d
}

func TestMeetingValidate(t *testing.T) {
	f := &fixture{}
	tests := []struct {
		name  string
		edit  func(m *meet.Meeting)
		field string
		key   string
	}{
		{"no English title", func(m *meet.Meeting) { m.TitleEN = "  " }, "title_en", "error.required"},
		{"no French title", func(m *meet.Meeting) { m.TitleFR = "" }, "title_fr", "error.required"},
		{"unknown kind", func(m *meet.Meeting) { m.Kind = "party" }, "kind", "error.choose_one"},
		{"unknown zone", func(m *meet.Meeting) { m.TimeZone = "Europe/Atlantis" }, "time_zone", "meet.error.time_zone"},
		{"ends before start", func(m *meet.Meeting) { m.EndsAt = m.StartsAt.Add(-time.Hour) }, "ends_at", "meet.error.ends_before_start"},
		{"deadline after start", func(m *meet.Meeting) { m.RegistrationDeadline = m.StartsAt.Add(time.Hour) }, "registration_deadline", "meet.error.deadline_after_start"},
		{"no capacity", func(m *meet.Meeting) { m.Capacity = 0 }, "capacity", "meet.error.capacity"},
		{"no delegation limit", func(m *meet.Meeting) { m.DelegationLimit = 0 }, "delegation_limit", "meet.error.delegation_limit"},
		{"delegations larger than the meeting", func(m *meet.Meeting) { m.Capacity, m.DelegationLimit = 2, 3 }, "delegation_limit", "meet.error.limit_over_capacity"},
		{"in person without venue", func(m *meet.Meeting) { m.Venue = "" }, "venue", "error.required"},
	}
	m := f.meeting()
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate(valid meeting) = %v, want nil", err)
	}
	online := f.meeting()
	online.Format, online.Venue, online.City = meet.Online, "", ""
	if err := online.Validate(); err != nil {
		t.Errorf("Validate(online meeting without venue) = %v, want nil", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := f.meeting()
			tt.edit(&m)
			var v *pallmall.ValidationError
			if err := m.Validate(); !errors.As(err, &v) || v.Fields[tt.field] != tt.key {
				t.Errorf("Validate() = %v, want %s: %s", err, tt.field, tt.key)
			}
		})
	}
}

func TestWaitingList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.create(t, f.meeting()) // capacity 5, up to 3 per organisation
		for _, o := range f.orgs {
			if err := f.svc.Invite(ctx, f.secretariat, m.ID, o.ID); err != nil {
				t.Fatalf("Invite(%s): %v", o.NameEN, err)
			}
		}
		// Inviting again changes nothing and sends nothing.
		if err := f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[0].ID); err != nil {
			t.Fatalf("Invite again: %v", err)
		}
		d := delegation("Ana Head", "Ben Member", "Cy Member")
		d.Interpretation = meet.IntoFrench
		d.Head.AccessNeeds = "step-free access"
		steps := []struct {
			org    int
			d      meet.Delegation
			status meet.Status
		}{
			{0, d, meet.Confirmed}, // 3 of 5
			{1, delegation("Dee Head", "Eve", "Fay"), meet.Waitlisted}, // 6 > 5
			{2, delegation("Gus Head"), meet.Waitlisted},               // it would fit, but others wait first
		}
		for _, st := range steps {
			reg, err := f.svc.Register(ctx, f.delegates[st.org], m.ID, f.orgs[st.org].ID, st.d)
			if err != nil {
				t.Fatalf("Register(org %d): %v", st.org, err)
			}
			if reg.Status != st.status {
				t.Errorf("Register(org %d).Status = %s, want %s", st.org, reg.Status, st.status)
			}
		}
		p, err := f.svc.Places(ctx, auth.Actor{}, m.ID)
		if err != nil || p != (meet.Places{Confirmed: 3, Capacity: 5, Waitlisted: 2}) {
			t.Errorf("Places = %+v, %v; want 3 of 5 confirmed, 2 waiting", p, err)
		}
		// The first delegation cancels: the waiting list moves up in order.
		if err := f.svc.CancelRegistration(ctx, f.delegates[0], m.ID, f.orgs[0].ID); err != nil {
			t.Fatalf("CancelRegistration: %v", err)
		}
		for org, want := range map[int]meet.Status{0: meet.Cancelled, 1: meet.Confirmed, 2: meet.Confirmed} {
			reg, err := f.svc.Registration(ctx, f.delegates[org], m.ID, f.orgs[org].ID)
			if err != nil || reg.Status != want {
				t.Errorf("Registration(org %d) = %s, %v; want %s", org, reg.Status, err, want)
			}
		}
		// A confirmed delegation cannot grow past the capacity, and keeps
		// its places when it tries.
		if _, err := f.svc.Register(ctx, f.delegates[2], m.ID, f.orgs[2].ID, delegation("Gus Head", "Hal", "Ian")); !errors.Is(err, meet.ErrNoRoomToGrow) {
			t.Errorf("Register(grow beyond capacity) = %v, want ErrNoRoomToGrow", err)
		}
		// Registering again after cancelling joins the end of the queue.
		reg, err := f.svc.Register(ctx, f.delegates[0], m.ID, f.orgs[0].ID, d)
		if err != nil || reg.Status != meet.Waitlisted {
			t.Errorf("Register(again) = %s, %v; want waitlisted", reg.Status, err)
		}
		regs, err := f.svc.Registrations(ctx, f.secretariat, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		var order []int64
		for _, r := range regs {
			order = append(order, r.OrganisationID)
		}
		want := []int64{f.orgs[1].ID, f.orgs[2].ID, f.orgs[0].ID}
		if len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
			t.Errorf("Registrations order = %v, want %v", order, want)
		}
		if got := regs[2].Participants; len(got) != 3 || !got[0].Head || got[0].AccessNeeds != "step-free access" || regs[2].Interpretation != meet.IntoFrench {
			t.Errorf("re-registered delegation = %+v, %s; want 3 people, head first with access needs, French interpretation", got, regs[2].Interpretation)
		}
		if _, err := f.svc.Registrations(ctx, f.delegates[0], m.ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Registrations(delegate) = %v, want ErrForbidden", err)
		}
		// Every step emailed the organisation's delegate.
		msgs, err := f.svc.Outbox(ctx, f.secretariat, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var events []meet.Event
		for i := len(msgs) - 1; i >= 0; i-- {
			events = append(events, msgs[i].Event)
		}
		wantEvents := []meet.Event{meet.EventInvited, meet.EventInvited, meet.EventInvited,
			meet.EventRegistered, meet.EventWaitlisted, meet.EventWaitlisted,
			meet.EventRegistrationCancelled, meet.EventPromoted, meet.EventPromoted, meet.EventWaitlisted}
		if len(events) != len(wantEvents) {
			t.Fatalf("outbox events = %v, want %v", events, wantEvents)
		}
		for i := range events {
			if events[i] != wantEvents[i] {
				t.Errorf("outbox event %d = %s, want %s", i, events[i], wantEvents[i])
			}
		}
		if _, err := f.svc.Outbox(ctx, f.delegates[0], 0, 10); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Outbox(delegate) = %v, want ErrForbidden", err)
		}
	})
}

func TestRegistrationRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.create(t, f.meeting())
		if err := f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[0].ID); err != nil {
			t.Fatal(err)
		}
		hidden := f.meeting()
		hidden.Visibility = meet.Invited
		hm := f.create(t, hidden)
		if err := f.svc.Invite(ctx, f.secretariat, hm.ID, f.orgs[0].ID); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name    string
			actor   auth.Actor
			meeting int64
			org     int
			d       meet.Delegation
			want    error
			field   string
		}{
			{"not invited", f.delegates[1], m.ID, 1, delegation("A"), meet.ErrNotInvited, ""},
			{"not invited is forbidden", f.delegates[1], m.ID, 1, delegation("A"), pallmall.ErrForbidden, ""},
			{"for another organisation", f.delegates[1], m.ID, 0, delegation("A"), pallmall.ErrForbidden, ""},
			{"the public", auth.Actor{}, m.ID, 0, delegation("A"), pallmall.ErrForbidden, ""},
			{"beyond the delegation limit", f.delegates[0], m.ID, 0, delegation("A", "B", "C", "D"), pallmall.ErrInvalid, "members"},
			{"no head of delegation", f.delegates[0], m.ID, 0, delegation(" ", "B"), pallmall.ErrInvalid, "head_name"},
			{"unknown interpretation", f.delegates[0], m.ID, 0, meet.Delegation{Head: meet.Participant{Name: "A"}, Interpretation: "de"}, pallmall.ErrInvalid, "interpretation"},
			{"an invited-only meeting one cannot see", f.delegates[1], hm.ID, 1, delegation("A"), pallmall.ErrNotFound, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.svc.Register(ctx, tt.actor, tt.meeting, f.orgs[tt.org].ID, tt.d)
				if !errors.Is(err, tt.want) {
					t.Fatalf("Register = %v, want %v", err, tt.want)
				}
				var v *pallmall.ValidationError
				if tt.field != "" && (!errors.As(err, &v) || v.Fields[tt.field] == "") {
					t.Errorf("Register = %v, want an error on %s", err, tt.field)
				}
			})
		}
		// Seeing an invited-only meeting.
		for _, c := range []struct {
			name  string
			actor auth.Actor
			want  error
		}{{"public", auth.Actor{}, pallmall.ErrNotFound}, {"uninvited delegate", f.delegates[1], pallmall.ErrNotFound}, {"invited delegate", f.delegates[0], nil}, {"secretariat", f.secretariat, nil}} {
			if _, err := f.svc.Meeting(ctx, c.actor, hm.ID); !errors.Is(err, c.want) {
				t.Errorf("Meeting(invited-only) as %s = %v, want %v", c.name, err, c.want)
			}
			list, _ := f.svc.Meetings(ctx, c.actor, meet.Filter{})
			if got, want := len(list), map[bool]int{true: 1, false: 2}[c.want != nil]; got != want {
				t.Errorf("Meetings() as %s lists %d, want %d", c.name, got, want)
			}
		}
		// After the deadline, delegates are refused; the secretariat may
		// still register an organisation.
		f.now = m.RegistrationDeadline
		if _, err := f.svc.Register(ctx, f.delegates[0], m.ID, f.orgs[0].ID, delegation("A")); !errors.Is(err, meet.ErrDeadlinePassed) || !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("Register(after deadline) = %v, want ErrDeadlinePassed (a conflict)", err)
		}
		if _, err := f.svc.Register(ctx, f.secretariat, m.ID, f.orgs[0].ID, delegation("A")); err != nil {
			t.Errorf("Register(after deadline, by the secretariat) = %v, want nil", err)
		}
		if err := f.svc.CancelRegistration(ctx, f.delegates[0], m.ID, f.orgs[0].ID); !errors.Is(err, meet.ErrDeadlinePassed) {
			t.Errorf("CancelRegistration(after deadline) = %v, want ErrDeadlinePassed", err)
		}
		// A cancelled meeting refuses everything.
		if err := f.svc.CancelMeeting(ctx, f.secretariat, hm.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Register(ctx, f.delegates[0], hm.ID, f.orgs[0].ID, delegation("A")); !errors.Is(err, meet.ErrMeetingCancelled) {
			t.Errorf("Register(cancelled meeting) = %v, want ErrMeetingCancelled", err)
		}
		if err := f.svc.Invite(ctx, f.secretariat, hm.ID, f.orgs[1].ID); !errors.Is(err, meet.ErrMeetingCancelled) {
			t.Errorf("Invite(cancelled meeting) = %v, want ErrMeetingCancelled", err)
		}
		if err := f.svc.Invite(ctx, f.delegates[0], m.ID, f.orgs[1].ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Invite(by a delegate) = %v, want ErrForbidden", err)
		}
	})
}

func TestAgendaAndOutcome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.create(t, f.meeting())
		s := meet.Session{MeetingID: m.ID, StartsAt: m.StartsAt.Add(time.Hour), EndsAt: m.StartsAt.Add(2 * time.Hour),
			TitleEN: "Opening", TitleFR: "Ouverture", Speakers: []meet.Speaker{{OrganisationID: f.orgs[0].ID, Name: "Minister"}},
			Links: []meet.Link{{Kind: meet.LinkConsultation, RefID: 4}, {Kind: meet.LinkRegisterStatistics}}, DeliberationID: 9}
		if _, err := f.svc.AddSession(ctx, f.secretariat, s); err != nil {
			t.Fatalf("AddSession: %v", err)
		}
		outside := s
		outside.StartsAt = m.StartsAt.Add(-time.Hour)
		var v *pallmall.ValidationError
		if _, err := f.svc.AddSession(ctx, f.secretariat, outside); !errors.As(err, &v) || v.Fields["session_starts_at"] != "meet.error.outside_meeting" {
			t.Errorf("AddSession(before the meeting) = %v, want outside_meeting", err)
		}
		badSpeaker := s
		badSpeaker.Speakers = []meet.Speaker{{OrganisationID: 999999}}
		if _, err := f.svc.AddSession(ctx, f.secretariat, badSpeaker); !errors.As(err, &v) || v.Fields["speakers"] == "" {
			t.Errorf("AddSession(unknown speaker organisation) = %v, want an error on speakers", err)
		}
		if _, err := f.svc.AddSession(ctx, f.delegates[0], s); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("AddSession(delegate) = %v, want ErrForbidden", err)
		}
		agenda, err := f.svc.Agenda(ctx, auth.Actor{}, m.ID)
		if err != nil || len(agenda) != 1 {
			t.Fatalf("Agenda = %d sessions, %v; want 1", len(agenda), err)
		}
		if a := agenda[0]; len(a.Speakers) != 1 || a.Speakers[0].Name != "Minister" || len(a.Links) != 2 || a.DeliberationID != 9 || !a.StartsAt.Equal(s.StartsAt) {
			t.Errorf("Agenda[0] = %+v, want the session as added", a)
		}

		if err := f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[0].ID); err != nil {
			t.Fatal(err)
		}
		o := meet.Outcome{SummaryEN: "Chair's summary", SummaryFR: "Résumé de la présidence", AdoptedEN: "Code of Practice for States", AdoptedFR: "Code de pratiques pour les États"}
		if err := f.svc.PublishOutcome(ctx, f.secretariat, m.ID, o, []meet.Endorsement{{OrganisationID: f.orgs[1].ID}}); !errors.As(err, &v) || v.Fields["endorsements"] == "" {
			t.Errorf("PublishOutcome(endorsement by an organisation not invited) = %v, want an error on endorsements", err)
		}
		if err := f.svc.PublishOutcome(ctx, f.secretariat, m.ID, meet.Outcome{SummaryEN: "only English"}, nil); !errors.As(err, &v) || v.Fields["summary_fr"] != "error.required" {
			t.Errorf("PublishOutcome(no French summary) = %v, want summary_fr required", err)
		}
		if err := f.svc.PublishOutcome(ctx, f.secretariat, m.ID, o, []meet.Endorsement{{OrganisationID: f.orgs[0].ID, EndorsementID: 12}}); err != nil {
			t.Fatalf("PublishOutcome: %v", err)
		}
		got, err := f.svc.Meeting(ctx, auth.Actor{}, m.ID)
		if err != nil || !got.Outcome.Published() || got.Outcome.Summary("fr") != o.SummaryFR || got.Outcome.Adopted("en")[0] != o.AdoptedEN {
			t.Errorf("Meeting().Outcome = %+v, %v; want it published", got.Outcome, err)
		}
		es, err := f.svc.Endorsements(ctx, auth.Actor{}, m.ID)
		if err != nil || len(es) != 1 || es[0] != (meet.Endorsement{OrganisationID: f.orgs[0].ID, EndorsementID: 12}) {
			t.Errorf("Endorsements = %+v, %v", es, err)
		}
	})
}

func TestUpdateMeetingEmailsInvited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.create(t, f.meeting())
		f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[0].ID)
		f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[1].ID)
		m.StartsAt = m.StartsAt.Add(time.Hour)
		m.City = "Paris"
		updated, err := f.svc.UpdateMeeting(ctx, f.secretariat, m)
		if err != nil {
			t.Fatal(err)
		}
		if updated.Sequence != 1 || updated.City != "Paris" {
			t.Errorf("UpdateMeeting = sequence %d, city %q; want 1, Paris", updated.Sequence, updated.City)
		}
		msgs, _ := f.svc.Outbox(ctx, f.secretariat, 0, 10)
		changed := 0
		for _, msg := range msgs {
			if msg.Event == meet.EventMeetingChanged {
				changed++
			}
		}
		if changed != 2 {
			t.Errorf("meeting_changed emails = %d, want 2 (one per invited delegate)", changed)
		}
		// Raising the capacity lets the waiting list in.
		if _, err := f.svc.Register(ctx, f.delegates[0], m.ID, f.orgs[0].ID, delegation("A", "B", "C")); err != nil {
			t.Fatal(err)
		}
		if reg, err := f.svc.Register(ctx, f.delegates[1], m.ID, f.orgs[1].ID, delegation("D", "E", "F")); err != nil || reg.Status != meet.Waitlisted {
			t.Fatalf("Register(B) = %s, %v; want waitlisted", reg.Status, err)
		}
		m.Capacity = 6
		if _, err := f.svc.UpdateMeeting(ctx, f.secretariat, m); err != nil {
			t.Fatal(err)
		}
		if reg, err := f.svc.Registration(ctx, f.delegates[1], m.ID, f.orgs[1].ID); err != nil || reg.Status != meet.Confirmed {
			t.Errorf("after raising the capacity, B = %s, %v; want confirmed", reg.Status, err)
		}
	})
}

// TestConcurrentRegistrationsNeverOverbook registers many one-person
// delegations at once: exactly capacity of them are confirmed.
func TestConcurrentRegistrationsNeverOverbook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mt := f.meeting()
		mt.Capacity, mt.DelegationLimit = 3, 1
		m := f.create(t, mt)
		const n = 8
		orgs := make([]int64, n)
		for i := range orgs {
			o, err := f.auth.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: fmt.Sprintf("Org %d", i), NameFR: fmt.Sprintf("Org %d", i), Kind: auth.Industry})
			if err != nil {
				t.Fatal(err)
			}
			orgs[i] = o.ID
			if err := f.svc.Invite(ctx, f.secretariat, m.ID, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range orgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.Register(ctx, f.secretariat, m.ID, orgs[i], delegation(fmt.Sprintf("Head %d", i)))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Register(org %d) = %v", i, err)
			}
		}
		p, err := f.svc.Places(ctx, f.secretariat, m.ID)
		if err != nil || p.Confirmed != 3 || p.Waitlisted != n-3 {
			t.Errorf("Places = %+v, %v; want 3 confirmed and %d waiting", p, err, n-3)
		}
	})
}

func TestPastMeetingsSendNoEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.create(t, f.meeting())
		f.now = m.EndsAt.Add(time.Hour)
		if err := f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Register(ctx, f.secretariat, m.ID, f.orgs[0].ID, delegation("A")); err != nil {
			t.Fatal(err)
		}
		if msgs, err := f.svc.Outbox(ctx, f.secretariat, 0, 10); err != nil || len(msgs) != 0 {
			t.Errorf("outbox after recording a past meeting = %d messages, %v; want none", len(msgs), err)
		}
	})
}

func TestFeedToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		hidden := f.meeting()
		hidden.Visibility = meet.Invited
		m := f.create(t, hidden)
		other := f.create(t, f.meeting())
		if err := f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[0].ID); err != nil {
			t.Fatal(err)
		}
		tokA, err := f.svc.FeedToken(ctx, f.delegates[0], f.orgs[0].ID)
		if err != nil || len(tokA) < 20 {
			t.Fatalf("FeedToken = %q, %v", tokA, err)
		}
		if again, _ := f.svc.FeedToken(ctx, f.secretariat, f.orgs[0].ID); again != tokA {
			t.Errorf("FeedToken is not stable: %q then %q", tokA, again)
		}
		if _, err := f.svc.FeedToken(ctx, f.delegates[1], f.orgs[0].ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("FeedToken(another organisation's) = %v, want ErrForbidden", err)
		}
		ms, err := f.svc.FeedMeetings(ctx, f.orgs[0].ID, tokA)
		if err != nil || len(ms) != 1 || ms[0].ID != m.ID {
			t.Errorf("FeedMeetings = %d meetings, %v; want only the invited-only meeting it is invited to (not %d)", len(ms), err, other.ID)
		}
		tokB, _ := f.svc.FeedToken(ctx, f.delegates[1], f.orgs[1].ID)
		flipped := tokA[:len(tokA)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(tokA, "A")]
		for _, bad := range []string{"", tokB, flipped} {
			if _, err := f.svc.FeedMeetings(ctx, f.orgs[0].ID, bad); !errors.Is(err, pallmall.ErrNotFound) {
				t.Errorf("FeedMeetings(token %q) = %v, want ErrNotFound", bad, err)
			}
		}
	})
}

func TestUninvite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.create(t, f.meeting())
		for _, o := range f.orgs[:2] {
			if err := f.svc.Invite(ctx, f.secretariat, m.ID, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Register(ctx, f.delegates[0], m.ID, f.orgs[0].ID, delegation("A")); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Uninvite(ctx, f.secretariat, m.ID, f.orgs[0].ID); !errors.Is(err, meet.ErrStillRegistered) {
			t.Errorf("Uninvite(registered) = %v, want ErrStillRegistered", err)
		}
		if err := f.svc.Uninvite(ctx, f.delegates[1], m.ID, f.orgs[1].ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Uninvite(by a delegate) = %v, want ErrForbidden", err)
		}
		if err := f.svc.Uninvite(ctx, f.secretariat, m.ID, f.orgs[1].ID); err != nil {
			t.Fatalf("Uninvite = %v", err)
		}
		if err := f.svc.Uninvite(ctx, f.secretariat, m.ID, f.orgs[1].ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Uninvite again = %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Register(ctx, f.delegates[1], m.ID, f.orgs[1].ID, delegation("B")); !errors.Is(err, meet.ErrNotInvited) {
			t.Errorf("Register after the invitation was withdrawn = %v, want ErrNotInvited", err)
		}
	})
}

// TestRegistrationsOfMissingMeeting: the list of a meeting that does not
// exist is not found, not empty (the participants export answered 200
// with an empty file for any id).
func TestRegistrationsOfMissingMeeting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.create(t, f.meeting())
		if _, err := f.svc.Registrations(context.Background(), f.secretariat, m.ID); err != nil {
			t.Errorf("Registrations(existing meeting) = %v", err)
		}
		if _, err := f.svc.Registrations(context.Background(), f.secretariat, m.ID+1000); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Registrations(missing meeting) = %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Registrations(context.Background(), f.delegates[0], m.ID+1000); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Registrations as a delegate = %v, want ErrForbidden whether or not the meeting exists", err)
		}
	})
}

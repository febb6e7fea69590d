package meet_test

import (
	"context"
	"testing"
	"time"

	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestNeedsAreErasedAfterTheMeeting moves the clock past a meeting's end:
// a minute before NeedsRetention has passed nothing is erased; then every
// member's dietary and access needs are, in one audited transaction, while
// names, job titles and other meetings' members stay; a second run erases
// nothing.
func TestNeedsAreErasedAfterTheMeeting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		past := f.create(t, f.meeting())
		later := f.meeting()
		later.StartsAt, later.EndsAt = later.StartsAt.AddDate(0, 2, 0), later.EndsAt.AddDate(0, 2, 0)
		later.RegistrationDeadline = later.RegistrationDeadline.AddDate(0, 2, 0)
		next := f.create(t, later)
		d := meet.Delegation{
			Head:           meet.Participant{Name: "Ada Head", JobTitle: "Ambassador", Dietary: "vegan", AccessNeeds: "step-free access"},
			Members:        []meet.Participant{{Name: "Ben Member", JobTitle: "Counsellor", Dietary: "halal"}},
			Interpretation: meet.NoInterpretation,
		}
		for _, m := range []meet.Meeting{past, next} {
			if err := f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[0].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Register(ctx, f.secretariat, m.ID, f.orgs[0].ID, d); err != nil {
				t.Fatal(err)
			}
		}
		members := func(m meet.Meeting) []meet.Participant {
			t.Helper()
			regs, err := f.svc.Registrations(ctx, f.secretariat, m.ID)
			if err != nil || len(regs) != 1 {
				t.Fatalf("registrations of %d: %v, %v", m.ID, regs, err)
			}
			return regs[0].Participants
		}
		audited := func() int {
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'meeting.needs_erased'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		f.now = past.EndsAt.Add(meet.NeedsRetention - time.Minute)
		if e, err := f.svc.EraseExpiredNeeds(ctx); err != nil || len(e.Meetings) != 0 {
			t.Fatalf("a minute early: erased %+v, %v; want nothing", e, err)
		}
		if p := members(past); p[0].Dietary != "vegan" || p[0].AccessNeeds != "step-free access" || p[1].Dietary != "halal" {
			t.Fatalf("a minute early the needs changed: %+v", p)
		}

		f.now = past.EndsAt.Add(meet.NeedsRetention)
		e, err := f.svc.EraseExpiredNeeds(ctx)
		if err != nil || len(e.Meetings) != 1 || e.Meetings[0] != past.ID || e.Members != 2 {
			t.Fatalf("EraseExpiredNeeds = %+v, %v; want meeting %d, 2 members", e, err, past.ID)
		}
		for _, p := range members(past) {
			if p.Dietary != "" || p.AccessNeeds != "" {
				t.Errorf("needs kept after the retention period: %+v", p)
			}
		}
		if p := members(past); p[0].Name != "Ada Head" || p[0].JobTitle != "Ambassador" || p[1].Name != "Ben Member" {
			t.Errorf("names or job titles changed: %+v", p)
		}
		if p := members(next); p[0].Dietary != "vegan" || p[1].Dietary != "halal" {
			t.Errorf("a later meeting's needs were erased: %+v", p)
		}
		if n := audited(); n != 1 {
			t.Errorf("%d audit events, want 1", n)
		}
		// Neither the clear nor the sealed needs remain in the table.
		var left int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_participants p JOIN meeting_registrations r ON r.id = p.registration_id
			WHERE r.meeting_id = $1 AND (p.dietary <> '' OR p.access_needs <> '')`, past.ID).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d members still hold a stored need (%v)", left, err)
		}

		if e, err := f.svc.EraseExpiredNeeds(ctx); err != nil || len(e.Meetings) != 0 {
			t.Errorf("second run erased %+v, %v; want nothing", e, err)
		}
		if n := audited(); n != 1 {
			t.Errorf("after a second run %d audit events, want 1", n)
		}
	})
}

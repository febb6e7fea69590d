package meet_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

// TestDelegationMembersAreSealedAtRest registers a delegation with marker
// names, job titles and needs, and finds none of them in a dump of every
// table, before and after a key rotation; a member stored in clear before
// sealing is sealed by SealClearParticipants; the delegation and the
// secretariat still read every field.
func TestDelegationMembersAreSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.create(t, f.meeting())
		if err := f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[0].ID); err != nil {
			t.Fatal(err)
		}
		d := meet.Delegation{
			Head:           meet.Participant{Name: "Marker Headperson", JobTitle: "Marker Ambassador", Dietary: "Marker vegan", AccessNeeds: "Marker step-free"},
			Members:        []meet.Participant{{Name: "Marker Memberson", JobTitle: "Marker Counsellor"}},
			Interpretation: meet.NoInterpretation,
		}
		if _, err := f.svc.Register(ctx, f.delegates[0], m.ID, f.orgs[0].ID, d); err != nil {
			t.Fatal(err)
		}
		// A member stored in clear before members were sealed.
		reg, err := f.svc.Registration(ctx, f.delegates[0], m.ID, f.orgs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO meeting_participants (registration_id, position, name, job_title, is_head, dietary, access_needs)
			VALUES ($1, 2, 'Legacy Clearname', 'Legacy Attaché', FALSE, 'Legacy halal', '')`, reg.ID); err != nil {
			t.Fatal(err)
		}
		want := []meet.Participant{
			{Name: "Marker Headperson", JobTitle: "Marker Ambassador", Head: true, Dietary: "Marker vegan", AccessNeeds: "Marker step-free"},
			{Name: "Marker Memberson", JobTitle: "Marker Counsellor"},
			{Name: "Legacy Clearname", JobTitle: "Legacy Attaché", Dietary: "Legacy halal"},
		}
		markers := []string{"Marker", "Legacy"}
		check := func(when string, keys *vault.Keyring) {
			t.Helper()
			dump := storetest.Dump(t, db)
			if !strings.Contains(dump, "Ruritania") {
				t.Fatalf("%s: the dump does not hold the organisation's name; the search proves nothing", when)
			}
			for _, clear := range markers {
				if strings.Contains(dump, clear) {
					t.Errorf("%s: the database holds %q in clear", when, clear)
				}
			}
			svc := *f.svc
			svc.Keys = keys
			got, err := svc.Registration(ctx, f.delegates[0], m.ID, f.orgs[0].ID)
			if err != nil {
				t.Fatalf("%s: Registration: %v", when, err)
			}
			if diff := cmp.Diff(want, got.Participants); diff != "" {
				t.Errorf("%s: the delegation reads (-want +got):\n%s", when, diff)
			}
			regs, err := svc.Registrations(ctx, f.secretariat, m.ID)
			if err != nil || len(regs) != 1 {
				t.Fatalf("%s: Registrations = %d, %v", when, len(regs), err)
			}
			if diff := cmp.Diff(want, regs[0].Participants); diff != "" {
				t.Errorf("%s: the secretariat reads (-want +got):\n%s", when, diff)
			}
		}
		if !strings.Contains(storetest.Dump(t, db), "Legacy Clearname") {
			t.Fatal("the legacy row is not in clear; the test proves nothing")
		}
		if n, err := meet.SealClearParticipants(ctx, db, f.auth.Keys); err != nil || n != 1 {
			t.Fatalf("SealClearParticipants = %d, %v; want the one member in clear", n, err)
		}
		check("after sealing", f.auth.Keys)

		if _, err := vault.AddKey(f.keysDir); err != nil {
			t.Fatal(err)
		}
		rotated, err := vault.LoadOrCreate(f.keysDir)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := meet.SealClearParticipants(ctx, db, rotated); err != nil || n != 0 {
			t.Errorf("SealClearParticipants with nothing in clear = %d, %v; want 0", n, err)
		}
		if n, err := meet.ResealParticipants(ctx, db, rotated); err != nil || n != 3 {
			t.Fatalf("ResealParticipants = %d, %v; want 3", n, err)
		}
		if n, err := meet.ResealParticipants(ctx, db, rotated); err != nil || n != 0 {
			t.Errorf("ResealParticipants again = %d, %v; want 0", n, err)
		}
		check("after rotation", rotated)
		// The old key alone no longer opens them: they moved to the new one.
		other, err := vault.LoadOrCreate(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		svc := *f.svc
		svc.Keys = other
		if _, err := svc.Registration(ctx, f.delegates[0], m.ID, f.orgs[0].ID); err == nil {
			t.Error("Registration with unrelated keys opened the members")
		}
	})
}

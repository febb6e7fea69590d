package consult_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestRetentionErasesIdentitiesAfterThePeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.c
		c.RetentionMonths = 6
		if _, err := f.svc.Update(ctx, secretariat, c, ""); err != nil {
			t.Fatalf("Update(retention 6): %v", err)
		}
		got, _ := f.svc.Get(ctx, public, c.ID)
		if got.RetentionMonths != 6 || !got.RetentionEnds().Equal(c.ClosesAt.AddDate(0, 6, 0)) {
			t.Fatalf("RetentionMonths, RetentionEnds = %d, %v; want 6, %v", got.RetentionMonths, got.RetentionEnds(), c.ClosesAt.AddDate(0, 6, 0))
		}
		if w := got.Wording("en").Retention; !strings.Contains(w, "6 months") {
			t.Errorf("Wording(en).Retention = %q, want the period", w)
		}
		if w := got.Wording("fr").Retention; !strings.Contains(w, "6 mois") {
			t.Errorf("Wording(fr).Retention = %q, want the period", w)
		}

		submit := func(about consult.About, publish consult.Publish) string {
			t.Helper()
			_, token, err := f.svc.Start(ctx, c.ID, about)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.SaveAnswers(ctx, c.ID, token, f.sec.ID, map[int64]consult.Answer{f.q["short"].ID: {Text: "Answer from " + string(about.Stakeholder)}, f.q["states"].ID: {Text: "As a state"}}, true); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.SetConsent(ctx, c.ID, token, "en", yes(), yes(), publish); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Submit(ctx, c.ID, token); err != nil {
				t.Fatal(err)
			}
			return token
		}
		named := submit(civil(), consult.PublishNamed)
		anon := submit(consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: "Zed Marker", Country: "FR", Email: "zed@example.org"}, consult.PublishAnonymous)
		state := submit(consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Official", OrganisationName: "Ministry", Country: "GB", Email: "official@example.gov"}, consult.PublishNone)
		_, draft, err := f.svc.Start(ctx, c.ID, consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: "Draft Person", Email: "draft@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := f.svc.Counts(ctx, secretariat, c.ID)

		// What identifies the respondents at rest: sealed names,
		// organisations and emails, and the resume links' hashes.
		type stored struct{ name, org, email, token, country string }
		rows, err := db.Query(ctx, `SELECT name, organisation_name, email, token_hash, country FROM consult_responses WHERE consultation_id = $1`, c.ID)
		identities, err := store.ScanAll(rows, err, func(r *sql.Rows) (stored, error) {
			var x stored
			return x, r.Scan(&x.name, &x.org, &x.email, &x.token, &x.country)
		})
		if err != nil || len(identities) != 4 {
			t.Fatalf("stored identities = %d, %v; want 4", len(identities), err)
		}

		// Before the period ends, nothing is erased.
		f.clock.t = got.RetentionEnds().Add(-time.Minute)
		if e, err := f.svc.EraseExpiredIdentities(ctx); err != nil || len(e.Consultations) != 0 {
			t.Fatalf("EraseExpiredIdentities before the end = %+v, %v; want nothing", e, err)
		}
		if r, err := f.svc.ByToken(ctx, c.ID, anon); err != nil || r.Email != "zed@example.org" {
			t.Fatalf("ByToken before the end = %+v, %v; want the identity kept", r.About, err)
		}

		f.clock.t = got.RetentionEnds()
		e, err := f.svc.EraseExpiredIdentities(ctx)
		if err != nil || len(e.Consultations) != 1 || e.Consultations[0] != c.ID || e.Responses != 4 {
			t.Fatalf("EraseExpiredIdentities = %+v, %v; want consultation %d, 4 responses", e, err, c.ID)
		}
		if e, err := f.svc.EraseExpiredIdentities(ctx); err != nil || len(e.Consultations) != 0 {
			t.Errorf("second EraseExpiredIdentities = %+v, %v; want nothing", e, err)
		}

		// The resume links open nothing.
		for _, token := range []string{named, anon, state, draft} {
			if _, err := f.svc.ByToken(ctx, c.ID, token); !errors.Is(err, pallmall.ErrNotFound) {
				t.Errorf("ByToken after erasure = %v, want ErrNotFound", err)
			}
		}
		// No sealed identity, resume-link hash or individual's country is
		// left anywhere in the database.
		dump := storetest.Dump(t, db)
		for _, x := range identities {
			for _, v := range []string{x.name, x.org, x.email, x.token} {
				if v != "" && strings.Contains(dump, v) {
					t.Errorf("the dump still holds %q after erasure", v)
				}
			}
		}
		rows, err = db.Query(ctx, `SELECT country FROM consult_responses WHERE consultation_id = $1 AND country <> '' `, c.ID)
		countries, err := store.ScanAll(rows, err, func(r *sql.Rows) (string, error) {
			var s string
			return s, r.Scan(&s)
		})
		if err != nil || len(countries) != 1 || countries[0] != "GB" {
			t.Errorf("countries kept = %v, %v; want only the state's GB", countries, err)
		}

		// Answers, counts and the published texts stay: the named response
		// is still published under its organisation's name.
		after, _ := f.svc.Counts(ctx, secretariat, c.ID)
		if after != before {
			t.Errorf("Counts after erasure = %+v, want %+v", after, before)
		}
		if err := f.svc.SetStatus(ctx, secretariat, c.ID, consult.Closed); err != nil && !errors.Is(err, pallmall.ErrConflict) {
			t.Fatal(err)
		}
		if err := f.svc.SetStatus(ctx, secretariat, c.ID, consult.Published); err != nil {
			t.Fatal(err)
		}
		sum, err := f.svc.Summary(ctx, public, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var by []string
		for _, p := range sum.Published {
			by = append(by, p.By)
			if len(p.Answers) == 0 {
				t.Errorf("published response %s lost its answers", p.Reference)
			}
		}
		if len(sum.Published) != 2 || !strings.Contains(strings.Join(by, ","), "Digital Defenders") {
			t.Errorf("published after erasure by %q, want the named response under Digital Defenders and the anonymous one", by)
		}
		var names, orgs, emails int
		if err := db.QueryRow(ctx, `SELECT COUNT(NULLIF(name, '')), COUNT(NULLIF(organisation_name, '')), COUNT(NULLIF(email, '')) FROM consult_responses WHERE consultation_id = $1`, c.ID).
			Scan(&names, &orgs, &emails); err != nil || names != 0 || orgs != 1 || emails != 0 {
			t.Errorf("names, organisations, emails kept = %d, %d, %d (%v); want only the published organisation", names, orgs, emails, err)
		}
		erased, _ := f.svc.Get(ctx, public, c.ID)
		if !erased.IdentitiesErasedAt.Equal(got.RetentionEnds()) {
			t.Errorf("IdentitiesErasedAt = %v, want %v", erased.IdentitiesErasedAt, got.RetentionEnds())
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'consultation.erase_identities' AND object_id = $1`, strconv.FormatInt(c.ID, 10)).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit events of the erasure = %d, %v; want 1", n, err)
		}
	})
}

func TestRetentionPeriodIsValidated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if f.c.RetentionMonths != consult.DefaultRetentionMonths {
			t.Errorf("default RetentionMonths = %d, want %d", f.c.RetentionMonths, consult.DefaultRetentionMonths)
		}
		for _, m := range []int{-1, consult.MaxRetentionMonths + 1} {
			c := f.c
			c.RetentionMonths = m
			if _, err := f.svc.Update(ctx, secretariat, c, ""); fieldErrors(err)["retention_months"] != "consult.error.retention" {
				t.Errorf("Update(retention %d) = %v, want consult.error.retention", m, err)
			}
		}
		// Once someone has responded, a shorter or longer period is a
		// change respondents are told about, with its reason.
		if _, _, err := f.svc.Start(ctx, f.c.ID, civil()); err != nil {
			t.Fatal(err)
		}
		c := f.c
		c.RetentionMonths = 24
		if _, err := f.svc.Update(ctx, secretariat, c, ""); fieldErrors(err)["reason"] == "" {
			t.Errorf("Update(retention) after a response without a reason = %v, want a reason required", err)
		}
		if _, err := f.svc.Update(ctx, secretariat, c, "Longer analysis"); err != nil {
			t.Fatal(err)
		}
		changes, _ := f.svc.Changes(ctx, public, f.c.ID)
		if len(changes) != 1 || changes[0].What != "retention_months" {
			t.Errorf("Changes = %+v, want the retention change", changes)
		}
	})
}

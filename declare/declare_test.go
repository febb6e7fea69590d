package declare_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// world is a database with both demo frameworks published and a few
// organisations and accounts.
type world struct {
	svc                        *declare.Service
	db                         *store.DB
	uk, fr, ngo, co            auth.Organisation
	ukSigner, ukNoAuth, frDele auth.Actor
	sec                        auth.Actor
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	a := &auth.Service{DB: db}
	w := &world{svc: &declare.Service{DB: db}, db: db, sec: auth.System}
	org := func(en, fr string, k auth.OrgKind, c string) auth.Organisation {
		o, err := a.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: en, NameFR: fr, Kind: k, Country: c})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	w.uk = org("United Kingdom", "Royaume-Uni", auth.State, "GB")
	w.fr = org("France", "France", auth.State, "FR")
	w.ngo = org("Press Lab", "Labo presse", auth.CivilSociety, "")
	w.co = org("Acme Secure", "Acme Secure", auth.Industry, "")
	user := func(email string, o auth.Organisation, signing bool) auth.Actor {
		u, _, err := a.CreateUser(ctx, auth.System, auth.NewUser{Email: email, Name: "Test " + email, Role: auth.Delegate, OrganisationID: o.ID, SigningAuthority: signing}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return u.Actor()
	}
	w.ukSigner = user("signer@uk.example", w.uk, true)
	w.ukNoAuth = user("staff@uk.example", w.uk, false)
	w.frDele = user("delegate@fr.example", w.fr, true)
	for _, f := range []struct{ id, en string }{{"declaration", "Declaration"}, {"code-of-practice-states", "Code"}} {
		if err := w.svc.CreateFramework(ctx, auth.System, f.id, declare.Text{EN: f.en, FR: f.en + " (fr)"}, declare.Text{EN: "s", FR: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []declare.Document{demo.Declaration2024(), demo.CodeOfPractice2025()} {
		if _, err := w.svc.PublishVersion(ctx, auth.System, d); err != nil {
			t.Fatalf("PublishVersion(%s): %v", d.Framework, err)
		}
	}
	return w
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPublishVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		v, err := w.svc.Version(ctx, "code-of-practice-states", "")
		if err != nil {
			t.Fatal(err)
		}
		if v.Label() != "code-of-practice-states.2025" || len(v.Document.Measures()) != 11 || v.DocumentSHA256 != ledger.Digest(v.Raw) {
			t.Errorf("Version = %s with %d measures, digest %s; want code-of-practice-states.2025, 11 measures, digest of its raw document", v.Label(), len(v.Document.Measures()), v.DocumentSHA256)
		}
		entry, err := ledger.OutboxEntry(ctx, db, v.Log.OutboxID)
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := ledger.DecodeEntry(entry)
		if fv, ok := rec.(ledger.FrameworkVersion); !ok || fv.DocumentSHA256 != v.DocumentSHA256 || fv.Version != v.Label() {
			t.Errorf("logged entry = %s, want a framework-version entry for %s", entry, v.Label())
		}

		// Bad documents leave nothing behind.
		before := count(t, db, "ledger_outbox")
		bad := demo.Declaration2024()
		bad.Version = "2024-bis"
		bad.Pillars[0].Title.FR = ""
		if _, err := w.svc.PublishVersion(ctx, auth.System, bad); !errors.Is(err, pallmall.ErrInvalid) {
			t.Errorf("PublishVersion(missing French) err = %v, want ErrInvalid", err)
		}
		if _, err := w.svc.PublishVersion(ctx, auth.System, demo.Declaration2024()); !errors.Is(err, pallmall.ErrAlreadyExists) {
			t.Errorf("PublishVersion(same version again) err = %v, want ErrAlreadyExists", err)
		}
		if _, err := w.svc.PublishVersion(ctx, w.ukSigner, demo.Declaration2024()); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("PublishVersion(delegate) err = %v, want ErrForbidden", err)
		}
		if got := count(t, db, "ledger_outbox"); got != before {
			t.Errorf("outbox rows after refused publications = %d, want %d", got, before)
		}
	})
}

func TestEndorse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		v, _ := w.svc.Version(ctx, "declaration", "2024")

		e, err := w.svc.Endorse(ctx, w.ukSigner, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodBrowser})
		if err != nil {
			t.Fatalf("Endorse(browser, signing authority): %v", err)
		}
		if e.Organisation.ID != w.uk.ID || e.Version != "2024" || e.DocumentSHA256 != ledger.Digest(e.Document) {
			t.Errorf("endorsement = %+v", e)
		}
		entry, _ := ledger.OutboxEntry(ctx, db, e.Log.OutboxID)
		if rec, _ := ledger.DecodeEntry(entry); rec.(ledger.Endorsement).DocumentSHA256 != e.DocumentSHA256 {
			t.Errorf("logged entry %s does not commit to the endorsement document", entry)
		}

		// Offline signature by the French delegation.
		priv, pub, err := declare.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		key, _ := declare.ParsePrivateKey(priv)
		sig := declare.Sign(key, declare.ActionEndorse, v.Label(), v.DocumentSHA256)
		if _, err := w.svc.Endorse(ctx, w.frDele, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodSignature, Signature: sig}); !isField(err, "signature", "declare.error.no_key") {
			t.Errorf("Endorse(signature, no key registered) err = %v, want signature: declare.error.no_key", err)
		}
		if _, err := w.svc.RegisterKey(ctx, w.frDele, w.fr.ID, pub); err != nil {
			t.Fatal(err)
		}
		otherPriv, _, _ := declare.GenerateKey()
		other, _ := declare.ParsePrivateKey(otherPriv)

		before := count(t, db, "ledger_outbox")
		refused := []struct {
			name  string
			actor auth.Actor
			in    declare.EndorseInput
			check func(error) bool
		}{
			{"no signing authority", w.ukNoAuth, declare.EndorseInput{FrameworkID: "code-of-practice-states", Method: declare.MethodBrowser},
				func(err error) bool { return errors.Is(err, declare.ErrNoSigningAuthority) }},
			{"duplicate", w.ukSigner, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodBrowser},
				func(err error) bool { return errors.Is(err, pallmall.ErrAlreadyExists) }},
			{"signature by another key", w.frDele, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodSignature, Signature: declare.Sign(other, declare.ActionEndorse, v.Label(), v.DocumentSHA256)},
				func(err error) bool { return isField(err, "signature", "declare.error.bad_signature") }},
			{"signature over another version", w.frDele, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodSignature, Signature: declare.Sign(key, declare.ActionEndorse, "declaration.2023", v.DocumentSHA256)},
				func(err error) bool { return isField(err, "signature", "declare.error.bad_signature") }},
			{"garbage signature", w.frDele, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodSignature, Signature: "not base64!"},
				func(err error) bool { return isField(err, "signature", "declare.error.bad_signature") }},
			{"signature for another organisation", w.ukSigner, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: w.fr.ID, Method: declare.MethodSignature, Signature: sig},
				func(err error) bool { return errors.Is(err, pallmall.ErrForbidden) }},
			{"paper by a delegate", w.ukSigner, declare.EndorseInput{FrameworkID: "code-of-practice-states", Method: declare.MethodPaper, PaperReference: "x"},
				func(err error) bool { return errors.Is(err, pallmall.ErrForbidden) }},
			{"paper without reference", w.sec, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: w.ngo.ID, Method: declare.MethodPaper},
				func(err error) bool { return isField(err, "reference", "error.required") }},
			{"unknown version", w.ukSigner, declare.EndorseInput{FrameworkID: "declaration", Version: "1999", Method: declare.MethodBrowser},
				func(err error) bool { return errors.Is(err, pallmall.ErrNotFound) }},
			{"public", auth.Actor{}, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: w.ngo.ID, Method: declare.MethodBrowser},
				func(err error) bool { return errors.Is(err, pallmall.ErrForbidden) }},
		}
		for _, tt := range refused {
			if _, err := w.svc.Endorse(ctx, tt.actor, tt.in); !tt.check(err) {
				t.Errorf("Endorse(%s) err = %v", tt.name, err)
			}
		}
		if got := count(t, db, "ledger_outbox"); got != before {
			t.Errorf("outbox rows after refused endorsements = %d, want %d (no log entry)", got, before)
		}
		if got := count(t, db, "endorsements"); got != 1 {
			t.Errorf("endorsements after refusals = %d, want 1", got)
		}

		fe, err := w.svc.Endorse(ctx, w.frDele, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodSignature, Signature: sig})
		if err != nil {
			t.Fatalf("Endorse(valid signature): %v", err)
		}
		if fe.PublicKey != pub || !strings.Contains(string(fe.Document), sig) {
			t.Errorf("signed endorsement key = %q, document %s; want the registered key and the signature", fe.PublicKey, fe.Document)
		}
		if _, err := w.svc.Endorse(ctx, w.sec, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: w.ngo.ID, Method: declare.MethodPaper, PaperReference: "Plenary letter"}); err != nil {
			t.Fatalf("Endorse(paper): %v", err)
		}

		list, err := w.svc.Endorsements(ctx, declare.Filter{FrameworkID: "declaration"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range list {
			names = append(names, e.Organisation.NameEN)
		}
		if got, want := strings.Join(names, ","), "United Kingdom,France,Press Lab"; got != want {
			t.Errorf("register = %s, want %s (states first, then by time)", got, want)
		}
		filtered, _ := w.svc.Endorsements(ctx, declare.Filter{FrameworkID: "declaration", Kind: auth.CivilSociety})
		byName, _ := w.svc.Endorsements(ctx, declare.Filter{Name: "royaume"})
		if len(filtered) != 1 || len(byName) != 1 || byName[0].Organisation.ID != w.uk.ID {
			t.Errorf("filters: kind gave %d, name gave %d; want 1 and 1 (UK)", len(filtered), len(byName))
		}

		// Withdrawal: refused without authority, then done and logged.
		if _, err := w.svc.Withdraw(ctx, w.ukNoAuth, declare.WithdrawInput{EndorsementID: e.ID}); !errors.Is(err, declare.ErrNoSigningAuthority) {
			t.Errorf("Withdraw(no authority) err = %v", err)
		}
		wd, err := w.svc.Withdraw(ctx, w.ukSigner, declare.WithdrawInput{EndorsementID: e.ID, Reason: "Policy review"})
		if err != nil || !wd.Withdrawn {
			t.Fatalf("Withdraw = %+v, %v", wd, err)
		}
		went, _ := ledger.OutboxEntry(ctx, db, wd.WithdrawalLog.OutboxID)
		if rec, _ := ledger.DecodeEntry(went); rec.(ledger.Withdrawal).EndorsementID != e.Log.EntryID() {
			t.Errorf("withdrawal entry %s does not name endorsement entry %s", went, e.Log.EntryID())
		}
		if _, err := w.svc.Withdraw(ctx, w.ukSigner, declare.WithdrawInput{EndorsementID: e.ID}); !errors.Is(err, declare.ErrAlreadyWithdrawn) {
			t.Errorf("Withdraw(again) err = %v, want ErrAlreadyWithdrawn", err)
		}
		// Signed withdrawal by France.
		if _, err := w.svc.Withdraw(ctx, w.frDele, declare.WithdrawInput{EndorsementID: fe.ID, Signature: sig}); !isField(err, "signature", "declare.error.bad_signature") {
			t.Errorf("Withdraw(endorsement signature reused) err = %v, want bad_signature", err)
		}
		if _, err := w.svc.Withdraw(ctx, w.frDele, declare.WithdrawInput{EndorsementID: fe.ID, Signature: declare.Sign(key, declare.ActionWithdraw, v.Label(), v.DocumentSHA256)}); err != nil {
			t.Errorf("Withdraw(signed) err = %v", err)
		}
		// After withdrawing, the UK may endorse again.
		if _, err := w.svc.Endorse(ctx, w.ukSigner, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodBrowser}); err != nil {
			t.Errorf("Endorse(after withdrawal) err = %v", err)
		}
	})
}

func TestReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		items := []declare.ReportItem{{Measure: "1", Status: declare.StatusImplemented, Explanation: "Law in force", Evidence: []string{"https://example.org/law"}}, {Measure: "6", Status: declare.StatusInProgress}}

		before := count(t, db, "ledger_outbox")
		bad := []struct {
			name  string
			actor auth.Actor
			org   int64
			items []declare.ReportItem
			check func(error) bool
		}{
			{"not endorsed", w.ukSigner, 0, items, func(err error) bool { return isField(err, "framework", "declare.error.not_endorsed") }},
			{"other state", w.frDele, w.uk.ID, items, func(err error) bool { return errors.Is(err, pallmall.ErrForbidden) }},
			{"unknown measure", w.ukSigner, 0, []declare.ReportItem{{Measure: "99", Status: declare.StatusImplemented}}, func(err error) bool { return isField(err, "measure.99", "declare.error.unknown_measure") }},
			{"bad status", w.ukSigner, 0, []declare.ReportItem{{Measure: "2", Status: "done"}}, func(err error) bool { return isField(err, "measure.2.status", "error.choose_one") }},
			{"bad evidence", w.ukSigner, 0, []declare.ReportItem{{Measure: "2", Status: declare.StatusImplemented, Evidence: []string{"javascript:alert(1)"}}}, func(err error) bool { return isField(err, "measure.2.evidence", "declare.error.evidence_url") }},
			{"empty", w.ukSigner, 0, nil, func(err error) bool { return isField(err, "items", "declare.error.empty_report") }},
		}
		for _, tt := range bad {
			if _, err := w.svc.PublishReport(ctx, tt.actor, "code-of-practice-states", "", tt.org, tt.items); !tt.check(err) {
				t.Errorf("PublishReport(%s) err = %v", tt.name, err)
			}
		}
		if got := count(t, db, "ledger_outbox"); got != before {
			t.Errorf("outbox rows after refused reports = %d, want %d", got, before)
		}

		for _, a := range []auth.Actor{w.ukSigner, w.frDele} {
			if _, err := w.svc.Endorse(ctx, a, declare.EndorseInput{FrameworkID: "code-of-practice-states", Method: declare.MethodBrowser}); err != nil {
				t.Fatal(err)
			}
		}
		round, err := w.svc.OpenRound(ctx, w.sec, "code-of-practice-states", "", declare.Text{EN: "2026 round", FR: "Cycle 2026"}, time.Now().Add(30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		r1, err := w.svc.PublishReport(ctx, w.ukNoAuth, "code-of-practice-states", "", 0, items)
		if err != nil {
			t.Fatalf("PublishReport: %v", err)
		}
		items[1].Status = declare.StatusImplemented
		r2, err := w.svc.PublishReport(ctx, w.ukNoAuth, "code-of-practice-states", "", 0, items)
		if err != nil {
			t.Fatal(err)
		}
		if r1.Revision != 1 || r2.Revision != 2 || len(r2.Items) != 2 || r2.Items[0].Evidence[0] != "https://example.org/law" {
			t.Errorf("revisions %d, %d, items %+v", r1.Revision, r2.Revision, r2.Items)
		}
		entry, _ := ledger.OutboxEntry(ctx, db, r2.Log.OutboxID)
		if rc, _ := ledger.DecodeEntry(entry); rc.(ledger.RegisterChange).Op != ledger.OpUpdate || rc.(ledger.RegisterChange).RecordSHA256 != r2.DocumentSHA256 {
			t.Errorf("revision 2 entry = %s, want an update committing to the report", entry)
		}

		m, err := w.svc.Matrix(ctx, "code-of-practice-states", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Rows) != 2 || m.Rows[0].Organisation.ID != w.uk.ID || m.Rows[0].Statuses[0] != declare.StatusImplemented || m.Rows[0].Statuses[1] != "" || m.Rows[1].Report != nil {
			t.Errorf("matrix rows = %+v, want UK (reported) then France (not reported)", m.Rows)
		}
		_, reported, missing, err := w.svc.RoundStatus(ctx, w.sec, round.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(reported) != 1 || len(missing) != 1 || missing[0].ID != w.fr.ID {
			t.Errorf("round: reported %d, missing %+v; want 1 and France", len(reported), missing)
		}
		if _, _, _, err := w.svc.RoundStatus(ctx, w.ukSigner, round.ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("RoundStatus(delegate) err = %v, want ErrForbidden", err)
		}
	})
}

func isField(err error, field, key string) bool {
	var v *pallmall.ValidationError
	return errors.As(err, &v) && v.Fields[field] == key
}

// TestWithdrawRefusesBeforeValidating: someone who may not withdraw an
// endorsement is refused the same way whatever reason they send, and
// MayWithdraw agrees with Withdraw.
func TestWithdrawRefusesBeforeValidating(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		e, err := w.svc.Endorse(ctx, w.ukSigner, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodBrowser})
		if err != nil {
			t.Fatal(err)
		}
		for _, reason := range []string{"", strings.Repeat("x", 2000), "bad\x01control"} {
			if _, err := w.svc.Withdraw(ctx, w.frDele, declare.WithdrawInput{EndorsementID: e.ID, Reason: reason}); !errors.Is(err, declare.ErrNoSigningAuthority) {
				t.Errorf("Withdraw by another organisation's delegate with reason %.10q = %v, want ErrNoSigningAuthority", reason, err)
			}
		}
		if declare.MayWithdraw(w.frDele, w.uk.ID) || !declare.MayWithdraw(w.ukSigner, w.uk.ID) || !declare.MayWithdraw(auth.Actor{UserID: 9, Role: auth.Secretariat}, w.uk.ID) {
			t.Error("MayWithdraw disagrees with who may withdraw")
		}
		if declare.MayEndorse(auth.Actor{UserID: 9, Role: auth.Analyst}) || !declare.MayEndorse(w.frDele) {
			t.Error("MayEndorse disagrees with who may endorse")
		}
		if _, err := w.svc.Withdraw(ctx, w.ukSigner, declare.WithdrawInput{EndorsementID: e.ID, Reason: strings.Repeat("x", 2000)}); !errors.Is(err, pallmall.ErrInvalid) {
			t.Errorf("Withdraw by the signer with an over-long reason = %v, want a validation error", err)
		}
	})
}

// TestFrameworkReadsOnlyItsOwn checks that Framework, which reads one
// framework rather than all of them, returns the same as picking it out
// of Frameworks, and ErrNotFound for an unknown or empty id.
func TestFrameworkReadsOnlyItsOwn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		all, err := w.svc.Frameworks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 {
			t.Fatalf("Frameworks = %d, want 2", len(all))
		}
		for _, want := range all {
			got, err := w.svc.Framework(ctx, want.ID)
			if err != nil {
				t.Fatalf("Framework(%s): %v", want.ID, err)
			}
			if got.ID != want.ID || got.Title != want.Title || got.Position != want.Position || len(got.Versions) != len(want.Versions) || len(got.Versions) == 0 {
				t.Errorf("Framework(%s) = %s %+v with %d versions, want %+v with %d", want.ID, got.ID, got.Title, len(got.Versions), want.Title, len(want.Versions))
				continue
			}
			for i, v := range got.Versions {
				if v.FrameworkID != want.ID || v.Label() != want.Versions[i].Label() || v.DocumentSHA256 != want.Versions[i].DocumentSHA256 {
					t.Errorf("Framework(%s) version %d = %s, want %s", want.ID, i, v.Label(), want.Versions[i].Label())
				}
			}
		}
		for _, id := range []string{"", "no-such-framework"} {
			if _, err := w.svc.Framework(ctx, id); !errors.Is(err, pallmall.ErrNotFound) {
				t.Errorf("Framework(%q) err = %v, want ErrNotFound", id, err)
			}
		}
	})
}

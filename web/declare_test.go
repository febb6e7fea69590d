package web_test

import (
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

// publishFrameworks publishes both demo frameworks.
func publishFrameworks(t *testing.T, db *store.DB) *declare.Service {
	t.Helper()
	ctx := context.Background()
	svc := &declare.Service{DB: db}
	for _, d := range []declare.Document{demo.Declaration2024(), demo.CodeOfPractice2025()} {
		if err := svc.CreateFramework(ctx, auth.System, d.Framework, d.Title, d.Preamble); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PublishVersion(ctx, auth.System, d); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeclarePublicPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		svc := publishFrameworks(t, db)
		if _, err := svc.Endorse(context.Background(), auth.System, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: s.orgB.ID, Method: declare.MethodPaper, PaperReference: "=cmd|' /C calc'!A0"}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			path, contentType string
			want              []string
		}{
			{"/frameworks", "text/html", []string{"Code of Practice for States", "1 current endorsements"}},
			{"/frameworks/code-of-practice-states", "text/html", []string{"States as regulators", "Measure</strong>"[:7], "measure-11", "Pending"}},
			{"/frameworks/code-of-practice-states?lang=fr", "text/html", []string{"États régulateurs", "Code de bonnes pratiques"}},
			{"/frameworks/declaration/signatories", "text/html", []string{"Open Rights Lab", "On paper, recorded by the secretariat", "Civil society"}},
			{"/frameworks/declaration/signatories?kind=state", "text/html", []string{"No endorsement matches"}},
			{"/frameworks/declaration/signatories.csv", "text/csv", []string{"organisation_en", "Open Rights Lab", "paper"}},
			{"/frameworks/declaration/signatories.json", "application/json", []string{`"organisation_en": "Open Rights Lab"`, `"log_index": null`}},
			{"/frameworks/declaration/signatories.atom", "application/atom+xml", []string{"<feed xmlns=\"http://www.w3.org/2005/Atom\">", "Open Rights Lab — declaration.2024", "/frameworks/declaration/signatories\"", "/frameworks/declaration/signatories.atom\" rel=\"self\"", "/frameworks/declaration/endorsements/1</id>"}},
			{"/frameworks/code-of-practice-states/reports", "text/html", []string{"Implementation by state", "No endorsing state yet"}},
			{"/transparency", "text/html", []string{"Transparency log", "not running"}},
		}
		for _, tt := range tests {
			res := s.get(s.client(), tt.path) // a fresh client: ?lang= sets a cookie
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), tt.contentType) {
				t.Errorf("GET %s = %d %s, want 200 %s", tt.path, res.StatusCode, res.Header.Get("Content-Type"), tt.contentType)
				continue
			}
			body := html.UnescapeString(res.Body)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s lacks %q: %.600s", tt.path, w, mainContent(body))
				}
			}
		}
		c := s.client()
		// CSV cells that a spreadsheet would run as formulas are defused.
		if res := s.get(c, "/frameworks/declaration/signatories.csv"); strings.Contains(res.Body, ",=cmd") {
			t.Errorf("CSV export has a formula cell: %s", res.Body)
		}
		for _, p := range []string{"/frameworks/nope", "/frameworks/declaration?version=1999", "/frameworks/code-of-practice-states/endorsements/1", "/frameworks/declaration/reports/99"} {
			if res := s.get(c, p); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
			}
		}
		// Forms need an account; admin pages need the secretariat.
		if res := s.get(c, "/frameworks/declaration/endorse"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET endorse form signed out = %d, want 303 to sign in", res.StatusCode)
		}
		for _, p := range []string{"/admin/endorsements/paper", "/admin/reporting-rounds"} {
			if res := s.get(s.signIn("delegateA"), p); res.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s as delegate = %d, want 403", p, res.StatusCode)
			}
		}
	})
}

func TestDeclareEndorseInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		publishFrameworks(t, db)
		a := s.signIn("delegateA")
		if res := s.get(a, "/frameworks/declaration"); !strings.Contains(res.Body, "/frameworks/declaration/endorse?version=2024") {
			t.Errorf("framework page offers no endorse button to a delegate with signing authority")
		}
		outbox := countRows(t, db, "ledger_outbox")

		// Not confirmed: the form comes back with an error summary.
		res := s.post(a, "/frameworks/declaration/endorse", url.Values{"version": {"2024"}, "method": {"browser"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "govuk-error-summary") || !strings.Contains(res.Body, "Confirm that you have authority") {
			t.Errorf("POST endorse without confirmation = %d, want 422 with the error", res.StatusCode)
		}
		// A delegate without signing authority is refused, clearly.
		b := s.signIn("delegateB")
		res = s.post(b, "/frameworks/declaration/endorse", url.Values{"version": {"2024"}, "method": {"browser"}, "confirm": {"yes"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "You do not have signing authority") {
			t.Errorf("POST endorse without authority = %d, want 422 with the message", res.StatusCode)
		}
		if got := countRows(t, db, "ledger_outbox"); got != outbox {
			t.Errorf("outbox rows after refusals = %d, want %d", got, outbox)
		}

		res = s.post(a, "/frameworks/declaration/endorse", url.Values{"version": {"2024"}, "method": {"browser"}, "confirm": {"yes"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST endorse = %d, want 303", res.StatusCode)
		}
		page := s.get(a, res.Header.Get("Location"))
		if !strings.Contains(page.Body, "Ruritania endorses version 2024") || !strings.Contains(page.Body, "&#34;type&#34;:&#34;endorsement&#34;") {
			t.Errorf("endorsement page lacks the heading or the log entry")
		}
		res = s.post(a, "/frameworks/declaration/endorse", url.Values{"version": {"2024"}, "method": {"browser"}, "confirm": {"yes"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "already endorses") {
			t.Errorf("POST duplicate endorsement = %d, want 422 'already endorses'", res.StatusCode)
		}
		if got := countRows(t, db, "ledger_outbox"); got != outbox+1 {
			t.Errorf("outbox rows = %d, want %d (one entry for one endorsement)", got, outbox+1)
		}
		if reg := s.get(s.client(), "/frameworks/declaration/signatories"); !strings.Contains(reg.Body, "Ruritania") {
			t.Errorf("register lacks the new endorsement")
		}

		// Withdraw, with a public statement.
		eid := strings.TrimPrefix(page.Request.URL.Path, "/frameworks/declaration/endorsements/")
		res = s.post(a, "/frameworks/declaration/endorsements/"+eid+"/withdraw", url.Values{"reason": {"Under review"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST withdraw = %d, want 303", res.StatusCode)
		}
		if page := s.get(a, "/frameworks/declaration/endorsements/"+eid); !strings.Contains(page.Body, "Withdrawn on") || !strings.Contains(page.Body, "Under review") {
			t.Errorf("endorsement page does not show the withdrawal")
		}
	})
}

func TestDeclareSignedUploadAndReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		svc := publishFrameworks(t, db)
		ctx := context.Background()
		v, _ := svc.Version(ctx, "code-of-practice-states", "")
		priv, pub, _ := declare.GenerateKey()
		key, _ := declare.ParsePrivateKey(priv)

		// The secretariat registers Open Rights Lab's key; a bad key is refused.
		sec := s.signIn("secretariat")
		res := s.post(sec, "/frameworks/signing-key", url.Values{"organisation": {itoa(s.orgB.ID)}, "public_key": {"not a key"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(res.Body), "pallmall sign keygen (base64 of 32 bytes)") {
			t.Errorf("POST bad key = %d, want 422 with the message", res.StatusCode)
		}
		if res := s.post(sec, "/frameworks/signing-key", url.Values{"organisation": {itoa(s.orgB.ID)}, "public_key": {pub}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST key = %d, want 303", res.StatusCode)
		}

		b := s.signIn("delegateB")
		outbox := countRows(t, db, "ledger_outbox")
		wrong := declare.Sign(key, declare.ActionEndorse, "declaration.2024", v.DocumentSHA256)
		res = s.post(b, "/frameworks/code-of-practice-states/endorse", url.Values{"method": {"signature"}, "signature": {wrong}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "does not verify") || !strings.Contains(html.UnescapeString(res.Body), wrong) {
			t.Errorf("POST wrong signature = %d, want 422 'does not verify' keeping the typed value", res.StatusCode)
		}
		if got := countRows(t, db, "ledger_outbox"); got != outbox {
			t.Errorf("outbox rows after a bad signature = %d, want %d", got, outbox)
		}
		sig := declare.Sign(key, declare.ActionEndorse, v.Label(), v.DocumentSHA256)
		res = s.post(b, "/frameworks/code-of-practice-states/endorse", url.Values{"method": {"signature"}, "signature": {sig}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST signature = %d, want 303", res.StatusCode)
		}
		if page := html.UnescapeString(s.get(b, res.Header.Get("Location")).Body); !strings.Contains(page, sig) || !strings.Contains(page, pub) || !strings.Contains(page, string(declare.SignedMessage(declare.ActionEndorse, v.Label(), v.DocumentSHA256))) {
			t.Errorf("endorsement page lacks the signature and key")
		}

		// Reports: Ruritania has not endorsed the Code, so it cannot report.
		a := s.signIn("delegateA")
		form := url.Values{"status.1": {"implemented"}, "explanation.1": {"Licensing law in force"}, "evidence.1": {"https://example.org/law"}, "status.4": {"in_progress"}}
		res = s.post(a, "/frameworks/code-of-practice-states/report", form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "has not endorsed this framework version") || !strings.Contains(res.Body, "Licensing law in force") {
			t.Errorf("POST report without endorsement = %d, want 422 keeping typed values", res.StatusCode)
		}
		if _, err := svc.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "code-of-practice-states", OrganisationID: s.orgA.ID, Method: declare.MethodPaper, PaperReference: "Plenary"}); err != nil {
			t.Fatal(err)
		}
		bad := url.Values{"status.1": {"implemented"}, "evidence.1": {"ftp://example.org/x"}}
		if res := s.post(a, "/frameworks/code-of-practice-states/report", bad); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "must be web addresses") {
			t.Errorf("POST report with bad evidence = %d, want 422", res.StatusCode)
		}
		res = s.post(a, "/frameworks/code-of-practice-states/report", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST report = %d, want 303: %s", res.StatusCode, mainContent(res.Body))
		}
		m := html.UnescapeString(s.get(s.client(), "/frameworks/code-of-practice-states/reports").Body)
		if !strings.Contains(m, "Ruritania") || !strings.Contains(m, "Done") || !strings.Contains(m, "In progress") {
			t.Errorf("matrix does not show Ruritania's statuses")
		}

		// A reporting round lists who has not reported.
		res = s.post(sec, "/admin/reporting-rounds", url.Values{"framework": {"code-of-practice-states@2025"}, "title_en": {"2026 round"}, "title_fr": {""}, "deadline": {"2020-01-01"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "must be in the future") || !strings.Contains(res.Body, "2026 round") {
			t.Errorf("POST round in the past = %d, want 422 keeping values", res.StatusCode)
		}
		res = s.post(sec, "/admin/reporting-rounds", url.Values{"framework": {"code-of-practice-states@2025"}, "title_en": {"2026 round"}, "title_fr": {"Cycle 2026"}, "deadline": {time.Now().AddDate(0, 1, 0).Format("2006-01-02")}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST round = %d, want 303", res.StatusCode)
		}
		if page := s.get(sec, res.Header.Get("Location")); !strings.Contains(page.Body, "Not yet reported (1)") || !strings.Contains(page.Body, "Ruritania") {
			t.Errorf("round page = %s", mainContent(page.Body))
		}
	})
}

// TestTransparencyPageAndReceipt serves a site with a real log: the
// Transparency page shows the key and size, and an endorsement's receipt
// verifies offline.
func TestTransparencyPageAndReceipt(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	dir := t.TempDir()
	key, err := ledger.LoadOrCreateKey(filepath.Join(dir, "key"), "pallmall.example/log")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(ctx, ledger.Options{Dir: filepath.Join(dir, "log"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	svc := publishFrameworks(t, db)
	org, _ := (&auth.Service{DB: db}).CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Ruritania", NameFR: "Ruritanie", Kind: auth.State, Country: "RR"})
	e, err := svc.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: org.ID, Method: declare.MethodPaper, PaperReference: "Plenary"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.NewWorker(db, l, ledger.WorkerOptions{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WaitPublished(ctx, 2); err != nil {
		t.Fatal(err)
	}
	site := &web.Server{DB: db, Auth: &auth.Service{DB: db}, Logger: slog.New(slog.DiscardHandler), PublicURL: "https://pallmall.example", Ledger: l, Log: ledger.NewHandler(l.Dir())}
	h, err := site.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(p string) (int, string) {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return res.StatusCode, b.String()
	}
	if code, body := get("/transparency"); code != 200 || !strings.Contains(html.UnescapeString(body), key.VerifierKey) || !strings.Contains(body, "<dd class=\"govuk-summary-list__value\">3</dd>") {
		t.Errorf("transparency page = %d, want the verifier key and 3 entries", code)
	}
	if code, body := get("/transparency/verifier.key"); code != 200 || strings.TrimSpace(body) != key.VerifierKey {
		t.Errorf("verifier.key = %d %q", code, body)
	}
	if code, _ := get("/log/checkpoint"); code != 200 {
		t.Errorf("/log/checkpoint = %d, want 200", code)
	}
	code, body := get("/frameworks/declaration/endorsements/" + itoa(e.ID) + "/receipt.json")
	if code != 200 {
		t.Fatalf("receipt = %d", code)
	}
	r, err := ledger.ParseReceipt([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify(key.Verifier); err != nil {
		t.Errorf("receipt does not verify: %v", err)
	}
	var entry map[string]any
	json.Unmarshal(r.Entry, &entry)
	if entry["document_sha256"] != e.DocumentSHA256 || entry["id"] != e.Log.EntryID() {
		t.Errorf("receipt entry = %s, want the endorsement's", r.Entry)
	}

	// Any area's entry has a page and a receipt by its entry id.
	entryPath := "/transparency/entries/" + e.Log.EntryID()
	if code, body := get(entryPath); code != 200 || !strings.Contains(html.UnescapeString(body), string(r.Entry)) || !strings.Contains(body, "receipt.json") {
		t.Errorf("GET %s = %d, want the entry and a receipt link", entryPath, code)
	}
	if code, body := get(entryPath + "/receipt.json"); code != 200 || !strings.Contains(body, `"inclusion_proof"`) {
		t.Errorf("GET %s/receipt.json = %d", entryPath, code)
	}
	var pending int64
	db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		pending, err = ledger.Enqueue(ctx, tx, ledger.RegisterChange{Register: "vendors", Op: ledger.OpRemove, Subject: "v1"})
		return err
	})
	if code, body := get("/transparency/entries/" + ledger.EntryID(pending)); code != 200 || !strings.Contains(body, "Pending") || strings.Contains(body, "vendors") {
		t.Errorf("pending entry page = %d, want 'Pending' without the entry", code)
	}
	if code, _ := get("/transparency/entries/" + ledger.EntryID(pending) + "/receipt.json"); code != 404 {
		t.Errorf("pending receipt = %d, want 404", code)
	}
	if code, _ := get("/transparency/entries/99999"); code != 404 {
		t.Errorf("unknown entry = %d, want 404", code)
	}
}

func TestDeclarePublishVersionForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		sec := s.signIn("secretariat")
		if res := s.get(s.signIn("delegateA"), "/admin/frameworks/publish"); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET publish form as delegate = %d, want 403", res.StatusCode)
		}
		good, _ := json.MarshalIndent(demo.CodeOfPractice2025(), "", "  ")
		broken := strings.Replace(string(good), `"version": "2025",`, `"version": "2025"`, 1)
		missingFR := strings.Replace(string(good), `"fr": "Responsabilité"`, `"fr": ""`, 1)
		cases := []struct {
			name, doc, want string
		}{
			{"syntax error", broken, "(line 4)"}, // where "title" follows without a comma
			{"unknown field", strings.Replace(string(good), `"preamble"`, `"preambel"`, 1), "not JSON in the expected format"},
			{"missing French", missingFR, "(at pillars.0.title_fr)"},
		}
		for _, tt := range cases {
			res := s.post(sec, "/admin/frameworks/publish", url.Values{"document": {tt.doc}, "summary_en": {"Code"}, "summary_fr": {"Code"}})
			if body := html.UnescapeString(res.Body); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) || !strings.Contains(body, "govuk-error-summary") {
				t.Errorf("POST publish (%s) = %d, want 422 with %q", tt.name, res.StatusCode, tt.want)
			}
		}
		if n := countRows(t, db, "ledger_outbox"); n != 0 {
			t.Errorf("outbox rows after refused publications = %d, want 0", n)
		}
		res := s.post(sec, "/admin/frameworks/publish", url.Values{"document": {string(good)}, "summary_en": {"Measures for states"}, "summary_fr": {"Mesures pour les États"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/frameworks/code-of-practice-states?version=2025" {
			t.Fatalf("POST publish = %d %s, want 303 to the version", res.StatusCode, res.Header.Get("Location"))
		}
		if page := s.get(s.client(), "/frameworks"); !strings.Contains(page.Body, "Measures for states") {
			t.Errorf("frameworks list lacks the new framework")
		}
		res = s.post(sec, "/admin/frameworks/publish", url.Values{"document": {string(good)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "already has a version with that name") {
			t.Errorf("POST publish again = %d, want 422", res.StatusCode)
		}
	})
}

package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// hostileValues are filter values that would change a query written by
// pasting them into SQL text (Decidim's sort-parameter injection).
var hostileValues = []string{
	"name;DROP TABLE users",
	"1 OR 1=1",
	"' OR '1'='1",
	"1); DELETE FROM register_records; --",
	"unknown_column",
	"id DESC",
	"%",
	"_",
	`\`,
	"\x00",
	"\xff\xfe",
}

// hostileTables are counted before and after: a value executed as SQL
// would drop or empty one of them.
var hostileTables = []string{"users", "organisations", "consultations", "consult_responses", "register_records",
	"register_proposals", "endorsements", "frameworks", "meetings", "deliberations", "deliberation_votes", "audit_events"}

// TestHostileFilterValuesAreNotExecuted feeds SQL-like and malformed
// values to every filter and cursor of every list page and API list that
// takes one, on a platform holding the demo data: each is refused (400,
// the API's 422, or 404 for a version that does not exist) or
// ignored or matched as plain data (200), never a server error; no table
// loses a row; and a free-text filter of "' OR '1'='1" matches nothing
// rather than everything (issue 9, control 8).
func TestHostileFilterValuesAreNotExecuted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db)
		if err := demo.Load(ctx, demo.Config{DB: db, Auth: s.auth, DataDir: t.TempDir(), PublicURL: s.srv.URL, Out: io.Discard}); err != nil {
			t.Fatalf("demo.Load: %v", err)
		}
		sec := s.signIn("secretariat")
		token, err := s.auth.CreateAPIToken(ctx, auth.System, s.users["secretariat"].ID, "hostile filters")
		if err != nil {
			t.Fatal(err)
		}
		var consultation, deliberation int64
		var framework string
		if err := db.QueryRow(ctx, `SELECT id FROM consultations ORDER BY id LIMIT 1`).Scan(&consultation); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT id FROM deliberations ORDER BY id LIMIT 1`).Scan(&deliberation); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT id FROM frameworks ORDER BY id LIMIT 1`).Scan(&framework); err != nil {
			t.Fatal(err)
		}
		cid, did := itoa(consultation), itoa(deliberation)
		lists := []struct {
			path   string
			params []string
		}{
			{"/register", []string{"q", "kind", "country", "category", "vector", "confidence", "year", "page"}},
			{"/register/proposals", []string{"status"}},
			{"/frameworks/" + framework + "/signatories", []string{"version", "kind", "method", "name", "withdrawn"}},
			{"/frameworks/" + framework + "/signatories.csv", []string{"version", "kind", "method", "name"}},
			{"/frameworks/" + framework + "/signatories.json", []string{"version", "kind", "method", "name"}},
			{"/admin/audit", []string{"action", "object_type", "object_id", "actor", "before"}},
			{"/admin/consultations/" + cid + "/analysis/texts", []string{"q", "stakeholder", "question", "after"}},
			{"/admin/outbox", []string{"before"}},
			{"/deliberations/" + did, []string{"statement"}},
			{"/api/v1/register/entities", []string{"q", "kind", "country", "category", "vector", "confidence", "year", "cursor", "limit"}},
			{"/api/v1/register/incidents", []string{"q", "country", "vector", "confidence", "year", "cursor", "limit"}},
			{"/api/v1/frameworks/" + framework + "/endorsements", []string{"version", "kind", "include_withdrawn"}},
			{"/api/v1/frameworks/" + framework + "/reports", []string{"version"}},
			{"/api/v1/audit", []string{"action", "object_type", "object_id", "actor_user_id", "cursor", "limit"}},
			{"/api/v1/organisations", []string{"kind", "cursor", "limit"}},
			{"/api/v1/users", []string{"organisation_id"}},
			{"/api/v1/meetings", []string{"organisation_id", "cursor"}},
			{"/api/v1/consultations", []string{"cursor", "limit"}},
			{"/api/v1/consultations/" + cid + "/campaigns", []string{"min_size"}},
			{"/api/v1/deliberations", []string{"cursor", "limit"}},
		}
		get := func(path string) response {
			t.Helper()
			req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
			if strings.HasPrefix(path, "/api/") {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return s.do(sec, req)
		}
		count := func() map[string]int {
			m := map[string]int{}
			for _, table := range hostileTables {
				var n int
				if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
					t.Fatalf("count %s: %v", table, err)
				}
				m[table] = n
			}
			return m
		}
		before := count()
		if before["register_records"] == 0 || before["endorsements"] == 0 || before["consult_responses"] == 0 {
			t.Fatalf("the demo data is missing records, endorsements or responses (%v): the test proves little", before)
		}
		requests := 0
		for _, l := range lists {
			if res := get(l.path); res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s without filters = %d, want 200", l.path, res.StatusCode)
			}
			for _, p := range l.params {
				for _, v := range hostileValues {
					path := l.path + "?" + url.Values{p: {v}}.Encode()
					res := get(path)
					requests++
					switch res.StatusCode {
					case http.StatusOK, http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusNotFound:
					default:
						t.Errorf("GET %s = %d, want 200 (ignored or matched as data), or 400, 422 or 404 (refused)", path, res.StatusCode)
					}
					for _, leak := range []string{"SQLSTATE", "syntax error", "sqlite", "pq:", "pgx"} {
						if strings.Contains(res.Body, leak) {
							t.Errorf("GET %s shows %q", path, leak)
						}
					}
				}
			}
		}
		after := count()
		for table, n := range before {
			// Reading writes nothing but the audit log may not shrink.
			if after[table] != n {
				t.Errorf("%s had %d rows before the hostile requests, %d after", table, n, after[table])
			}
		}

		// A free-text filter is data: a tautology matches nothing.
		for _, path := range []string{"/api/v1/register/entities", "/api/v1/frameworks/" + framework + "/endorsements"} {
			var all, hostile struct{ Data []json.RawMessage }
			if err := json.Unmarshal([]byte(get(path).Body), &all); err != nil || len(all.Data) == 0 {
				t.Fatalf("GET %s: %d items, %v; want some", path, len(all.Data), err)
			}
			res := get(path + "?q=" + url.QueryEscape("' OR '1'='1") + "&version=" + url.QueryEscape("' OR '1'='1"))
			if err := json.Unmarshal([]byte(res.Body), &hostile); res.StatusCode == http.StatusOK && (err != nil || len(hostile.Data) != 0) {
				t.Errorf("GET %s with a tautology = %d items, %v; want none", path, len(hostile.Data), err)
			}
		}
		t.Logf("%d hostile requests", requests)
	})
}

// TestMalformedFormsAreRefused posts sign-in forms holding a NUL byte or
// text that is not UTF-8 in a value or a field name: each is refused with
// the 400 page before any handler, and a well-formed form still reaches
// its handler.
func TestMalformedFormsAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		public := s.client()
		for _, v := range []string{"a\x00@example.org", "\xff\xfe@example.org"} {
			res := s.post(public, "/sign-in", url.Values{"email": {v}, "password": {"x"}})
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("POST /sign-in with email %q = %d, want 400", v, res.StatusCode)
			}
			res = s.post(public, "/sign-in", url.Values{"email": {"a@example.org"}, "pass\x00word": {v}})
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("POST /sign-in with a NUL in a field name = %d, want 400", res.StatusCode)
			}
		}
		if res := s.post(public, "/sign-in", url.Values{"email": {"a@example.org"}, "password": {"wrong password here"}}); res.StatusCode == http.StatusBadRequest || res.StatusCode >= 500 {
			t.Errorf("POST /sign-in with a wrong password = %d, want the form again", res.StatusCode)
		}
	})
}

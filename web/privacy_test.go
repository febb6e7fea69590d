package web_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// The markers a visitor's client reveals: its address, user agent and
// headers that proxies add. None may be kept anywhere.
const (
	markerAddr  = "127.3.7.9" // a loopback address the client sends from
	markerAgent = "MarkerBrowser/7.7 (MarkerOS 12; MarkerPhone)"
	markerFwd   = "203.0.113.99"
	markerLang  = "mk-MK"
)

var markers = []string{markerAddr, "MarkerBrowser", "MarkerOS", "MarkerPhone", markerFwd, markerLang}

// markedClient sends every request from markerAddr with identifying
// headers, keeping cookies like a browser.
type markedClient struct {
	s *site
	c *http.Client
}

func newMarkedClient(t *testing.T, s *site) *markedClient {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(markerAddr)}, Timeout: 5 * time.Second}
	tr := s.srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = dialer.DialContext
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	jar, _ := cookiejar.New(nil)
	return &markedClient{s: s, c: &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (m *markedClient) do(method, path string, form url.Values) response {
	m.s.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, m.s.srv.URL+path+"?tracking="+markerFwd, body)
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", markerAgent)
	req.Header.Set("X-Forwarded-For", markerFwd)
	req.Header.Set("X-Real-IP", markerFwd)
	req.Header.Set("Forwarded", "for="+markerFwd)
	req.Header.Set("Accept-Language", markerLang)
	req.Header.Set("Referer", "https://"+markerFwd+"/MarkerOS")
	return m.s.do(m.c, req)
}

// TestNothingIdentifiesAVisitor answers a consultation and signs in from
// a marked client through the whole stack, then searches the database
// (every file of SQLite's, every row of PostgreSQL's) and every log line
// for anything that would identify the visitor's device or network.
func TestNothingIdentifiesAVisitor(t *testing.T) {
	run := func(t *testing.T, db *store.DB, files func() []string) {
		st := newConsultSite(t, db)
		m := newMarkedClient(t, st.site)
		res := m.do("GET", st.path(""), nil)
		wantStatus(t, "consultation page", res, http.StatusOK)
		res = m.do("POST", st.path("/start"), url.Values{"kind": {"individual"}, "stakeholder": {"civil_society"}, "name": {"Nadia Marker"}, "email": {"nadia@example.org"}})
		wantStatus(t, "start", res, http.StatusCreated)
		section := st.path("/respond/section/" + strconv.FormatInt(st.qn.Sections[0].ID, 10))
		answers := url.Values{qn(st.q["short"]): {"Audits of every licence"}, qn(st.q["yesno"]): {"no"}, "action": {"continue"}}
		wantStatus(t, "section", m.do("POST", section, answers), http.StatusSeeOther)
		wantStatus(t, "consent", m.do("POST", st.path("/respond/consent"), url.Values{"share": {"no"}, "publish": {"anonymous"}, "contact": {"no"}}), http.StatusSeeOther)
		wantStatus(t, "submit", m.do("POST", st.path("/respond/submit"), nil), http.StatusSeeOther)
		m.do("POST", "/sign-in", url.Values{"email": {"an@example.org"}, "password": {"wrong wrong wrong"}})
		m.do("POST", "/sign-in", url.Values{"email": {"an@example.org"}, "password": {testPassword}})
		m.do("GET", "/account", nil)

		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM consult_responses WHERE status = 'submitted'`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d submitted responses, want 1: the journey did not go through", n)
		}
		haystacks := map[string]string{"logs": st.logs.String()}
		for _, f := range files() {
			b, _ := os.ReadFile(f)
			haystacks[f] = string(b)
		}
		haystacks["database rows"] = allRows(t, db)
		// The search must be able to find what is kept: the answer is.
		if !strings.Contains(haystacks["database rows"], "Audits of every licence") {
			t.Fatal("the answer is not found in the database rows: the search is blind")
		}
		if files := files(); len(files) > 0 {
			found := false
			for _, f := range files {
				found = found || strings.Contains(haystacks[f], "Audits of every licence")
			}
			if !found {
				t.Fatal("the answer is not found in the database files: the search is blind")
			}
		}
		for where, text := range haystacks {
			for _, mk := range markers {
				if strings.Contains(text, mk) {
					t.Errorf("%s contains the visitor's %q", where, mk)
				}
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		db, err := store.Open(context.Background(), store.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		run(t, db, func() []string {
			var out []string
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					out = append(out, p)
				}
				return nil
			})
			if len(out) == 0 {
				t.Fatal("no database files found")
			}
			return out
		})
	})
	if os.Getenv(storetest.EnvURL) != "" {
		t.Run("postgres", func(t *testing.T) { run(t, storetest.Postgres(t), func() []string { return nil }) })
	}
}

// allRows returns the text of every row of every table.
func allRows(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, tbl := range tables {
		rows, err := db.Query(ctx, `SELECT * FROM `+tbl)
		if err != nil {
			continue // FTS shadow tables and the like
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintln(&b, v)
			}
		}
		rows.Close()
	}
	if b.Len() == 0 {
		t.Fatal("read no rows")
	}
	return b.String()
}

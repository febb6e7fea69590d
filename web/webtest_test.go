package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is a running platform over TLS (so Secure cookies behave as in
// production) with an account of each role.
type site struct {
	t     *testing.T
	srv   *httptest.Server
	auth  *auth.Service
	db    *store.DB
	logs  *lockedWriter
	orgA  auth.Organisation
	orgB  auth.Organisation
	users map[string]testUser // by label: secretariat, delegateA, delegateB, analyst, partner
}

type testUser struct {
	auth.User
	Password, Secret string
}

const testPassword = "correct horse battery staple"

func newSite(t *testing.T, db *store.DB) *site { return newSiteWith(t, db, nil) }

// newSiteWith is newSite with a chance to change the server before it
// starts (set is nil for none).
func newSiteWith(t *testing.T, db *store.DB, set func(*web.Server)) *site {
	t.Helper()
	ctx := context.Background()
	logs := &lockedWriter{w: &strings.Builder{}}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	svc := &auth.Service{DB: db, Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}, Clients: auth.NewLimiter(1000, time.Minute)}
	s := &web.Server{DB: db, Auth: svc, Logger: logger, Version: "test", PublicURL: "https://pallmall.example",
		API: (&api.Server{DB: db, Auth: svc, Logger: logger}).Handler()}
	if set != nil {
		set(s)
	}
	h, err := s.Handler()
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	st := &site{t: t, srv: srv, auth: svc, db: db, logs: logs, users: map[string]testUser{}}
	st.orgA, err = svc.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Ruritania", NameFR: "Ruritanie", Kind: auth.State, Country: "RR"})
	if err != nil {
		t.Fatal(err)
	}
	st.orgB, _ = svc.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Open Rights Lab", NameFR: "Labo des droits ouverts", Kind: auth.CivilSociety})
	for label, n := range map[string]auth.NewUser{
		"secretariat": {Email: "sec@example.org", Name: "Sec Retariat", Role: auth.Secretariat},
		"delegateA":   {Email: "a@example.org", Name: "Del A", Role: auth.Delegate, OrganisationID: st.orgA.ID, SigningAuthority: true},
		"delegateB":   {Email: "b@example.org", Name: "Del B", Role: auth.Delegate, OrganisationID: st.orgB.ID},
		"analyst":     {Email: "an@example.org", Name: "Ana Lyst", Role: auth.Analyst},
		"partner":     {Email: "pa@example.org", Name: "Pat Partner", Role: auth.Partner},
	} {
		u, _, err := svc.CreateUser(ctx, auth.System, n, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetPasswordDirect(ctx, auth.System, u.ID, testPassword); err != nil {
			t.Fatal(err)
		}
		tu := testUser{User: u, Password: testPassword}
		if n.Role == auth.Secretariat {
			tu.Secret = auth.NewTOTPSecret()
			if err := svc.SetTOTP(ctx, auth.System, u.ID, tu.Secret, ""); err != nil {
				t.Fatal(err)
			}
		}
		st.users[label] = tu
	}
	return st
}

// client returns a browser-like client with its own cookie jar that does
// not follow redirects, so tests see them.
func (s *site) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *s.srv.Client() // a copy: the server's client is shared
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// signIn returns a client signed in as the labelled user, giving the TOTP
// code when the account has one.
func (s *site) signIn(label string) *http.Client {
	s.t.Helper()
	u := s.users[label]
	c := s.client()
	res := s.post(c, "/sign-in", url.Values{"email": {u.Email}, "password": {u.Password}})
	if res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("sign in as %s: status %d", label, res.StatusCode)
	}
	if u.Secret != "" {
		code, _ := auth.TOTPCode(u.Secret, time.Now())
		res = s.post(c, "/sign-in/code", url.Values{"code": {code}})
		if res.StatusCode != http.StatusSeeOther {
			s.t.Fatalf("second factor for %s: status %d", label, res.StatusCode)
		}
	}
	return c
}

type response struct {
	*http.Response
	Body string
}

func (s *site) do(c *http.Client, req *http.Request) response {
	s.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res, string(b)}
}

func (s *site) get(c *http.Client, path string) response {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	return s.do(c, req)
}

func (s *site) post(c *http.Client, path string, form url.Values) response {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return s.do(c, req)
}

// lockedWriter collects log lines from concurrent requests.
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.String()
}

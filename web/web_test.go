package web_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	c, err := web.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range web.Languages {
		for _, b := range web.Languages {
			for _, k := range c.Keys(a) {
				if !c.Has(b, k) {
					t.Errorf("key %q is in the %s catalogue but not in %s", k, a, b)
				}
			}
		}
	}
}

// TestTemplatesUseKnownKeys finds every literal message key in the
// templates and Go code and checks both catalogues have it, and that keys
// built at run time (roles, organisation kinds, error pages) exist too.
func TestTemplatesUseKnownKeys(t *testing.T) {
	c, err := web.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	literal := regexp.MustCompile(`\.T "([a-z0-9_.]+)"|"(?:Label|Hint|Key)" "([a-z0-9_.]+)"`)
	tmpls, _ := fs.Glob(os.DirFS("templates"), "*.html")
	for _, f := range tmpls {
		b, _ := os.ReadFile("templates/" + f)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1]+m[2])
		}
	}
	// In Go code: validation messages (error.*) and page titles (*.title).
	goKey := regexp.MustCompile(`"(error\.[a-z_]+|[a-z_]+\.(?:expired_)?title)"`)
	for _, dir := range []string{".", "../auth"} {
		files, _ := fs.Glob(os.DirFS(dir), "*.go")
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(dir + "/" + f)
			for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
				if c.Has("en", m[1]+".title") {
					continue // an error page key: .title and .body are checked below
				}
				keys = append(keys, m[1])
			}
		}
	}
	for _, r := range auth.Roles {
		keys = append(keys, "role."+string(r), "role."+string(r)+".can")
	}
	for _, k := range auth.OrgKinds {
		keys = append(keys, "org_kind."+string(k))
	}
	for _, e := range []string{"not_found", "forbidden", "unauthenticated", "rate_limited", "conflict", "bad_request", "internal"} {
		keys = append(keys, "error."+e+".title", "error."+e+".body")
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys; the pattern is broken", len(keys))
	}
	for _, k := range keys {
		for _, lang := range web.Languages {
			if !c.Has(lang, k) {
				t.Errorf("key %q is used but missing from the %s catalogue", k, lang)
			}
		}
	}
}

// publicPaths are pages anyone may see.
var publicPaths = []string{"/", "/privacy", "/organisations", "/sign-in"}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		c := s.signIn("secretariat")
		for _, p := range append(publicPaths, "/account", "/admin/users", "/admin/audit", "/nope", "/api/v1/organisations", "/api/v1/me", "/healthz") {
			res := s.get(c, p)
			h := res.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("GET %s: CSP %q lacks %q", p, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("GET %s: CSP allows unsafe-inline", p)
			}
			for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
				if got := h.Get(name); got != want {
					t.Errorf("GET %s: %s = %q, want %q", p, name, got, want)
				}
			}
			if h.Get("Strict-Transport-Security") == "" {
				t.Errorf("GET %s over TLS: no HSTS header", p)
			}
			if strings.Contains(strings.ToLower(res.Body), "<script>") || regexp.MustCompile(`(?i)<script(?:[^>]*?)>\s*[^<\s]`).MatchString(res.Body) {
				t.Errorf("GET %s: page has an inline script", p)
			}
			if strings.Contains(res.Body, "http://") && !strings.HasPrefix(p, "/api/") {
				for _, m := range regexp.MustCompile(`(?:src|href)="(https?://[^"]+)"`).FindAllStringSubmatch(res.Body, -1) {
					t.Errorf("GET %s: refers to another origin: %s", p, m[1])
				}
			}
		}
		// Signed-in pages are never cached.
		if cc := s.get(c, "/account").Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET /account Cache-Control = %q, want no-store", cc)
		}
	})
}

func TestSessionCookieAttributes(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	res := s.post(s.client(), "/sign-in", url.Values{"email": {"an@example.org"}, "password": {testPassword}})
	var found bool
	for _, line := range res.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(line, "__Host-pallmall_session=") {
			continue
		}
		found = true
		for _, attr := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
			if !strings.Contains(line, attr) {
				t.Errorf("session cookie %q lacks %s", line, attr)
			}
		}
		if strings.Contains(line, "Domain=") {
			t.Errorf("session cookie %q has a Domain, not allowed for __Host-", line)
		}
	}
	if !found {
		t.Fatalf("no session cookie set; headers %v", res.Header)
	}
}

func TestLanguageSwitch(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	c := s.client()
	if res := s.get(c, "/organisations"); !strings.Contains(res.Body, `<html lang="en"`) || !strings.Contains(res.Body, "Ruritania") {
		t.Fatalf("default page not English: %.200s", res.Body)
	}
	res := s.get(c, "/organisations?lang=fr")
	if !strings.Contains(res.Body, `<html lang="fr"`) || !strings.Contains(res.Body, "Ruritanie") || !strings.Contains(res.Body, "États") {
		t.Errorf("?lang=fr did not give French")
	}
	// The choice is remembered by the cookie.
	if res := s.get(c, "/"); !strings.Contains(res.Body, `<html lang="fr"`) || !strings.Contains(res.Body, "Accueil") {
		t.Errorf("French not remembered on the next page")
	}
	if res := s.get(c, "/?lang=en"); !strings.Contains(res.Body, `<html lang="en"`) {
		t.Errorf("?lang=en did not switch back")
	}
	if res := s.get(c, "/?lang=de"); !strings.Contains(res.Body, `<html lang="en"`) {
		t.Errorf("unknown language changed the page language")
	}
}

func TestSignInErrorsKeepTypedEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		c := s.client()
		res := s.post(c, "/sign-in", url.Values{"email": {"an@example.org"}, "password": {"wrong wrong wrong"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("wrong password status = %d, want 422", res.StatusCode)
		}
		for _, want := range []string{"govuk-error-summary", "The email address or password is wrong", `value="an@example.org"`, "<title>Error:"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("wrong-password page lacks %q", want)
			}
		}
		if strings.Contains(res.Body, "wrong wrong wrong") {
			t.Error("the typed password was sent back to the browser")
		}
	})
}

func TestCreateOrganisationFormKeepsValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		c := s.signIn("secretariat")
		res := s.post(c, "/admin/organisations/new", url.Values{"name_en": {"Atlantis"}, "name_fr": {"Atlantide"}, "kind": {"state"}, "country": {"atlantis"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status = %d, want 422", res.StatusCode)
		}
		for _, want := range []string{`href="#country"`, "Enter a two-letter country code", `value="Atlantis"`, `value="Atlantide"`, `value="atlantis"`, `value="state" checked`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("error page lacks %q", want)
			}
		}
		res = s.post(c, "/admin/organisations/new", url.Values{"name_en": {"Atlantis"}, "name_fr": {"Atlantide"}, "kind": {"state"}, "country": {"AT"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("valid organisation: status %d", res.StatusCode)
		}
		if page := s.get(c, res.Header.Get("Location")); !strings.Contains(page.Body, "Atlantis") {
			t.Error("new organisation page does not show its name")
		}
		audit := s.get(c, "/admin/audit?action=organisation.")
		if !strings.Contains(audit.Body, "organisation.create") {
			t.Error("audit log does not show organisation.create")
		}
	})
}

// TestAccessByRole checks every page against every role: what each may see,
// and that everything else is refused the same way.
func TestAccessByRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		roles := []string{"public", "secretariat", "delegateA", "delegateB", "analyst", "partner"}
		clients := map[string]*http.Client{"public": s.client()}
		for _, r := range roles[1:] {
			clients[r] = s.signIn(r)
		}
		orgA := "/organisations/" + itoa(s.orgA.ID)
		type want struct {
			status int
			marker string // must appear in the page when allowed
		}
		all := func(status int) map[string]want {
			m := map[string]want{}
			for _, r := range roles {
				m[r] = want{status: status}
			}
			return m
		}
		secretariatOnly := func(marker string) map[string]want {
			m := all(http.StatusForbidden)
			m["public"] = want{status: http.StatusSeeOther}
			m["secretariat"] = want{http.StatusOK, marker}
			return m
		}
		signedIn := all(http.StatusOK)
		signedIn["public"] = want{status: http.StatusSeeOther}
		cases := map[string]map[string]want{
			"/":                        all(http.StatusOK),
			"/organisations":           all(http.StatusOK),
			orgA:                       all(http.StatusOK),
			"/organisations/999999":    all(http.StatusNotFound),
			"/account":                 signedIn,
			"/admin/users":             secretariatOnly("sec@example.org"),
			"/admin/users/new":         secretariatOnly("signing_authority"),
			"/admin/organisations/new": secretariatOnly("name_fr"),
			"/admin/audit":             secretariatOnly("session.sign_in"),
		}
		for path, byRole := range cases {
			for role, w := range byRole {
				res := s.get(clients[role], path)
				if res.StatusCode != w.status {
					t.Errorf("GET %s as %s = %d, want %d", path, role, res.StatusCode, w.status)
					continue
				}
				if w.marker != "" && !strings.Contains(res.Body, w.marker) {
					t.Errorf("GET %s as %s lacks %q", path, role, w.marker)
				}
			}
		}
		// Members of organisation A are shown to the secretariat and A's
		// delegate only.
		for role, visible := range map[string]bool{"public": false, "secretariat": true, "delegateA": true, "delegateB": false, "analyst": false, "partner": false} {
			res := s.get(clients[role], orgA)
			if got := strings.Contains(res.Body, "a@example.org") || strings.Contains(res.Body, "Del A"); got != visible {
				t.Errorf("GET %s as %s shows members = %v, want %v", orgA, role, got, visible)
			}
		}
		// Forbidden pages say the same whatever was asked for.
		a, b := s.get(clients["analyst"], "/admin/users"), s.get(clients["analyst"], "/admin/audit")
		if mainContent(a.Body) != mainContent(b.Body) || mainContent(a.Body) == "" {
			t.Error("two forbidden pages differ beyond their reference")
		}
		// The navigation offers only what the role can open.
		if res := s.get(clients["analyst"], "/"); strings.Contains(res.Body, `href="/admin/users"`) {
			t.Error("analyst's navigation links to /admin/users")
		}
		if res := s.get(clients["secretariat"], "/"); !strings.Contains(res.Body, `href="/admin/audit"`) {
			t.Error("secretariat's navigation lacks the audit log")
		}
		// A state-changing request from another site is refused.
		req, _ := http.NewRequest("POST", s.srv.URL+"/admin/organisations/new", strings.NewReader("name_en=X&name_fr=X&kind=industry"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if res := s.do(clients["secretariat"], req); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST = %d, want 403", res.StatusCode)
		}
	})
}

// mainContent returns the page's <main> element, without the navigation
// around it.
func mainContent(body string) string {
	_, after, _ := strings.Cut(body, "<main")
	main, _, _ := strings.Cut(after, "</main>")
	return main
}

func itoa(n int64) string { return strconvFormat(n) }

func TestSignOutRevokesSession(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	c := s.signIn("analyst")
	if res := s.get(c, "/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("account before sign-out = %d", res.StatusCode)
	}
	if res := s.post(c, "/sign-out", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out = %d", res.StatusCode)
	}
	if res := s.get(c, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("account after sign-out = %d, want redirect to sign in", res.StatusCode)
	}
}

func TestSecretariatMustGiveSecondFactor(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	c := s.client()
	res := s.post(c, "/sign-in", url.Values{"email": {"sec@example.org"}, "password": {testPassword}})
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/sign-in/code") {
		t.Fatalf("after password, Location = %q, want /sign-in/code", loc)
	}
	if res := s.get(c, "/admin/users"); res.StatusCode == http.StatusOK {
		t.Error("admin page reachable before the second factor")
	}
	res = s.post(c, "/sign-in/code", url.Values{"code": {"000000"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "The code is wrong") {
		t.Errorf("wrong code = %d", res.StatusCode)
	}
}

func TestNoClientAddressInLogs(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	c := s.client()
	req, _ := http.NewRequest("GET", s.srv.URL+"/organisations?secret=resume-token-marker", nil)
	req.Header.Set("User-Agent", "MarkerAgent/9.9")
	req.Header.Set("X-Forwarded-For", "203.0.113.77")
	s.do(c, req)
	s.post(c, "/sign-in", url.Values{"email": {"an@example.org"}, "password": {"wrong wrong wrong"}})
	logs := s.logs.String()
	if !strings.Contains(logs, "route=\"GET /organisations\"") {
		t.Fatalf("request not logged: %s", logs)
	}
	for _, marker := range []string{"127.0.0.1", "MarkerAgent", "203.0.113.77", "resume-token-marker", "an@example.org"} {
		if strings.Contains(logs, marker) {
			t.Errorf("logs contain %q", marker)
		}
	}
}

func TestServerErrorShowsReferenceFromLog(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	c := s.signIn("analyst")
	s.db.Close() // every query now fails
	res := s.get(c, "/organisations")
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", res.StatusCode)
	}
	ref := regexp.MustCompile(`class="pm-ref">([0-9a-f]{12})<`).FindStringSubmatch(res.Body)
	if ref == nil {
		t.Fatalf("500 page has no reference: %.300s", res.Body)
	}
	if !strings.Contains(s.logs.String(), "ref="+ref[1]) {
		t.Errorf("reference %s not in the logs", ref[1])
	}
	if strings.Contains(res.Body, "sql") || strings.Contains(res.Body, "closed") {
		t.Error("500 page shows internal error text")
	}
}

func TestAnyoneCanTurnOnTwoStep(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	c := s.signIn("analyst")
	page := s.get(c, "/account/two-step")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no secret on the page")
	}
	res := s.post(c, "/account/two-step", url.Values{"secret": {m[1]}, "code": {"123456"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, m[1]) {
		t.Errorf("wrong code = %d; the same secret should be shown again", res.StatusCode)
	}
	code, _ := auth.TOTPCode(m[1], time.Now())
	if res := s.post(c, "/account/two-step", url.Values{"secret": {m[1]}, "code": {code}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("right code = %d", res.StatusCode)
	}
	if acc := s.get(c, "/account"); !strings.Contains(acc.Body, "Authenticator app set up") {
		t.Error("account page does not show the second factor")
	}
	// The next sign-in asks for the code.
	res = s.post(s.client(), "/sign-in", url.Values{"email": {"an@example.org"}, "password": {testPassword}})
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/sign-in/code") {
		t.Errorf("sign-in after enabling TOTP went to %q", loc)
	}
	// The secretariat cannot turn theirs off.
	sec := s.signIn("secretariat")
	if res := s.post(sec, "/account/two-step/remove", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("secretariat removing TOTP = %d, want 403", res.StatusCode)
	}
}

func TestSignInEndsThePreviousSession(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	c := s.signIn("analyst")
	var old string
	u, _ := url.Parse(s.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "__Host-pallmall_session" {
			old = ck.Value
		}
	}
	s.post(c, "/sign-in", url.Values{"email": {"pa@example.org"}, "password": {testPassword}})
	if _, _, err := s.auth.Session(context.Background(), old); err == nil {
		t.Error("the session from before the second sign-in is still valid")
	}
	if res := s.get(c, "/favicon.ico"); res.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(res.Header.Get("Location"), "/assets/images/favicon.") {
		t.Errorf("/favicon.ico = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestWritesAreRateLimitedPerClient(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	// A small limit for the test; the default is in DefaultWriteLimit.
	limited := &web.Server{DB: s.db, Auth: s.auth, Writes: auth.NewLimiter(3, time.Minute)}
	h, err := limited.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	post := func(path string) int {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("email=x%40example.org&password=wrong+wrong+wrong"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := range 3 {
		if code := post("/sign-in"); code == http.StatusTooManyRequests {
			t.Fatalf("request %d refused under the limit", i+1)
		}
	}
	if code := post("/sign-in"); code != http.StatusTooManyRequests {
		t.Errorf("4th write = %d, want 429", code)
	}
	// Reading is never limited.
	res, err := srv.Client().Get(srv.URL + "/organisations")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("GET after the limit = %v, %v", res.StatusCode, err)
	}
}

func TestAssetsAreHashedAndCompressed(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	page := s.get(s.client(), "/")
	m := regexp.MustCompile(`href="(/assets/pallmall\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no content-hashed stylesheet link on the home page")
	}
	req, _ := http.NewRequest("GET", s.srv.URL+m[1], nil)
	req.Header.Set("Accept-Encoding", "gzip")
	tr := s.srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true // see the bytes on the wire
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" || len(body) > 40_000 {
		t.Errorf("stylesheet: encoding %q, %d bytes on the wire; want gzip under 40 KB", res.Header.Get("Content-Encoding"), len(body))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("hashed asset Cache-Control = %q, want immutable", cc)
	}
	// Without gzip, the plain bytes.
	plain := s.get(s.client(), m[1])
	if plain.Header.Get("Content-Encoding") == "gzip" && len(plain.Body) < 100_000 {
		t.Error("a client that did not ask for gzip got it")
	}
	// Pages are never compressed.
	req, _ = http.NewRequest("GET", s.srv.URL+"/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, _ = (&http.Client{Transport: tr}).Do(req)
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "" {
		t.Errorf("an HTML page was compressed (%s)", res.Header.Get("Content-Encoding"))
	}
}

func TestAccessibilityStatement(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	c := s.client()
	for lang, want := range map[string][]string{
		"en": {"Accessibility statement", "Compliance status", "partially compliant", "Enforcement procedure", "Preparation of this statement"},
		"fr": {"Déclaration d’accessibilité", "État de conformité", "partiellement conforme", "Voies de recours", "Défenseur des droits", "Établissement de cette déclaration"},
	} {
		res := s.get(c, "/accessibility?lang="+lang)
		for _, w := range want {
			if !strings.Contains(res.Body, w) {
				t.Errorf("statement in %s lacks %q", lang, w)
			}
		}
	}
	if res := s.get(c, "/"); !strings.Contains(res.Body, `href="/accessibility"`) {
		t.Error("the footer does not link the accessibility statement")
	}
}

// TestEachLimitedActionIsRefusedClearly checks the write limit on each
// action issue 9 names (sign-in, starting and submitting a consultation
// response, adding a statement, proposing a register change), with its
// message in English and French, and the API's JSON error.
func TestEachLimitedActionIsRefusedClearly(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	for _, path := range []string{"/sign-in", "/consultations/1/start", "/consultations/1/respond/submit", "/deliberations/1/statements", "/register/propose", "/api/v1/consultations/1/responses"} {
		limited := &web.Server{DB: s.db, Auth: s.auth, Writes: auth.NewLimiter(1, time.Minute)}
		h, err := limited.Handler()
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewTLSServer(h)
		post := func(query string) (int, string) {
			req, _ := http.NewRequest("POST", srv.URL+path+query, strings.NewReader("x=1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if code, _ := post(""); code == http.StatusTooManyRequests {
			t.Errorf("POST %s: first request refused", path)
		}
		code, body := post("?lang=fr")
		switch {
		case code != http.StatusTooManyRequests:
			t.Errorf("POST %s over the limit = %d, want 429", path, code)
		case strings.HasPrefix(path, "/api/"):
			if !strings.Contains(body, `"rate_limited"`) {
				t.Errorf("POST %s over the limit: body %q lacks the rate_limited code", path, body)
			}
		case !strings.Contains(body, "Trop de requêtes") && !strings.Contains(body, "Trop de demandes"):
			t.Errorf("POST %s?lang=fr over the limit: no French message in %q", path, body[:min(len(body), 300)])
		}
		code, body = post("")
		if code != http.StatusTooManyRequests || (!strings.HasPrefix(path, "/api/") && !strings.Contains(body, "Too many requests")) {
			t.Errorf("POST %s over the limit = %d without the English message", path, code)
		}
		srv.Close()
	}
}

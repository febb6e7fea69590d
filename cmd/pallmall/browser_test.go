package main

// Browser tests drive Debian's Chromium through chromedp against the whole
// platform started in-process on loopback. They run in `make test` and in
// CI; on a machine without Chromium they skip with a message, except under
// CI, where a missing browser is a failure.

import (
	"context"

	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pallmall/pallmall/auth"
)

// chromiumPath finds the browser: $PALLMALL_CHROMIUM, then Debian's path.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("PALLMALL_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("browser tests need Chromium; install it with: apt-get install chromium")
	}
	t.Skip("Chromium not installed (apt-get install chromium); browser tests skipped")
	return ""
}

// browser is one Chromium process shared by a test's sessions.
type browser struct {
	t     *testing.T
	alloc context.Context
	base  string
}

func newBrowser(t *testing.T, baseURL string) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// Start the browser once, so that sessions are cheap tabs in it.
	bctx, bcancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(bcancel)
	return &browser{t: t, alloc: bctx, base: baseURL}
}

// session is a tab in a browser context of its own: its own cookies, like
// a separate person.
type session struct {
	t   *testing.T
	ctx context.Context
	b   *browser
}

func (b *browser) session() *session {
	ctx, cancel := chromedp.NewContext(b.alloc, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	// The first run creates the tab, which lives as long as the context of
	// that run: it must not be a context with a timeout.
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open a tab: %v", err)
	}
	return &session{t: b.t, ctx: ctx, b: b}
}

// do runs steps with a time limit, failing the test with what was being
// done.
func (s *session) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that returns a value, with a time limit.
func get[T any](s *session, what string, a chromedp.Action[T]) T {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (s *session) open(path string) {
	s.t.Helper()
	s.do("open "+path, chromedp.Navigate(s.b.base+path), chromedp.WaitReady(chromedp.CSS("footer")))
}

// text returns the visible text of the first element matching a CSS
// selector.
func (s *session) text(sel string) string {
	s.t.Helper()
	return get(s, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (s *session) attr(sel, name string) string {
	s.t.Helper()
	return get(s, "read "+sel+"@"+name, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

func (s *session) value(sel string) string {
	s.t.Helper()
	return get(s, "value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

func (s *session) html(sel string) string {
	s.t.Helper()
	return get(s, "HTML of "+sel, chromedp.OuterHTML(chromedp.CSS(sel)))
}

func (s *session) location() string {
	s.t.Helper()
	return strings.TrimPrefix(get(s, "location", chromedp.Location()), s.b.base)
}

// click clicks the element and waits for the next page to be ready.
func (s *session) click(sel string) {
	s.t.Helper()
	s.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	s.settle()
}

// settle waits for a navigation started by a click or submit to finish.
func (s *session) settle() {
	s.t.Helper()
	time.Sleep(100 * time.Millisecond)
	s.do("page loaded", chromedp.WaitReady(chromedp.CSS("footer")))
}

// submit fills fields (CSS selector -> value) and clicks the button.
func (s *session) submit(fields map[string]string, button string) {
	s.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for sel, v := range fields {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(sel), v))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS(button)))
	s.do("submit via "+button, steps...)
	s.settle()
}

// signIn signs in through the sign-in page, giving the TOTP code when the
// account has one.
func (s *session) signIn(email, password, totpSecret string) {
	s.t.Helper()
	s.open("/sign-in")
	s.submit(map[string]string{"#email": email, "#password": password}, "main form button[type=submit]")
	if totpSecret != "" {
		if loc := s.location(); !strings.HasPrefix(loc, "/sign-in/code") {
			s.t.Fatalf("after password, at %s, want /sign-in/code", loc)
		}
		code, _ := auth.TOTPCode(totpSecret, time.Now())
		s.submit(map[string]string{"#code": code}, "main form button[type=submit]")
	}
	if loc := s.location(); loc != "/account" {
		s.t.Fatalf("after signing in as %s, at %s (%s), want /account", email, loc, s.text("main"))
	}
}

// startBrowserSite starts the platform with one account per role and
// returns it with the accounts' TOTP secrets by email.
func startBrowserSite(t *testing.T) (*App, string, map[string]string) {
	t.Helper()
	a := &App{}
	a.DB.dataDir = t.TempDir()
	url, _ := startApp(t, a)
	return a, url, createBrowserAccounts(t, a)
}

// createBrowserAccounts adds two organisations and an account per role,
// returning the TOTP secrets by email.
func createBrowserAccounts(t *testing.T, a *App) map[string]string {
	t.Helper()
	ctx := context.Background()
	orgA, err := a.auth.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Ruritania", NameFR: "Ruritanie", Kind: auth.State, Country: "RR"})
	if err != nil {
		t.Fatal(err)
	}
	orgB, _ := a.auth.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Open Rights Lab", NameFR: "Labo des droits ouverts", Kind: auth.CivilSociety})
	secrets := map[string]string{}
	for _, n := range []auth.NewUser{
		{Email: "sec@example.org", Name: "Sam Secretariat", Role: auth.Secretariat},
		{Email: "del.a@example.org", Name: "Dana Delegate", Role: auth.Delegate, OrganisationID: orgA.ID, SigningAuthority: true},
		{Email: "del.b@example.org", Name: "Bo Delegate", Role: auth.Delegate, OrganisationID: orgB.ID},
		{Email: "analyst@example.org", Name: "Ana Analyst", Role: auth.Analyst},
		{Email: "partner@example.org", Name: "Pat Partner", Role: auth.Partner},
	} {
		u, _, err := a.auth.CreateUser(ctx, auth.System, n, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		a.auth.SetPasswordDirect(ctx, auth.System, u.ID, browserPassword)
		if n.Role == auth.Secretariat {
			secrets[n.Email] = auth.NewTOTPSecret()
			a.auth.SetTOTP(ctx, auth.System, u.ID, secrets[n.Email], "")
		}
	}
	return secrets
}

const browserPassword = "browser test password"

func TestBrowserEachRoleSeesWhatItMay(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a, url, secrets := startBrowserSite(t)
	b := newBrowser(t, url)
	_ = a
	type expect struct {
		email, role string
		nav         []string // navigation links present
		noNav       []string // and absent
		allowed     []string // pages that open
		forbidden   []string // pages refused with the 403 page
		membersOfA  bool
	}
	admin := []string{"/admin/users", "/admin/audit", "/admin/organisations/new"}
	cases := []expect{
		{email: "sec@example.org", role: "Secretariat", nav: []string{"/admin/users", "/admin/audit", "/account"}, allowed: admin, membersOfA: true},
		{email: "del.a@example.org", role: "Delegate", nav: []string{"/account"}, noNav: []string{"/admin/users", "/admin/audit"}, forbidden: admin, membersOfA: true},
		{email: "del.b@example.org", role: "Delegate", nav: []string{"/account"}, noNav: []string{"/admin/users"}, forbidden: admin},
		{email: "analyst@example.org", role: "Analyst", nav: []string{"/account"}, noNav: []string{"/admin/users", "/admin/audit"}, forbidden: admin},
		{email: "partner@example.org", role: "Partner government", nav: []string{"/account"}, noNav: []string{"/admin/users", "/admin/audit"}, forbidden: admin},
	}
	for _, c := range cases {
		t.Run(c.email, func(t *testing.T) {
			s := b.session()
			s.t = t
			s.signIn(c.email, browserPassword, secrets[c.email])
			if got := s.text("#role"); got != c.role {
				t.Errorf("account page role = %q, want %q", got, c.role)
			}
			nav := s.html("#navigation")
			for _, href := range c.nav {
				if !strings.Contains(nav, `href="`+href+`"`) {
					t.Errorf("navigation lacks %s", href)
				}
			}
			for _, href := range c.noNav {
				if strings.Contains(nav, `href="`+href+`"`) {
					t.Errorf("navigation offers %s", href)
				}
			}
			for _, p := range c.allowed {
				s.open(p)
				if h1 := s.text("h1"); strings.Contains(h1, "do not have access") {
					t.Errorf("%s refused", p)
				}
			}
			for _, p := range c.forbidden {
				s.open(p)
				if h1 := s.text("h1"); h1 != "You do not have access to this page" {
					t.Errorf("%s: h1 = %q, want the 403 page", p, h1)
				}
			}
			s.open("/organisations")
			s.click(`main ul.pm-columns a`) // states come first
			if h1 := s.text("h1"); h1 != "Ruritania" {
				t.Fatalf("organisation page h1 = %q, want Ruritania", h1)
			}
			main := s.text("main")
			if got := strings.Contains(main, "Dana Delegate"); got != c.membersOfA {
				t.Errorf("Ruritania's members shown = %v, want %v", got, c.membersOfA)
			}
			// Sign out ends the session.
			s.open("/account")
			s.submit(nil, "form.pm-signout button")
			s.open("/account")
			if loc := s.location(); !strings.HasPrefix(loc, "/sign-in") {
				t.Errorf("after sign-out, /account went to %s, want the sign-in page", loc)
			}
		})
	}
	t.Run("public", func(t *testing.T) {
		s := b.session()
		s.t = t
		s.open("/admin/users")
		if loc := s.location(); !strings.HasPrefix(loc, "/sign-in?next=") {
			t.Errorf("public /admin/users went to %s, want sign-in", loc)
		}
	})
}

func TestBrowserLanguageSwitch(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	_, url, _ := startBrowserSite(t)
	s := newBrowser(t, url).session()
	s.open("/organisations")
	if lang := s.attr("html", "lang"); lang != "en" {
		t.Fatalf("html lang = %q, want en", lang)
	}
	s.click(`a.pm-lang__link[hreflang="fr"]`)
	if lang := s.attr("html", "lang"); lang != "fr" {
		t.Errorf("after FR, html lang = %q", lang)
	}
	if h1 := s.text("h1"); h1 != "Participants" || !strings.Contains(s.text("main"), "Royaume") && !strings.Contains(s.text("main"), "Ruritanie") {
		t.Errorf("French page h1 = %q; French names missing", h1)
	}
	// The choice sticks when following an ordinary link.
	s.click(`#navigation a[href="/"]`)
	if got := s.text("h1"); got != "Le Processus de Pall Mall" {
		t.Errorf("home h1 in French = %q", got)
	}
	s.click(`a.pm-lang__link[hreflang="en"]`)
	if got := s.text("h1"); got != "The Pall Mall Process" {
		t.Errorf("home h1 after EN = %q", got)
	}
}

func TestBrowserFormErrorKeepsTypedValues(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	_, url, secrets := startBrowserSite(t)
	s := newBrowser(t, url).session()
	s.signIn("sec@example.org", browserPassword, secrets["sec@example.org"])
	s.open("/admin/organisations/new")
	s.do("choose state", chromedp.Click(chromedp.CSS(`#kind`)))
	s.submit(map[string]string{"#name_en": "Atlantis", "#name_fr": "Atlantide", "#country": "atlantis"}, "main form button[type=submit]")
	summary := s.text(".govuk-error-summary")
	if !strings.Contains(summary, "There is a problem") || !strings.Contains(summary, "two-letter country code") {
		t.Errorf("error summary = %q", summary)
	}
	for sel, want := range map[string]string{"#name_en": "Atlantis", "#name_fr": "Atlantide", "#country": "atlantis"} {
		if got := s.value(sel); got != want {
			t.Errorf("%s after the error = %q, want %q", sel, got, want)
		}
	}
	if checked := get(s, "kind still chosen", chromedp.Evaluate[bool](`document.querySelector('#kind').checked`)); !checked {
		t.Error("the chosen organisation type was lost")
	}
	// The summary links to the field.
	if href := s.attr(".govuk-error-summary a", "href"); href != "#country" {
		t.Errorf("summary link = %q, want #country", href)
	}
	s.submit(map[string]string{"#country": "AT"}, "main form button[type=submit]")
	if got := s.text("h1"); got != "Atlantis" {
		t.Errorf("after fixing the error, h1 = %q, want the new organisation", got)
	}
}

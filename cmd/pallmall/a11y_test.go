package main

// The accessibility test visits every HTML page of the platform, as the
// public and as each role, in English and in French, with the demo data,
// and runs axe-core on each for WCAG 2.2 A and AA. The pages come from the
// routes registered in web/routes.go: it crawls the links of the site and
// fails if any GET route that serves a page was never reached, so a new
// page cannot be missed.
//
// The same crawl checks output encoding: before it starts, script
// injection payloads are written into names, titles and descriptions
// across the platform, and every page is checked for any element or
// script they could have injected.

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/register"
)

// axePath is where `make assets` installs axe-core (pinned in
// web/assets/package-lock.json). It is served to the test browser only.
const axePath = "../../web/assets/node_modules/axe-core/axe.min.js"

// notPages are GET routes that serve no HTML page: downloads, feeds,
// machine-readable documents and infrastructure. A route missing from
// here must be reached by the crawl.
var notPages = regexp.MustCompile(`\.(csv|json|ics|atom|xlsx|key)$|^/(healthz|readyz|assets/|log/|favicon\.ico)$|/package$|/signing-key$|/manifest-key$|/verifier\.key$|/analysis/attachments/[0-9]+$`)

// afterSubmission lists the pages reached only by submitting a complete
// form, with the browser test that reaches them and checks them.
var afterSubmission = map[string]string{
	"/consultations/{id}/respond/receipt": "after submitting a response: TestBrowserConsultation",
}

// routePatterns reads the GET routes registered in web/routes.go.
func routePatterns(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../web/routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		p, _ := strconv.Unquote(lit.Value)
		if path, ok := strings.CutPrefix(p, "GET "); ok && !notPages.MatchString(path) {
			out = append(out, path)
		}
		return true
	})
	if len(out) < 20 {
		t.Fatalf("found only %d GET routes in web/routes.go; the parser is out of step", len(out))
	}
	return out
}

// patternOf returns the registered pattern a path is served by.
type patternMatcher struct{ mux *http.ServeMux }

func newPatternMatcher(patterns []string) patternMatcher {
	mux := http.NewServeMux()
	for _, p := range patterns {
		mux.Handle("GET "+p, http.NotFoundHandler())
	}
	return patternMatcher{mux}
}

func (m patternMatcher) of(path string) string {
	req, _ := http.NewRequest("GET", path, nil)
	_, p := m.mux.Handler(req)
	return strings.TrimPrefix(p, "GET ")
}

type axeResult struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

// checkPage runs axe-core on the current page for WCAG 2.x A and AA and
// returns its violations, one line each.
func (s *session) checkPage() []string {
	s.t.Helper()
	script := `(async () => {
		if (!window.axe) {
			await new Promise((ok, fail) => { const sc = document.createElement('script'); sc.src = '/__test/axe.js'; sc.onload = ok; sc.onerror = fail; document.head.appendChild(sc) })
		}
		const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']})
		return JSON.stringify({violations: r.violations})
	})()`
	raw := get(s, "axe", chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		s.t.Fatalf("axe result: %v", err)
	}
	var out []string
	for _, v := range res.Violations {
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("and %d more", len(v.Nodes)-3))
				break
			}
			where = append(where, fmt.Sprint(n.Target...))
		}
		out = append(out, fmt.Sprintf("%s: %s [%s]", v.ID, v.Help, strings.Join(where, "; ")))
	}
	return out
}

// links returns the same-origin links of the current page, and apart the
// ones marked as downloads.
func (s *session) links() (pages, downloads []string) {
	raw := get(s, "links", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('a[href]')).map(a => (a.hasAttribute('download') ? 'D' : 'P') + new URL(a.getAttribute('href'), location.href).href).filter(h => h.slice(1).startsWith(location.origin))`))
	for _, h := range raw {
		u, err := url.Parse(h[1:])
		if err != nil {
			continue
		}
		q := u.Query()
		q.Del("lang")
		u.RawQuery, u.Fragment = q.Encode(), ""
		if h[0] == 'D' {
			downloads = append(downloads, u.RequestURI())
		} else {
			pages = append(pages, u.RequestURI())
		}
	}
	return pages, downloads
}

// demoLogins reads the demo logins the platform wrote in its data
// directory: email -> password and TOTP secret.
func demoLogins(t *testing.T, dir string) map[string][2]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, demo.LoginsFile))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && strings.Contains(f[1], "@") {
			secret := f[3]
			if secret == "-" {
				secret = ""
			}
			out[f[1]] = [2]string{f[2], secret}
		}
	}
	return out
}

func TestAccessibilityOfEveryPage(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	if _, err := os.Stat(axePath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("axe-core is not installed; run make assets")
		}
		t.Skip("axe-core is not installed (make assets installs it); accessibility test skipped")
	}
	axe, _ := os.ReadFile(axePath)
	a := quietApp(dbFlags{dataDir: t.TempDir()})
	a.Demo = true
	base, _ := startApp(t, a)
	inner := a.server.Handler
	var xssHits atomic.Int64 // requests for the URL a payload's <img> names
	a.server.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__test/axe.js" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(axe)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/__test/xss-hit") {
			xssHits.Add(1)
		}
		inner.ServeHTTP(w, r)
	})
	patterns := routePatterns(t)
	match := newPatternMatcher(patterns)
	logins := demoLogins(t, a.DB.dataDir)
	meeting := injectPayloads(t, a)
	seeds := injectEverywhere(t, a, meeting)
	resume := journeys(t, a, meeting)
	// A one-time link for the set-password page.
	_, link, err := a.auth.CreateUser(context.Background(), auth.System, auth.NewUser{Email: "new.person@example.org", Name: "New Person", Role: auth.Analyst}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, base)
	covered := map[string]string{} // pattern -> first URL checked
	pagesChecked := 0
	var problems []string
	check := func(s *session, role, path string) {
		for _, lang := range []string{"en", "fr"} {
			s.open(withLang(path, lang))
			for _, v := range s.checkPage() {
				problems = append(problems, fmt.Sprintf("%s as %s in %s: %s", path, role, lang, v))
			}
		}
		s.open(withLang(path, "en"))
		if got := get(s, "injection", chromedp.Evaluate[string](injectionCheck)); got != "" {
			problems = append(problems, fmt.Sprintf("%s as %s: a payload was injected into the page: %s", path, role, got))
		}
		// Slow connections: the page itself under 100 KB, except pages
		// that carry charts (the assets are cached and compressed).
		size := get(s, "page size", chromedp.Evaluate[float64](`performance.getEntriesByType('navigation')[0].decodedBodySize`))
		charts := get(s, "charts", chromedp.Evaluate[bool](`!!document.querySelector('svg')`))
		if size > 100_000 && !charts {
			problems = append(problems, fmt.Sprintf("%s as %s: the page is %.0f KB, over 100 KB", path, role, size/1000))
		}
		// 400% zoom: at 320 CSS pixels wide nothing scrolls sideways,
		// except inside a table or chart that scrolls on its own.
		s.do("narrow", chromedp.EmulateViewport(320, 800))
		s.open(path)
		wide := get(s, "reflow", chromedp.Evaluate[string](`(() => {
			const w = document.documentElement.clientWidth
			if (document.documentElement.scrollWidth <= w + 1) return ''
			const out = []
			for (const el of document.querySelectorAll('main *')) {
				const r = el.getBoundingClientRect()
				if (r.right > w + 1 && !el.closest('table, svg, pre, .pm-scroll')) out.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + String(el.className).split(' ')[0] : ''))
			}
			return out.slice(0, 3).join(', ') || 'something outside main'
		})()`))
		if wide != "" {
			problems = append(problems, fmt.Sprintf("%s as %s: scrolls sideways at 320 px (%s)", path, role, wide))
		}
		s.do("wide", chromedp.EmulateViewport(1280, 900))
	}
	// crawl follows links breadth first, checking each route's first page
	// and exploring up to three pages per route for more links.
	crawl := func(s *session, role string, seeds []string) {
		queue := append([]string(nil), seeds...)
		explored := map[string]int{}
		seen := map[string]bool{}
		for len(queue) > 0 {
			path := queue[0]
			queue = queue[1:]
			p := match.of(path)
			if p == "" || seen[path] || explored[p] >= 3 || strings.HasPrefix(path, "/__test/") {
				continue
			}
			seen[path] = true
			if notPages.MatchString(path) {
				if _, done := covered[p]; !done {
					covered[p] = path + " (a download)"
				}
				continue
			}
			explored[p]++
			if _, done := covered[p]; !done {
				covered[p] = path
				check(s, role, path)
			} else {
				s.open(path)
				if got := get(s, "injection", chromedp.Evaluate[string](injectionCheck)); got != "" {
					problems = append(problems, fmt.Sprintf("%s as %s: a payload was injected into the page: %s", path, role, got))
				}
			}
			pagesChecked++
			pages, downloads := s.links()
			queue = append(queue, pages...)
			for _, d := range downloads {
				if dp := match.of(d); dp != "" {
					if _, done := covered[dp]; !done {
						covered[dp] = d + " (a download)"
					}
				}
			}
		}
	}

	// The public, including the set-password page a new person opens.
	pub := b.session()
	crawl(pub, "public", append([]string{"/", "/sign-in", "/account/set-password/" + link}, seeds["public"]...))
	// A respondent coming back to their draft through their private link.
	respondent := b.session()
	crawl(respondent, "respondent", append([]string{resume}, seeds["public"]...))
	// Each role, signing in through the pages (the second-factor page is
	// checked on the way).
	for _, email := range []string{"secretariat@pallmall.example", "delegate.uk@pallmall.example", "delegate.fr@pallmall.example", "delegate.ngo@pallmall.example", "analyst@pallmall.example", "partner@pallmall.example"} {
		l, ok := logins[email]
		if !ok {
			t.Fatalf("no demo login for %s", email)
		}
		s := b.session()
		s.open("/sign-in")
		s.submit(map[string]string{"#email": email, "#password": l[0]}, "main form button[type=submit]")
		if l[1] != "" {
			if _, done := covered["/sign-in/code"]; !done {
				covered["/sign-in/code"] = "/sign-in/code"
				for _, v := range s.checkPage() {
					problems = append(problems, "/sign-in/code as "+email+": "+v)
				}
			}
			code, _ := auth.TOTPCode(l[1], time.Now())
			s.submit(map[string]string{"#code": code}, "main form button[type=submit]")
		}
		crawl(s, email, append(append([]string{"/account", "/"}, seeds[email]...), seeds["public"]...))
		if email == "secretariat@pallmall.example" {
			// A background export, started by a form, has a progress page.
			s.open("/admin/consultations/1")
			s.submit(nil, `form[action$="/exports"] button`)
			crawl(s, email, []string{s.location()})
		}
	}

	var missed []string
	for _, p := range patterns {
		if _, ok := afterSubmission[p]; ok {
			continue
		}
		if _, ok := covered[p]; !ok {
			missed = append(missed, p)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("%d pages were never reached by following links as the public or any role; link them, or add a journey here:\n  %s", len(missed), strings.Join(missed, "\n  "))
	}
	for _, p := range problems {
		t.Error(p)
	}
	if n := xssHits.Load(); n > 0 {
		t.Errorf("the browser requested the URL named by a payload's <img> %d times: a payload was injected", n)
	}
	t.Logf("checked %d page routes in English and French; %d pages checked for injection", len(covered), pagesChecked)
}

func withLang(path, lang string) string {
	if strings.Contains(path, "?") {
		return path + "&lang=" + lang
	}
	return path + "?lang=" + lang
}

// payload tries to break out of every HTML context it may land in. The
// data-pmxss attribute marks any element it manages to create.
const payload = `Atlantis <script>window.__pmxss=1</script>"><img src=/__test/xss-hit onerror="window.__pmxss=2" data-pmxss>'><svg data-pmxss onload="window.__pmxss=3"></svg></textarea></title>`

// injectionCheck reports what a payload injected, or "" if nothing: a
// script that ran, an element it created, a script element holding it,
// or a javascript: link (from the URL payload put in link fields).
const injectionCheck = `(() => {
	if (window.__pmxss) return 'a payload script ran'
	const el = document.querySelector('[data-pmxss]')
	if (el) return 'an injected <' + el.tagName.toLowerCase() + '> element'
	for (const sc of document.scripts) if (sc.textContent.includes('__pmxss')) return 'an injected <script>'
	for (const a of document.querySelectorAll('[href], [src], [action], [formaction]')) {
		for (const name of ['href', 'src', 'action', 'formaction']) {
			const v = (a.getAttribute(name) || '').trim().toLowerCase()
			if (v.startsWith('javascript:')) return 'an injected ' + name + ' on <' + a.tagName.toLowerCase() + '>'
		}
	}
	return ''
})()`

// injectPayloads writes the payload into fields shown across the platform,
// and returns the id of the upcoming meeting it made.
func injectPayloads(t *testing.T, a *App) int64 {
	t.Helper()
	ctx := context.Background()
	org, err := a.auth.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: payload, NameFR: payload + " (fr)", Kind: auth.CivilSociety})
	if err != nil {
		t.Fatalf("organisation with a payload name: %v", err)
	}
	if _, _, err := a.auth.CreateUser(ctx, auth.System, auth.NewUser{Email: "payload@example.org", Name: payload, Role: auth.Delegate, OrganisationID: org.ID}, time.Hour); err != nil {
		t.Fatalf("user with a payload name: %v", err)
	}
	now := time.Now().UTC()
	if _, err := (&consult.Service{DB: a.db, Keys: a.auth.Keys}).Create(ctx, auth.System, consult.Consultation{
		TitleEN: "Consultation " + payload, TitleFR: "Consultation " + payload, SummaryEN: payload, SummaryFR: payload, BodyEN: payload, BodyFR: payload,
		Audiences: []consult.Stakeholder{"civil_society"}, PartnerEN: payload, PartnerFR: payload, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(240 * time.Hour),
	}); err != nil {
		t.Fatalf("consultation with a payload: %v", err)
	}
	start := now.Add(20 * 24 * time.Hour).Truncate(time.Hour)
	m, err := (&meet.Service{DB: a.db, Directory: a.auth, Keys: a.auth.Keys}).CreateMeeting(ctx, auth.System, meet.Meeting{TitleEN: "Meeting " + payload, TitleFR: "Réunion " + payload,
		DescriptionEN: payload, DescriptionFR: payload, Kind: meet.Workshop, Format: meet.Online, TimeZone: "Europe/Paris",
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), RegistrationDeadline: start.Add(-24 * time.Hour), Capacity: 10, DelegationLimit: 2, Visibility: meet.Public})
	if err != nil {
		t.Fatalf("meeting with a payload: %v", err)
	}
	if _, err := (&deliberate.Service{DB: a.db}).Create(ctx, auth.System, deliberate.Deliberation{TitleEN: "Deliberation " + payload, TitleFR: payload,
		DescriptionEN: payload, DescriptionFR: payload, Moderation: deliberate.PostModeration, Status: deliberate.Open}); err != nil {
		t.Fatalf("deliberation with a payload: %v", err)
	}
	return m.ID
}

// journeys put the demo in the states that pages reached only mid-way
// through a task need, and return a respondent's resume link.
func journeys(t *testing.T, a *App, meetingID int64) string {
	t.Helper()
	ctx := context.Background()
	cs := &consult.Service{DB: a.db, Keys: a.auth.Keys}
	_, token, err := cs.Start(ctx, 1, consult.About{Kind: consult.AsIndividual, Stakeholder: "civil_society", Name: "Crawl Tester"})
	if err != nil {
		t.Fatalf("start a response: %v", err)
	}
	// A delegate's organisation invited to an upcoming meeting.
	ms := &meet.Service{DB: a.db, Directory: a.auth, Keys: a.auth.Keys}
	for _, name := range []string{"France", "Digital Defenders Network (fictional)", "United Kingdom"} {
		o, err := a.auth.OrganisationByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := ms.Invite(ctx, auth.System, meetingID, o.ID); err != nil {
			t.Fatalf("invite %s: %v", name, err)
		}
	}
	// A reporting round.
	if _, err := (&declare.Service{DB: a.db}).OpenRound(ctx, auth.System, "code-of-practice-states", "", declare.Text{EN: "2027 round", FR: "Cycle 2027"}, time.Now().Add(60*24*time.Hour)); err != nil {
		t.Fatalf("open a reporting round: %v", err)
	}
	// A proposal sent back for more evidence, which its proposer revises.
	var pid int64
	if err := a.db.QueryRow(ctx, `SELECT id FROM register_proposals WHERE status = 'pending' ORDER BY id LIMIT 1`).Scan(&pid); err != nil {
		t.Fatalf("find the demo's pending proposal: %v", err)
	}
	sec, err := a.auth.UserByEmail(ctx, "secretariat@pallmall.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&register.Service{DB: a.db}).Decide(ctx, sec.Actor(), pid, register.Decision{Status: register.MoreEvidence, ReasonEN: "Add a second source.", ReasonFR: "Ajoutez une seconde source."}); err != nil {
		t.Fatalf("ask for more evidence: %v", err)
	}
	return fmt.Sprintf("/consultations/1/resume/%s", token)
}

// TestHighContrastMode runs axe-core on the pages with charts, maps and
// coloured tags with Windows-style high-contrast (forced colours) emulated:
// text and controls must keep their contrast when the system's colours
// replace ours.
func TestHighContrastMode(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	if _, err := os.Stat(axePath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("axe-core is not installed; run make assets")
		}
		t.Skip("axe-core is not installed (make assets installs it)")
	}
	axe, _ := os.ReadFile(axePath)
	a := quietApp(dbFlags{dataDir: t.TempDir()})
	a.Demo = true
	base, _ := startApp(t, a)
	inner := a.server.Handler
	a.server.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__test/axe.js" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(axe)
			return
		}
		inner.ServeHTTP(w, r)
	})
	s := newBrowser(t, base).session()
	s.do("forced colours", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "forced-colors", Value: "active"}, {Name: "prefers-contrast", Value: "more"}}})
		return err
	}))
	if !get(s, "forced colours on", chromedp.Evaluate[bool](`matchMedia('(forced-colors: active)').matches`)) {
		t.Fatal("forced colours are not emulated")
	}
	for _, p := range []string{"/", "/consultations/1", "/deliberations/1/report", "/register/stats", "/frameworks/code-of-practice-states/reports", "/meetings", "/transparency"} {
		for _, lang := range []string{"en", "fr"} {
			s.open(withLang(p, lang))
			for _, v := range s.checkPage() {
				t.Errorf("%s in %s with forced colours: %s", p, lang, v)
			}
		}
	}
}

package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// noScript turns JavaScript off in the tab, as in the Tor Browser at its
// safest setting. DevTools can still read the page.
func (s *session) noScript() {
	s.t.Helper()
	s.do("turn JavaScript off", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// key presses keys on whatever has the focus.
func (s *session) key(keys string) {
	s.t.Helper()
	s.do("press keys", chromedp.KeyEvent(keys))
}

// focused describes the focused element, and whether its focus can be
// seen: an outline, a box shadow or a change of background.
func (s *session) focused() (what string, visible bool) {
	s.t.Helper()
	r := get(s, "focused element", chromedp.Evaluate[[]string](`(() => {
		const el = document.activeElement
		if (!el || el === document.body) return ['body', 'false']
		const st = getComputedStyle(el)
		const seen = (st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0) || st.boxShadow !== 'none' || st.backgroundColor === 'rgb(255, 191, 71)'
		const id = el.id ? '#' + el.id : ''
		const text = (el.textContent || el.value || '').trim().slice(0, 40)
		return [el.tagName.toLowerCase() + id + ' ' + (el.getAttribute('href') || el.getAttribute('value') || '') + ' "' + text + '"', String(seen)]
	})()`))
	return r[0], r[1] == "true"
}

// tabTo presses Tab until the focused element matches the CSS selector,
// checking on the way that every focused element shows its focus. It fails
// if the element is not reached within 60 presses.
func (s *session) tabTo(sel string) {
	s.t.Helper()
	for range 60 {
		s.key(kb.Tab)
		what, visible := s.focused()
		if !visible {
			s.t.Errorf("focus on %s is not visible", what)
		}
		if get(s, "match "+sel, chromedp.Evaluate[bool](`document.activeElement.matches(`+jsString(sel)+`)`)) {
			return
		}
	}
	s.t.Fatalf("pressing Tab never reached %s on %s", sel, s.location())
}

// choose moves within the focused radio group with the arrow keys until
// the radio with value is checked.
func (s *session) choose(name, value string) {
	s.t.Helper()
	s.tabTo(`input[type=radio][name="` + name + `"]`)
	s.key(" ")
	for range 12 {
		if get(s, "checked", chromedp.Evaluate[bool](`!!document.querySelector('input[name="`+name+`"][value="`+value+`"]:checked')`)) {
			return
		}
		s.key(kb.ArrowDown)
	}
	s.t.Fatalf("the arrow keys never chose %s=%s", name, value)
}

// press presses Enter on the focused control and waits for the next page.
func (s *session) press() {
	s.t.Helper()
	s.key(kb.Enter)
	s.settle()
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestBrowserKeyboardOnlyWithoutJavaScript answers a consultation and votes
// in a deliberation with the keyboard alone, JavaScript off, checking that
// the skip link comes first and that focus is always visible.
func TestBrowserKeyboardOnlyWithoutJavaScript(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a := &App{Demo: true}
	a.DB.dataDir = t.TempDir()
	url, _ := startApp(t, a)
	ctx := context.Background()
	cs := &consult.Service{DB: a.db, Keys: a.auth.Keys}
	now := time.Now().UTC()
	c, err := cs.Create(ctx, auth.System, consult.Consultation{TitleEN: "Keyboard consultation", TitleFR: "Consultation au clavier",
		SummaryEN: "A short one.", SummaryFR: "Une courte.", Audiences: []consult.Stakeholder{"civil_society"}, PartnerEN: "France", PartnerFR: "la France",
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := cs.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "Views", TitleFR: "Avis"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.ShortText,
		TextEN: "What should states do?", TextFR: "Que doivent faire les États ?", Required: true}, ""); err != nil {
		t.Fatal(err)
	}
	if err := cs.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
		t.Fatal(err)
	}

	s := newBrowser(t, url).session()
	s.noScript()
	s.open("/consultations/" + strconv.FormatInt(c.ID, 10))
	// The skip link is the first stop, and it works.
	s.key(kb.Tab)
	if what, visible := s.focused(); !strings.Contains(what, "#main-content") || !visible {
		t.Errorf("first Tab stop = %s (visible %v), want the skip link", what, visible)
	}
	s.tabTo(`a[href$="/start"]`)
	s.press()
	s.choose("kind", "individual")
	s.choose("stakeholder", "civil_society")
	s.tabTo("#name")
	s.key("Kim Keys")
	s.tabTo(`main form button[type=submit]`)
	s.press()
	if !strings.Contains(s.text("main"), "/resume/") {
		t.Fatalf("after giving details by keyboard, no resume link: %s", s.text("main"))
	}
	s.tabTo(`main a[href*="/respond"]`)
	s.press()
	if !strings.Contains(s.location(), "/respond/section/") {
		s.tabTo(`main a[href*="/respond/section/"]`)
		s.press()
	}
	s.tabTo(`main form input[type=text], main form textarea`)
	s.key("License every sale, and publish the decisions.")
	s.tabTo(`main form button[value=continue]`)
	s.press()
	s.choose("share", "no")
	s.choose("publish", "anonymous")
	s.choose("contact", "no")
	s.tabTo(`main form button[type=submit]`)
	s.press()
	if !strings.Contains(s.location(), "/respond/check") {
		t.Fatalf("after consent, at %s", s.location())
	}
	s.tabTo(`main form[action$="/submit"] button`)
	s.press()
	if main := s.text("main"); !strings.Contains(main, "License every sale") && !strings.Contains(strings.ToLower(main), "receipt") {
		t.Errorf("after submitting by keyboard, the page shows no receipt: %.300s", main)
	}
	var n int
	a.db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE consultation_id = $1 AND status = 'submitted'`, c.ID).Scan(&n)
	if n != 1 {
		t.Errorf("%d submitted responses, want 1", n)
	}

	// Vote in the demo deliberation, which asks for a stakeholder type.
	var before int
	a.db.QueryRow(ctx, `SELECT COUNT(*) FROM deliberation_votes`).Scan(&before)
	s.open("/deliberations")
	s.tabTo(`main a[href^="/deliberations/"]`)
	s.press()
	// The stakeholder question is part of the first vote's form.
	s.choose("stakeholder", "civil_society")
	for i := range 3 {
		s.tabTo(`main form button[value="agree"]`)
		s.press()
		if t.Failed() {
			t.Fatalf("vote %d by keyboard failed", i+1)
		}
	}
	var votes int
	a.db.QueryRow(ctx, `SELECT COUNT(*) FROM deliberation_votes`).Scan(&votes)
	if votes != before+3 {
		t.Errorf("%d votes stored after three keyboard votes, want %d", votes, before+3)
	}
}

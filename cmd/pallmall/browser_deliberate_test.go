package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/deliberate"
)

// TestBrowserDeliberation votes in Chromium as an anonymous participant:
// declares a stakeholder type, votes with the mouse and with the keyboard,
// adds a statement that the secretariat then accepts from the moderation
// queue, and finds their own position on the report's opinion map once
// the background runner has re-analysed.
func TestBrowserDeliberation(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a, url, secrets := startBrowserSite(t)
	ctx := context.Background()
	svc := &deliberate.Service{DB: a.db}
	d, err := svc.Create(ctx, auth.System, deliberate.Deliberation{TitleEN: "Browser deliberation", TitleFR: "Délibération du navigateur",
		Moderation: deliberate.PreModeration, RequireStakeholder: true, Status: deliberate.Open})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 3 {
		st, err := svc.AddSeed(ctx, auth.System, d.ID, fmt.Sprintf("Browser statement %d.", i+1), fmt.Sprintf("Affirmation du navigateur %d.", i+1))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, st.ID)
	}
	// Thirty earlier participants in two camps, so the map has groups.
	var ps []deliberate.ImportedParticipant
	for i := range 30 {
		v := deliberate.Agree
		if i%2 == 1 {
			v = deliberate.Disagree
		}
		ps = append(ps, deliberate.ImportedParticipant{Stakeholder: auth.OrgKinds[i%len(auth.OrgKinds)],
			Votes: map[int64]deliberate.Value{ids[0]: v, ids[1]: -v, ids[2]: deliberate.Agree}})
	}
	if err := svc.Import(ctx, auth.System, d.ID, ps); err != nil {
		t.Fatal(err)
	}
	base := "/deliberations/" + strconv.FormatInt(d.ID, 10)
	b := newBrowser(t, url)
	p := b.session()
	p.open(base)
	if got := p.text("#statement legend"); !strings.HasPrefix(got, "Statement ") {
		t.Fatalf("first statement legend = %q", got)
	}
	// Voting without the required stakeholder type is refused, the
	// summary links to the question.
	p.click(`button[value="agree"]`)
	if href := p.attr(".govuk-error-summary a", "href"); href != "#stakeholder" {
		t.Errorf("error summary link = %q, want #stakeholder", href)
	}
	p.do("choose civil society", chromedp.Click(chromedp.CSS(`#stakeholder-civil_society`)))
	p.click(`button[value="agree"]`)
	if got := p.text(".govuk-notification-banner"); !strings.Contains(got, "Your vote has been recorded") {
		t.Errorf("banner after voting = %q", got)
	}
	if got := p.text("main h2.govuk-heading-m"); got != "You have voted on 1 of 3 statements" {
		t.Errorf("progress = %q", got)
	}
	// The keyboard alone: focus Disagree and press Enter.
	p.do("disagree by keyboard", chromedp.Focus(chromedp.CSS(`button[value="disagree"]`)), chromedp.KeyEvent("\r"))
	p.settle()
	if got := p.text("main h2.govuk-heading-m"); got != "You have voted on 2 of 3 statements" {
		t.Errorf("progress after the keyboard vote = %q", got)
	}
	p.click(`button[value="pass"]`)
	if got := p.text(".govuk-inset-text"); !strings.Contains(got, "You have voted on every statement") {
		t.Errorf("after the last statement = %q", got)
	}
	// Add a statement; it waits for moderation.
	p.submit(map[string]string{"#text": "Browser participants want notification."}, `form[action$="/statements"] button`)
	if got := p.text(".govuk-notification-banner"); !strings.Contains(got, "once the secretariat has reviewed it") {
		t.Errorf("banner after adding = %q", got)
	}
	sec := b.session()
	sec.signIn("sec@example.org", browserPassword, secrets["sec@example.org"])
	sec.open("/admin/deliberations/" + strconv.FormatInt(d.ID, 10) + "/queue")
	sec.submit(map[string]string{`textarea[name="text_fr"]`: "Les participants veulent être notifiés."}, `button[value="accepted"]`)
	if got := sec.value(`textarea[name="text_fr"]`); got != "Les participants veulent être notifiés." || !strings.Contains(sec.text("main"), "Save changes") {
		t.Errorf("after accepting, the queue should list it among shown statements with its translation; French = %q", got)
	}
	p.open(base + "?lang=fr")
	if got := p.text("#statement p.govuk-body-l"); got != "Les participants veulent être notifiés." {
		t.Errorf("accepted statement in French = %q", got)
	}
	// The runner re-analyses a few seconds after the votes; then the report
	// marks the participant's position.
	deadline := time.Now().Add(25 * time.Second)
	for {
		p.open(base + "/report?lang=en")
		if strings.Contains(p.text("main"), "Your position is marked") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("report never marked the position: %q", p.text("main"))
		}
		time.Sleep(time.Second)
	}
	labels := get(p, "map labels", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('svg.pm-chart text')).map(e => e.textContent).join(',')`))
	if !strings.Contains(labels, "A") || !strings.Contains(labels, "B") || !strings.Contains(labels, "You") {
		t.Errorf("map labels = %q, want groups A and B and You", labels)
	}
	if got := p.attr("svg.pm-chart", "aria-labelledby"); got != "map-title map-desc" {
		t.Errorf("map aria-labelledby = %q", got)
	}
}

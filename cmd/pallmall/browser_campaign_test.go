package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// TestBrowserCampaigns is issue 8's "done when": an analyst sees a planted
// campaign of 500 templated answers as one campaign with its variants,
// confirms it, and the published summary shows it as one representative
// answer with 500 signatures; the planted burst is flagged with its
// evidence. The 500 answers are submitted through the consult service in
// process, in a few seconds, so they are also a burst.
func TestBrowserCampaigns(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a, url, _ := startBrowserSite(t)
	b := newBrowser(t, url)
	ctx := context.Background()
	svc := &consult.Service{DB: a.db, Keys: a.auth.Keys}
	now := time.Now()
	c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: "Spyware sales", TitleFR: "Ventes de logiciels espions", SummaryEN: "S", SummaryFR: "S",
		Audiences: []consult.Stakeholder{consult.Individual, consult.CivilSociety}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "Views", TitleFR: "Avis"}, "")
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.LongText, TextEN: "What should be done?", TextFR: "Que faire ?"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
		t.Fatal(err)
	}
	seedCampaign(t, svc, c.ID, q.ID, 500)
	no := false
	for i, text := range []string{"Fund forensic help for journalists who were targeted.", "Licensing should require audits of every end user.", "Vulnerability research must stay legal."} {
		_, err := svc.SubmitDirect(ctx, auth.System, c.ID, consult.Direct{About: consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: "Organic " + strconv.Itoa(i)},
			Answers: map[int64]consult.Answer{q.ID: {Text: text}}, Share: &no, Contact: &no, Publish: consult.PublishAnonymous, Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
	}
	admin := "/admin/consultations/" + strconv.FormatInt(c.ID, 10)

	// The analyst runs the detection and watches its progress.
	an := b.session()
	an.signIn("analyst@example.org", browserPassword, "")
	an.open(admin + "/analysis/campaigns")
	an.click(`form[action$="/campaigns/run"] button`)
	if loc := an.location(); !strings.Contains(loc, "/analysis/campaigns/runs/") {
		t.Fatalf("after starting the run, at %s: %s", loc, an.text("main"))
	}
	run := an.location()
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(an.text("main"), "Finished") {
		if time.Now().After(deadline) {
			t.Fatalf("run not finished: %s", an.text("main"))
		}
		time.Sleep(500 * time.Millisecond)
		an.open(run)
	}

	// One campaign of 500, with its variants marked as insertions and
	// deletions, not by colour alone.
	an.open(admin + "/analysis/campaigns")
	main := an.text("main")
	if n := get(an, "campaigns", chromedp.Evaluate[int](`document.querySelectorAll('section[id^="campaign-"]').length`)); n != 1 || !strings.Contains(main, "Campaign of 500 answers") || !strings.Contains(main, "Variants") {
		t.Fatalf("campaigns page shows %d campaigns, want one of 500 with variants:\n%s", n, main)
	}
	if ins := get(an, "diff marks", chromedp.Evaluate[int](`document.querySelectorAll('.pm-diff ins .govuk-visually-hidden, .pm-diff del .govuk-visually-hidden').length`)); ins < 2 {
		t.Errorf("variants have %d marked insertions or deletions, want some", ins)
	}
	if !strings.Contains(main, "answers within one minute") {
		t.Errorf("campaign shows no burst evidence:\n%s", main)
	}
	an.submit(map[string]string{`section[id^="campaign-"] textarea`: "One template sent by many; counted as signatures."}, `section[id^="campaign-"] button[value="confirmed"]`)
	if main := an.text("main"); !strings.Contains(main, "Confirmed") || !strings.Contains(main, "counted as signatures") {
		t.Fatalf("after confirming: %s", main)
	}

	// The burst is flagged, with its evidence.
	an.open(admin + "/analysis/flags")
	flags := an.text("main")
	if !strings.Contains(flags, "Burst of near-identical answers") || !strings.Contains(flags, "near-identical answers submitted within 60 seconds") {
		t.Fatalf("flags page lacks the burst and its evidence:\n%s", flags)
	}

	// Published: one representative answer with 500 signatures.
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Closed); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Published); err != nil {
		t.Fatal(err)
	}
	pub := b.session()
	pub.open("/consultations/" + strconv.FormatInt(c.ID, 10) + "/summary")
	summary := pub.text("main")
	if !strings.Contains(summary, "500 signatures") {
		t.Fatalf("summary lacks 500 signatures:\n%s", summary)
	}
	if n := strings.Count(summary, "We ask the Pall Mall Process"); n != 1 {
		t.Errorf("summary shows the campaign text %d times, want once", n)
	}
	if !strings.Contains(summary, "Fund forensic help") {
		t.Errorf("summary lost the organic answers:\n%s", summary)
	}
}

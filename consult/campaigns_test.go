package consult_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// campaignFixture is an open consultation with one long free-text question.
type campaignFixture struct {
	svc   *consult.Service
	clock *clock
	c     consult.Consultation
	sec   consult.Section
	q     consult.Question
}

func newCampaignFixture(t *testing.T, db *store.DB) *campaignFixture {
	t.Helper()
	ctx := context.Background()
	f := &campaignFixture{clock: &clock{base()}}
	f.svc = &consult.Service{DB: db, Now: f.clock.now}
	var err error
	f.c, err = f.svc.Create(ctx, secretariat, consult.Consultation{TitleEN: "Spyware", TitleFR: "Logiciels espions", SummaryEN: "S", SummaryFR: "S",
		Audiences: []consult.Stakeholder{consult.CivilSociety, consult.Industry, consult.Individual}, OpensAt: base(), ClosesAt: base().Add(60 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f.sec, err = f.svc.AddSection(ctx, secretariat, consult.Section{ConsultationID: f.c.ID, TitleEN: "Views", TitleFR: "Avis"}, "")
	if err != nil {
		t.Fatal(err)
	}
	f.q, err = f.svc.SaveQuestion(ctx, secretariat, consult.Question{ConsultationID: f.c.ID, SectionID: f.sec.ID, Kind: consult.LongText, TextEN: "Your view?", TextFR: "Votre avis ?"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetStatus(ctx, secretariat, f.c.ID, consult.Open); err != nil {
		t.Fatal(err)
	}
	return f
}

// submit answers the question as about, taking typing to write it.
func (f *campaignFixture) submit(t *testing.T, about consult.About, text string, typing time.Duration, publish consult.Publish) {
	t.Helper()
	ctx := context.Background()
	_, token, err := f.svc.Start(ctx, f.c.ID, about)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	f.clock.t = f.clock.t.Add(typing)
	if err := f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, map[int64]consult.Answer{f.q.ID: {Text: text}}, true); err != nil {
		t.Fatalf("SaveAnswers: %v", err)
	}
	if err := f.svc.SetConsent(ctx, f.c.ID, token, "en", no(), no(), publish); err != nil {
		t.Fatalf("SetConsent: %v", err)
	}
	if _, err := f.svc.Submit(ctx, f.c.ID, token); err != nil {
		t.Fatalf("Submit: %v", err)
	}
}

// templated returns the i-th copy of a campaign template, with one of its
// words swapped for a synonym in some copies.
func templated(i int) string {
	verbs := []string{"ban", "prohibit", "outlaw", "forbid"}
	adjs := []string{"commercial", "private", "for-profit"}
	return fmt.Sprintf("We urge the process to %s the sale of %s spyware to governments that target journalists, and to publish every export licence granted for intrusion tools.",
		verbs[i%len(verbs)], adjs[i%len(adjs)])
}

var organic = []string{
	"Licensing should be tied to human rights due diligence and independent audits of the end users.",
	"Our members see vulnerability research as legitimate; rules must not criminalise security testing.",
	"Remedy for victims matters most: notification, forensic help and a route to compensation.",
	"Procurement rules are the strongest lever states have, more than export controls.",
	"Transparency reports from vendors would help, but only if someone verifies them.",
	"Les États devraient publier la liste des entreprises autorisées à vendre ces outils.",
	"Il faut protéger les chercheurs en sécurité qui signalent des failles de bonne foi.",
	"Hackers-for-hire are the blind spot: they sell services, not products, so export controls miss them.",
}

func person(i int) consult.About {
	return consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: fmt.Sprintf("P%d", i)}
}

func TestCampaignsDetectDecidePublish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newCampaignFixture(t, db)
		// 30 templated answers: 10 spread over hours, then 20 within 19
		// seconds (a burst: campaign.Bursts' default is 20 in a minute),
		// published anonymously.
		for i := range 30 {
			gap := time.Hour
			if i > 10 {
				gap = time.Second
			}
			f.clock.t = f.clock.t.Add(gap)
			f.submit(t, person(i), templated(i), 0, consult.PublishAnonymous)
		}
		for i, text := range organic {
			f.clock.t = f.clock.t.Add(time.Hour)
			f.submit(t, person(100+i), text, 5*time.Minute, consult.PublishAnonymous)
		}
		// Four contacts claim one organisation, written four ways.
		for i, name := range []string{"Acme Intrusion Ltd", "ACME intrusion", "The Acme Intrusion Limited", "Acme Intrusion, Ltd."} {
			f.clock.t = f.clock.t.Add(time.Hour)
			f.submit(t, consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.Industry, Name: fmt.Sprintf("Rep %d", i),
				OrganisationName: name, Email: fmt.Sprintf("rep%d@example.com", i)}, fmt.Sprintf("Answer number %d from a representative.", i), time.Minute, consult.PublishNone)
		}
		// 600 characters submitted two seconds after starting.
		f.submit(t, person(200), strings.Repeat("Typed faster than anyone could. ", 20), 2*time.Second, consult.PublishNone)

		if _, err := f.svc.StartCampaignRun(ctx, public, f.c.ID, consult.CampaignOptions{}); !errors.Is(err, pallmall.ErrForbidden) {
			t.Fatalf("StartCampaignRun(public) = %v, want ErrForbidden", err)
		}
		run, err := f.svc.StartCampaignRun(ctx, analyst, f.c.ID, consult.CampaignOptions{})
		if err != nil {
			t.Fatalf("StartCampaignRun: %v", err)
		}
		if _, err := f.svc.StartCampaignRun(ctx, analyst, f.c.ID, consult.CampaignOptions{}); !errors.Is(err, pallmall.ErrConflict) {
			t.Fatalf("second StartCampaignRun = %v, want ErrConflict", err)
		}
		if err := f.svc.RunCampaigns(ctx, analyst, run, consult.CampaignOptions{}); err != nil {
			t.Fatalf("RunCampaigns: %v", err)
		}
		run, err = f.svc.LatestCampaignRun(ctx, analyst, f.c.ID)
		if err != nil || run.State != "done" || run.Percent() != 100 || run.Found != 1 {
			t.Fatalf("LatestCampaignRun = %+v, %v; want done, 100%%, 1 found", run, err)
		}
		cs, err := f.svc.Campaigns(ctx, analyst, f.c.ID, 0)
		if err != nil {
			t.Fatalf("Campaigns: %v", err)
		}
		if len(cs) != 1 || cs[0].Size != 30 || cs[0].Status != consult.CampaignSuggested || len(cs[0].Variants) == 0 || cs[0].Burst < 20 {
			t.Fatalf("Campaigns = %+v, want one suggested campaign of 30 with variants and a burst of at least 20", cs)
		}
		if cs[0].Stakeholders[consult.Individual] != 30 {
			t.Errorf("Stakeholders = %v, want 30 individuals", cs[0].Stakeholders)
		}
		if _, err := f.svc.Campaigns(ctx, public, f.c.ID, 0); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Campaigns(public) = %v, want ErrForbidden", err)
		}

		flags, err := f.svc.Flags(ctx, analyst, f.c.ID)
		if err != nil {
			t.Fatalf("Flags: %v", err)
		}
		kinds := map[string]consult.Flag{}
		for _, fl := range flags {
			kinds[fl.Kind] = fl
		}
		if b := kinds[consult.FlagBurst]; b.Evidence.Count < 20 || len(b.References) != b.Evidence.Count || b.Evidence.CampaignID != cs[0].ID ||
			b.Evidence.WindowSeconds != 60 || b.Evidence.End.Sub(b.Evidence.Start) != 19*time.Second {
			t.Errorf("burst flag = %+v, want 20 answers of campaign %d within 60 seconds, 19 seconds apart, with their references", b, cs[0].ID)
		}
		if ft := kinds[consult.FlagFastTyping]; ft.Evidence.Chars < 600 || ft.Evidence.CharsPerSecond < 100 {
			t.Errorf("fast-typing flag = %+v, want 600+ characters at 100+ per second", ft)
		}
		if so := kinds[consult.FlagSameOrganisation]; so.Evidence.Responses != 4 || so.Evidence.Contacts != 4 || so.Evidence.End.Sub(so.Evidence.Start) != 3*(time.Hour+time.Minute) {
			t.Errorf("same-organisation flag = %+v, want 4 responses from 4 contacts over 3h03m", so)
		}
		if got := len(flags); got != 3 {
			t.Errorf("len(Flags) = %d, want 3 (the templated answers were pasted, not typed: they took no time but are under 200 characters)", got)
		}

		// Decisions need a reason and are audited.
		if err := f.svc.DecideCampaign(ctx, analyst, f.c.ID, cs[0].ID, consult.CampaignConfirmed, " "); fieldErrors(err)["reason"] != "error.required" {
			t.Fatalf("DecideCampaign without reason = %v, want reason required", err)
		}
		if err := f.svc.DecideCampaign(ctx, analyst, f.c.ID, cs[0].ID, consult.CampaignConfirmed, "One template, many senders"); err != nil {
			t.Fatalf("DecideCampaign: %v", err)
		}
		if err := f.svc.DecideFlag(ctx, analyst, f.c.ID, kinds[consult.FlagBurst].ID, consult.FlagUpheld, "Twenty answers in twenty seconds"); err != nil {
			t.Fatalf("DecideFlag: %v", err)
		}
		events, err := audit.List(ctx, db, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range events {
			seen[e.Action] = true
		}
		for _, a := range []string{"consultation.campaign_run", "consultation.campaign_confirmed", "consultation.flag_upheld"} {
			if !seen[a] {
				t.Errorf("audit log has no %s", a)
			}
		}

		// A new copy joins on submission; the decision stays.
		f.clock.t = f.clock.t.Add(time.Hour)
		f.submit(t, person(300), templated(7)+" Thank you.", time.Minute, consult.PublishNone)
		cs, _ = f.svc.Campaigns(ctx, analyst, f.c.ID, 0)
		if len(cs) != 1 || cs[0].Size != 31 || cs[0].Joined != 1 || cs[0].Status != consult.CampaignConfirmed {
			t.Fatalf("after a new copy, Campaigns = %+v, want 31 with 1 joined, still confirmed", cs)
		}
		// An organic answer does not.
		f.submit(t, person(301), "Export controls alone will never reach hackers-for-hire.", time.Minute, consult.PublishNone)
		if cs, _ = f.svc.Campaigns(ctx, analyst, f.c.ID, 0); cs[0].Size != 31 {
			t.Fatalf("after an organic answer, size = %d, want 31", cs[0].Size)
		}
		// An exact copy joins by its digest.
		f.submit(t, person(302), templated(5), time.Minute, consult.PublishNone)
		if cs, _ = f.svc.Campaigns(ctx, analyst, f.c.ID, 0); cs[0].Size != 32 || cs[0].Joined != 2 {
			t.Fatalf("after an exact copy, size = %d with %d joined, want 32 with 2", cs[0].Size, cs[0].Joined)
		}

		// A recomputation finds the same campaign and keeps its decision.
		run, err = f.svc.StartCampaignRun(ctx, analyst, f.c.ID, consult.CampaignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RunCampaigns(ctx, analyst, run, consult.CampaignOptions{}); err != nil {
			t.Fatal(err)
		}
		again, _ := f.svc.Campaigns(ctx, analyst, f.c.ID, 0)
		if len(again) != 1 || again[0].ID != cs[0].ID || again[0].Status != consult.CampaignConfirmed || again[0].Size != 32 || again[0].Stale {
			t.Fatalf("after recomputation, Campaigns = %+v, want campaign %d, confirmed, 32", again, cs[0].ID)
		}
		flags, _ = f.svc.Flags(ctx, analyst, f.c.ID)
		for _, fl := range flags {
			if fl.Kind == consult.FlagBurst && fl.Status != consult.FlagUpheld {
				t.Errorf("after recomputation, burst flag status = %q, want upheld", fl.Status)
			}
		}

		// The summary: one representative with 32 signatures; no member
		// listed on its own.
		sum, err := f.svc.Summary(ctx, secretariat, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Campaigns) != 1 || sum.Campaigns[0].Signatures.N != 32 || sum.Campaigns[0].Withheld || !strings.Contains(sum.Campaigns[0].Text, "spyware") {
			t.Fatalf("Summary.Campaigns = %+v, want one with 32 signatures and its text", sum.Campaigns)
		}
		for _, p := range sum.Published {
			if strings.Contains(p.Answers[f.q.ID], "We urge the process") {
				t.Errorf("published response %s lists a campaign answer", p.Reference)
			}
		}
		if got := len(sum.Published); got != len(organic) {
			t.Errorf("len(Published) = %d, want the %d organic answers", got, len(organic))
		}
		if sum.Questions[0].Answered.N != 30+len(organic)+4+1+3 {
			t.Errorf("question answered = %d, want every response counted", sum.Questions[0].Answered.N)
		}
	})
}

func TestCampaignRepresentativeWithheldWithoutConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newCampaignFixture(t, db)
		for i := range 12 {
			f.clock.t = f.clock.t.Add(time.Hour)
			f.submit(t, person(i), templated(i), time.Minute, consult.PublishNone)
		}
		run, err := f.svc.StartCampaignRun(ctx, secretariat, f.c.ID, consult.CampaignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RunCampaigns(ctx, secretariat, run, consult.CampaignOptions{}); err != nil {
			t.Fatal(err)
		}
		cs, _ := f.svc.Campaigns(ctx, secretariat, f.c.ID, 0)
		if len(cs) != 1 {
			t.Fatalf("Campaigns = %+v, want 1", cs)
		}
		if err := f.svc.DecideCampaign(ctx, secretariat, f.c.ID, cs[0].ID, consult.CampaignConfirmed, "template"); err != nil {
			t.Fatal(err)
		}
		sum, err := f.svc.Summary(ctx, secretariat, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Campaigns) != 1 || !sum.Campaigns[0].Withheld || sum.Campaigns[0].Text != "" || sum.Campaigns[0].Signatures.N != 12 {
			t.Fatalf("Summary.Campaigns = %+v, want 12 signatures with the text withheld", sum.Campaigns)
		}
	})
}

func TestThemeSuggestionAccepted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newCampaignFixture(t, db)
		texts := []string{
			"Licensing of vendors needs independent audits.", "Licensing must come with audits of end users.", "Strict licensing and regular audits.",
			"Victims need remedy and forensic support.", "Remedy for victims: notification and forensic help.", "Forensic support is the first remedy victims need.",
			"Procurement rules matter.", "Nothing to add.", "Les victimes ont besoin de soutien forensique.",
		}
		for i, text := range texts {
			f.clock.t = f.clock.t.Add(time.Hour)
			f.submit(t, person(i), text, time.Minute, consult.PublishNone)
		}
		run, _ := f.svc.StartCampaignRun(ctx, analyst, f.c.ID, consult.CampaignOptions{})
		if err := f.svc.RunCampaigns(ctx, analyst, run, consult.CampaignOptions{}); err != nil {
			t.Fatal(err)
		}
		themes, err := f.svc.Themes(ctx, analyst, f.c.ID)
		if err != nil || len(themes) == 0 {
			t.Fatalf("Themes = %v, %v; want suggestions", themes, err)
		}
		terms := strings.Join(themes[0].Terms, " ")
		if !strings.Contains(terms, "licensing") && !strings.Contains(terms, "forensic") && !strings.Contains(terms, "remedy") {
			t.Errorf("first theme terms = %q, want licensing, forensic or remedy", terms)
		}
		if _, err := f.svc.AcceptTheme(ctx, public, f.c.ID, themes[0].ID, "Public"); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("AcceptTheme(public) = %v, want ErrForbidden", err)
		}
		// A label already in the codebook: nothing is added or linked.
		if _, err := f.svc.AddCode(ctx, analyst, f.c.ID, "Existing", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AcceptTheme(ctx, analyst, f.c.ID, themes[0].ID, "Existing"); fieldErrors(err)["label"] != "consult.error.code_exists" {
			t.Fatalf("AcceptTheme with a taken label = %v, want label exists", err)
		}
		if again, _ := f.svc.Themes(ctx, analyst, f.c.ID); again[0].CodeID != 0 {
			t.Errorf("after a refused AcceptTheme, theme code = %d, want none", again[0].CodeID)
		}
		code, err := f.svc.AcceptTheme(ctx, analyst, f.c.ID, themes[0].ID, "Accepted theme")
		if err != nil {
			t.Fatalf("AcceptTheme: %v", err)
		}
		codes, _ := f.svc.Codes(ctx, analyst, f.c.ID)
		if len(codes) != 2 || codes[0].ID != code.ID || codes[0].Label != "Accepted theme" || codes[0].Description != strings.Join(themes[0].Terms, ", ") {
			t.Errorf("Codes = %+v, want the accepted theme with its terms, and Existing", codes)
		}
		if again, _ := f.svc.Themes(ctx, analyst, f.c.ID); again[0].CodeID != code.ID {
			t.Errorf("accepted theme's code = %d, want %d", again[0].CodeID, code.ID)
		}
		events, err := audit.List(ctx, db, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var added, accepted int
		for _, e := range events {
			switch e.Action {
			case "consultation.code_add":
				added++
			case "consultation.theme_accept":
				accepted++
			}
		}
		if added != 2 || accepted != 1 {
			t.Errorf("audit: %d code_add and %d theme_accept, want 2 and 1", added, accepted)
		}
		if _, err := f.svc.AcceptTheme(ctx, analyst, f.c.ID, themes[0].ID, "Again"); !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("AcceptTheme twice = %v, want ErrConflict", err)
		}
	})
}

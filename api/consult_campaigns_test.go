package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/consult/campaign"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// campaignSite is an API server with a token for each role and two
// consultations: an open one whose free-text question got eleven
// templated answers at once and one organic answer, with a detection run
// done, and a draft.
type campaignSite struct {
	c      client
	tokens map[auth.Role]string
	cs     *consult.Service
	id, q  int64
	draft  int64
}

func newCampaignSite(t *testing.T, db *store.DB) *campaignSite {
	t.Helper()
	ctx := context.Background()
	svc := &auth.Service{DB: db, Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}}
	srv := httptest.NewServer((&api.Server{DB: db, Auth: svc}).Handler())
	t.Cleanup(srv.Close)
	c := client{t, srv}
	tokens := map[auth.Role]string{}
	for _, role := range auth.Roles {
		nu := auth.NewUser{Email: string(role) + "@example.org", Name: string(role), Role: role}
		if role == auth.Delegate {
			org, err := svc.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Org", NameFR: "Org", Kind: auth.CivilSociety})
			if err != nil {
				t.Fatal(err)
			}
			nu.OrganisationID = org.ID
		}
		u, _, err := svc.CreateUser(ctx, auth.System, nu, time.Hour)
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", role, err)
		}
		if tokens[role], err = svc.CreateAPIToken(ctx, auth.System, u.ID, "t"); err != nil {
			t.Fatal(err)
		}
	}

	cs := &consult.Service{DB: db}
	id, q := newConsultation(t, cs, "Open", true)
	draft, _ := newConsultation(t, cs, "Draft", false)
	no := false
	for i := range 12 {
		text := fmt.Sprintf("We ask the process to %s the sale of spyware to governments that target journalists, and to publish every licence.", []string{"ban", "prohibit", "outlaw"}[i%3])
		if i == 11 {
			text = "Fund forensic help for the people who were targeted, in their own language."
		}
		_, err := cs.SubmitDirect(ctx, auth.System, id, consult.Direct{About: consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: "P" + strconv.Itoa(i)},
			Answers: map[int64]consult.Answer{q: {Text: text}}, Share: &no, Contact: &no, Publish: consult.PublishAnonymous, Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
	}
	run, err := cs.StartCampaignRun(ctx, auth.System, id, consult.CampaignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.RunCampaigns(ctx, auth.System, run, consult.CampaignOptions{}); err != nil {
		t.Fatal(err)
	}

	return &campaignSite{c: c, tokens: tokens, cs: cs, id: id, q: q, draft: draft}
}

// TestCampaignsAPI: an analyst's token lists a consultation's campaigns
// and confirms one with a reason, audited; other tokens are refused, and
// a draft consultation stays hidden from analysts.
func TestCampaignsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := newCampaignSite(t, db)
		c, tokens, id, q, draft := st.c, st.tokens, st.id, st.q, st.draft
		base := "/api/v1/consultations/" + strconv.FormatInt(id, 10) + "/campaigns"
		code, body := c.call("GET", base, tokens[auth.Analyst], "")
		data, _ := body["data"].([]any)
		if code != 200 || len(data) != 1 {
			t.Fatalf("GET campaigns = %d %v, want one campaign", code, body)
		}
		got := data[0].(map[string]any)
		kinds, _ := got["stakeholders"].(map[string]any)
		if got["size"] != 11.0 || got["status"] != "suggested" || got["distinct_texts"] != 3.0 || got["question_id"] != float64(q) ||
			kinds["individual"] != 11.0 || len(got["variants"].([]any)) != 2 || got["first"] == nil || got["last"] == nil {
			t.Errorf("campaign = %v, want 11 suggested answers from individuals, 3 texts, 2 variants, first and last", got)
		}
		if rep, _ := got["representative"].(string); len(rep) < 50 {
			t.Errorf("representative = %q, want the template", rep)
		}
		cid := strconv.FormatInt(int64(got["id"].(float64)), 10)
		if code, body := c.call("GET", base+"?min_size=12", tokens[auth.Secretariat], ""); code != 200 || len(body["data"].([]any)) != 0 {
			t.Errorf("GET ?min_size=12 = %d %v, want none", code, body)
		}
		if code, body := c.call("GET", base+"?min_size=x", tokens[auth.Analyst], ""); code != 422 || errorCode(body) != "invalid" {
			t.Errorf("GET ?min_size=x = %d %v, want 422", code, body)
		}

		// Who may: the secretariat and analysts only; an analyst does not
		// see drafts; refusals come before the body is read.
		decision := base + "/" + cid + "/decision"
		draftBase := "/api/v1/consultations/" + strconv.FormatInt(draft, 10) + "/campaigns"
		for _, tc := range []struct {
			method, path, token, body string
			code                      int
		}{
			{"GET", base, "", "", 401},
			{"GET", base, tokens[auth.Delegate], "", 403},
			{"GET", base, tokens[auth.Partner], "", 403},
			{"GET", draftBase, tokens[auth.Analyst], "", 404},
			{"GET", draftBase, tokens[auth.Secretariat], "", 200},
			{"GET", "/api/v1/consultations/999999/campaigns", tokens[auth.Analyst], "", 404},
			{"POST", decision, "", `{"decision":"confirmed","reason":"x"}`, 401},
			{"POST", decision, tokens[auth.Partner], `{"decision":"confirmed","reason":"x"}`, 403},
			{"POST", decision, tokens[auth.Delegate], "garbage", 403},
			{"POST", draftBase + "/" + cid + "/decision", tokens[auth.Analyst], "garbage", 404},
			{"POST", draftBase + "/" + cid + "/decision", tokens[auth.Secretariat], `{"decision":"confirmed","reason":"x"}`, 404},
			{"POST", base + "/999999/decision", tokens[auth.Analyst], `{"decision":"confirmed","reason":"x"}`, 404},
			{"POST", decision, tokens[auth.Analyst], `{"decision":"deleted","reason":"x"}`, 422},
			{"POST", decision, tokens[auth.Analyst], `{"decision":"confirmed","reason":" "}`, 422},
			{"POST", decision, tokens[auth.Analyst], `{"decision":"confirmed","reason":"x","extra":1}`, 422},
		} {
			if code, body := c.call(tc.method, tc.path, tc.token, tc.body); code != tc.code {
				t.Errorf("%s %s %s = %d %v, want %d", tc.method, tc.path, tc.body, code, body, tc.code)
			}
		}
		if code, body := c.call("POST", decision, tokens[auth.Analyst], `{"decision":"confirmed","reason":" "}`); errorCode(body) != "invalid" ||
			body["error"].(map[string]any)["fields"].(map[string]any)["reason"] != "error.required" {
			t.Errorf("decision without reason = %d %v, want reason required", code, body)
		}

		code, body = c.call("POST", decision, tokens[auth.Analyst], `{"decision":"confirmed","reason":"One template sent by many"}`)
		if code != 200 || body["status"] != "confirmed" || body["reason"] != "One template sent by many" || body["decided_at"] == nil || body["size"] != 11.0 {
			t.Fatalf("POST decision = %d %v, want the confirmed campaign", code, body)
		}
		_, body = c.call("GET", base, tokens[auth.Analyst], "")
		if got := body["data"].([]any)[0].(map[string]any); got["status"] != "confirmed" {
			t.Errorf("after the decision, status = %v, want confirmed", got["status"])
		}
		events, err := audit.List(ctx, db, audit.Filter{Action: "consultation.campaign_"})
		if err != nil {
			t.Fatal(err)
		}
		confirmed := 0
		for _, e := range events {
			if e.Action == "consultation.campaign_confirmed" {
				confirmed++
			}
		}
		if confirmed != 1 {
			t.Errorf("audit has %d campaign_confirmed events, want 1 (refused requests record nothing)", confirmed)
		}
	})
}

// TestFlagsAPI: the eleven templated answers submitted at once are a
// burst; an analyst's token lists it with its evidence and the responses'
// references, and upholds it with a reason, audited; other tokens are
// refused as for campaigns, and a draft stays hidden from analysts.
func TestFlagsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := newCampaignSite(t, db)
		c, tokens := st.c, st.tokens
		// A detection run that counts ten answers in a minute as a burst
		// (twenty by default).
		opts := consult.CampaignOptions{Burst: campaign.BurstOptions{MinCount: 10}}
		run, err := st.cs.StartCampaignRun(ctx, auth.System, st.id, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.cs.RunCampaigns(ctx, auth.System, run, opts); err != nil {
			t.Fatal(err)
		}
		base := "/api/v1/consultations/" + strconv.FormatInt(st.id, 10) + "/flags"
		code, body := c.call("GET", base, tokens[auth.Analyst], "")
		data, _ := body["data"].([]any)
		if code != 200 || len(data) == 0 {
			t.Fatalf("GET flags = %d %v, want the burst", code, body)
		}
		var burst map[string]any
		for _, d := range data {
			if f := d.(map[string]any); f["kind"] == "burst" {
				burst = f
			}
		}
		if burst == nil {
			t.Fatalf("flags = %v, want a burst", data)
		}
		ev, _ := burst["evidence"].(map[string]any)
		refs, _ := burst["references"].([]any)
		if burst["status"] != "open" || ev["count"] != 11.0 || ev["question_id"] != float64(st.q) || ev["campaign_id"] == nil || len(refs) != 11 {
			t.Errorf("burst = %v, want open, 11 answers to question %d of a campaign, with their 11 references", burst, st.q)
		}
		if ref, _ := refs[0].(string); ref == "" {
			t.Errorf("references = %v, want the responses' public references", refs)
		}

		fid := strconv.FormatInt(int64(burst["id"].(float64)), 10)
		decision := base + "/" + fid + "/decision"
		draftBase := "/api/v1/consultations/" + strconv.FormatInt(st.draft, 10) + "/flags"
		for _, tc := range []struct {
			method, path, token, body string
			code                      int
		}{
			{"GET", base, "", "", 401},
			{"GET", base, tokens[auth.Delegate], "", 403},
			{"GET", base, tokens[auth.Partner], "", 403},
			{"GET", draftBase, tokens[auth.Analyst], "", 404},
			{"GET", draftBase, tokens[auth.Secretariat], "", 200},
			{"POST", decision, "", `{"decision":"upheld","reason":"x"}`, 401},
			{"POST", decision, tokens[auth.Partner], `{"decision":"upheld","reason":"x"}`, 403},
			{"POST", decision, tokens[auth.Delegate], "garbage", 403},
			{"POST", draftBase + "/" + fid + "/decision", tokens[auth.Analyst], "garbage", 404},
			{"POST", draftBase + "/" + fid + "/decision", tokens[auth.Secretariat], `{"decision":"upheld","reason":"x"}`, 404},
			{"POST", base + "/999999/decision", tokens[auth.Analyst], `{"decision":"upheld","reason":"x"}`, 404},
			{"POST", base + "/x/decision", tokens[auth.Analyst], `{"decision":"upheld","reason":"x"}`, 404},
			{"POST", decision, tokens[auth.Analyst], `{"decision":"confirmed","reason":"x"}`, 422},
			{"POST", decision, tokens[auth.Analyst], `{"decision":"upheld","reason":" "}`, 422},
			{"POST", decision, tokens[auth.Analyst], `{"decision":"upheld","reason":"x","extra":1}`, 422},
		} {
			if code, body := c.call(tc.method, tc.path, tc.token, tc.body); code != tc.code {
				t.Errorf("%s %s %s = %d %v, want %d", tc.method, tc.path, tc.body, code, body, tc.code)
			}
		}

		code, body = c.call("POST", decision, tokens[auth.Analyst], `{"decision":"upheld","reason":"Eleven copies in the same second"}`)
		if code != 200 || body["status"] != "upheld" || body["reason"] != "Eleven copies in the same second" || body["decided_at"] == nil || body["id"] != burst["id"] {
			t.Fatalf("POST decision = %d %v, want the upheld flag", code, body)
		}
		events, err := audit.List(ctx, db, audit.Filter{Action: "consultation.flag_"})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Action != "consultation.flag_upheld" {
			t.Errorf("audit = %v, want one flag_upheld event (refused requests record nothing)", events)
		}
		// Upholding changes nothing else: the responses are all there.
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE consultation_id = $1 AND status = 'submitted'`, st.id).Scan(&n); err != nil || n != 12 {
			t.Errorf("%d submitted responses after the decision (%v), want 12", n, err)
		}
	})
}

// newConsultation creates a consultation with one long free-text
// question, opened if open, returning both ids.
func newConsultation(t *testing.T, cs *consult.Service, title string, open bool) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	c, err := cs.Create(ctx, auth.System, consult.Consultation{TitleEN: title, TitleFR: title, SummaryEN: "S", SummaryFR: "S",
		Audiences: []consult.Stakeholder{consult.Individual}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := cs.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "Views", TitleFR: "Avis"}, "")
	if err != nil {
		t.Fatal(err)
	}
	q, err := cs.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.LongText, TextEN: "What should be done?", TextFR: "Que faire ?"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if open {
		if err := cs.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
			t.Fatal(err)
		}
	}
	return c.ID, q.ID
}

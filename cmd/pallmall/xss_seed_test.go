package main

// injectEverywhere extends injectPayloads so that the script-injection
// payload sits in every text field the platform renders: consultation
// sections, questions, options and hints, respondents' names,
// organisations and answers, change reasons, codebook themes and
// redaction reasons; register records of every kind with their sources,
// and proposals' notes; a framework's title, pillars and measures,
// implementation reports, paper references and withdrawal reasons;
// meetings' agendas, speakers, delegations and outcomes (and so the
// outbox's messages); deliberation statements written by participants;
// API token names. It returns pages that show them, by role, for the
// crawl to visit first.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/register"
)

// urlPayload is a link target that runs script if it is ever put in an
// href or src unchecked.
const urlPayload = `javascript:window.__pmxss=4`

// shortPayload is for fields with a short limit.
const shortPayload = `"><img src=/__test/xss-hit onerror=window.__pmxss=5 data-pmxss>`

// payloadSeeds are pages showing the payload, by role ("public" pages are
// seeds for every role).
type payloadSeeds map[string][]string

func injectEverywhere(t *testing.T, a *App, meetingID int64) payloadSeeds {
	t.Helper()
	ctx := context.Background()
	seeds := payloadSeeds{}
	sec, err := a.auth.UserByEmail(ctx, "secretariat@pallmall.example")
	if err != nil {
		t.Fatal(err)
	}
	uk, err := a.auth.UserByEmail(ctx, "delegate.uk@pallmall.example")
	if err != nil {
		t.Fatal(err)
	}
	ngo, err := a.auth.UserByEmail(ctx, "delegate.ngo@pallmall.example")
	if err != nil {
		t.Fatal(err)
	}
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("payload in %s: %v", what, err)
		}
	}
	now := time.Now().UTC()

	// A consultation whose every text carries the payload, opened, with a
	// response, a theme, a coded passage and a redaction.
	cs := &consult.Service{DB: a.db, Keys: a.auth.Keys}
	c, err := cs.Create(ctx, auth.System, consult.Consultation{TitleEN: "Payload consultation " + payload, TitleFR: payload, SummaryEN: payload, SummaryFR: payload, BodyEN: payload, BodyFR: payload,
		Audiences: []consult.Stakeholder{"civil_society"}, PartnerEN: payload, PartnerFR: payload, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(240 * time.Hour)})
	fail("consultation", err)
	sect, err := cs.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "Section " + payload, TitleFR: payload, IntroEN: payload, IntroFR: payload}, "")
	fail("section", err)
	long, err := cs.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sect.ID, Kind: consult.LongText,
		TextEN: "Question " + payload, TextFR: payload, HintEN: payload, HintFR: payload}, "")
	fail("question", err)
	choice, err := cs.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sect.ID, Kind: consult.Single,
		TextEN: "Choice " + payload, TextFR: payload, AllowOther: true,
		Options: []consult.Option{{Value: "a", EN: "Option " + payload, FR: payload}, {Value: "b", EN: "B", FR: "B"}}}, "")
	fail("choice question", err)
	fail("open", cs.SetStatus(ctx, auth.System, c.ID, consult.Open))
	_, err = cs.Update(ctx, auth.System, mustGet(t, cs, c.ID, func(c *consult.Consultation) { c.SummaryEN = "Changed " + payload }), "Reason "+payload)
	fail("change reason", err)
	_, tok, err := cs.Start(ctx, c.ID, consult.About{Kind: consult.AsOrganisation, Stakeholder: "civil_society", Name: "Name " + payload, OrganisationName: "Org " + payload, Email: "payload@example.org"})
	fail("respondent", err)
	answer := "Answer " + payload + " passage to code"
	fail("answers", cs.SaveAnswers(ctx, c.ID, tok, sect.ID, map[int64]consult.Answer{long.ID: {Text: answer}, choice.ID: {Choices: []string{"other"}, Other: "Other " + payload}}, true))
	yes := true
	fail("consent", cs.SetConsent(ctx, c.ID, tok, "en", &yes, &yes, consult.PublishNamed))
	_, err = cs.Submit(ctx, c.ID, tok)
	fail("submit", err)
	resp, err := cs.ByToken(ctx, c.ID, tok)
	fail("response", err)
	code, err := cs.AddCode(ctx, sec.Actor(), c.ID, shortPayload, payload)
	fail("theme", err)
	fail("coded passage", cs.CodePassage(ctx, sec.Actor(), c.ID, resp.ID, long.ID, code.ID, "passage to code"))
	fail("redaction", cs.Redact(ctx, sec.Actor(), c.ID, resp.ID, long.ID, "Answer", "Reason "+payload))
	cid := fmt.Sprint(c.ID)
	seeds["public"] = append(seeds["public"], "/consultations/"+cid)
	seeds["secretariat@pallmall.example"] = append(seeds["secretariat@pallmall.example"], "/admin/consultations/"+cid, "/admin/consultations/"+cid+"/analysis",
		"/admin/consultations/"+cid+"/analysis/texts", "/admin/consultations/"+cid+"/analysis/coding", "/admin/consultations/"+cid+"/preview",
		fmt.Sprintf("/admin/consultations/%s/questions/%d", cid, choice.ID))
	seeds["analyst@pallmall.example"] = append(seeds["analyst@pallmall.example"], "/admin/consultations/"+cid+"/analysis", "/admin/consultations/"+cid+"/analysis/texts")

	// Register: a new version of one record of every kind, every free
	// text and list field, the name, summary and sources carrying the
	// payload; and proposals with payload notes.
	rs := &register.Service{DB: a.db}
	kinds := map[register.Kind]bool{}
	all, err := rs.All(ctx)
	fail("register records", err)
	for _, rec := range all {
		if kinds[rec.Kind] || rec.Removed {
			continue
		}
		kinds[rec.Kind] = true
		d := rec.Draft
		d.Fields = map[string]string{}
		for k, v := range rec.Fields {
			d.Fields[k] = v
		}
		d.Name = strings.TrimSpace(d.Name + " " + payload)
		if d.SummaryEN != "" || d.SummaryFR != "" {
			d.SummaryEN, d.SummaryFR = d.SummaryEN+" "+payload, d.SummaryFR+" "+payload
		}
		for _, f := range register.Schema(rec.Kind) {
			switch f.Type {
			case register.Text:
				d.Fields[f.Name] = strings.TrimSpace(d.Fields[f.Name] + " " + payload)
			case register.List:
				d.Fields[f.Name] = strings.TrimPrefix(d.Fields[f.Name]+"; "+payload, "; ")
			}
		}
		d.Sources = append(append([]register.Source(nil), d.Sources...),
			register.Source{Ref: "Court filing " + payload, Publisher: "Publisher " + payload, Date: "2025", Supports: payload},
			register.Source{Ref: urlPayload, Publisher: "Link", Date: "2025"})
		// Fields whose format the payload breaks (indicators, a javascript:
		// reference) are refused by validation, which is as good: they get
		// their old value back and the proposal is tried again.
		var p register.Proposal
		for try := 0; ; try++ {
			p, err = rs.Propose(ctx, sec.Actor(), register.NewProposal{Op: ledger.OpUpdate, RecordID: rec.ID, Draft: d, Note: "Note " + payload})
			var v *pallmall.ValidationError
			if err == nil || !errors.As(err, &v) || try == 5 {
				break
			}
			for k := range v.Fields {
				if _, ok := d.Fields[k]; ok {
					d.Fields[k] = rec.Fields[k]
				}
				if strings.HasPrefix(k, "source") && len(d.Sources) > len(rec.Sources) {
					d.Sources = d.Sources[:len(d.Sources)-1]
				}
			}
		}
		fail(fmt.Sprintf("register %s record", rec.Kind), err)
		_, err = rs.Decide(ctx, sec.Actor(), p.ID, register.Decision{Status: register.Accepted, ReasonEN: "Reason " + payload, ReasonFR: payload})
		fail(fmt.Sprintf("accept the %s record", rec.Kind), err)
		seeds["public"] = append(seeds["public"], fmt.Sprintf("/register/records/%d", rec.ID))
	}
	if len(kinds) != len(register.Kinds) {
		t.Fatalf("the demo has records of %d kinds, want all %d", len(kinds), len(register.Kinds))
	}
	pending, err := rs.Propose(ctx, ngo.Actor(), register.NewProposal{Op: ledger.OpAdd, Note: "Note " + payload,
		Draft: register.Draft{Kind: register.Entity, Name: "Proposed " + payload, Confidence: register.Reported,
			Fields:  map[string]string{"entity_kind": "vendor", "incorporated": "XR", "status": "active", "founded": "2024"},
			Sources: []register.Source{{Ref: "Filing " + payload, Publisher: payload, Date: "2025"}}}})
	fail("proposal", err)
	takedown, err := rs.Propose(ctx, ngo.Actor(), register.NewProposal{Op: ledger.OpRemove, RecordID: all[0].ID, RequestedBy: "Requester " + payload, Note: "Takedown " + payload})
	fail("takedown request", err)
	seeds["secretariat@pallmall.example"] = append(seeds["secretariat@pallmall.example"], fmt.Sprintf("/register/proposals/%d", takedown.ID))
	seeds["delegate.ngo@pallmall.example"] = append(seeds["delegate.ngo@pallmall.example"], fmt.Sprintf("/register/proposals/%d", pending.ID))
	seeds["secretariat@pallmall.example"] = append(seeds["secretariat@pallmall.example"], fmt.Sprintf("/register/proposals/%d", pending.ID), "/register/proposals")

	// Frameworks: a framework whose title, preamble, pillars and
	// measures carry the payload; an implementation report with payload
	// explanations and evidence; a paper endorsement and a withdrawal.
	ds := &declare.Service{DB: a.db}
	txt := declare.Text{EN: "Text " + payload, FR: payload}
	fail("framework", ds.CreateFramework(ctx, auth.System, "payload-framework", declare.Text{EN: "Framework " + payload, FR: payload}, txt))
	_, err = ds.PublishVersion(ctx, auth.System, declare.Document{Framework: "payload-framework", Version: "1", Title: declare.Text{EN: "Framework " + payload, FR: payload}, Preamble: txt,
		Pillars: []declare.Pillar{{Key: "one", Title: txt, Summary: txt, Measures: []declare.Measure{{Number: "1", Text: txt}, {Number: "2", Text: txt}}}}})
	fail("framework version", err)
	e, err := ds.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "payload-framework", OrganisationID: uk.OrganisationID, Method: declare.MethodPaper, PaperReference: "Reference " + payload})
	fail("paper endorsement", err)
	rep, err := ds.PublishReport(ctx, auth.System, "payload-framework", "", uk.OrganisationID, []declare.ReportItem{
		{Measure: "1", Status: declare.StatusImplemented, Explanation: "Explanation " + payload, Evidence: []string{"https://example.org/evidence", urlPayload}},
		{Measure: "2", Status: declare.StatusInProgress, Explanation: payload}})
	if err != nil {
		// A javascript: link may be refused, which is as good.
		rep, err = ds.PublishReport(ctx, auth.System, "payload-framework", "", uk.OrganisationID, []declare.ReportItem{
			{Measure: "1", Status: declare.StatusImplemented, Explanation: "Explanation " + payload, Evidence: []string{"https://example.org/evidence"}},
			{Measure: "2", Status: declare.StatusInProgress, Explanation: payload}})
	}
	fail("report", err)
	_, err = ds.OpenRound(ctx, auth.System, "payload-framework", "", declare.Text{EN: "Round " + payload, FR: payload}, now.Add(30*24*time.Hour))
	fail("reporting round", err)
	seeds["public"] = append(seeds["public"], "/frameworks/payload-framework", "/frameworks/payload-framework/signatories", "/frameworks/payload-framework/reports",
		fmt.Sprintf("/frameworks/payload-framework/reports/%d", rep.ID), fmt.Sprintf("/frameworks/payload-framework/endorsements/%d", e.ID))
	_, err = ds.Withdraw(ctx, sec.Actor(), declare.WithdrawInput{EndorsementID: e.ID, Reason: "Reason " + payload})
	fail("withdrawal", err)

	// Meetings: the payload meeting gets an agenda with speakers and
	// links, a delegation, and the past demo meeting a payload outcome.
	ms := &meet.Service{DB: a.db, Directory: a.auth, PublicURL: a.PublicURL, Keys: a.auth.Keys}
	m, err := ms.Meeting(ctx, auth.System, meetingID)
	fail("meeting", err)
	_, err = ms.AddSession(ctx, auth.System, meet.Session{MeetingID: meetingID, StartsAt: m.StartsAt, EndsAt: m.StartsAt.Add(time.Hour), TitleEN: "Session " + payload, TitleFR: payload, Room: shortPayload,
		Speakers: []meet.Speaker{{OrganisationID: uk.OrganisationID, Name: "Speaker " + payload}}})
	fail("agenda", err)
	fail("invite", ms.Invite(ctx, auth.System, meetingID, ngo.OrganisationID))
	_, err = ms.Register(ctx, ngo.Actor(), meetingID, ngo.OrganisationID, meet.Delegation{Head: meet.Participant{Name: "Head " + payload, JobTitle: payload, Head: true, Dietary: payload, AccessNeeds: payload},
		Members: []meet.Participant{{Name: "Member " + payload, JobTitle: payload}}, Interpretation: meet.NoInterpretation})
	fail("delegation", err)
	var past int64
	if err := a.db.QueryRow(ctx, `SELECT min(id) FROM meetings`).Scan(&past); err != nil {
		t.Fatal(err)
	}
	fail("outcome", ms.PublishOutcome(ctx, auth.System, past, meet.Outcome{SummaryEN: "Outcome " + payload, SummaryFR: payload, AdoptedEN: payload, AdoptedFR: payload}, nil))
	mid := fmt.Sprint(meetingID)
	seeds["public"] = append(seeds["public"], "/meetings/"+mid, fmt.Sprintf("/meetings/%d", past))
	seeds["secretariat@pallmall.example"] = append(seeds["secretariat@pallmall.example"], "/meetings/"+mid+"/delegations", "/admin/outbox", "/meetings/"+mid+"/edit", fmt.Sprintf("/meetings/%d/outcome", past))
	seeds["delegate.ngo@pallmall.example"] = append(seeds["delegate.ngo@pallmall.example"], "/meetings/"+mid+"/registration")

	// Deliberations: statements written by participants, one accepted and
	// one waiting for moderation.
	dl := &deliberate.Service{DB: a.db}
	_, ptok, err := dl.Join(ctx, 1, auth.CivilSociety)
	fail("participant", err)
	st, err := dl.Submit(ctx, 1, ptok, "en", "Statement "+payload)
	fail("statement", err)
	if st.Status == deliberate.Pending {
		fail("moderation", dl.Moderate(ctx, sec.Actor(), 1, st.ID, deliberate.Accepted, "Statement "+payload, "Déclaration "+payload))
	}
	_, err = dl.Submit(ctx, 1, ptok, "en", "Second statement "+payload)
	fail("second statement", err)
	// The public sees statements one at a time, and in the report once
	// analysed; injectPayloads' deliberation shows its payload title.
	var pd int64
	if err := a.db.QueryRow(ctx, `SELECT max(id) FROM deliberations`).Scan(&pd); err != nil {
		t.Fatal(err)
	}
	seeds["public"] = append(seeds["public"], fmt.Sprintf("/deliberations/%d", pd))
	seeds["secretariat@pallmall.example"] = append(seeds["secretariat@pallmall.example"], "/admin/deliberations/1", "/admin/deliberations/1/queue")

	// An API token named with the payload, and the audit log that names
	// all of the above.
	_, err = a.auth.CreateAPIToken(ctx, uk.Actor(), uk.ID, "Token "+payload)
	fail("token name", err)
	seeds["secretariat@pallmall.example"] = append(seeds["secretariat@pallmall.example"], "/admin/audit")
	return seeds
}

func mustGet(t *testing.T, cs *consult.Service, id int64, change func(*consult.Consultation)) consult.Consultation {
	t.Helper()
	c, err := cs.Get(context.Background(), auth.System, id)
	if err != nil {
		t.Fatal(err)
	}
	change(&c)
	return c
}

// TestPayloadsAreShownEscaped keeps the browser crawl honest: the pages
// it visits first do show the payloads (so a clean crawl means they were
// escaped, not left out), as text and never as markup.
func TestPayloadsAreShownEscaped(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a := quietApp(dbFlags{dataDir: t.TempDir()})
	a.Demo = true
	base, _ := startApp(t, a)
	seeds := injectEverywhere(t, a, injectPayloads(t, a))
	for _, p := range seeds["public"] {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body := string(b)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", p, res.StatusCode)
			continue
		}
		if !strings.Contains(body, "window.__pmxss") {
			t.Errorf("GET %s does not show the payload", p)
		}
		for _, raw := range []string{"<script>window.__pmxss", "<img src=/__test/xss-hit", "<svg data-pmxss", `href="javascript:`} {
			if strings.Contains(body, raw) {
				t.Errorf("GET %s has the payload as markup: %s", p, raw)
			}
		}
	}
}

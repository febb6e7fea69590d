package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

var delibIDRe = regexp.MustCompile(`^/admin/deliberations/(\d+)`)

// TestDeliberationJourney runs the whole capability over HTTP with plain
// forms, as a browser without JavaScript would: the secretariat sets up a
// deliberation, anonymous participants vote and add a statement, the
// secretariat moderates, the analysis runs and the report and exports show
// it, then the API votes and reads the analysis.
func TestDeliberationJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newSite(t, db)
		sec := st.signIn("secretariat")

		// Bad settings are refused with the typed values kept.
		res := st.post(sec, "/admin/deliberations/new", url.Values{"title_en": {"Good practice"}, "moderation": {"sometimes"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "govuk-error-summary") || !strings.Contains(res.Body, `value="Good practice"`) {
			t.Fatalf("create with errors: status %d, want 422 with the error summary and the typed title", res.StatusCode)
		}
		res = st.post(sec, "/admin/deliberations/new", url.Values{"title_en": {"Good practice"}, "title_fr": {"Bonnes pratiques"},
			"moderation": {"pre"}, "require_stakeholder": {"yes"}, "status": {"open"}})
		m := delibIDRe.FindStringSubmatch(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("create: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		base := "/deliberations/" + m[1]
		res = st.post(sec, "/admin/deliberations/"+m[1]+"/statements", url.Values{"text_en": {"Only English"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Only English") {
			t.Errorf("seed without French: status %d, want 422 keeping the English text", res.StatusCode)
		}
		for _, s := range [][2]string{{"Vendors should publish their customers.", "Les vendeurs devraient publier leurs clients."},
			{"Export licences should be public.", "Les licences d’exportation devraient être publiques."}} {
			if res := st.post(sec, "/admin/deliberations/"+m[1]+"/statements", url.Values{"text_en": {s[0]}, "text_fr": {s[1]}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("seed: status %d", res.StatusCode)
			}
		}
		svc := &deliberate.Service{DB: db}
		seeds, _ := svc.Statements(context.Background(), auth.Actor{}, id, deliberate.Accepted)
		if len(seeds) != 2 {
			t.Fatalf("seeded statements = %d, want 2", len(seeds))
		}

		// A participant without an account, in French.
		p := st.client()
		res = st.get(p, base+"?lang=fr")
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "D’accord") || !strings.Contains(res.Body, "Les vendeurs devraient publier leurs clients.") ||
			!strings.Contains(res.Body, `name="stakeholder"`) {
			t.Fatalf("vote page in French: status %d, want the French statement, buttons and the stakeholder question", res.StatusCode)
		}
		first := strconv.FormatInt(seeds[0].ID, 10)
		second := strconv.FormatInt(seeds[1].ID, 10)
		// The stakeholder type is required here.
		res = st.post(p, base+"/votes", url.Values{"statement": {first}, "vote": {"agree"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "communauté de parties prenantes") {
			t.Errorf("vote without stakeholder: status %d, want 422 asking for it", res.StatusCode)
		}
		res = st.post(p, base+"/votes", url.Values{"statement": {first}, "vote": {"agree"}, "stakeholder": {"civil_society"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first vote: status %d, want 303", res.StatusCode)
		}
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if strings.HasPrefix(c.Name, "__Host-pallmall_delib_") {
				cookie = c
			}
		}
		if cookie == nil || !cookie.Secure || !cookie.HttpOnly || cookie.Path != "/" || len(cookie.Value) < 43 {
			t.Errorf("participant cookie = %+v, want a __Host- Secure HttpOnly cookie with a 256-bit token", cookie)
		}
		res = st.get(p, base+"?done=vote")
		if !strings.Contains(res.Body, "Les licences d’exportation devraient être publiques.") || !strings.Contains(res.Body, "Vous avez voté sur 1 affirmations sur 2") {
			t.Errorf("after voting, the page shows the next statement and progress; got:\n%s", delibExcerpt(res.Body, "govuk-heading-m"))
		}

		// Bad input is refused clearly, and nothing is stored.
		bad := []struct {
			name string
			form url.Values
			want string
		}{
			{"bad value", url.Values{"statement": {second}, "vote": {"maybe"}}, "Choisissez d’accord, pas d’accord ou passer"},
			{"unknown statement", url.Values{"statement": {"999999"}, "vote": {"agree"}}, "Cette affirmation n’existe pas"},
			{"not a number", url.Values{"statement": {"abc"}, "vote": {"agree"}}, "Cette affirmation n’existe pas"},
		}
		for _, b := range bad {
			res := st.post(p, base+"/votes", b.form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, b.want) || !strings.Contains(res.Body, "govuk-error-summary") {
				t.Errorf("%s: status %d, want 422 with %q in an error summary", b.name, res.StatusCode, b.want)
			}
			if !strings.Contains(res.Body, `name="vote" value="agree"`) {
				t.Errorf("%s: the redisplayed page has no vote buttons", b.name)
			}
		}

		// A participant's statement waits for pre-moderation.
		res = st.post(p, base+"/statements", url.Values{"text": {"Les victimes devraient être notifiées."}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "statement_pending") {
			t.Fatalf("submit: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
		}
		queue := st.get(sec, "/admin/deliberations/"+m[1]+"/queue")
		if !strings.Contains(queue.Body, "Les victimes devraient être notifiées.") {
			t.Fatalf("queue does not show the pending statement")
		}
		pending, _ := svc.Statements(context.Background(), auth.System, id, deliberate.Pending)
		if len(pending) != 1 {
			t.Fatalf("pending = %d, want 1", len(pending))
		}
		pid := strconv.FormatInt(pending[0].ID, 10)
		res = st.post(p, base+"/votes", url.Values{"statement": {pid}, "vote": {"agree"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "attend la modération") {
			t.Errorf("vote on pending: status %d, want 422", res.StatusCode)
		}
		if res := st.post(sec, "/admin/deliberations/"+m[1]+"/statements/"+pid+"/moderate", url.Values{"decision": {"rejected"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: status %d", res.StatusCode)
		}
		res = st.post(p, base+"/votes", url.Values{"statement": {pid}, "vote": {"agree"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "retirée par la modération") {
			t.Errorf("vote on moderated-out: status %d, want 422", res.StatusCode)
		}
		if q := st.get(sec, "/admin/deliberations/"+m[1]+"/queue"); !strings.Contains(q.Body, "Removed statements") || !strings.Contains(q.Body, ">Restore</button>") ||
			!strings.Contains(q.Body, "Vendors should publish their customers.") {
			t.Errorf("queue should list the removed statement with Restore, and the seeds among those shown")
		}
		// Others cannot moderate.
		if res := st.post(st.signIn("delegateA"), "/admin/deliberations/"+m[1]+"/statements/"+pid+"/moderate", url.Values{"decision": {"accepted"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("moderate as delegate: status %d, want 403", res.StatusCode)
		}

		// More participants, so there is something to analyse.
		for i := range 20 {
			c := st.client()
			k := "state"
			if i%2 == 0 {
				k = "industry"
			}
			v := []string{"agree", "disagree"}[i%2]
			st.post(c, base+"/votes", url.Values{"statement": {first}, "vote": {v}, "stakeholder": {k}})
			st.post(c, base+"/votes", url.Values{"statement": {second}, "vote": {"agree"}})
		}
		p2 := st.client()
		res = st.get(p, base+"/report")
		if !strings.Contains(res.Body, "L’analyse n’a pas encore tourné") {
			t.Errorf("report before analysis should say it has not run")
		}
		if _, err := svc.Analyse(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if res := st.get(p, base+"/report"); !strings.Contains(res.Body, "Votez sur 1 affirmations de plus") {
			t.Errorf("report for a participant with 1 of 2 votes should ask for one more")
		}
		st.post(p, base+"/votes", url.Values{"statement": {second}, "vote": {"pass"}})
		if _, err := svc.Analyse(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		res = st.get(p, base+"/report?lang=en")
		for _, want := range []string{"<svg class=\"pm-chart\"", "role=\"img\"", "Group sizes", "Your position is marked", "Across stakeholder communities", "Bridging statements", "Civil society", "(you voted: Agree)"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if strings.Contains(res.Body, "style=") {
			t.Errorf("report has an inline style attribute, which the CSP forbids")
		}
		if res := st.get(p2, base+"/report"); strings.Contains(res.Body, "Your position is marked") {
			t.Errorf("a stranger's report marks a position")
		}
		res = st.get(p, base+"/analysis.json")
		var e deliberate.Export
		if err := json.Unmarshal([]byte(res.Body), &e); err != nil || e.Votes != 42 || len(e.Statements) != 2 {
			t.Errorf("analysis.json = %d votes, %d statements, %v; want 42, 2", e.Votes, len(e.Statements), err)
		}
		if strings.Contains(res.Body, `"id": `+strconv.FormatInt(id+1000, 10)) || strings.Contains(res.Body, "participant_id") {
			t.Errorf("the export names participants")
		}
		res = st.get(p, base+"/analysis.csv")
		rows, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		if err != nil || len(rows) != 3 || rows[0][0] != "statement_id" {
			t.Errorf("analysis.csv = %d rows, %v; want header + 2", len(rows), err)
		}

		// The API: join, vote, bad input, read the analysis.
		status, body := apiCall(t, st, "GET", base, "", "")
		if sts, _ := body["statements"].([]any); status != http.StatusOK || len(sts) != 2 || body["require_stakeholder"] != true {
			t.Errorf("API deliberation = %d %v; want 200 with the 2 statements open for votes", status, body)
		}
		if status, body := apiCall(t, st, "GET", "/deliberations", "", ""); status != http.StatusOK || len(body["data"].([]any)) != 1 {
			t.Errorf("API deliberations = %d %v; want one", status, body)
		}
		status, body = apiCall(t, st, "POST", base+"/participants", "", `{"stakeholder":"academia"}`)
		token, _ := body["participant_token"].(string)
		if status != http.StatusCreated || len(token) < 43 {
			t.Fatalf("API join: %d %v", status, body)
		}
		for _, c := range []struct {
			token, body string
			status      int
		}{
			{token, `{"statement_id":` + first + `,"vote":"agree"}`, http.StatusOK},
			{token, `{"statement_id":` + first + `,"vote":"yes"}`, http.StatusUnprocessableEntity},
			{token, `{"statement_id":999999,"vote":"agree"}`, http.StatusUnprocessableEntity},
			{token, `{"statement_id":` + pid + `,"vote":"agree"}`, http.StatusUnprocessableEntity},
			{token, `{"statement":1}`, http.StatusUnprocessableEntity},
			{"", `{"statement_id":` + first + `,"vote":"agree"}`, http.StatusUnauthorized},
			{"wrong", `{"statement_id":` + first + `,"vote":"agree"}`, http.StatusUnauthorized},
		} {
			if status, body := apiCall(t, st, "POST", base+"/votes", c.token, c.body); status != c.status {
				t.Errorf("API vote %s with token %q = %d %v, want %d", c.body, c.token, status, body, c.status)
			}
		}
		status, body = apiCall(t, st, "GET", base+"/analysis", "", "")
		if status != http.StatusOK || body["votes"] != float64(42) {
			t.Errorf("API analysis = %d, votes %v; want 200, 42 (before the runner re-analyses)", status, body["votes"])
		}
	})
}

func apiCall(t *testing.T, st *site, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, st.srv.URL+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Participant-Token", token)
	}
	res := st.do(st.client(), req)
	var out map[string]any
	json.Unmarshal([]byte(res.Body), &out)
	return res.StatusCode, out
}

func delibExcerpt(body, near string) string {
	i := strings.Index(body, near)
	if i < 0 {
		return body[:min(len(body), 400)]
	}
	return body[i:min(len(body), i+400)]
}

// TestDeliberationOptionalStakeholderAndStates covers a deliberation that
// does not require a stakeholder type, post-moderation, drafts and closing.
func TestDeliberationOptionalStakeholderAndStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newSite(t, db)
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, err := svc.Create(ctx, auth.System, deliberate.Deliberation{TitleEN: "Open talk", TitleFR: "Discussion ouverte", Moderation: deliberate.PostModeration})
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := svc.AddSeed(ctx, auth.System, d.ID, "Transparency helps.", "La transparence aide.")
		base := "/deliberations/" + strconv.FormatInt(d.ID, 10)
		p := st.client()
		if res := st.get(p, base); res.StatusCode != http.StatusNotFound {
			t.Errorf("draft for the public: status %d, want 404", res.StatusCode)
		}
		sec := st.signIn("secretariat")
		if res := st.get(sec, base); res.StatusCode != http.StatusOK {
			t.Errorf("draft for the secretariat: status %d, want 200", res.StatusCode)
		}
		d.Status = deliberate.Open
		if _, err := svc.Update(ctx, auth.System, d); err != nil {
			t.Fatal(err)
		}
		// Linking to a consultation: chosen from a list; an unknown one is
		// refused; the page links to the consultation for those who may see
		// it (a draft consultation: the secretariat only).
		cs := &consult.Service{DB: db}
		c, err := cs.Create(ctx, auth.System, consult.Consultation{TitleEN: "Code consultation", TitleFR: "Consultation sur le code", SummaryEN: "S", SummaryFR: "S",
			Audiences: consult.Stakeholders[:1], OpensAt: time.Now().Add(-time.Hour), ClosesAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		admin := "/admin/deliberations/" + strconv.FormatInt(d.ID, 10)
		if res := st.get(sec, admin); !strings.Contains(res.Body, ">Code consultation</option>") {
			t.Errorf("settings page does not offer the consultation")
		}
		form := url.Values{"title_en": {d.TitleEN}, "title_fr": {d.TitleFR}, "moderation": {"post"}, "status": {"open"}, "consultation_id": {"999999"}}
		if res := st.post(sec, admin, form); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "existing consultation") {
			t.Errorf("unknown consultation: status %d, want 422", res.StatusCode)
		}
		form.Set("consultation_id", strconv.FormatInt(c.ID, 10))
		if res := st.post(sec, admin, form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("link consultation: status %d", res.StatusCode)
		}
		link := `href="/consultations/` + strconv.FormatInt(c.ID, 10) + `">Code consultation</a>`
		if res := st.get(sec, base); !strings.Contains(res.Body, link) {
			t.Errorf("deliberation page does not link its consultation")
		}
		res := st.get(p, base)
		if strings.Contains(res.Body, link) {
			t.Errorf("the public sees a link to a draft consultation")
		}
		if !strings.Contains(res.Body, "Prefer not to say") || !strings.Contains(res.Body, "(optional)") {
			t.Errorf("optional stakeholder question missing")
		}
		if res := st.post(p, base+"/votes", url.Values{"statement": {strconv.FormatInt(seed.ID, 10)}, "vote": {"pass"}, "stakeholder": {""}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("vote without stakeholder where optional: status %d, want 303", res.StatusCode)
		}
		// One participant, one vote (a pass): the analysis and report are
		// still valid.
		if _, err := svc.Analyse(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{base + "/report", base + "/analysis.json", base + "/analysis.csv"} {
			if res := st.get(p, path); res.StatusCode != http.StatusOK {
				t.Errorf("%s with one participant: status %d", path, res.StatusCode)
			}
		}
		res = st.post(p, base+"/statements", url.Values{"text": {"Publish the licences."}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "done=statement") {
			t.Fatalf("submit under post-moderation: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		res = st.get(p, base+"?done=statement")
		if !strings.Contains(res.Body, "Publish the licences.") || !strings.Contains(res.Body, "now open for votes") {
			t.Errorf("post-moderated statement not shown at once")
		}
		// An empty statement is refused with the form kept.
		res = st.post(p, base+"/statements", url.Values{"text": {"   "}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "govuk-error-summary") {
			t.Errorf("empty statement: status %d, want 422", res.StatusCode)
		}
		// Forgetting deletes the votes and the cookie.
		res = st.post(p, base+"/forget", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("forget: status %d", res.StatusCode)
		}
		tallies, _ := svc.Tallies(ctx, auth.Actor{}, d.ID)
		if len(tallies) != 0 {
			t.Errorf("tallies after forgetting = %+v, want none", tallies)
		}
		if res := st.get(p, base+"?done=forgotten"); !strings.Contains(res.Body, "Your votes have been deleted") || strings.Contains(res.Body, "Delete my votes") {
			t.Errorf("after forgetting, the page should confirm and no longer know the participant")
		}
		d.Status, d.ConsultationID = deliberate.Closed, c.ID
		if _, err := svc.Update(ctx, auth.System, d); err != nil {
			t.Fatal(err)
		}
		if res := st.post(p, base+"/votes", url.Values{"statement": {strconv.FormatInt(seed.ID, 10)}, "vote": {"agree"}}); res.StatusCode != http.StatusConflict {
			t.Errorf("vote when closed: status %d, want 409", res.StatusCode)
		}
		if res := st.get(p, base); !strings.Contains(res.Body, "This deliberation is closed") || strings.Contains(res.Body, `name="vote"`) {
			t.Errorf("closed page should say so and offer no vote buttons")
		}
	})
}

func TestConsultationPageLinksItsDeliberations(t *testing.T) {
	st := newConsultSite(t, storetest.SQLite(t))
	d, err := (&deliberate.Service{DB: st.db}).Create(context.Background(), auth.System, deliberate.Deliberation{
		TitleEN: "Vote on licensing", TitleFR: "Votez sur les licences", ConsultationID: st.id, Moderation: deliberate.PostModeration, Status: deliberate.Open})
	if err != nil {
		t.Fatal(err)
	}
	res := st.get(st.client(), st.path(""))
	if !strings.Contains(res.Body, `href="/deliberations/`+strconv.FormatInt(d.ID, 10)+`"`) || !strings.Contains(res.Body, "Vote on licensing") {
		t.Error("the consultation page does not link the deliberation that belongs to it")
	}
}

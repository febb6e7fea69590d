package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

// consultSite is a site with an open consultation built through the
// secretariat's pages.
type consultSite struct {
	*site
	sec *http.Client
	id  int64
	qn  consult.Questionnaire
	q   map[string]consult.Question
}

func (s *consultSite) path(rest string) string {
	return "/consultations/" + strconv.FormatInt(s.id, 10) + rest
}

func (s *consultSite) admin(rest string) string {
	return "/admin/consultations/" + strconv.FormatInt(s.id, 10) + rest
}

func wantStatus(t *testing.T, what string, res response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.StatusCode, want, excerpt(res.Body))
	}
}

func excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000]
	}
	return body
}

func newConsultSite(t *testing.T, db *store.DB) *consultSite {
	t.Helper()
	st := &consultSite{site: newSite(t, db), q: map[string]consult.Question{}}
	st.sec = st.signIn("secretariat")
	opens := time.Now().Add(-time.Hour).In(mustLondon()).Format("2006-01-02T15:04")
	closes := time.Now().Add(30 * 24 * time.Hour).In(mustLondon()).Format("2006-01-02T15:04")
	form := url.Values{"title_en": {"Good practice for states"}, "title_fr": {"Bonnes pratiques pour les États"},
		"summary_en": {"How should states regulate?"}, "summary_fr": {"Comment les États doivent-ils réguler ?"},
		"audiences": {"state", "civil_society"}, "opens_at": {opens}, "closes_at": {closes}, "partner_en": {"France"}, "partner_fr": {"la France"}}
	res := st.post(st.sec, "/admin/consultations/new", form)
	wantStatus(t, "create consultation", res, http.StatusSeeOther)
	st.id, _ = strconv.ParseInt(strings.TrimPrefix(res.Header.Get("Location"), "/admin/consultations/"), 10, 64)
	res = st.post(st.sec, st.admin("/sections"), url.Values{"title_en": {"Regulation"}, "title_fr": {"Régulation"}})
	wantStatus(t, "add section", res, http.StatusSeeOther)
	svc := &consult.Service{DB: db}
	qn, _ := svc.Questionnaire(context.Background(), auth.System, st.id)
	section := strconv.FormatInt(qn.Sections[0].ID, 10)
	for _, q := range []struct{ label, kind, options, extra string }{
		{"short", "short_text", "", "required"},
		{"yesno", "yes_no", "", ""},
		{"states", "long_text", "", "states"},
		{"multiple", "multiple", "Licensing | Licences\nExport controls | Contrôles à l’export", "other"},
		{"ranking", "ranking", "Audit | Audit\nRedress | Recours\nTransparency | Transparence", ""},
		{"likert", "likert", "", ""},
		{"file", "file", "", ""},
	} {
		f := url.Values{"section": {section}, "kind": {q.kind}, "text_en": {"Question " + q.label + "?"}, "text_fr": {"Question " + q.label + " ?"}, "options": {q.options}}
		switch q.extra {
		case "required":
			f.Set("required", "yes")
		case "states":
			f.Set("audiences", "state")
		case "other":
			f.Set("allow_other", "yes")
		}
		res := st.post(st.sec, st.admin("/questions/new"), f)
		wantStatus(t, "add question "+q.label, res, http.StatusSeeOther)
	}
	// A question shown only to those who answered yes.
	qn, _ = svc.Questionnaire(context.Background(), auth.System, st.id)
	yesno := qn.Sections[0].Questions[1]
	res = st.post(st.sec, st.admin("/questions/new"), url.Values{"section": {section}, "kind": {"long_text"}, "text_en": {"Why yes?"}, "text_fr": {"Pourquoi oui ?"},
		"required": {"yes"}, "cond_question": {strconv.FormatInt(yesno.ID, 10)}, "cond_values": {"yes"}, "max_chars": {"200"}})
	wantStatus(t, "add conditional question", res, http.StatusSeeOther)
	res = st.post(st.sec, st.admin("/status"), url.Values{"status": {"open"}})
	wantStatus(t, "open", res, http.StatusSeeOther)
	st.qn, _ = svc.Questionnaire(context.Background(), auth.System, st.id)
	for i, label := range []string{"short", "yesno", "states", "multiple", "ranking", "likert", "file", "ifyes"} {
		st.q[label] = st.qn.Sections[0].Questions[i]
	}
	return st
}

func mustLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}

func TestConsultationFormKeepsValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newSite(t, db)
		sec := st.signIn("secretariat")
		res := st.post(sec, "/admin/consultations/new", url.Values{"title_en": {"Typed title"}, "summary_en": {"Typed summary"},
			"opens_at": {"2026-03-01T09:00"}, "closes_at": {"yesterday"}, "audiences": {"industry"}})
		wantStatus(t, "create with errors", res, http.StatusUnprocessableEntity)
		for _, want := range []string{`value="Typed title"`, `>Typed summary</textarea>`, `value="industry" checked`, `value="2026-03-01T09:00"`,
			`govuk-error-summary`, `href="#closes_at"`, `href="#title_fr"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("redisplayed form lacks %s", want)
			}
		}
		if res := st.get(st.signIn("partner"), "/admin/consultations"); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /admin/consultations as partner: status %d, want 403", res.StatusCode)
		}
		if res := st.get(st.client(), "/admin/consultations/new"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET /admin/consultations/new signed out: status %d, want a redirect to sign in", res.StatusCode)
		}
	})
}

func TestConsultationPreviewByStakeholder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		for _, tt := range []struct {
			as   string
			want bool
		}{{"state", true}, {"industry", false}} {
			res := st.get(st.sec, st.admin("/preview?as="+tt.as))
			wantStatus(t, "preview", res, http.StatusOK)
			if got := strings.Contains(res.Body, "Question states?"); got != tt.want {
				t.Errorf("preview as %s shows the states-only question = %v, want %v", tt.as, got, tt.want)
			}
		}
		res := st.get(st.sec, st.admin(""))
		for _, want := range []string{"Question ranking?", "Why yes?", "Europe/London", "in Paris"} {
			if want == "Europe/London" {
				continue
			}
			if !strings.Contains(res.Body, want) {
				t.Errorf("builder page lacks %q", want)
			}
		}
	})
}

var resumeLink = regexp.MustCompile(`href="https://pallmall\.example(/consultations/\d+/resume/[A-Za-z0-9_-]+)"`)

func TestRespondentJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		c := st.client()
		res := st.get(c, st.path(""))
		wantStatus(t, "consultation page", res, http.StatusOK)
		if !strings.Contains(res.Body, "in Paris)") {
			t.Errorf("consultation page does not show Paris time")
		}
		// Bad details keep what was typed.
		res = st.post(c, st.path("/start"), url.Values{"kind": {"organisation"}, "stakeholder": {"civil_society"}, "name": {"Ada Lovelace"}, "email": {"not an email"}})
		wantStatus(t, "start with errors", res, http.StatusUnprocessableEntity)
		for _, want := range []string{`value="Ada Lovelace"`, `href="#organisation_name"`, `href="#email"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("start form redisplay lacks %s", want)
			}
		}
		res = st.post(c, st.path("/start"), url.Values{"kind": {"organisation"}, "stakeholder": {"civil_society"}, "name": {"Ada Lovelace"},
			"organisation_name": {"Digital Defenders"}, "email": {"ada@example.org"}})
		wantStatus(t, "start", res, http.StatusCreated)
		m := resumeLink.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no resume link on the started page")
		}
		link := m[1]
		section := st.path("/respond/section/" + strconv.FormatInt(st.qn.Sections[0].ID, 10))
		short, multiple, ranking := qn(st.q["short"]), qn(st.q["multiple"]), qn(st.q["ranking"])
		// An invalid ranking and an "other" without text are reported with
		// every typed value kept.
		typed := url.Values{short: {"Typed answer"}, multiple: {"1", "other"}, ranking + "_rank_1": {"1"}, ranking + "_rank_2": {"1"}, "action": {"later"}}
		res = st.post(c, section, typed)
		wantStatus(t, "save section with errors", res, http.StatusUnprocessableEntity)
		for _, want := range []string{`value="Typed answer"`, `href="#` + ranking + `"`, `href="#` + multiple + `"`, `value="other" checked`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("section redisplay lacks %s", want)
			}
		}
		if strings.Contains(res.Body, "Question states?") {
			t.Errorf("civil society is shown the states-only question")
		}
		// Save a draft and come back later on another device.
		draft := url.Values{short: {"Licensing with audits"}, multiple: {"1", "other"}, multiple + "_other": {"Transparency reports"},
			ranking + "_rank_1": {"2"}, ranking + "_rank_2": {"3"}, ranking + "_rank_3": {"1"}, qn(st.q["yesno"]): {"yes"}, "action": {"later"}}
		wantStatus(t, "save draft", st.post(c, section, draft), http.StatusSeeOther)
		other := st.client()
		wantStatus(t, "resume link", st.get(other, link), http.StatusSeeOther)
		res = st.get(other, section)
		wantStatus(t, "section after resume", res, http.StatusOK)
		for _, want := range []string{`value="Transparency reports"`, `value="Licensing with audits"`, `<option value="3" selected>3</option>`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("resumed draft lacks %s", want)
			}
		}
		// Continue requires the conditional question revealed by "yes".
		draft.Set("action", "continue")
		res = st.post(other, section, draft)
		wantStatus(t, "continue without conditional answer", res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, `href="#`+qn(st.q["ifyes"])+`"`) {
			t.Errorf("missing conditional answer not reported")
		}
		draft.Set(qn(st.q["ifyes"]), "Because audits work")
		res = st.post(other, section, draft)
		wantStatus(t, "continue", res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != st.path("/respond/consent") {
			t.Errorf("after the last section: Location %q, want the consent page", loc)
		}
		// Consent: anonymous publication, no sharing.
		res = st.post(other, st.path("/respond/consent"), url.Values{"share": {"no"}})
		wantStatus(t, "consent with errors", res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, `href="#publish"`) || !strings.Contains(res.Body, `value="no" checked`) {
			t.Errorf("consent redisplay lacks the error or the typed choice")
		}
		wantStatus(t, "consent", st.post(other, st.path("/respond/consent"), url.Values{"share": {"no"}, "publish": {"anonymous"}, "contact": {"no"}}), http.StatusSeeOther)
		res = st.get(other, st.path("/respond/check"))
		wantStatus(t, "check answers", res, http.StatusOK)
		for _, want := range []string{"Licensing with audits", "1. Transparency; 2. Audit; 3. Redress", "Other: Transparency reports", "France"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("check page lacks %q", want)
			}
		}
		// Submit twice (two tabs): one response, one receipt.
		wantStatus(t, "submit", st.post(other, st.path("/respond/submit"), nil), http.StatusSeeOther)
		wantStatus(t, "submit again", st.post(c, st.path("/respond/submit"), nil), http.StatusSeeOther)
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM consult_responses WHERE status = 'submitted'`).Scan(&n)
		if n != 1 {
			t.Errorf("submitted responses after a double submit = %d, want 1", n)
		}
		res = st.get(other, st.path("/respond/receipt.json"))
		wantStatus(t, "receipt download", res, http.StatusOK)
		var rc consult.Receipt
		if err := json.Unmarshal([]byte(res.Body), &rc); err != nil {
			t.Fatalf("receipt JSON: %v", err)
		}
		if err := rc.Verify(); err != nil {
			t.Errorf("downloaded receipt does not verify: %v", err)
		}
		if strings.Contains(string(rc.Response), "Ada") || strings.Contains(string(rc.Response), "Digital Defenders") {
			t.Errorf("receipt commits to the identity: %s", rc.Response)
		}
		res = st.get(c, st.path("/respond/receipt"))
		if !strings.Contains(res.Body, rc.Commitment) || !strings.Contains(res.Body, rc.Reference) {
			t.Errorf("receipt page lacks the digest or reference")
		}
		// Closing: a new respondent is refused with the closing time; the
		// respondent can still withdraw.
		wantStatus(t, "close", st.post(st.sec, st.admin("/status"), url.Values{"status": {"closed"}}), http.StatusSeeOther)
		res = st.post(st.client(), st.path("/start"), url.Values{"kind": {"individual"}, "stakeholder": {"individual"}, "name": {"Late"}})
		wantStatus(t, "start after close", res, http.StatusConflict)
		if !strings.Contains(res.Body, "This consultation closed on") || !strings.Contains(res.Body, "in Paris)") {
			t.Errorf("closed page lacks the closing time")
		}
		wantStatus(t, "withdraw after close", st.post(other, st.path("/respond/withdraw"), nil), http.StatusSeeOther)
		res = st.get(other, st.path("/respond"))
		if !strings.Contains(res.Body, "You withdrew this response") {
			t.Errorf("tasks page after withdrawal does not say so")
		}
		if strings.Contains(st.logs.String(), link[len(link)-20:]) {
			t.Errorf("the resume token reached the logs")
		}
	})
}

func TestResumeTokenOpensOnlyItsOwnResponse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		for _, path := range []string{st.path("/resume/" + auth.NewToken()), "/consultations/999/resume/x"} {
			if res := st.get(st.client(), path); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, res.StatusCode)
			}
		}
		// With no response cookie, the journey starts afresh.
		res := st.get(st.client(), st.path("/respond/check"))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != st.path("/start") {
			t.Errorf("GET check without a response: %d %s, want a redirect to start", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestAttachmentRefusedKeepsTheForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		c := st.client()
		wantStatus(t, "start", st.post(c, st.path("/start"), url.Values{"kind": {"individual"}, "stakeholder": {"individual"}, "name": {"Bo"}}), http.StatusCreated)
		section := st.path("/respond/section/" + strconv.FormatInt(st.qn.Sections[0].ID, 10))
		pdf := "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" +
			"3 0 obj\n<< /Author (Ada Lovelace) /Title (Secret plans) >>\nendobj\ntrailer\n<< /Root 1 0 R /Info 3 0 R >>\n%%EOF\n"
		for _, tt := range []struct {
			name, file string
			data       []byte
			status     int
			message    string
		}{
			{"executable", "tool.exe", []byte("MZ\x90\x00 not a document"), http.StatusUnprocessableEntity, "must be a PDF"},
			{"unreadable pdf", "broken.pdf", []byte("%PDF-1.4\n1 0 obj << /Author (Ada Lovelace) /Title (Secret plans) >> endobj\n%%EOF\n"), http.StatusUnprocessableEntity, "could not remove the hidden details"},
			{"pdf", "notes.pdf", []byte(pdf), http.StatusSeeOther, ""},
		} {
			res := st.postMultipart(c, section, map[string]string{qn(st.q["short"]): "Kept answer", "action": "later"}, qn(st.q["file"]), tt.file, tt.data)
			if res.StatusCode != tt.status {
				t.Fatalf("upload %s: status %d, want %d\n%s", tt.name, res.StatusCode, tt.status, excerpt(res.Body))
			}
			if tt.status == http.StatusUnprocessableEntity && (!strings.Contains(res.Body, `value="Kept answer"`) || !strings.Contains(res.Body, tt.message)) {
				t.Errorf("refused upload %s lost the typed answer or the message %q", tt.name, tt.message)
			}
		}
		var data []byte
		db.QueryRow(context.Background(), `SELECT data FROM consult_files`).Scan(&data)
		if strings.Contains(string(data), "Ada Lovelace") || strings.Contains(string(data), "Secret plans") || !strings.HasPrefix(string(data), "%PDF-1.4") {
			t.Errorf("stored PDF = %q, want it without its author and title", data)
		}
		res := st.get(c, section)
		if !strings.Contains(res.Body, "notes.pdf") {
			t.Errorf("section page does not show the uploaded file")
		}
		res = st.post(c, section, url.Values{qn(st.q["file"]) + "_remove": {"yes"}, "action": {"later"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove file: status %d", res.StatusCode)
		}
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM consult_files`).Scan(&n)
		if n != 0 {
			t.Errorf("files after removal = %d, want 0", n)
		}
	})
}

func qn(q consult.Question) string { return fmt.Sprintf("q%d", q.ID) }

func (s *site) postMultipart(c *http.Client, path string, fields map[string]string, fileField, fileName string, data []byte) response {
	s.t.Helper()
	var body strings.Builder
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile(fileField, fileName)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(body.String()))
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return s.do(c, req)
}

// respondDirect submits a response through the domain, for tests about
// what happens afterwards.
func (s *consultSite) respondDirect(about consult.About, answers map[int64]consult.Answer, share bool, publish consult.Publish) {
	s.t.Helper()
	ctx := context.Background()
	svc := &consult.Service{DB: s.db}
	_, token, err := svc.Start(ctx, s.id, about)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := svc.SaveAnswers(ctx, s.id, token, s.qn.Sections[0].ID, answers, true); err != nil {
		s.t.Fatal(err)
	}
	no := false
	if err := svc.SetConsent(ctx, s.id, token, "en", &share, &no, publish); err != nil {
		s.t.Fatal(err)
	}
	if _, err := svc.Submit(ctx, s.id, token); err != nil {
		s.t.Fatal(err)
	}
}

func TestAnalysisPagesAndCoding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		state := consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Rudolf Rassendyll", OrganisationName: "Ruritania", Country: "RR"}
		civil := consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: "Ada Lovelace", Email: "ada@example.org"}
		st.respondDirect(state, map[int64]consult.Answer{st.q["short"].ID: {Text: "Licensing of exports"}, st.q["likert"].ID: {Choices: []string{"4"}},
			st.q["multiple"].ID: {Choices: []string{"1"}}}, true, consult.PublishNamed)
		st.respondDirect(civil, map[int64]consult.Answer{st.q["short"].ID: {Text: "Spyware targets journalists like me, Ada"}, st.q["likert"].ID: {Choices: []string{"1"}},
			st.q["multiple"].ID: {Choices: []string{"1", "other"}, Other: "Bans"}}, false, consult.PublishAnonymous)
		an := st.signIn("analyst")
		res := st.get(an, st.admin("/analysis"))
		wantStatus(t, "analysis", res, http.StatusOK)
		for _, want := range []string{`<svg class="pm-chart"`, `pm-chart__axis`, "1 (50%)", "Civil society (1)", "RR"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("analysis page lacks %q", want)
			}
		}
		if strings.Contains(res.Body, "style=") {
			t.Errorf("analysis page uses inline styles, which the CSP forbids")
		}
		res = st.get(an, st.admin("/analysis/texts?q=journalists"))
		wantStatus(t, "texts", res, http.StatusOK)
		if !strings.Contains(res.Body, "Spyware targets journalists") || strings.Contains(res.Body, "Licensing of exports") {
			t.Errorf("search for journalists did not find exactly the civil society answer")
		}
		// Redaction with a reason hides the passage from analysts.
		var respID int64
		db.QueryRow(context.Background(), `SELECT response_id FROM consult_answers WHERE body LIKE 'Spyware%'`).Scan(&respID)
		short := strconv.FormatInt(st.q["short"].ID, 10)
		res = st.post(an, st.admin("/analysis/redact"), url.Values{"response": {strconv.FormatInt(respID, 10)}, "question": {short}, "passage": {"like me, Ada"}})
		wantStatus(t, "redact without reason", res, http.StatusUnprocessableEntity)
		wantStatus(t, "redact", st.post(an, st.admin("/analysis/redact"), url.Values{"response": {strconv.FormatInt(respID, 10)}, "question": {short},
			"passage": {"like me, Ada"}, "reason": {"identifies the respondent"}}), http.StatusSeeOther)
		res = st.get(an, st.admin("/analysis/texts"))
		for _, secret := range []string{"Ada", "Rudolf", "Ruritania", "ada@example.org"} {
			if strings.Contains(res.Body, secret) {
				t.Errorf("analyst's texts page shows %q", secret)
			}
		}
		if !strings.Contains(res.Body, "Spyware targets journalists [redacted]") {
			t.Errorf("redacted text not shown to the analyst")
		}
		// Two coders: the second analyst is the secretariat here.
		wantStatus(t, "add code", st.post(an, st.admin("/analysis/coding"), url.Values{"label": {"Journalists"}}), http.StatusSeeOther)
		res = st.post(an, st.admin("/analysis/coding"), url.Values{"label": {"journalists"}})
		wantStatus(t, "duplicate code", res, http.StatusUnprocessableEntity)
		var codeID int64
		db.QueryRow(context.Background(), `SELECT id FROM consult_codes`).Scan(&codeID)
		for _, c := range []*http.Client{an, st.sec} {
			wantStatus(t, "code", st.post(c, st.admin("/analysis/coding/answer"), url.Values{"response": {strconv.FormatInt(respID, 10)}, "question": {short},
				"code": {strconv.FormatInt(codeID, 10)}, "return": {"//evil.example/"}}), http.StatusSeeOther)
		}
		res = st.post(an, st.admin("/analysis/coding/passage"), url.Values{"response": {strconv.FormatInt(respID, 10)}, "question": {short},
			"code": {strconv.FormatInt(codeID, 10)}, "passage": {"not in it"}})
		wantStatus(t, "tag absent passage", res, http.StatusUnprocessableEntity)
		wantStatus(t, "tag passage", st.post(an, st.admin("/analysis/coding/passage"), url.Values{"response": {strconv.FormatInt(respID, 10)}, "question": {short},
			"code": {strconv.FormatInt(codeID, 10)}, "passage": {"targets journalists"}}), http.StatusSeeOther)
		if res := st.get(an, st.admin("/analysis/texts")); !strings.Contains(res.Body, "“targets journalists” — Journalists") {
			t.Errorf("tagged passage not listed")
		}
		res = st.get(an, st.admin("/analysis/coding"))
		if !strings.Contains(res.Body, "Ana Lyst") || !strings.Contains(res.Body, "Sec Retariat") || !strings.Contains(res.Body, ">1.00<") {
			t.Errorf("coding page lacks the pair's agreement")
		}
		if res := st.get(st.signIn("partner"), st.admin("/analysis")); res.StatusCode != http.StatusForbidden {
			t.Errorf("analysis as partner: status %d, want 403", res.StatusCode)
		}
	})
}

func TestSummaryExportsAndPartnerPackage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		identity, _ := age.GenerateX25519Identity()
		ctx := context.Background()
		svc := &consult.Service{DB: db}
		c, _ := svc.Get(ctx, auth.System, st.id)
		c.PartnerKey = identity.Recipient().String()
		if _, err := svc.Update(ctx, auth.System, c, ""); err != nil {
			t.Fatal(err)
		}
		state := consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Rudolf", OrganisationName: "Ruritania", Country: "RR"}
		st.respondDirect(state, map[int64]consult.Answer{st.q["short"].ID: {Text: "State view"}, st.q["likert"].ID: {Choices: []string{"4"}}}, true, consult.PublishNamed)
		for i := 0; i < 5; i++ {
			civil := consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: fmt.Sprintf("Civil %d", i)}
			st.respondDirect(civil, map[int64]consult.Answer{st.q["short"].ID: {Text: "Civil view"}, st.q["likert"].ID: {Choices: []string{"1"}}}, false, consult.PublishAnonymous)
		}
		// Exports stream to the secretariat and analysts.
		res := st.get(st.signIn("analyst"), st.admin("/export?format=csv"))
		wantStatus(t, "analyst CSV export", res, http.StatusOK)
		if strings.Contains(res.Body, "Rudolf") || !strings.Contains(res.Body, "Civil view") {
			t.Errorf("analyst export identities wrong")
		}
		res = st.get(st.sec, st.admin("/export?format=xlsx"))
		wantStatus(t, "XLSX export", res, http.StatusOK)
		if !strings.HasPrefix(res.Body, "PK") {
			t.Errorf("XLSX export is not a zip")
		}
		// The partner downloads the encrypted package; the analyst cannot.
		partner := st.signIn("partner")
		res = st.get(partner, "/partner/consultations")
		wantStatus(t, "partner list", res, http.StatusOK)
		if res := st.get(st.signIn("analyst"), st.path("/package")); res.StatusCode == http.StatusOK {
			t.Errorf("analyst fetched a partner package")
		}
		if res := st.get(st.signIn("analyst"), "/partner/consultations/"+strconv.FormatInt(st.id, 10)+"/package"); res.StatusCode != http.StatusForbidden {
			t.Errorf("analyst partner package: status %d, want 403", res.StatusCode)
		}
		res = st.get(partner, "/partner/consultations/"+strconv.FormatInt(st.id, 10)+"/package")
		wantStatus(t, "partner package", res, http.StatusOK)
		plain, err := age.Decrypt(strings.NewReader(res.Body), identity)
		if err != nil {
			t.Fatalf("decrypt package: %v", err)
		}
		zb, _ := io.ReadAll(plain)
		zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
		if err != nil {
			t.Fatalf("package is not a zip: %v", err)
		}
		rc, _ := zr.Open("responses.csv")
		csvBytes, _ := io.ReadAll(rc)
		if !bytes.Contains(csvBytes, []byte("Ruritania")) || bytes.Contains(csvBytes, []byte("Civil 1")) {
			t.Errorf("partner package identities wrong")
		}
		// The summary is not public before publication, then suppresses
		// the single state.
		if res := st.get(st.client(), st.path("/summary")); res.StatusCode != http.StatusNotFound {
			t.Errorf("summary before publication: status %d, want 404", res.StatusCode)
		}
		wantStatus(t, "close", st.post(st.sec, st.admin("/status"), url.Values{"status": {"closed"}}), http.StatusSeeOther)
		wantStatus(t, "publish", st.post(st.sec, st.admin("/status"), url.Values{"status": {"published"}}), http.StatusSeeOther)
		res = st.get(st.client(), st.path("/summary"))
		wantStatus(t, "summary", res, http.StatusOK)
		for _, want := range []string{"fewer than 5", "Ruritania", "Anonymous", "Civil view"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("summary lacks %q", want)
			}
		}
		for _, notWant := range []string{"Civil 1", "Rudolf"} {
			if strings.Contains(res.Body, notWant) {
				t.Errorf("summary shows %q", notWant)
			}
		}
	})
}

func (s *site) api(method, path, token string, body string) response {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	return s.do(s.client(), req)
}

func TestConsultationAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		ctx := context.Background()
		token := func(label string) string {
			u := st.users[label]
			tok, err := st.auth.CreateAPIToken(ctx, u.Actor(), u.ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		delegate, analyst := token("delegateA"), token("analyst")
		res := st.api("GET", "/api/v1/consultations", "", "")
		wantStatus(t, "list", res, http.StatusOK)
		if !strings.Contains(res.Body, `"Good practice for states"`) {
			t.Errorf("list lacks the consultation: %s", res.Body)
		}
		res = st.api("GET", "/api/v1/consultations/"+strconv.FormatInt(st.id, 10), "", "")
		wantStatus(t, "get", res, http.StatusOK)
		if !strings.Contains(res.Body, `"Question ranking?"`) {
			t.Errorf("get lacks the questions")
		}
		path := "/api/v1/consultations/" + strconv.FormatInt(st.id, 10) + "/responses"
		bad := fmt.Sprintf(`{"answers": {"%d": {"text": ""}, "999": {"text": "x"}}, "consent": {"share": true, "publish": "maybe", "contact": false}}`, st.q["short"].ID)
		res = st.api("POST", path, delegate, bad)
		wantStatus(t, "submit invalid", res, http.StatusUnprocessableEntity)
		for _, f := range []string{fmt.Sprintf(`"answers.q%d"`, st.q["short"].ID), `"answers.q999"`, `"consent.publish"`} {
			if !strings.Contains(res.Body, f) {
				t.Errorf("invalid submission does not name %s: %s", f, res.Body)
			}
		}
		good := fmt.Sprintf(`{"name": "Del A", "answers": {"%d": {"text": "Our state licenses vendors"}, "%d": {"text": "Export controls"}}, "consent": {"share": true, "publish": "named", "contact": false}}`,
			st.q["short"].ID, st.q["states"].ID)
		res = st.api("POST", path, delegate, good)
		wantStatus(t, "submit", res, http.StatusCreated)
		var rc consult.Receipt
		json.Unmarshal([]byte(res.Body), &rc)
		if err := rc.Verify(); err != nil {
			t.Errorf("API receipt does not verify: %v", err)
		}
		if res := st.api("POST", path, analyst, good); res.StatusCode != http.StatusForbidden {
			t.Errorf("submit as analyst: status %d, want 403", res.StatusCode)
		}
		res = st.api("GET", "/api/v1/consultations/"+strconv.FormatInt(st.id, 10)+"/export?format=csv", analyst, "")
		wantStatus(t, "export", res, http.StatusOK)
		if !strings.Contains(res.Body, "Our state licenses vendors") || strings.Contains(res.Body, "Ruritania") {
			t.Errorf("analyst API export wrong: %s", res.Body)
		}
		if res := st.api("GET", "/api/v1/consultations/"+strconv.FormatInt(st.id, 10)+"/export?format=csv", token("partner"), ""); res.StatusCode != http.StatusForbidden {
			t.Errorf("partner export without scope: status %d, want 403", res.StatusCode)
		}
		res = st.api("GET", "/api/v1/consultations/"+strconv.FormatInt(st.id, 10)+"/export?format=json&scope=partner", token("partner"), "")
		wantStatus(t, "partner export", res, http.StatusOK)
		if !strings.Contains(res.Body, "Ruritania") {
			t.Errorf("partner export lacks the consenting state's identity")
		}
		if res := st.api("GET", "/api/v1/consultations/"+strconv.FormatInt(st.id, 10)+"/summary", "", ""); res.StatusCode != http.StatusNotFound {
			t.Errorf("summary before publication: status %d, want 404", res.StatusCode)
		}
		wantStatus(t, "close", st.post(st.sec, st.admin("/status"), url.Values{"status": {"closed"}}), http.StatusSeeOther)
		if res := st.api("POST", path, delegate, good); res.StatusCode != http.StatusConflict {
			t.Errorf("submit after close: status %d, want 409", res.StatusCode)
		}
	})
}

func TestBackgroundExportOnlyForRequester(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		for i := 0; i < 3; i++ {
			st.respondDirect(consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: fmt.Sprintf("Civil %d", i)},
				map[int64]consult.Answer{st.q["short"].ID: {Text: fmt.Sprintf("View %d", i)}}, false, consult.PublishNone)
		}
		an := st.signIn("analyst")
		res := st.post(an, st.admin("/exports"), url.Values{"format": {"csv"}})
		wantStatus(t, "start export", res, http.StatusSeeOther)
		job := res.Header.Get("Location")
		deadline := time.Now().Add(10 * time.Second)
		for {
			res = st.get(an, job)
			wantStatus(t, "job page", res, http.StatusOK)
			if strings.Contains(res.Body, "/download") {
				break
			}
			if res.Header.Get("Refresh") == "" {
				t.Fatalf("running job page has no Refresh header:\n%s", excerpt(res.Body))
			}
			if time.Now().After(deadline) {
				t.Fatalf("export job did not finish")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(res.Body, `<progress id="job-progress" max="100" value="100">`) {
			t.Errorf("finished job page lacks a full progress bar")
		}
		res = st.get(an, job+"/download")
		wantStatus(t, "download", res, http.StatusOK)
		if !strings.Contains(res.Body, "View 2") || strings.Contains(res.Body, "Civil 2") {
			t.Errorf("analyst's background export content wrong:\n%s", res.Body)
		}
		for _, c := range []*http.Client{st.sec} {
			for _, p := range []string{job, job + "/download"} {
				if res := st.get(c, p); res.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s as someone else: status %d, want 404", p, res.StatusCode)
				}
			}
		}
		if res := st.get(st.client(), job+"/download"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("download signed out: status %d, want a redirect to sign in", res.StatusCode)
		}
	})
}

// TestConsultKeysInCatalogues checks every message key the consultation
// code names (validation messages in package consult, page titles and
// labels in the handlers) exists in both catalogues, and the keys built at
// run time too.
func TestConsultKeysInCatalogues(t *testing.T) {
	c, err := web.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`"(consult\.[a-z0-9_.]*[a-z0-9_])"`)
	var keys []string
	for _, pattern := range []string{"../consult/*.go", "consult*.go"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(f)
			for _, m := range key.FindAllStringSubmatch(string(b), -1) {
				if strings.HasSuffix(m[1], ".") {
					continue // a prefix completed at run time, checked below
				}
				keys = append(keys, m[1])
			}
		}
	}
	for _, k := range consult.Stakeholders {
		keys = append(keys, "consult.stakeholder."+string(k), "consult.stakeholder."+string(k)+".hint")
	}
	for _, k := range consult.Kinds {
		keys = append(keys, "consult.kind."+string(k))
	}
	for _, s := range []consult.Status{consult.Draft, consult.Open, consult.Closed, consult.Published} {
		keys = append(keys, "consult.status."+string(s))
	}
	if len(keys) < 60 {
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

func TestBuilderMovesAndDeletes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		wantStatus(t, "move down", st.post(st.sec, st.admin("/questions/"+strconv.FormatInt(st.q["short"].ID, 10)+"/move"), url.Values{"by": {"1"}}), http.StatusSeeOther)
		qn, _ := (&consult.Service{DB: db}).Questionnaire(context.Background(), auth.System, st.id)
		if qn.Sections[0].Questions[1].ID != st.q["short"].ID {
			t.Errorf("short question not moved down")
		}
		st.respondDirect(consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: "X"}, map[int64]consult.Answer{st.q["short"].ID: {Text: "x"}}, false, consult.PublishNone)
		sec := strconv.FormatInt(st.qn.Sections[0].ID, 10)
		res := st.post(st.sec, st.admin("/sections/"+sec+"/delete"), nil)
		wantStatus(t, "delete section without reason", res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "give the reason") {
			t.Errorf("no reason error shown")
		}
		wantStatus(t, "delete section", st.post(st.sec, st.admin("/sections/"+sec+"/delete"), url.Values{"reason": {"Replaced by a shorter questionnaire"}}), http.StatusSeeOther)
		if res := st.get(st.client(), st.path("")); !strings.Contains(res.Body, "Replaced by a shorter questionnaire") {
			t.Errorf("public page does not show the change and its reason")
		}
	})
}

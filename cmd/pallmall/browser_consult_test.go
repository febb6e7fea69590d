package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/chromedp"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// js runs a script in the page, for ticking radios and boxes.
func (s *session) js(what, script string) {
	s.t.Helper()
	s.do(what, chromedp.Evaluate[chromedp.Void](script))
}

// TestBrowserConsultation is the "done when": the secretariat
// builds and opens a consultation; a civil-society respondent saves a
// draft, comes back through the resume link, consents to anonymous
// publication but not to sharing, submits and downloads the receipt; a
// state delegate responds for their state and consents to sharing; an
// analyst codes both; the partner package holds the state's identity and
// not the civil-society respondent's; the summary suppresses small cells.
func TestBrowserConsultation(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a, url, secrets := startBrowserSite(t)
	b := newBrowser(t, url)
	partnerKey, _ := age.GenerateX25519Identity()

	// The secretariat builds the consultation with the forms.
	sec := b.session()
	sec.signIn("sec@example.org", browserPassword, secrets["sec@example.org"])
	sec.open("/admin/consultations/new")
	london, _ := time.LoadLocation("Europe/London")
	sec.js("tick audiences", `document.querySelector('#audiences').checked = true; document.querySelector('#audiences-civil_society').checked = true`)
	sec.submit(map[string]string{
		"#title_en": "Good practice on spyware", "#title_fr": "Bonnes pratiques sur les logiciels espions",
		"#summary_en": "Tell us what good practice looks like.", "#summary_fr": "Dites-nous ce que sont les bonnes pratiques.",
		"#opens_at":   time.Now().Add(-time.Hour).In(london).Format("2006-01-02T15:04"),
		"#closes_at":  time.Now().Add(30 * 24 * time.Hour).In(london).Format("2006-01-02T15:04"),
		"#partner_en": "France", "#partner_fr": "la France", "#partner_key": partnerKey.Recipient().String(),
	}, "main form button[type=submit]")
	loc := sec.location()
	m := regexp.MustCompile(`^/admin/consultations/(\d+)$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after creating, at %s: %s", loc, sec.text("main"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	admin := "/admin/consultations/" + m[1]
	sec.submit(map[string]string{"#title_en": "Practice", "#title_fr": "Pratique"}, `form[action$="/sections"] button`)
	sectionLink := sec.attr(`a[href*="/questions/new?section="]`, "href")
	for _, q := range []struct{ kind, en, fr string }{
		{"long_text", "What should be done about spyware?", "Que faire face aux logiciels espions ?"},
		{"likert", "Licensing should be mandatory.", "Les licences devraient être obligatoires."},
	} {
		sec.open(sectionLink)
		sec.js("choose kind", `document.querySelector('#kind-`+q.kind+`').checked = true; document.querySelector('#required').checked = true`)
		sec.submit(map[string]string{"#text_en": q.en, "#text_fr": q.fr}, "main form button[type=submit]")
		if loc := sec.location(); !strings.HasPrefix(loc, admin) {
			t.Fatalf("after adding a question, at %s: %s", loc, sec.text("main"))
		}
	}
	sec.click("#status") // open
	if !strings.Contains(sec.text("main"), "Open") {
		t.Fatalf("consultation not open: %s", sec.text("main"))
	}

	// A civil-society respondent saves a draft.
	civ := b.session()
	civ.open("/consultations/" + m[1])
	civ.click("a.govuk-button--start")
	civ.js("about", `document.querySelector('#kind').checked = true; document.querySelector('#stakeholder-civil_society').checked = true`)
	civ.submit(map[string]string{"#name": "Ada Lovelace"}, "main form button[type=submit]")
	resume := civ.attr("#resume-link a", "href")
	resume = resume[strings.Index(resume, "/consultations/"):]
	civ.click("main a.govuk-button")
	civ.click("a.govuk-task-list__link[href*='/section/']")
	civ.submit(map[string]string{"textarea.govuk-textarea": "Spyware is used against journalists; fund forensic help."}, `button[value="later"]`)

	// ... and comes back through the resume link in another browser.
	civ2 := b.session()
	civ2.open(resume)
	if loc := civ2.location(); !strings.HasSuffix(loc, "/respond") {
		t.Fatalf("resume link led to %s", loc)
	}
	civ2.click("a.govuk-task-list__link[href*='/section/']")
	if v := civ2.value("textarea.govuk-textarea"); !strings.Contains(v, "fund forensic help") {
		t.Fatalf("resumed draft lost the answer: %q", v)
	}
	civ2.js("likert", `document.querySelector('input[type=radio][value="5"]').checked = true`)
	civ2.click(`button[value="continue"]`)
	civ2.js("consent", `document.querySelector('#share-no').checked = true; document.querySelector('#publish-anonymous').checked = true; document.querySelector('#contact-no').checked = true`)
	civ2.click("main form button[type=submit]")
	if h1 := civ2.text("h1"); h1 != "Check your answers" {
		t.Fatalf("after consent, h1 = %q: %s", h1, civ2.text("main"))
	}
	civ2.click("main form button[type=submit]")
	digest := civ2.text("main dd code")
	receiptJSON := get(civ2, "download receipt", chromedp.Evaluate[string](`(function(){var x = new XMLHttpRequest(); x.open('GET', document.querySelector('a[href$="receipt.json"]').href, false); x.send(); return x.responseText})()`))
	var rc consult.Receipt
	if err := json.Unmarshal([]byte(receiptJSON), &rc); err != nil {
		t.Fatalf("receipt: %v: %s", err, receiptJSON)
	}
	if rc.Commitment != digest || rc.Verify() != nil {
		t.Errorf("downloaded receipt commitment %s (page shows %s) does not verify", rc.Commitment, digest)
	}

	// A state delegate responds for their state and consents to sharing.
	st := b.session()
	st.open("/consultations/" + m[1] + "/start")
	st.js("about", `document.querySelector('#kind-organisation').checked = true; document.querySelector('#stakeholder').checked = true`)
	st.submit(map[string]string{"#name": "Dana Delegate", "#organisation_name": "Ruritania", "#country": "RR"}, "main form button[type=submit]")
	st.click("main a.govuk-button")
	st.click("a.govuk-task-list__link[href*='/section/']")
	st.js("likert", `document.querySelector('input[type=radio][value="4"]').checked = true`)
	st.submit(map[string]string{"textarea.govuk-textarea": "Ruritania licenses every vendor."}, `button[value="continue"]`)
	st.js("consent", `document.querySelector('#share').checked = true; document.querySelector('#publish').checked = true; document.querySelector('#contact-no').checked = true`)
	st.click("main form button[type=submit]")
	st.click("main form button[type=submit]")
	if h1 := st.text("h1"); h1 != "Response submitted" {
		t.Fatalf("state submission: h1 = %q: %s", h1, st.text("main"))
	}

	// An analyst codes both answers.
	an := b.session()
	an.signIn("analyst@example.org", browserPassword, "")
	an.open(admin + "/analysis/coding")
	an.submit(map[string]string{"#label": "Regulation"}, "main form button.govuk-button")
	for i := range 2 {
		an.open(admin + "/analysis/texts")
		an.js("code answer", `var f = document.querySelectorAll('form[action$="/coding/answer"]')[`+strconv.Itoa(i)+`]; f.querySelector('input[name=code]').checked = true; f.querySelector('button').click()`)
		an.settle()
	}
	an.open(admin + "/analysis/coding")
	if main := an.text("main"); !strings.Contains(main, "Regulation") || strings.Contains(main, "Ada") {
		t.Errorf("coding page: %s", main)
	}
	an.open(admin + "/analysis")
	if n := get(an, "charts", chromedp.Evaluate[int](`document.querySelectorAll('svg.pm-chart').length`)); n < 2 {
		t.Errorf("analysis shows %d charts, want at least 2", n)
	}

	// The partner package: the state's identity, not the civil society one's.
	var pkg bytes.Buffer
	partner, err := a.auth.UserByEmail(context.Background(), "partner@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := (&consult.Service{DB: a.db, Keys: a.auth.Keys}).PartnerExport(context.Background(), partner.Actor(), id, &pkg); err != nil {
		t.Fatalf("partner export: %v", err)
	}
	plain, err := age.Decrypt(&pkg, partnerKey)
	if err != nil {
		t.Fatal(err)
	}
	zb, _ := io.ReadAll(plain)
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatal(err)
	}
	f, _ := zr.Open("responses.csv")
	csvText, _ := io.ReadAll(f)
	if !strings.Contains(string(csvText), "Dana Delegate") || strings.Contains(string(csvText), "Ada Lovelace") {
		t.Errorf("partner responses.csv identities wrong:\n%s", csvText)
	}

	// Close, publish, and the public summary suppresses the small cells.
	sec.open(admin)
	sec.click("#status") // close
	sec.click("#status") // publish
	pub := b.session()
	pub.open("/consultations/" + m[1] + "/summary")
	main := pub.text("main")
	for _, want := range []string{"fewer than 5", "Ruritania", "Anonymous", "fund forensic help"} {
		if !strings.Contains(main, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Contains(main, "Ada") {
		t.Errorf("summary names the anonymous respondent")
	}
	_ = auth.System
}

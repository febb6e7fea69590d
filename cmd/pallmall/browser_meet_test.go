package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-ical"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/demo"
)

// TestBrowserMeeting runs a meeting end to end in Chromium: the secretariat
// creates it and invites two organisations; one registers a delegation
// needing French interpretation and fills the meeting; the other goes on
// the waiting list; the secretariat publishes the outcome with an
// endorsement made at the meeting; and the calendar file the page links
// to is parsed back with an iCalendar parser.
func TestBrowserMeeting(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a, url, secrets := startBrowserSite(t)
	ctx := context.Background()
	orgA, err := a.auth.OrganisationByName(ctx, "Ruritania")
	if err != nil {
		t.Fatal(err)
	}
	// The Code of Practice, and Ruritania's endorsement of it on paper at
	// the meeting, as the frameworks capability records them.
	fw := &declare.Service{DB: a.db}
	code := demo.CodeOfPractice2025()
	if err := fw.CreateFramework(ctx, auth.System, code.Framework, code.Title, code.Preamble); err != nil {
		t.Fatal(err)
	}
	version, err := fw.PublishVersion(ctx, auth.System, code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: code.Framework, OrganisationID: orgA.ID, Method: declare.MethodPaper, PaperReference: "signed at the meeting"}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, url)
	sec := b.session()
	sec.signIn("sec@example.org", browserPassword, secrets["sec@example.org"])

	// Create the meeting: three places, three people per organisation.
	london, _ := time.LoadLocation("Europe/London")
	day := time.Now().In(london).AddDate(0, 2, 0).Format("2006-01-02")
	deadline := time.Now().In(london).AddDate(0, 1, 0).Format("2006-01-02") + "T17:00"
	sec.open("/meetings/new")
	sec.submit(map[string]string{
		"#title_en": "Browser intermediary meeting", "#title_fr": "Réunion intermédiaire du navigateur",
		"#venue": "Lancaster House", "#city": "London", "#time_zone": "Europe/London",
		"#starts_at": day + "T09:30", "#ends_at": day + "T17:00", "#registration_deadline": deadline,
		"#capacity": "3", "#delegation_limit": "3",
	}, "main form button[type=submit]")
	path := sec.location()
	if !strings.HasPrefix(path, "/meetings/") || sec.text("h1") != "Browser intermediary meeting" {
		t.Fatalf("after creating, at %s with h1 %q", path, sec.text("h1"))
	}

	// Invite both organisations (listed by name: Open Rights Lab first).
	sec.open(path + "/delegations")
	sec.do("tick both organisations",
		chromedp.Click(chromedp.CSS(`#organisation`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#organisation-%d`, orgA.ID))))
	sec.submit(nil, `form[action$="/invitations"] button`)
	if invited := sec.text("main table"); !strings.Contains(invited, "Ruritania") || !strings.Contains(invited, "Open Rights Lab") {
		t.Fatalf("invitations table = %q, want both organisations", invited)
	}

	// Ruritania registers three people needing interpretation into French.
	da := b.session()
	da.signIn("del.a@example.org", browserPassword, "")
	da.open(path + "/registration")
	da.do("choose French interpretation", chromedp.Click(chromedp.CSS(`#interpretation-fr`)))
	da.submit(map[string]string{
		"#head_name": "Dana Delegate", "#head_job_title": "Ambassador", "#head_access": "Step-free access",
		"#member1_name": "Eli Envoy", "#member2_name": "Fran Fellow",
	}, "main form button[type=submit]")
	if main := da.text("#registration ~ p"); !strings.Contains(main, "confirmed") {
		t.Errorf("Ruritania's registration = %q, want confirmed", main)
	}
	if main := da.text("main"); !strings.Contains(main, "Into French") || strings.Contains(main, "Step-free") {
		t.Errorf("meeting page for Ruritania: interpretation shown = %v, access needs hidden = %v", strings.Contains(main, "Into French"), !strings.Contains(main, "Step-free"))
	}

	// The meeting is full: Open Rights Lab goes on the waiting list.
	db := b.session()
	db.signIn("del.b@example.org", browserPassword, "")
	db.open(path + "/registration")
	db.submit(map[string]string{"#head_name": "Bo Delegate"}, "main form button[type=submit]")
	if main := db.text("main"); !strings.Contains(main, "Waiting list") || !strings.Contains(main, "number 1 on the waiting list") {
		t.Errorf("Open Rights Lab's registration: %q, want the waiting list", main)
	}

	// The secretariat sees the needs, the interpretation and the queue.
	sec.open(path + "/delegations")
	for _, want := range []string{"Step-free access", "Into French", "Waiting list", "Confirmed"} {
		if !strings.Contains(sec.text("#participants"), want) {
			t.Errorf("participants table lacks %q", want)
		}
	}

	// The outcome: the Code adopted, endorsed by Ruritania at the meeting.
	sec.open(path + "/outcome")
	sec.do("tick Ruritania", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#endorsed-%d`, orgA.ID))))
	sec.submit(map[string]string{
		"#summary_en": "The chair thanked the delegations.", "#summary_fr": "La présidence a remercié les délégations.",
		"#adopted_en": "Code of Practice for States", "#adopted_fr": "Code de bonnes pratiques pour les États",
		"#framework_version_id": fmt.Sprint(version.ID),
	}, "main form button[type=submit]")
	pub := b.session()
	pub.open(path)
	if got := pub.text("#endorsements"); !strings.Contains(got, "Ruritania") || !strings.Contains(got, "endorsed on paper") {
		t.Errorf("public endorsements = %q, want Ruritania's, on paper", got)
	}
	if got := pub.text("main"); !strings.Contains(got, "The chair thanked the delegations.") || strings.Contains(got, "Step-free") || strings.Contains(got, "Eli Envoy") {
		t.Errorf("public meeting page: summary missing, or participants shown")
	}
	pub.open(path + "?lang=fr")
	if got := pub.text("main"); !strings.Contains(got, "La présidence a remercié les délégations.") {
		t.Errorf("French meeting page lacks the French summary")
	}

	// The calendar file the page links to parses, at 09:30 London time.
	href := pub.attr(`a[href$="/calendar.ics"]`, "href")
	res, err := http.Get(url + href + "?lang=fr")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	cal, err := ical.NewDecoder(strings.NewReader(string(body))).Decode()
	if err != nil || len(cal.Events()) != 1 {
		t.Fatalf("%s: %v\n%s", href, err, body)
	}
	ev := cal.Events()[0]
	start, err := ev.DateTimeStart(nil)
	if err != nil || start.In(london).Format("2006-01-02 15:04") != day+" 09:30" {
		t.Errorf("DTSTART = %v, %v; want %s 09:30 in London", start, err, day)
	}
	if summary, _ := ev.Props.Text(ical.PropSummary); summary != "Réunion intermédiaire du navigateur" {
		t.Errorf("SUMMARY of the French calendar = %q", summary)
	}
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

// meetingForm is a valid new-meeting form in Paris time, starting in a
// month, with registration open for three weeks.
func meetingForm(title string, capacity string) url.Values {
	paris, _ := time.LoadLocation("Europe/Paris")
	start := time.Now().In(paris).AddDate(0, 1, 0)
	day := start.Format("2006-01-02")
	return url.Values{
		"title_en": {title}, "title_fr": {title + " (FR)"}, "description_en": {"First paragraph.\n\nSecond paragraph."}, "description_fr": {"Premier paragraphe."},
		"kind": {"intermediary"}, "format": {"hybrid"}, "venue": {"Quai d'Orsay"}, "city": {"Paris"}, "time_zone": {"Europe/Paris"},
		"starts_at": {day + "T09:30"}, "ends_at": {day + "T17:00"}, "registration_deadline": {time.Now().In(paris).AddDate(0, 0, 21).Format("2006-01-02T15:04")},
		"capacity": {capacity}, "delegation_limit": {"3"}, "visibility": {"public"}, "chatham_house": {"yes"},
	}
}

var meetingPath = regexp.MustCompile(`^/meetings/(\d+)$`)

func (s *site) createMeeting(c *http.Client, form url.Values) string {
	s.t.Helper()
	res := s.post(c, "/meetings/new", form)
	if res.StatusCode != http.StatusSeeOther || !meetingPath.MatchString(res.Header.Get("Location")) {
		s.t.Fatalf("POST /meetings/new = %d, Location %q, want a redirect to the meeting\n%s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	return res.Header.Get("Location")
}

func TestMeetingFormKeepsValuesAndShowsErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		c := s.signIn("secretariat")
		form := meetingForm("Workshop on exploit markets", "40")
		form.Set("title_fr", "")
		form.Set("ends_at", form.Get("starts_at")[:10]+"T08:00")
		form.Set("time_zone", "Mars/Olympus")
		res := s.post(c, "/meetings/new", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("POST /meetings/new with errors = %d, want 422", res.StatusCode)
		}
		for _, want := range []string{"govuk-error-summary", `href="#title_fr"`, `href="#time_zone"`, "Workshop on exploit markets", "Quai d&#39;Orsay"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("redisplayed form lacks %q", want)
			}
		}
		if got := s.post(s.signIn("delegateA"), "/meetings/new", meetingForm("X", "4")); got.StatusCode != http.StatusForbidden {
			t.Errorf("POST /meetings/new as a delegate = %d, want 403", got.StatusCode)
		}
	})
}

func TestMeetingEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		sec := s.signIn("secretariat")
		path := s.createMeeting(sec, meetingForm("Paris intermediary meeting", "4"))

		// The secretariat invites both organisations.
		res := s.post(sec, path+"/invitations", url.Values{"organisation": {strconvFormat(s.orgA.ID), strconvFormat(s.orgB.ID)}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST invitations = %d\n%s", res.StatusCode, res.Body)
		}

		// Delegate A registers three people, with French interpretation.
		a := s.signIn("delegateA")
		if res := s.get(a, path+"/registration"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="member2_name"`) || strings.Contains(res.Body, `name="member3_name"`) {
			t.Fatalf("GET registration = %d, want a form with two member rows", res.StatusCode)
		} else if !strings.Contains(res.Body, "deleted 30 days after the meeting ends") || !strings.Contains(res.Body, `aria-describedby="head_dietary-hint"`) {
			t.Errorf("the registration form does not say when dietary and access needs are deleted")
		}
		res = s.post(a, path+"/registration", url.Values{
			"head_name": {"Ana Head"}, "head_job_title": {"Ambassador"}, "head_access": {"Step-free access please"},
			"member1_name": {"Ben Member"}, "member1_dietary": {"Vegetarian"}, "member2_name": {"Cy Member"},
			"interpretation": {"fr"},
		})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST registration (A) = %d\n%s", res.StatusCode, res.Body)
		}
		if res := s.get(a, path); !strings.Contains(res.Body, "is confirmed") || !strings.Contains(res.Body, "Into French") {
			t.Errorf("meeting page for A does not show the confirmed delegation with French interpretation")
		}

		// Delegate B tries four people: refused, values kept.
		b := s.signIn("delegateB")
		over := url.Values{"head_name": {"Dee"}, "member1_name": {"Eve"}, "member2_name": {"Fay"}, "member3_name": {"Gus"}, "interpretation": {"none"}}
		res = s.post(b, path+"/registration", over)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Too many people") || !strings.Contains(res.Body, `value="Fay"`) {
			t.Errorf("POST registration beyond the limit = %d, want 422 with the error and the names kept", res.StatusCode)
		}
		// Two people do not fit in the one place left: the waiting list.
		res = s.post(b, path+"/registration", url.Values{"head_name": {"Dee"}, "member1_name": {"Eve"}, "interpretation": {"none"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST registration (B) = %d\n%s", res.StatusCode, res.Body)
		}
		if res := s.get(b, path); !strings.Contains(res.Body, "number 1 on the waiting list") {
			t.Errorf("meeting page for B does not show its place on the waiting list")
		}

		// Needs are for the secretariat only.
		res = s.get(sec, path+"/delegations")
		for _, want := range []string{"Step-free access please", "Vegetarian", "Waiting list", "Into French"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("delegations page lacks %q", want)
			}
		}
		if res := s.get(a, path+"/delegations"); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET delegations as a delegate = %d, want 403", res.StatusCode)
		}
		res = s.get(sec, path+"/participants.csv")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Body, "Step-free access please") || !strings.Contains(res.Body, "Dee") {
			t.Errorf("participants.csv = %d %q:\n%s", res.StatusCode, res.Header.Get("Content-Type"), res.Body)
		}
		if res := s.get(sec, path+"/participants.xlsx"); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
			t.Errorf("participants.xlsx = %d, want a workbook", res.StatusCode)
		}
		for _, c := range []*http.Client{s.client(), a, b} {
			if res := s.get(c, path); strings.Contains(res.Body, "Step-free") || strings.Contains(res.Body, "Vegetarian") {
				t.Errorf("meeting page shows needs to someone other than the secretariat")
			}
		}
		if res := s.get(b, path+"/participants.csv"); res.StatusCode != http.StatusForbidden {
			t.Errorf("participants.csv as a delegate = %d, want 403", res.StatusCode)
		}

		// A cancels: B moves up from the waiting list.
		if res := s.get(a, path+"/registration"); !strings.Contains(res.Body, `action="`+path+`/registration/cancel"`) || !strings.Contains(res.Body, `value="Ben Member"`) {
			t.Errorf("registration page does not show A's delegation with a way to cancel it")
		}
		if res := s.post(a, path+"/registration/cancel", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST cancel = %d", res.StatusCode)
		}
		if res := s.post(a, path+"/registration/cancel", url.Values{}); res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "no registration to cancel") {
			t.Errorf("POST cancel again = %d, want 409 saying there is nothing to cancel", res.StatusCode)
		}
		if res := s.get(b, path); !strings.Contains(res.Body, "Your delegation of 2 is confirmed") {
			t.Errorf("after A cancelled, B is not confirmed")
		}

		// The outcome: the Code adopted, and Ruritania's endorsement of it
		// (recorded on paper in the signatory register) made at the meeting.
		version := meetPublishCode(t, db, s.orgA.ID)
		outcome := url.Values{"summary_en": {"The chair thanked delegations."}, "summary_fr": {"La présidence a remercié les délégations."},
			"adopted_en": {"Code of Practice for States"}, "adopted_fr": {"Code de bonnes pratiques pour les États"}, "endorsed": {strconvFormat(s.orgA.ID)},
			"framework_version_id": {"999999"}}
		if res := s.post(sec, path+"/outcome", outcome); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Choose a published framework version") || !strings.Contains(res.Body, "The chair thanked delegations.") {
			t.Errorf("POST outcome with an unknown framework version = %d, want 422 with the error and the text kept", res.StatusCode)
		}
		outcome.Set("framework_version_id", strconvFormat(version))
		res = s.post(sec, path+"/outcome", outcome)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST outcome = %d\n%s", res.StatusCode, res.Body)
		}
		public := s.get(s.client(), path+"?lang=fr")
		for _, want := range []string{"La présidence a remercié les délégations.", "Code de bonnes pratiques pour les États", "Ruritanie", "Premier paragraphe.",
			"souscrit sur papier", `href="/frameworks/code-of-practice-states"`, `href="/frameworks/code-of-practice-states/signatories"`} {
			if !strings.Contains(public.Body, want) {
				t.Errorf("public meeting page (fr) lacks %q", want)
			}
		}

		// An agenda session with a speaker and the documents discussed.
		day := meetingForm("x", "1").Get("starts_at")[:10]
		sess := url.Values{"session_title_en": {"Implementing the Code"}, "session_title_fr": {"Mettre en œuvre le code"},
			"session_starts_at": {day + "T08:00"}, "session_ends_at": {day + "T11:00"}, "speaker1_org": {strconvFormat(s.orgB.ID)}, "speaker1_name": {"Dr Dee"},
			"framework_version_id": {strconvFormat(version)}, "register_statistics": {"yes"}}
		if res := s.post(sec, path+"/sessions/new", sess); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "during the meeting") {
			t.Errorf("POST session starting before the meeting = %d, want 422", res.StatusCode)
		}
		sess.Set("session_starts_at", day+"T10:00")
		if res := s.post(sec, path+"/sessions/new", sess); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST session = %d\n%s", res.StatusCode, res.Body)
		}
		agenda := s.get(s.client(), path)
		for _, want := range []string{"Implementing the Code", "Dr Dee", "Open Rights Lab", `href="/register/stats"`, "Code of Practice for States (demo paraphrase), version 2025"} {
			if !strings.Contains(agenda.Body, want) {
				t.Errorf("agenda lacks %q", want)
			}
		}

		// The calendar file parses, at 09:30 Paris time.
		res = s.get(s.client(), path+"/calendar.ics")
		if res.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
			t.Errorf("calendar.ics Content-Type = %q", res.Header.Get("Content-Type"))
		}
		cal, err := ical.NewDecoder(strings.NewReader(res.Body)).Decode()
		if err != nil || len(cal.Events()) != 1 {
			t.Fatalf("calendar.ics does not parse to one event: %v\n%s", err, res.Body)
		}
		start, err := cal.Events()[0].DateTimeStart(nil)
		if paris, _ := time.LoadLocation("Europe/Paris"); err != nil || start.In(paris).Format("15:04") != "09:30" {
			t.Errorf("DTSTART = %s, %v; want 09:30 in Paris", start, err)
		}
		// The organisation's calendar: for those acting for it, and at its
		// secret feed address for calendar applications; nobody else
		// learns which meetings it takes part in.
		if res := s.get(s.client(), "/organisations/"+strconvFormat(s.orgA.ID)+"/meetings.ics"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("organisation calendar for the public = %d, want a redirect to sign in", res.StatusCode)
		}
		if res := s.get(b, "/organisations/"+strconvFormat(s.orgA.ID)+"/meetings.ics"); res.StatusCode != http.StatusForbidden {
			t.Errorf("organisation calendar for another organisation's delegate = %d, want 403", res.StatusCode)
		}
		feed := s.get(a, "/organisations/"+strconvFormat(s.orgA.ID)+"/meetings.ics")
		if fc, err := ical.NewDecoder(strings.NewReader(feed.Body)).Decode(); err != nil || len(fc.Events()) != 1 {
			t.Errorf("organisation calendar = %v, want one event", err)
		}
		feedURL := regexp.MustCompile(`<code id="feed-url">https://pallmall\.example(/meetings/feed/[^<]+)</code>`).FindStringSubmatch(s.get(a, "/meetings").Body)
		if feedURL == nil {
			t.Fatal("the meetings list does not give delegate A its feed address")
		}
		feed = s.get(s.client(), feedURL[1])
		if fc, err := ical.NewDecoder(strings.NewReader(feed.Body)).Decode(); err != nil || len(fc.Events()) != 1 {
			t.Errorf("feed at its secret address = %d %v, want one event", feed.StatusCode, err)
		}
		bad := strings.Replace(feedURL[1], "/"+strconvFormat(s.orgA.ID)+"/", "/"+strconvFormat(s.orgB.ID)+"/", 1)
		if res := s.get(s.client(), bad); res.StatusCode != http.StatusNotFound {
			t.Errorf("A's token for B's feed = %d, want 404", res.StatusCode)
		}

		// Every step wrote an email the secretariat can read.
		res = s.get(sec, "/admin/outbox")
		for _, want := range []string{"Invitation: Paris intermediary meeting", "On the waiting list", "Places confirmed", "Registration cancelled", "a@example.org", "b@example.org"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("outbox lacks %q", want)
			}
		}
		m := regexp.MustCompile(`href="(/admin/outbox/\d+)"`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatal("no message link in the outbox")
		}
		if res := s.get(sec, m[1]); !strings.Contains(res.Body, "https://pallmall.example"+path) {
			t.Errorf("outbox message does not link to the meeting")
		}
		if res := s.get(a, "/admin/outbox"); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /admin/outbox as a delegate = %d, want 403", res.StatusCode)
		}
	})
}

func TestMeetingRegistrationRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		sec := s.signIn("secretariat")
		b := s.signIn("delegateB")
		// Only A is invited: B is told clearly, before and after typing.
		path := s.createMeeting(sec, meetingForm("Invited meeting", "10"))
		s.post(sec, path+"/invitations", url.Values{"organisation": {strconvFormat(s.orgA.ID)}})
		if res := s.get(b, path+"/registration"); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "not invited to this meeting") {
			t.Errorf("GET registration uninvited = %d, want 403 with the reason", res.StatusCode)
		}
		if res := s.post(b, path+"/registration", url.Values{"head_name": {"Dee"}}); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "not invited to this meeting") {
			t.Errorf("POST registration uninvited = %d, want 403 with the reason", res.StatusCode)
		}
		// The deadline has passed.
		form := meetingForm("Late meeting", "10")
		form.Set("registration_deadline", time.Now().Add(-time.Hour).In(mustLoad("Europe/Paris")).Format("2006-01-02T15:04"))
		late := s.createMeeting(sec, form)
		s.post(sec, late+"/invitations", url.Values{"organisation": {strconvFormat(s.orgB.ID)}})
		if res := s.post(b, late+"/registration", url.Values{"head_name": {"Dee"}, "interpretation": {"none"}}); res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "deadline has passed") || !strings.Contains(res.Body, `value="Dee"`) {
			t.Errorf("POST registration after the deadline = %d, want 409 with the reason and the name kept", res.StatusCode)
		}
		// The invitation made by mistake can be withdrawn; one whose
		// organisation registered cannot.
		if res := s.post(sec, late+"/invitations/"+strconvFormat(s.orgB.ID)+"/withdraw", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("POST withdraw = %d, want 303", res.StatusCode)
		}
		if res := s.get(sec, late+"/delegations"); strings.Contains(res.Body, "Open Rights Lab</td>") {
			t.Errorf("withdrawn invitation still listed")
		}
		s.post(sec, path+"/registration?organisation="+strconvFormat(s.orgA.ID), url.Values{"organisation": {strconvFormat(s.orgA.ID)}, "head_name": {"Ana"}, "interpretation": {"none"}})
		if res := s.post(sec, path+"/invitations/"+strconvFormat(s.orgA.ID)+"/withdraw", url.Values{}); res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "cancel its registration") {
			t.Errorf("POST withdraw of a registered organisation = %d, want 409 with the reason", res.StatusCode)
		}
		// An invited-only meeting does not exist for the public.
		hidden := meetingForm("Hidden meeting", "10")
		hidden.Set("visibility", "invited")
		hp := s.createMeeting(sec, hidden)
		if res := s.get(s.client(), hp); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET invited-only meeting as the public = %d, want 404", res.StatusCode)
		}
		if res := s.get(s.client(), "/meetings"); strings.Contains(res.Body, "Hidden meeting") || !strings.Contains(res.Body, "Late meeting") {
			t.Errorf("public meetings list shows the hidden meeting, or not the public ones")
		}
	})
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// meetPublishCode publishes the Code of Practice for States and records
// org's paper endorsement of it, returning the version's id.
func meetPublishCode(t *testing.T, db *store.DB, org int64) int64 {
	t.Helper()
	ctx := context.Background()
	fw := &declare.Service{DB: db}
	doc := demo.CodeOfPractice2025()
	if err := fw.CreateFramework(ctx, auth.System, doc.Framework, doc.Title, doc.Preamble); err != nil {
		t.Fatal(err)
	}
	v, err := fw.PublishVersion(ctx, auth.System, doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: doc.Framework, OrganisationID: org, Method: declare.MethodPaper, PaperReference: "signed at the meeting"}); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// TestMeetingKeysInCatalogues checks that every message key the meetings
// code uses, literal or built from a value, is in both catalogues.
func TestMeetingKeysInCatalogues(t *testing.T) {
	c, err := web.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	literal := regexp.MustCompile(`"(meet\.[a-z_]+(?:\.[a-z_]+)*)"`)
	prefixes := map[string]bool{"meet.kind": true, "meet.format": true, "meet.visibility": true}
	for _, glob := range []string{"../meet/*.go", "meet_*.go", "../api/meet.go", "templates/meet-*.html"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(f)
			for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
				if !prefixes[m[1]] {
					keys = append(keys, m[1])
				}
			}
		}
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys; the pattern is broken", len(keys))
	}
	for _, k := range meet.Kinds {
		keys = append(keys, "meet.kind."+string(k))
	}
	for _, f := range meet.Formats {
		keys = append(keys, "meet.format."+string(f))
	}
	for _, v := range meet.Visibilities {
		keys = append(keys, "meet.visibility."+string(v))
	}
	for _, i := range meet.Interpretations {
		keys = append(keys, "meet.interpretation."+string(i))
	}
	for _, s := range []meet.Status{meet.Confirmed, meet.Waitlisted, meet.Cancelled, "none"} {
		keys = append(keys, "meet.status."+string(s))
	}
	for _, m := range []string{declare.MethodBrowser, declare.MethodPaper, declare.MethodSignature} {
		keys = append(keys, "meet.method."+m)
	}
	for _, k := range keys {
		for _, lang := range web.Languages {
			if !c.Has(lang, k) {
				t.Errorf("key %q is used but missing from the %s catalogue", k, lang)
			}
		}
	}
}

package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-ical"
)

func TestDemoMeetings(t *testing.T) {
	a := &App{Demo: true}
	a.DB.dataDir = t.TempDir()
	url, _ := startApp(t, a)
	code, body := httpGet(t, url+"/meetings")
	for _, want := range []string{"Pall Mall Process inaugural conference", "Pall Mall Process plenary, Paris", "Intermediary meeting on industry good practice"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/meetings = %d, lacks %q", code, want)
		}
	}
	ids := map[string]string{}
	for _, m := range regexp.MustCompile(`href="/meetings/(\d+)">([^<]+)<`).FindAllStringSubmatch(body, -1) {
		ids[m[2]] = m[1]
	}
	// The London conference: past, with its outcome and the endorsements
	// made there.
	_, london := httpGet(t, url+"/meetings/"+ids["Pall Mall Process inaugural conference"])
	for _, want := range []string{"Lancaster House", "Pall Mall Process Declaration", "Endorsements made at the meeting", "United Kingdom", "Ghana", "6 February 2024, 09:00 GMT"} {
		if !strings.Contains(london, want) {
			t.Errorf("London meeting page lacks %q", want)
		}
	}
	// Paris, in French, on the Paris clock in summer time.
	_, paris := httpGet(t, url+"/meetings/"+ids["Pall Mall Process plenary, Paris"]+"?lang=fr")
	for _, want := range []string{"Code de bonnes pratiques pour les États", "3/04/2025 09:30 CEST", "Pologne"} {
		if !strings.Contains(paris, want) {
			t.Errorf("Paris meeting page (fr) lacks %q", want)
		}
	}
	// The upcoming meeting is open, and its calendar file parses.
	next := ids["Intermediary meeting on industry good practice"]
	if _, body := httpGet(t, url+"/meetings/"+next); !strings.Contains(body, "places left") {
		t.Error("upcoming meeting page does not show the places left")
	}
	_, ics := httpGet(t, url+"/meetings/"+next+"/calendar.ics")
	cal, err := ical.NewDecoder(strings.NewReader(ics)).Decode()
	if err != nil || len(cal.Events()) != 1 {
		t.Fatalf("calendar.ics = %v\n%s", err, ics)
	}
	if tz := cal.Events()[0].Props.Get(ical.PropDateTimeStart).Params.Get(ical.PropTimezoneID); tz != "Europe/Zurich" {
		t.Errorf("DTSTART TZID = %q, want Europe/Zurich", tz)
	}
}

func TestMeetingsSendMailFlags(t *testing.T) {
	if _, _, err := runCmd(t, "meetings", "send-mail", "--data", t.TempDir()); exitCode(err) != 2 || !strings.Contains(err.Error(), "smtp-addr") {
		t.Errorf("send-mail without a server = %v (exit %d), want a usage error naming --smtp-addr", err, exitCode(err))
	}
	// An unreachable server sends nothing and keeps the messages.
	out, _, err := runCmd(t, "meetings", "send-mail", "--data", t.TempDir(), "--smtp-addr", "127.0.0.1:1", "--smtp-from", "meetings@pallmall.example")
	if err != nil || !strings.Contains(out, "sent 0 message(s)") {
		t.Errorf("send-mail = %q, %v", out, err)
	}
}

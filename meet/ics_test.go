package meet_test

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/pallmall/pallmall/meet"
)

// resolve turns a local date-time with a TZID into an instant using only
// the VTIMEZONE in the file, as a calendar client without Go's zone
// database would: it finds the observance in force at that wall time.
func resolve(t *testing.T, cal *ical.Calendar, prop *ical.Prop) time.Time {
	t.Helper()
	tzid := prop.Params.Get(ical.PropTimezoneID)
	wall, err := time.ParseInLocation("20060102T150405", prop.Value, time.UTC)
	if err != nil {
		t.Fatalf("%s: %v", prop.Value, err)
	}
	type observance struct {
		onset    time.Time
		from, to int
	}
	var obs []observance
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone || c.Props.Get(ical.PropTimezoneID).Value != tzid {
			continue
		}
		for _, o := range c.Children {
			start, err := time.ParseInLocation("20060102T150405", o.Props.Get(ical.PropDateTimeStart).Value, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			from := parseOffset(t, o.Props.Get(ical.PropTimezoneOffsetFrom).Value)
			to := parseOffset(t, o.Props.Get(ical.PropTimezoneOffsetTo).Value)
			obs = append(obs, observance{onset: start.Add(-time.Duration(from) * time.Second), from: from, to: to})
		}
	}
	if len(obs) == 0 {
		t.Fatalf("no VTIMEZONE for TZID %q", tzid)
	}
	sort.Slice(obs, func(i, j int) bool { return obs[i].onset.Before(obs[j].onset) })
	for i, o := range obs {
		u := wall.Add(-time.Duration(o.to) * time.Second)
		if u.Before(o.onset) {
			continue
		}
		if i+1 < len(obs) && !u.Before(obs[i+1].onset) {
			continue
		}
		return u
	}
	t.Fatalf("%s;TZID=%s is not covered by the VTIMEZONE", prop.Value, tzid)
	return time.Time{}
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	if len(s) != 5 && len(s) != 7 {
		t.Fatalf("offset %q", s)
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := h*3600 + m*60
	if len(s) == 7 {
		x, _ := strconv.Atoi(s[5:7])
		sec += x
	}
	if s[0] == '-' {
		sec = -sec
	}
	return sec
}

func TestICSAcrossTimeZonesAndDST(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		zone       string
		start, end string // instants, chosen to straddle daylight-saving changes
		localStart string // what the file must say on the venue's wall clock
	}{
		// London springs forward on 30 March 2025 at 01:00 UTC.
		{"Europe/London", "2025-03-29T09:00:00Z", "2025-03-31T16:00:00Z", "20250329T090000"},
		// Paris falls back on 26 October 2025 at 01:00 UTC.
		{"Europe/Paris", "2025-10-25T08:00:00Z", "2025-10-27T17:00:00Z", "20251025T100000"},
		// The Paris plenary, April 2025, in summer time.
		{"Europe/Paris", "2025-04-03T07:30:00Z", "2025-04-04T15:00:00Z", "20250403T093000"},
		// London, February 2024: winter time, no change.
		{"Europe/London", "2024-02-06T09:00:00Z", "2024-02-07T17:00:00Z", "20240206T090000"},
		// New York changes a different week from Europe.
		{"America/New_York", "2026-03-07T14:00:00Z", "2026-03-09T21:00:00Z", "20260307T090000"},
		// Sydney: the southern hemisphere, daylight time ends in April.
		{"Australia/Sydney", "2026-04-03T22:00:00Z", "2026-04-06T06:00:00Z", "20260404T090000"},
		// Accra and Tokyo have no daylight saving time at all.
		{"Africa/Accra", "2026-05-12T08:00:00Z", "2026-05-13T16:00:00Z", "20260512T080000"},
		{"Asia/Tokyo", "2026-11-02T00:00:00Z", "2026-11-02T08:00:00Z", "20261102T090000"},
		// India has a half-hour offset; Kathmandu a quarter-hour one.
		{"Asia/Kolkata", "2026-01-15T04:00:00Z", "2026-01-15T10:00:00Z", "20260115T093000"},
		{"Asia/Kathmandu", "2026-01-15T04:00:00Z", "2026-01-15T10:00:00Z", "20260115T094500"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.zone, tt.start), func(t *testing.T) {
			m := meet.Meeting{ID: int64(i + 1), TitleEN: "Plenary, day one; \"Paris\"", TitleFR: "Plénière, jour un ; « Paris »",
				DescriptionEN: strings.Repeat("A long description with commas, semicolons; and accents é. ", 5) + "\nSecond line.",
				Kind:          meet.Plenary, Format: meet.InPerson, Venue: "Lancaster House", City: "London", TimeZone: tt.zone,
				StartsAt: utc(tt.start), EndsAt: utc(tt.end), ChathamHouse: true,
				CreatedAt: utc("2024-01-01T00:00:00Z"), UpdatedAt: utc("2024-01-02T00:00:00Z"), Sequence: 2}
			var buf bytes.Buffer
			if err := meet.WriteICS(&buf, meet.Calendar{Lang: "en", BaseURL: "https://pallmall.example", Stamp: utc("2026-01-01T12:00:00Z"), Meetings: []meet.Meeting{m}}); err != nil {
				t.Fatal(err)
			}
			raw := buf.String()
			for n, l := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
				if len(l) > 75 {
					t.Errorf("line %d is %d octets long, more than 75", n+1, len(l))
				}
				if strings.Contains(l, "\n") {
					t.Errorf("line %d has a bare LF", n+1)
				}
			}
			cal, err := ical.NewDecoder(strings.NewReader(raw)).Decode()
			if err != nil {
				t.Fatalf("Decode: %v\n%s", err, raw)
			}
			// Encoding it again checks the required and unique properties
			// of VCALENDAR and VEVENT.
			if err := ical.NewEncoder(&bytes.Buffer{}).Encode(cal); err != nil {
				t.Errorf("Encode(decoded calendar) = %v", err)
			}
			events := cal.Events()
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			ev := events[0]
			start := ev.Props.Get(ical.PropDateTimeStart)
			if start.Value != tt.localStart || start.Params.Get(ical.PropTimezoneID) != tt.zone {
				t.Errorf("DTSTART = %s;TZID=%s, want %s;TZID=%s", start.Value, start.Params.Get(ical.PropTimezoneID), tt.localStart, tt.zone)
			}
			// The VTIMEZONE alone gives back the exact instants.
			if got := resolve(t, cal, start); !got.Equal(m.StartsAt) {
				t.Errorf("start through VTIMEZONE = %s, want %s", got, m.StartsAt)
			}
			if got := resolve(t, cal, ev.Props.Get(ical.PropDateTimeEnd)); !got.Equal(m.EndsAt) {
				t.Errorf("end through VTIMEZONE = %s, want %s", got, m.EndsAt)
			}
			// So does the parser with the zone database.
			if got, err := ev.DateTimeStart(nil); err != nil || !got.Equal(m.StartsAt) {
				t.Errorf("DateTimeStart = %s, %v; want %s", got, err, m.StartsAt)
			}
			if got, _ := ev.Props.Text(ical.PropSummary); got != m.TitleEN {
				t.Errorf("SUMMARY = %q, want %q", got, m.TitleEN)
			}
			if got, _ := ev.Props.Text(ical.PropDescription); !strings.HasPrefix(got, m.DescriptionEN) || !strings.Contains(got, "Chatham House Rule") {
				t.Errorf("DESCRIPTION = %q, want the description and the Chatham House note", got)
			}
			if got := ev.Props.Get(ical.PropUID).Value; got != fmt.Sprintf("meeting-%d@pallmall.example", m.ID) {
				t.Errorf("UID = %q", got)
			}
		})
	}
}

func TestICSFeedHasOneTimezonePerZone(t *testing.T) {
	mk := func(id int64, zone string, start time.Time) meet.Meeting {
		return meet.Meeting{ID: id, TitleEN: "M", TitleFR: "M", Format: meet.Online, TimeZone: zone, StartsAt: start, EndsAt: start.Add(time.Hour), Cancelled: id == 3}
	}
	ms := []meet.Meeting{
		mk(1, "Europe/London", time.Date(2024, 2, 6, 9, 0, 0, 0, time.UTC)),
		mk(2, "Europe/Paris", time.Date(2025, 4, 3, 7, 0, 0, 0, time.UTC)),
		mk(3, "Europe/London", time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)),
	}
	var buf bytes.Buffer
	if err := meet.WriteICS(&buf, meet.Calendar{Name: "Ruritania: meetings", Lang: "fr", Stamp: time.Now(), Meetings: ms}); err != nil {
		t.Fatal(err)
	}
	cal, err := ical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]int{}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			zones[c.Props.Get(ical.PropTimezoneID).Value]++
		}
	}
	if len(zones) != 2 || zones["Europe/London"] != 1 || zones["Europe/Paris"] != 1 {
		t.Errorf("VTIMEZONEs = %v, want one each for London and Paris", zones)
	}
	for i, ev := range cal.Events() {
		if got := resolve(t, cal, ev.Props.Get(ical.PropDateTimeStart)); !got.Equal(ms[i].StartsAt) {
			t.Errorf("event %d starts %s, want %s", i, got, ms[i].StartsAt)
		}
	}
	if st, _ := cal.Events()[2].Status(); st != ical.EventCancelled {
		t.Errorf("STATUS of a cancelled meeting = %q, want CANCELLED", st)
	}
	if loc, _ := cal.Events()[0].Props.Text(ical.PropLocation); loc != "En ligne" {
		t.Errorf("LOCATION = %q, want En ligne", loc)
	}
}

// BenchmarkWriteICSFeed writes an organisation's feed of 50 meetings in
// five time zones.
func BenchmarkWriteICSFeed(b *testing.B) {
	zones := []string{"Europe/London", "Europe/Paris", "America/New_York", "Africa/Accra", "Asia/Tokyo"}
	var ms []meet.Meeting
	start := time.Date(2024, 2, 6, 9, 0, 0, 0, time.UTC)
	for i := range 50 {
		s := start.AddDate(0, i, 0)
		ms = append(ms, meet.Meeting{ID: int64(i + 1), TitleEN: "Meeting", TitleFR: "Réunion", Format: meet.Online, TimeZone: zones[i%len(zones)], StartsAt: s, EndsAt: s.Add(8 * time.Hour)})
	}
	c := meet.Calendar{Name: "Feed", Lang: "en", BaseURL: "https://pallmall.example", Stamp: start, Meetings: ms}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := meet.WriteICS(&buf, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

package meet

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Calendar is an iCalendar (RFC 5545) file of meetings: one meeting's file
// or an organisation's feed.
type Calendar struct {
	Name     string // the calendar's name, for feeds
	Lang     string // "en" or "fr": the language of titles and descriptions
	BaseURL  string // the platform's public URL, for links and UIDs
	Stamp    time.Time
	Meetings []Meeting
}

// WriteICS writes c as an RFC 5545 iCalendar object. Each meeting's times
// are given in its venue's time zone with a TZID, and every zone used has
// a VTIMEZONE that lists its real UTC offset changes (from Go's zone
// database) over the years the meetings span, so calendar clients place
// them correctly across daylight-saving changes whatever zone they are in.
func WriteICS(w io.Writer, c Calendar) error {
	bw := bufio.NewWriter(w)
	line := func(name, value string) { writeFolded(bw, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Pall Mall Process//Meetings//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if c.Name != "" {
		line("X-WR-CALNAME", escapeText(c.Name))
	}
	// One VTIMEZONE per zone, covering every meeting in it.
	spans := map[string][2]time.Time{}
	for _, m := range c.Meetings {
		sp, ok := spans[m.TimeZone]
		if !ok || m.StartsAt.Before(sp[0]) {
			sp[0] = m.StartsAt
		}
		if !ok || m.EndsAt.After(sp[1]) {
			sp[1] = m.EndsAt
		}
		spans[m.TimeZone] = sp
	}
	zones := make([]string, 0, len(spans))
	for z := range spans {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			return fmt.Errorf("time zone %q: %w", z, err)
		}
		writeVTimezone(bw, z, loc, spans[z][0], spans[z][1])
	}
	host := "pallmall.invalid"
	if u, err := url.Parse(c.BaseURL); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	base := strings.TrimSuffix(c.BaseURL, "/")
	stamp := c.Stamp.UTC().Format("20060102T150405Z")
	for _, m := range c.Meetings {
		loc := m.Location()
		local := func(t time.Time) string { return ";TZID=" + m.TimeZone + ":" + t.In(loc).Format("20060102T150405") }
		link := base + "/meetings/" + strconv.FormatInt(m.ID, 10)
		line("BEGIN", "VEVENT")
		line("UID", "meeting-"+strconv.FormatInt(m.ID, 10)+"@"+host)
		line("DTSTAMP", stamp)
		writeFolded(bw, "DTSTART"+local(m.StartsAt))
		writeFolded(bw, "DTEND"+local(m.EndsAt))
		line("SEQUENCE", strconv.Itoa(m.Sequence))
		line("CREATED", m.CreatedAt.UTC().Format("20060102T150405Z"))
		line("LAST-MODIFIED", m.UpdatedAt.UTC().Format("20060102T150405Z"))
		line("SUMMARY", escapeText(m.Title(c.Lang)))
		desc := m.Description(c.Lang)
		if m.ChathamHouse {
			note := "This meeting is held under the Chatham House Rule."
			if c.Lang == "fr" {
				note = "Cette réunion se tient sous la règle de Chatham House."
			}
			desc = strings.TrimSpace(desc + "\n\n" + note)
		}
		if desc != "" {
			line("DESCRIPTION", escapeText(desc))
		}
		switch {
		case m.Format == Online:
			loc := "Online"
			if c.Lang == "fr" {
				loc = "En ligne"
			}
			line("LOCATION", escapeText(loc))
		default:
			line("LOCATION", escapeText(strings.Trim(m.Venue+", "+m.City, ", ")))
		}
		if base != "" {
			line("URL", link)
		}
		if m.Cancelled {
			line("STATUS", "CANCELLED")
		} else {
			line("STATUS", "CONFIRMED")
		}
		line("CLASS", "PUBLIC")
		line("TRANSP", "OPAQUE")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return bw.Flush()
}

// transition is a change of a zone's UTC offset.
type transition struct {
	at       time.Time // the instant of the change
	from, to int       // offsets in seconds east of UTC
	name     string    // the abbreviation after the change
	daylight bool      // whether the time after the change is daylight saving time
}

// transitions finds every change of loc's offset between from and to by
// stepping a day at a time and bisecting each change to the second.
func transitions(loc *time.Location, from, to time.Time) []transition {
	at := func(t time.Time) (string, int, bool) {
		lt := t.In(loc)
		name, off := lt.Zone()
		return name, off, lt.IsDST()
	}
	name, off, dst := at(from)
	// The first entry gives the offset in force at the start of the range.
	out := []transition{{at: from, from: off, to: off, name: name, daylight: dst}}
	for t := from; t.Before(to); {
		next := t.Add(24 * time.Hour)
		n2, o2, d2 := at(next)
		if o2 != off || n2 != name || d2 != dst {
			lo, hi := t, next // offset at lo is off, at hi is o2
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
				if mid.Equal(lo) {
					break
				}
				if n, o, d := at(mid); o == off && n == name && d == dst {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, transition{at: hi, from: off, to: o2, name: n2, daylight: d2})
			name, off, dst = n2, o2, d2
		}
		t = next
	}
	return out
}

// writeVTimezone writes the VTIMEZONE for loc, from the start of the year
// before start to the end of the year after end, so every instant a
// client may show near the meetings is covered.
func writeVTimezone(w *bufio.Writer, tzid string, loc *time.Location, start, end time.Time) {
	from := time.Date(start.UTC().Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(end.UTC().Year()+2, 1, 1, 0, 0, 0, 0, time.UTC)
	writeFolded(w, "BEGIN:VTIMEZONE")
	writeFolded(w, "TZID:"+tzid)
	for _, tr := range transitions(loc, from, to) {
		kind := "STANDARD"
		if tr.daylight {
			kind = "DAYLIGHT"
		}
		// DTSTART of a zone component is the local time of the change as
		// reckoned with the offset in force before it (RFC 5545, 3.6.5).
		local := tr.at.In(time.FixedZone("", tr.from)).Format("20060102T150405")
		writeFolded(w, "BEGIN:"+kind)
		writeFolded(w, "DTSTART:"+local)
		writeFolded(w, "TZOFFSETFROM:"+formatOffset(tr.from))
		writeFolded(w, "TZOFFSETTO:"+formatOffset(tr.to))
		if tr.name != "" {
			writeFolded(w, "TZNAME:"+escapeText(tr.name))
		}
		writeFolded(w, "END:"+kind)
	}
	writeFolded(w, "END:VTIMEZONE")
}

// formatOffset writes a UTC offset as RFC 5545 does: +HHMM, or +HHMMSS
// when there are seconds.
func formatOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// escapeText escapes a TEXT value (RFC 5545, 3.3.11).
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// writeFolded writes a content line ending in CRLF, folded so that no line
// is longer than 75 octets, never splitting a UTF-8 character.
func writeFolded(w *bufio.Writer, l string) {
	limit := 75
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		w.WriteString(l[:cut])
		w.WriteString("\r\n ")
		l = l[cut:]
		limit = 74 // the leading space counts
	}
	w.WriteString(l)
	w.WriteString("\r\n")
}

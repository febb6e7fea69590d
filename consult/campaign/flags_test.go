package campaign

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

func TestFastTyping(t *testing.T) {
	ts := []Timing{
		{ResponseID: 1, Chars: 1200, Started: t0, Submitted: t0.Add(20 * time.Second)},        // 60/s: pasted
		{ResponseID: 2, Chars: 1200, Started: t0, Submitted: t0.Add(10 * time.Minute)},        // 2/s: typed
		{ResponseID: 3, Chars: 150, Started: t0, Submitted: t0.Add(2 * time.Second)},          // short
		{ResponseID: 4, Chars: 500, Started: t0, Submitted: t0},                               // instant: 500/s
		{ResponseID: 5, Chars: 900, Submitted: t0},                                            // start unknown
		{ResponseID: 6, Chars: 300, Started: t0, Submitted: t0.Add(30 * time.Second)},         // exactly 10/s
		{ResponseID: 7, Chars: 300, Started: t0, Submitted: t0.Add(29500 * time.Millisecond)}, // just over
	}
	got := FastTyping(ts, TypingOptions{})
	var ids []int64
	for _, f := range got {
		ids = append(ids, f.ResponseIDs...)
		if f.Kind != KindFastTyping || f.Count != 1 || f.Evidence == "" {
			t.Errorf("flag %+v: want kind %q, count 1, evidence", f, KindFastTyping)
		}
	}
	if want := []int64{4, 1, 7}; !slices.Equal(ids, want) {
		t.Fatalf("FastTyping flagged %v, want %v (fastest first)", ids, want)
	}
	if f := got[1]; f.Chars != 1200 || f.CharsPerSecond != 60 || f.Window != 20*time.Second || !f.Start.Equal(t0) {
		t.Errorf("flag for response 1 = %+v, want 1200 chars at 60/s over 20s", f)
	}
	if got[0].CharsPerSecond != 500 {
		t.Errorf("an instant submission counts as one second: rate %v, want 500", got[0].CharsPerSecond)
	}
	// Configurable: a stricter rate and a shorter minimum.
	got = FastTyping(ts, TypingOptions{MaxCharsPerSecond: 1, MinChars: 100})
	if len(got) != 7-1 {
		t.Errorf("with 1 char/s and 100 chars minimum, %d flags, want 6", len(got))
	}
}

func TestSameOrganisation(t *testing.T) {
	acme := OrganisationKey("The ACME Group Ltd.")
	var cs []Claim
	for i, contact := range []string{"a", "b", "c", "c", "d", ""} {
		cs = append(cs, Claim{ResponseID: int64(i + 1), Organisation: acme, Contact: contact, At: t0.Add(time.Duration(i) * time.Minute)})
	}
	cs = append(cs,
		Claim{ResponseID: 10, Organisation: OrganisationKey("Reporters Unite"), Contact: "x", At: t0},
		Claim{ResponseID: 11, Organisation: OrganisationKey("reporters unite"), Contact: "x", At: t0},
		Claim{ResponseID: 12, Organisation: "", Contact: "y", At: t0},
		// Three contacts but days apart.
		Claim{ResponseID: 20, Organisation: "slow", Contact: "p", At: t0},
		Claim{ResponseID: 21, Organisation: "slow", Contact: "q", At: t0.Add(48 * time.Hour)},
		Claim{ResponseID: 22, Organisation: "slow", Contact: "r", At: t0.Add(96 * time.Hour)},
	)
	got := SameOrganisation(cs, OrgOptions{})
	if len(got) != 2 {
		t.Fatalf("SameOrganisation = %+v, want acme and slow", got)
	}
	f := got[0]
	if f.Kind != KindSameOrganisation || f.Organisation != "acme group" || f.Contacts != 4 || f.Count != 6 ||
		!slices.Equal(f.ResponseIDs, []int64{1, 2, 3, 4, 5, 6}) || f.Window != 5*time.Minute || !strings.Contains(f.Evidence, "4 different contacts") {
		t.Errorf("acme flag = %+v", f)
	}
	// Within an hour, only acme's contacts count.
	got = SameOrganisation(cs, OrgOptions{Window: time.Hour})
	if len(got) != 1 || got[0].Organisation != "acme group" {
		t.Errorf("with a one-hour window: %+v, want acme only", got)
	}
	// A higher bar.
	if got := SameOrganisation(cs, OrgOptions{MinContacts: 5}); len(got) != 0 {
		t.Errorf("with 5 contacts required: %+v, want none", got)
	}
}

func TestOrganisationKey(t *testing.T) {
	for in, want := range map[string]string{
		"The ACME Group Ltd.":     "acme group",
		"acme group":              "acme group",
		"Les Amis de la Terre":    "amis de la terre",
		"Société Générale S.A.S.": "société générale",
		"Ltd":                     "ltd",
		"":                        "",
	} {
		if got := OrganisationKey(in); got != want {
			t.Errorf("OrganisationKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBursts(t *testing.T) {
	var answers []Answer
	// 25 copies within 50 seconds, then 10 spread over hours.
	for i := range 35 {
		at := t0.Add(time.Duration(2*i) * time.Second)
		if i >= 25 {
			at = t0.Add(time.Duration(i) * time.Hour)
		}
		answers = append(answers, Answer{ID: int64(i + 1), Text: "Ban spyware sales to abusive governments now", At: at})
	}
	// A slow campaign: 30 copies, one every five minutes.
	for i := range 30 {
		answers = append(answers, Answer{ID: int64(100 + i), Text: "Protect journalists from mercenary spyware everywhere", At: t0.Add(time.Duration(5*i) * time.Minute)})
	}
	cs := Find(answers, Options{})
	if len(cs) != 2 {
		t.Fatalf("Find = %d campaigns, want 2", len(cs))
	}
	got := Bursts(cs, BurstOptions{})
	if len(got) != 1 {
		t.Fatalf("Bursts = %+v, want one flag", got)
	}
	f := got[0]
	want := make([]int64, 25)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if f.Kind != KindBurst || f.Count != 25 || f.Window != time.Minute || !f.Start.Equal(t0) || !slices.Equal(f.ResponseIDs, want) {
		t.Errorf("burst flag = %+v, want 25 answers from %v", f, t0)
	}
	if got := Bursts(cs, BurstOptions{MinCount: 26}); len(got) != 0 {
		t.Errorf("with 26 required: %+v", got)
	}
	if got := Bursts(cs, BurstOptions{MinCount: 1}); len(got) != 2 {
		t.Errorf("with 1 required: %d flags, want 2", len(got))
	}
}

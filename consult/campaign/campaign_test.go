package campaign

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExactDuplicatesAndEdgeCases(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var answers []Answer
	for i := range 12 {
		// Case, spacing and punctuation do not make a text different.
		text := "Stop   selling spyware to abusers!"
		if i%2 == 0 {
			text = "stop selling SPYWARE to abusers"
		}
		answers = append(answers, Answer{ID: int64(i + 1), Text: text, At: at.Add(time.Duration(i) * time.Second), Stakeholder: "civil_society"})
	}
	answers = append(answers, Answer{ID: 100, Text: "Something else entirely, written by one person."}, Answer{ID: 101, Text: "   "}, Answer{ID: 102, Text: ""})
	found := Find(answers, Options{MinSize: 10})
	if len(found) != 1 || found[0].Size != 12 || found[0].Distinct != 1 {
		t.Fatalf("Find = %+v, want one campaign of 12 identical answers", found)
	}
	if found[0].Burst != 12 || !found[0].First.Equal(at) || !found[0].Last.Equal(at.Add(11*time.Second)) {
		t.Errorf("burst %d, first %v, last %v", found[0].Burst, found[0].First, found[0].Last)
	}
	if got := Find(nil, Options{}); len(got) != 0 {
		t.Errorf("Find(nil) = %v", got)
	}
	if got := Find(answers[:5], Options{MinSize: 10}); len(got) != 0 {
		t.Errorf("clusters under MinSize reported: %v", got)
	}
}

func TestNormalise(t *testing.T) {
	for in, want := range map[string]string{
		"  Les ÉTATS doivent… publier !": "les états doivent publier",
		"ﬁne\u00a0print":                 "fine print",
		"--":                             "",
		"E\u0301TATS unis":               "états unis",
		"Les E\u0301tats":                "les états",
		"x\u00b2 = 4 ½":                  "x2 4 1 2",
	} {
		if got := Normalise(in); got != want {
			t.Errorf("Normalise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDiff(t *testing.T) {
	got := Diff("states must publish every decision", "states should publish each decision now")
	want := []Edit{{'=', "states"}, {'-', "must"}, {'+', "should"}, {'=', "publish"}, {'-', "every"}, {'+', "each"}, {'=', "decision"}, {'+', "now"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
}

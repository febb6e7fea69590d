package polis

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/deliberate/analysis"
)

// TestAgreementWithPolis compares our opinion groups with the groups
// Pol.is itself assigned (participants-votes.csv, group-id) on five real
// conversations. The floors sit a little below what the engine achieves
// (see docs/deliberation.md for the figures and why they differ); k is
// checked only where our single-pass analysis finds Pol.is's k.
func TestAgreementWithPolis(t *testing.T) {
	tests := []struct {
		name   string
		floor  float64
		checkK bool
		polisK int
	}{
		{"15-per-hour-seattle", 0.40, true, 2},
		{"brexit-consensus", 0.50, false, 2},
		{"canadian-electoral-reform", 0.85, true, 2},
		{"london.youth.policing", -0.10, false, 3},
		{"scoop-hivemind.ubi", 0.03, false, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp, err := Load(filepath.Join("testdata", tt.name))
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := analysis.Analyse(exp.Input(), analysis.Options{Seed: 1}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ours := map[int]int{}
			for _, p := range res.Participants {
				if p.Group >= 0 {
					ours[p.ID] = p.Group
				}
			}
			polisK := map[int]bool{}
			for _, g := range exp.PolisGroups {
				polisK[g] = true
			}
			if len(polisK) != tt.polisK {
				t.Fatalf("Pol.is groups in %s = %d, want %d", tt.name, len(polisK), tt.polisK)
			}
			ari := AdjustedRandIndex(ours, exp.PolisGroups)
			t.Logf("%s: ARI %.3f, k %d (Pol.is %d), %d of %d participants grouped (Pol.is %d)",
				tt.name, ari, res.K, tt.polisK, len(ours), len(res.Participants), len(exp.PolisGroups))
			if ari < tt.floor {
				t.Errorf("AdjustedRandIndex(ours, Pol.is) = %.3f, want >= %.2f", ari, tt.floor)
			}
			if tt.checkK && res.K != tt.polisK {
				t.Errorf("Analyse(%s).K = %d, want %d", tt.name, res.K, tt.polisK)
			}

			var js bytes.Buffer
			if err := WriteReport(&js, exp, res, FormatJSON); err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatalf("report is not JSON: %v", err)
			}
			for _, key := range []string{"k", "participants", "groups", "consensus", "group_informed_consensus", "bridging"} {
				if _, ok := back[key]; !ok {
					t.Errorf("JSON report has no %q", key)
				}
			}
			var txt bytes.Buffer
			if err := WriteReport(&txt, exp, res, FormatText); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(txt.String(), "Group 0") {
				t.Errorf("text report has no group section:\n%s", txt.String())
			}
		})
	}
}

func TestAdjustedRandIndex(t *testing.T) {
	tests := []struct {
		name string
		a, b map[int]int
		want float64
	}{
		{"identical", map[int]int{1: 0, 2: 0, 3: 1, 4: 1}, map[int]int{1: 0, 2: 0, 3: 1, 4: 1}, 1},
		{"relabelled", map[int]int{1: 0, 2: 0, 3: 1, 4: 1}, map[int]int{1: 5, 2: 5, 3: 7, 4: 7}, 1},
		{"crossed", map[int]int{1: 0, 2: 0, 3: 1, 4: 1}, map[int]int{1: 0, 2: 1, 3: 0, 4: 1}, -0.5},
		{"missing ignored", map[int]int{1: 0, 2: 0, 3: 1, 4: 1, 9: 3}, map[int]int{1: 0, 2: 0, 3: 1, 4: 1}, 1},
	}
	for _, tt := range tests {
		if got := AdjustedRandIndex(tt.a, tt.b); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("AdjustedRandIndex(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

package analysis

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestPCAMatchesDenseBaseline(t *testing.T) {
	votes, _ := planted(300, 60, 20, 3, 1)
	res, st, err := Analyse(Input{Votes: votes}, Options{Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = res
	want := densePCA(votes, 300, 60, 1000)
	for c := 0; c < 2; c++ {
		if got := math.Abs(dot(st.Components[c], want[c])); got < 0.9999 {
			t.Errorf("|component %d · dense component| = %.6f, want > 0.9999", c, got)
		}
	}
}

// purity is the share of participants whose group is the majority group
// of their planted group.
func purity(res Result, planted []int, nG int) float64 {
	count := map[[2]int]int{}
	for _, p := range res.Participants {
		if p.Group >= 0 {
			count[[2]int{planted[p.ID], p.Group}]++
		}
	}
	best := make([]int, nG)
	for k, n := range count {
		best[k[0]] = max(best[k[0]], n)
	}
	total := 0
	for _, n := range best {
		total += n
	}
	return float64(total) / float64(len(res.Participants))
}

func TestPlantedGroupsRecovered(t *testing.T) {
	for _, nG := range []int{2, 3} {
		votes, planted := planted(600, 80, 30, nG, uint64(nG))
		res, _, err := Analyse(Input{Votes: votes}, Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.K != nG {
			t.Errorf("Analyse(%d planted groups).K = %d, want %d", nG, res.K, nG)
		}
		if p := purity(res, planted, nG); p < 0.95 {
			t.Errorf("purity(%d planted groups) = %.3f, want >= 0.95", nG, p)
		}
		for _, g := range res.Groups {
			if len(g.Representative) == 0 {
				t.Errorf("group %d has no representative statements", g.ID)
			}
		}
		// Statements j%10 == 0 are agreed by all groups: they should top
		// group-informed consensus and bridging.
		var bridgeGIC, otherGIC, bridgeB, otherB float64
		for _, s := range res.Statements {
			if s.ID%10 == 0 {
				bridgeGIC += s.GroupInformedConsensus / 8
				bridgeB += s.Bridging / 8
			} else {
				otherGIC += s.GroupInformedConsensus / 72
				otherB += s.Bridging / 72
			}
		}
		if bridgeGIC <= 2*otherGIC {
			t.Errorf("mean group-informed consensus: bridging statements %.3f, others %.3f; want bridging > 2× others", bridgeGIC, otherGIC)
		}
		if bridgeB <= otherB+0.2 {
			t.Errorf("mean bridging score: bridging statements %.3f, others %.3f; want at least 0.2 higher", bridgeB, otherB)
		}
		if len(res.Consensus.Agree) == 0 {
			t.Errorf("Consensus.Agree is empty, want the statements everyone agrees with")
		}
	}
}

func TestDeterministic(t *testing.T) {
	votes, _ := planted(5000, 200, 20, 3, 9)
	a, sa, err := Analyse(Input{Votes: votes}, Options{Seed: 42}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, sb, _ := Analyse(Input{Votes: votes}, Options{Seed: 42}, nil)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("Analyse twice: results differ (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(sa, sb); diff != "" {
		t.Errorf("Analyse twice: states differ (-first +second):\n%s", diff)
	}
}

func TestWarmStartAndKSmoother(t *testing.T) {
	votes, _ := planted(600, 80, 30, 3, 5)
	res, st, err := Analyse(Input{Votes: votes}, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res2, st2, _ := Analyse(Input{Votes: votes}, Options{}, &st)
	if res2.K != res.K {
		t.Errorf("warm-started K = %d, want %d", res2.K, res.K)
	}
	if st2.LastKCount != 2 {
		t.Errorf("LastKCount after two agreeing updates = %d, want 2", st2.LastKCount)
	}
	for c := 0; c < 2; c++ {
		if d := dot(st.Components[c], st2.Components[c]); d < 0.9999 {
			t.Errorf("warm-started component %d · cold = %.6f, want ~1 (same sign)", c, d)
		}
	}
	// A previous smoothed k of 2 holds until the new best k has won
	// KBuffer (4) consecutive updates.
	prev := st
	prev.SmoothedK, prev.LastK, prev.LastKCount = 2, 2, 10
	var ks []int
	for range 5 {
		r, s, _ := Analyse(Input{Votes: votes}, Options{}, &prev)
		ks = append(ks, r.K)
		prev = s
	}
	if diff := cmp.Diff([]int{2, 2, 2, 3, 3}, ks); diff != "" {
		t.Errorf("smoothed k over five updates (-want +got):\n%s", diff)
	}
}

func TestRepeatedVotesLastWins(t *testing.T) {
	in := Input{Votes: []Vote{{1, 10, Agree}, {1, 10, Disagree}, {2, 10, Pass}}}
	res, _, err := Analyse(in, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Statements[0]; got.Agrees != 0 || got.Disagrees != 1 || got.Passes != 1 {
		t.Errorf("statement 10 counts = %+v, want 0 agrees, 1 disagree, 1 pass", got)
	}
}

func TestInvalidVote(t *testing.T) {
	_, _, err := Analyse(Input{Votes: []Vote{{1, 1, 2}}}, Options{}, nil)
	if !errors.Is(err, ErrInvalidVote) {
		t.Errorf("Analyse(vote 2) error = %v, want ErrInvalidVote", err)
	}
}

func TestEdgeCases(t *testing.T) {
	identical := []Vote{}
	for i := 0; i < 30; i++ {
		for j := 0; j < 10; j++ {
			identical = append(identical, Vote{i, j, Agree})
		}
	}
	tests := []struct {
		name  string
		in    Input
		wantK int
	}{
		{"empty", Input{}, 0},
		{"one participant", Input{Votes: []Vote{{1, 1, Agree}, {1, 2, Disagree}}}, 1},
		{"one statement", Input{Votes: []Vote{{1, 1, Agree}, {2, 1, Disagree}, {3, 1, Pass}}}, 2},
		{"all identical", Input{Votes: identical}, 1},
		{"all moderated out", Input{Votes: []Vote{{1, 1, Agree}, {2, 1, Agree}}, ModeratedOut: []int{1}}, 1},
		// Each statement has one vote, so both participants sit at the origin.
		{"negative and sparse ids", Input{Votes: []Vote{{-5, 1 << 40, Agree}, {1 << 50, -3, Disagree}}}, 1},
		{"communities", Input{Votes: identical, Communities: map[int]string{0: "state", 1: "industry"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, err := Analyse(tt.in, Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.K != tt.wantK {
				t.Errorf("Analyse(%s).K = %d, want %d", tt.name, res.K, tt.wantK)
			}
			check := func(what string, x float64) {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("Analyse(%s): %s = %v", tt.name, what, x)
				}
			}
			for _, p := range res.Participants {
				check("x", p.X)
				check("y", p.Y)
			}
			for _, s := range res.Statements {
				check("group-informed consensus", s.GroupInformedConsensus)
				check("community consensus", s.CommunityConsensus)
				check("bridging", s.Bridging)
			}
			for _, g := range res.Groups {
				for _, r := range g.Representative {
					check("z", r.Z)
				}
			}
		})
	}
}

func TestCommunityConsensus(t *testing.T) {
	// Statement 1: both communities agree; statement 2: only industry.
	in := Input{Communities: map[int]string{}}
	for i := 0; i < 20; i++ {
		c := "state"
		if i%2 == 0 {
			c = "industry"
		}
		in.Communities[i] = c
		in.Votes = append(in.Votes, Vote{i, 1, Agree})
		v := int8(Disagree)
		if c == "industry" {
			v = Agree
		}
		in.Votes = append(in.Votes, Vote{i, 2, v})
	}
	res, _, err := Analyse(in, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"industry", "state"}, res.Communities); diff != "" {
		t.Errorf("Communities (-want +got):\n%s", diff)
	}
	want := []float64{(11.0 / 12) * (11.0 / 12), (11.0 / 12) * (1.0 / 12)}
	for j, s := range res.Statements {
		if math.Abs(s.CommunityConsensus-want[j]) > 1e-12 {
			t.Errorf("CommunityConsensus(statement %d) = %v, want %v", s.ID, s.CommunityConsensus, want[j])
		}
	}
}

func TestPropTests(t *testing.T) {
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"propTest(0, 0)", propTest(0, 0), 1},                       // 2·1·(1/1 − ½)
		{"propTest(9, 9)", propTest(9, 9), 2 * math.Sqrt(10) * 0.5}, // all agree
		{"propTest(4, 9)", propTest(4, 9), 0},                       // half: 2·√10·(½ − ½)
		{"twoPropTest(all, all)", twoPropTest(3, 3, 3, 3), 0},       // pooled share 1
		{"twoPropTest(9/9, 0/9)", twoPropTest(9, 0, 9, 9), (1 - 0.1) / math.Sqrt(0.55*0.45*0.2)},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

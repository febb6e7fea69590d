package campaign_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pallmall/pallmall/consult/campaign"
	"github.com/pallmall/pallmall/consult/campaign/campaigntest"
)

func TestFindsPlantedCampaigns(t *testing.T) {
	answers, truth := campaigntest.Generate(30_000, 1)
	found := campaign.Find(answers, campaign.Options{MinSize: 10})
	p, r := campaigntest.Score(found, truth)
	t.Logf("%d campaigns found among %d answers; precision %.4f, recall %.4f", len(found), len(answers), p, r)
	if p < 0.95 || r < 0.95 {
		t.Errorf("precision %.3f, recall %.3f; want both at least 0.95", p, r)
	}
	sizes := campaigntest.CampaignSizes(len(answers))
	if len(found) < len(sizes) {
		t.Fatalf("found %d campaigns, want the %d planted ones", len(found), len(sizes))
	}
	big := found[0]
	if big.Size < sizes[0]*95/100 || big.Size > sizes[0] {
		t.Errorf("largest campaign has %d answers, want about %d", big.Size, sizes[0])
	}
	if big.Distinct < 2 || len(big.Variants) == 0 || len(big.Variants[0].Diff) < 2 {
		t.Errorf("largest campaign: %d distinct texts, %d variants; want variants with diffs", big.Distinct, len(big.Variants))
	}
	// 70% of a campaign arrives within half an hour, so some minute holds
	// at least a fortieth of it.
	if big.Burst < big.Size/40 || len(big.BurstIDs) != big.Burst || big.BurstStart.Before(big.First) || big.BurstStart.After(big.Last) {
		t.Errorf("burst evidence %d (%d ids) of %d from %v (campaign %v to %v)", big.Burst, len(big.BurstIDs), big.Size, big.BurstStart, big.First, big.Last)
	}
	total := 0
	for _, n := range big.Stakeholders {
		total += n
	}
	if total != big.Size {
		t.Errorf("stakeholder counts %v do not add up to %d", big.Stakeholders, big.Size)
	}
	// Deterministic: a second run gives the same campaigns.
	again := campaign.Find(answers, campaign.Options{MinSize: 10})
	if len(again) != len(found) {
		t.Fatalf("second run found %d campaigns, first %d", len(again), len(found))
	}
	for i := range found {
		if !slices.Equal(found[i].AnswerIDs, again[i].AnswerIDs) {
			t.Errorf("campaign %d differs between runs", i)
		}
	}
}

func TestScore(t *testing.T) {
	truth := map[int64]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 0, 8: 0}
	for _, tc := range []struct {
		name  string
		found [][]int64
		p, r  float64
	}{
		{"perfect", [][]int64{{1, 2, 3, 4}, {5, 6}}, 1, 1},
		{"nothing found", nil, 1, 0},
		{"organic included", [][]int64{{1, 2, 3, 4, 7, 8}, {5, 6}}, 6.0 / 8, 1},
		{"split campaign", [][]int64{{1, 2, 3}, {4}, {5, 6}}, 1, 5.0 / 6},
		{"merged campaigns", [][]int64{{1, 2, 3, 4, 5, 6}}, 4.0 / 6, 1},
		{"organic only", [][]int64{{7, 8}}, 0, 0},
	} {
		var found []campaign.Campaign
		for _, ids := range tc.found {
			found = append(found, campaign.Campaign{AnswerIDs: ids})
		}
		p, r := campaigntest.Score(found, truth)
		if p != tc.p || r != tc.r {
			t.Errorf("%s: Score = %.3f, %.3f; want %.3f, %.3f", tc.name, p, r, tc.p, tc.r)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, ta := campaigntest.Generate(2000, 5)
	b, tb := campaigntest.Generate(2000, 5)
	c, _ := campaigntest.Generate(2000, 6)
	if len(a) != 2000 || len(ta) != 2000 {
		t.Fatalf("Generate(2000) gave %d answers, %d truths", len(a), len(ta))
	}
	if !slices.Equal(a, b) || len(tb) != len(ta) {
		t.Error("Generate with the same seed differs")
	}
	if slices.Equal(a, c) {
		t.Error("Generate with another seed gives the same answers")
	}
	var planted, fr int
	for _, x := range a {
		if ta[x.ID] != 0 {
			planted++
		}
		for _, r := range x.Text {
			if r == 'é' || r == 'è' || r == 'à' {
				fr++
				break
			}
		}
	}
	if planted < 600 || planted > 1000 || fr < 400 {
		t.Errorf("%d planted answers, %d with French accents, of 2000", planted, fr)
	}
}

// TestIncrementalMatchesFind plays the platform's incremental matching:
// answers arrive one by one in ID order; an answer whose Digest is known
// joins that text; a new text is sketched and, for each of its band keys,
// compared with the first text stored under that key, joining it when
// Options.Near holds. The clusters must be Find's.
func TestIncrementalMatchesFind(t *testing.T) {
	answers, _ := campaigntest.Generate(10_000, 3)
	opts := campaign.Options{MinSize: 10}
	want := map[int64]int{} // answer -> campaign index
	for i, c := range campaign.Find(answers, opts) {
		for _, id := range c.AnswerIDs {
			want[id] = i
		}
	}

	// What the database would hold.
	byDigest := map[[32]byte]int{}
	var sketches []campaign.Sketch
	firstByBand := map[uint64]int{}
	parent := []int{}
	find := func(x int) int {
		for parent[x] != x {
			x = parent[x]
		}
		return x
	}
	textOf := map[int64]int{}
	for _, a := range answers {
		if campaign.Normalise(a.Text) == "" {
			continue
		}
		d := campaign.Digest(a.Text)
		if j, ok := byDigest[d]; ok {
			textOf[a.ID] = j
			continue
		}
		j := len(sketches)
		byDigest[d] = j
		textOf[a.ID] = j
		s := campaign.NewSketch(a.Text)
		sketches = append(sketches, s)
		parent = append(parent, j)
		for _, key := range s.Bands() {
			first, ok := firstByBand[key]
			if !ok {
				firstByBand[key] = j
				continue
			}
			if opts.Near(sketches[first], s) {
				ra, rb := find(first), find(j)
				parent[max(ra, rb)] = min(ra, rb)
			}
		}
	}
	// Same partition over the answers Find reported.
	rootOfCampaign := map[int]int{}
	campaignOfRoot := map[int]int{}
	for id, c := range want {
		r := find(textOf[id])
		if got, ok := rootOfCampaign[c]; ok && got != r {
			t.Fatalf("campaign %d split by incremental matching", c)
		}
		if got, ok := campaignOfRoot[r]; ok && got != c {
			t.Fatalf("campaigns %d and %d merged by incremental matching", got, c)
		}
		rootOfCampaign[c], campaignOfRoot[r] = r, c
	}
	// And no answer outside Find's campaigns is in a cluster that big.
	size := map[int]int{}
	for _, a := range answers {
		if j, ok := textOf[a.ID]; ok {
			size[find(j)]++
		}
	}
	for _, a := range answers {
		j, ok := textOf[a.ID]
		if _, in := want[a.ID]; ok && !in && size[find(j)] >= opts.MinSize {
			t.Fatalf("answer %d is in an incremental cluster of %d but in no campaign", a.ID, size[find(j)])
		}
	}
}

// BenchmarkFind runs Find on generated answers (campaigntest.Generate) and
// reports precision and recall (campaigntest.Score), allocated bytes per
// answer, the peak heap, and the CPU time used (cpu-s/op, all cores
// together: on a shared machine wall time depends on the others' load). The Baseline sub-benchmark normalises and
// digests every answer on one core, counting digests in a map: the
// exact-duplicate pass alone, the floor any method pays, measured in the
// same run so the ratio is meaningful on a busy machine.
//
//	go test ./consult/campaign -run '^$' -bench 'Find/100k' -benchtime 1x
//	go test ./consult/campaign -run '^$' -bench 'Find/1M' -benchtime 1x
func BenchmarkFind(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"100k", 100_000}, {"1M", 1_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			answers, truth := campaigntest.Generate(size.n, 7)
			b.Run("Find", func(b *testing.B) {
				var p, r float64
				peak := watchHeap()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				var cpu time.Duration
				for b.Loop() {
					c0 := processCPU()
					found := campaign.Find(answers, campaign.Options{MinSize: 50})
					cpu += processCPU() - c0
					p, r = campaigntest.Score(found, truth)
				}
				runtime.ReadMemStats(&after)
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
				b.ReportMetric(p, "precision")
				b.ReportMetric(r, "recall")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(answers)), "alloc-B/answer")
				b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
			})
			b.Run("Baseline", func(b *testing.B) {
				c0 := processCPU()
				for b.Loop() {
					seen := map[[32]byte]int{}
					for _, a := range answers {
						seen[campaign.Digest(a.Text)]++
					}
				}
				b.ReportMetric((processCPU()-c0).Seconds()/float64(b.N), "cpu-s/op")
			})
		})
	}
}

// watchHeap samples the live heap every 10 ms until the returned function
// is called, which returns the peak above the heap at the start.
func watchHeap() func() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := read(); v > base {
					mu.Lock()
					peak = max(peak, v-base)
					mu.Unlock()
				}
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

func TestGenerateWritesValidUTF8(t *testing.T) {
	answers, _ := campaigntest.Generate(3000, 2)
	for _, a := range answers {
		if !utf8.ValidString(a.Text) {
			t.Fatalf("answer %d is not valid UTF-8: %q", a.ID, a.Text)
		}
	}
}

// BenchmarkThemes suggests themes among generated answers (organic text
// and planted campaigns, English and French), after collapsing the
// campaigns' copies.
//
//	go test ./consult/campaign -run '^$' -bench Themes -benchtime 1x
func BenchmarkThemes(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		answers, _ := campaigntest.Generate(n, 11)
		docs := make([]campaign.Doc, len(answers))
		for i, a := range answers {
			docs[i] = campaign.Doc{ID: a.ID, Text: a.Text, Stakeholder: a.Stakeholder}
		}
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			var themes []campaign.Theme
			c0 := processCPU()
			for b.Loop() {
				themes = campaign.Themes(docs, campaign.ThemeOptions{})
			}
			b.ReportMetric((processCPU()-c0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(len(themes)), "themes")
		})
	}
}

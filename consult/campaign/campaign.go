// Package campaign finds organised campaigns in free-text answers: exact
// duplicates, and near-duplicates such as a template with words swapped for
// synonyms or sentences reordered. It follows the US Administrative
// Conference's Recommendation 2021-1: nothing is discarded; a campaign is
// reported with its representative text, its size, its variants and the
// evidence, for an analyst to confirm or dismiss.
//
// The method: normalise each text (Unicode NFKC, case folded, accents
// kept, punctuation dropped) and group exact duplicates by Digest; sketch
// each distinct text (NewSketch: MinHash of its words and pairs of adjacent
// words, with a fixed seed so sketches can be stored); find candidate
// pairs with locality-sensitive hashing (Sketch.Bands), verify each
// candidate by its estimated similarity (Sketch.Similarity) against
// Options.Threshold, and join verified pairs with union-find. The cost is
// linear in the number of answers.
//
// It also reports suspicious patterns as evidence (FastTyping,
// SameOrganisation, Bursts) and suggests themes (Themes). The package does
// no I/O.
package campaign

import (
	"cmp"
	"crypto/sha256"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Answer is one free-text answer to analyse.
type Answer struct {
	ID          int64
	Text        string
	At          time.Time // when it was submitted
	Stakeholder string    // the respondent's declared stakeholder type
}

// Options tune the detection. The zero value gives the defaults.
type Options struct {
	// MinSize is the smallest cluster reported as a campaign (default 10).
	MinSize int
	// Threshold is the estimated Jaccard similarity of the texts' sets of
	// words and word pairs above which they are near-duplicates (default
	// 0.4: a template with a third of its words swapped for synonyms
	// still scores about 0.5 against another variant).
	Threshold float64
	// BurstWindow is the window for burst evidence (default one minute).
	BurstWindow time.Duration
	// MaxVariants bounds the variants reported per campaign (default 5).
	MaxVariants int
}

func (o Options) withDefaults() Options {
	if o.MinSize <= 0 {
		o.MinSize = 10
	}
	if o.Threshold <= 0 {
		o.Threshold = 0.4
	}
	if o.BurstWindow <= 0 {
		o.BurstWindow = time.Minute
	}
	if o.MaxVariants <= 0 {
		o.MaxVariants = 5
	}
	return o
}

// Near reports whether two sketches are near-duplicates under the
// options' Threshold: the rule Find applies to every candidate pair, and
// the one an incremental matcher must apply to stored sketches.
func (o Options) Near(a, b Sketch) bool {
	o = o.withDefaults()
	if a.IsEmpty() || b.IsEmpty() {
		return false
	}
	return agreement(&a, &b) >= minAgree(o.Threshold)
}

// minAgree is the number of agreeing bins that reaches threshold.
func minAgree(threshold float64) int {
	return int(threshold*SketchSize + 0.5)
}

// Campaign is a cluster of near-identical answers.
type Campaign struct {
	// Representative is the most frequent exact text of the cluster.
	Representative string
	// RepresentativeID is an answer with that text.
	RepresentativeID int64
	// Size counts answers, Distinct the different texts among them.
	Size, Distinct int
	First, Last    time.Time
	// Stakeholders counts answers by declared stakeholder type.
	Stakeholders map[string]int
	// AnswerIDs lists every answer in the campaign, in input order.
	AnswerIDs []int64
	// Variants are the most frequent other texts, each as a word diff
	// against the representative.
	Variants []Variant
	// Burst is the largest number of the campaign's answers submitted
	// within BurstWindow, BurstStart when that window started, and
	// BurstIDs the answers in it (in submission order).
	Burst       int
	BurstStart  time.Time
	BurstWindow time.Duration
	BurstIDs    []int64
}

// Variant is one text of a campaign that differs from its representative.
type Variant struct {
	Text  string
	Count int
	Diff  []Edit
}

// Edit is one step of a word diff: Op is '=' (same), '-' (only in the
// representative) or '+' (only in the variant).
type Edit struct {
	Op   byte
	Text string
}

// Find returns the campaigns among answers, largest first. Two answers
// are in the same campaign when a chain of near-duplicates links them:
// exact duplicates (same Digest), or texts whose sketches share a band and
// agree within Options.Threshold (Options.Near). The result depends only on
// the answers and their order, never on scheduling.
func Find(answers []Answer, opts Options) []Campaign {
	opts = opts.withDefaults()
	workers := runtime.GOMAXPROCS(0)

	// Exact duplicates first: one distinct text per normalised digest.
	// Answers are read in blocks: each block is normalised and digested on
	// all cores, its new texts are picked out in input order, then
	// sketched on all cores straight into the store. No normalised text
	// outlives its block.
	owner := make([]int32, len(answers)) // answer -> distinct text, -1 if empty
	var firsts []int32                   // distinct text -> its first answer
	sketches := newSketchStore()
	digests := newDigestSet(len(answers))
	bsize := min(len(answers), readBlock)
	blockDigests := make([][32]byte, bsize)
	spans := make([][2]int, bsize)                                  // normalised text in its chunk's arena
	arenas := make([][]byte, (bsize+parallelChunk-1)/parallelChunk) // one per chunk
	var fresh []int32                                               // the block's new texts
	for lo := 0; lo < len(answers); lo += readBlock {
		hi := min(lo+readBlock, len(answers))
		parallel(hi-lo, workers, func(from, to int) {
			c := from / parallelChunk
			arena := arenas[c][:0]
			for k := from; k < to; k++ {
				start := len(arena)
				arena = appendNormal(arena, answers[lo+k].Text)
				spans[k] = [2]int{start, len(arena)}
				if len(arena) > start {
					blockDigests[k] = sha256.Sum256(arena[start:])
				}
			}
			arenas[c] = arena
		})
		fresh = fresh[:0]
		for k := range hi - lo {
			if spans[k][0] == spans[k][1] {
				owner[lo+k] = -1
				continue
			}
			j, added := digests.add(&blockDigests[k], int32(len(firsts)))
			if added {
				firsts = append(firsts, int32(lo+k))
				fresh = append(fresh, int32(k))
			}
			owner[lo+k] = j
		}
		base := sketches.len()
		sketches.grow(base + len(fresh))
		parallel(len(fresh), workers, func(from, to int) {
			for f := from; f < to; f++ {
				k := fresh[f]
				sketches.set(base+f, arenas[int(k)/parallelChunk][spans[k][0]:spans[k][1]])
			}
		})
	}
	blockDigests, spans, arenas, digests = nil, nil, nil, nil

	uf := link(sketches, minAgree(opts.Threshold), workers)
	sketches = nil

	// Answers of each distinct text, as offsets into one array.
	start := make([]int32, len(firsts)+1)
	for _, o := range owner {
		if o >= 0 {
			start[o+1]++
		}
	}
	for t := range firsts {
		start[t+1] += start[t]
	}
	pos := slices.Clone(start[:len(firsts)])
	flat := make([]int32, start[len(firsts)])
	for i, o := range owner {
		if o >= 0 {
			flat[pos[o]] = int32(i)
			pos[o]++
		}
	}
	answersOf := func(t int) []int32 { return flat[start[t]:start[t+1]] }

	// Clusters, counted in answers.
	size := make([]int32, len(firsts))
	for t := range firsts {
		size[uf.find(t)] += start[t+1] - start[t]
	}
	clusters := map[int][]int{} // root -> distinct texts
	for t := range firsts {
		if r := uf.find(t); int(size[r]) >= opts.MinSize {
			clusters[r] = append(clusters[r], t)
		}
	}
	var out []Campaign
	for _, members := range clusters {
		out = append(out, build(answers, members, answersOf, opts))
	}
	slices.SortFunc(out, func(a, b Campaign) int {
		if c := cmp.Compare(b.Size, a.Size); c != 0 {
			return c
		}
		return cmp.Compare(a.RepresentativeID, b.RepresentativeID)
	})
	return out
}

// readBlock is the number of answers Find reads at a time: large enough
// that the cores meet rarely (each meeting costs a wait for the slowest
// when the machine is busy), small enough that the block's normalised
// texts take a few tens of megabytes.
const readBlock = 1 << 16

// parallelChunk is the size of the chunks parallel hands out; each
// chunk starts at a multiple of it.
const parallelChunk = 4096

// parallel runs f over [0, n) split into contiguous chunks on workers
// goroutines.
func parallel(n, workers int, f func(lo, hi int)) {
	const chunk = parallelChunk
	if n <= chunk || workers <= 1 {
		f(0, n)
		return
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
	)
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				lo := next
				next += chunk
				mu.Unlock()
				if lo >= n {
					return
				}
				f(lo, min(lo+chunk, n))
			}
		})
	}
	wg.Wait()
}

// build describes one cluster of distinct texts.
func build(answers []Answer, members []int, answersOf func(int) []int32, opts Options) Campaign {
	// The representative is the most frequent text; ties go to the one
	// submitted first, so the result does not depend on map order.
	slices.SortFunc(members, func(a, b int) int {
		if c := cmp.Compare(len(answersOf(b)), len(answersOf(a))); c != 0 {
			return c
		}
		return cmp.Compare(answersOf(a)[0], answersOf(b)[0])
	})
	rep := answersOf(members[0])[0]
	c := Campaign{
		Representative: answers[rep].Text, RepresentativeID: answers[rep].ID,
		Distinct: len(members), Stakeholders: map[string]int{}, BurstWindow: opts.BurstWindow,
	}
	var idx []int32
	for _, m := range members {
		idx = append(idx, answersOf(m)...)
	}
	slices.Sort(idx)
	timed := make([]int32, 0, len(idx))
	for _, i := range idx {
		a := answers[i]
		c.AnswerIDs = append(c.AnswerIDs, a.ID)
		c.Stakeholders[a.Stakeholder]++
		if !a.At.IsZero() {
			timed = append(timed, i)
		}
	}
	c.Size = len(idx)
	if len(timed) > 0 {
		slices.SortStableFunc(timed, func(a, b int32) int { return answers[a].At.Compare(answers[b].At) })
		c.First, c.Last = answers[timed[0]].At, answers[timed[len(timed)-1]].At
		// The densest window: two pointers over the sorted times.
		j, best := 0, 0
		for i := range timed {
			for answers[timed[i]].At.Sub(answers[timed[j]].At) > opts.BurstWindow {
				j++
			}
			if n := i - j + 1; n > c.Burst {
				c.Burst, c.BurstStart, best = n, answers[timed[j]].At, j
			}
		}
		for _, i := range timed[best : best+c.Burst] {
			c.BurstIDs = append(c.BurstIDs, answers[i].ID)
		}
	}
	for _, m := range members[1:] {
		if len(c.Variants) == opts.MaxVariants {
			break
		}
		text := answers[answersOf(m)[0]].Text
		c.Variants = append(c.Variants, Variant{Text: text, Count: len(answersOf(m)), Diff: Diff(c.Representative, text)})
	}
	return c
}

type unionFind struct{ parent []int32 }

func newUnionFind(n int) *unionFind {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	return &unionFind{p}
}

func (u *unionFind) find(x int) int {
	for int(u.parent[x]) != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = int(u.parent[x])
	}
	return x
}

func (u *unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u.parent[max(ra, rb)] = int32(min(ra, rb))
	}
}

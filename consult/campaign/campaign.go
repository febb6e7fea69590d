// Package campaign finds organised campaigns in free-text answers: exact
// duplicates, and near-duplicates such as a template with words swapped for
// synonyms or sentences reordered. It follows the US Administrative
// Conference's Recommendation 2021-1: nothing is discarded; a campaign is
// reported with its representative text, its size, its variants and the
// evidence, for an analyst to confirm or dismiss.
//
// The method: normalise each text (Unicode NFKC, case folded, accents
// kept, punctuation dropped) and group exact duplicates by digest; shingle
// each distinct text into overlapping word triples; compute a MinHash
// signature; find candidate pairs with locality-sensitive hashing (bands
// of rows), verify each candidate by the similarity its signature
// estimates, and join verified pairs with union-find. The cost is linear in
// the number of answers. The package does no I/O.
package campaign

import (
	"cmp"
	"crypto/sha256"
	"hash/maphash"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
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
	// within BurstWindow, and when that window started.
	Burst      int
	BurstStart time.Time
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

// numHashes is the MinHash signature length; bands × rows must equal it.
// Thirty-two bands of two rows make texts with a similarity of 0.4 meet in
// some band with probability 1-(1-0.4²)^32 > 0.99; every meeting is then
// checked against the threshold on the whole signature.
const (
	numHashes = 64
	bands     = 32
	rows      = numHashes / bands
)

// Find returns the campaigns among answers, largest first.
func Find(answers []Answer, opts Options) []Campaign {
	opts = opts.withDefaults()
	// Exact duplicates first: one distinct text per normalised digest.
	type distinct struct {
		norm    string
		members []int // indexes into answers
	}
	byDigest := make(map[[32]byte]int, len(answers)/4)
	var texts []distinct
	for i, a := range answers {
		n := Normalise(a.Text)
		if n == "" {
			continue
		}
		d := sha256.Sum256([]byte(n))
		j, ok := byDigest[d]
		if !ok {
			j = len(texts)
			byDigest[d] = j
			texts = append(texts, distinct{norm: n})
		}
		texts[j].members = append(texts[j].members, i)
	}

	// MinHash signatures of the distinct texts, on all cores.
	sigs := make([][numHashes]uint64, len(texts))
	seed := maphash.MakeSeed()
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(texts); i += workers {
				sigs[i] = signature(texts[i].norm, seed)
			}
		}()
	}
	wg.Wait()

	// LSH: texts whose signatures agree on a whole band are candidates;
	// each is checked against the first text seen in its bucket.
	uf := newUnionFind(len(texts))
	minAgree := int(opts.Threshold*numHashes + 0.5)
	for b := range bands {
		buckets := make(map[uint64]int, len(texts))
		for i := range texts {
			key := bandKey(&sigs[i], b)
			first, ok := buckets[key]
			if !ok {
				buckets[key] = i
				continue
			}
			if uf.find(first) == uf.find(i) {
				continue
			}
			if agreement(&sigs[first], &sigs[i]) >= minAgree {
				uf.union(first, i)
			}
		}
	}

	// Gather clusters over answers.
	clusters := map[int][]int{} // root -> distinct text indexes
	for i := range texts {
		r := uf.find(i)
		clusters[r] = append(clusters[r], i)
	}
	var out []Campaign
	for _, members := range clusters {
		size := 0
		for _, t := range members {
			size += len(texts[t].members)
		}
		if size < opts.MinSize {
			continue
		}
		out = append(out, build(answers, members, func(t int) []int { return texts[t].members }, opts))
	}
	slices.SortFunc(out, func(a, b Campaign) int {
		if c := cmp.Compare(b.Size, a.Size); c != 0 {
			return c
		}
		return cmp.Compare(a.RepresentativeID, b.RepresentativeID)
	})
	return out
}

// build describes one cluster of distinct texts.
func build(answers []Answer, members []int, answersOf func(int) []int, opts Options) Campaign {
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
		Distinct: len(members), Stakeholders: map[string]int{},
	}
	var idx []int
	for _, m := range members {
		idx = append(idx, answersOf(m)...)
	}
	slices.Sort(idx)
	times := make([]time.Time, 0, len(idx))
	for _, i := range idx {
		a := answers[i]
		c.AnswerIDs = append(c.AnswerIDs, a.ID)
		c.Stakeholders[a.Stakeholder]++
		if !a.At.IsZero() {
			times = append(times, a.At)
		}
	}
	c.Size = len(idx)
	if len(times) > 0 {
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		c.First, c.Last = times[0], times[len(times)-1]
		// The densest window: two pointers over the sorted times.
		j := 0
		for i := range times {
			for times[i].Sub(times[j]) > opts.BurstWindow {
				j++
			}
			if n := i - j + 1; n > c.Burst {
				c.Burst, c.BurstStart = n, times[j]
			}
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

// Normalise folds a text to the form compared: Unicode NFKC, lower case,
// letters and digits kept (with their accents, so French stays French),
// everything else a single space.
func Normalise(s string) string {
	if !isASCII(s) {
		s = norm.NFKC.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// signature computes a MinHash signature of a normalised text's words and
// pairs of adjacent words by one-permutation hashing: each shingle is
// hashed once, the hash's top six bits choose one of 64 bins, and each bin
// keeps its smallest value. Bins left empty by a short text borrow the
// value of the next filled bin, offset by the distance, so that two texts
// still agree on a bin with probability equal to their similarity
// (Shrivastava and Li's densification by rotation). It costs one hash per
// shingle, not 64.
func signature(text string, seed maphash.Seed) [numHashes]uint64 {
	const empty = ^uint64(0)
	var sig [numHashes]uint64
	for i := range sig {
		sig[i] = empty
	}
	add := func(x uint64) {
		x = mix(x)
		bin, v := x>>58, x<<6
		if v < sig[bin] {
			sig[bin] = v
		}
	}
	prev, first := "", true
	for w := range strings.FieldsSeq(text) {
		add(maphash.String(seed, w))
		if !first {
			add(maphash.String(seed, prev+"\x00"+w))
		}
		prev, first = w, false
	}
	if first {
		return sig
	}
	for i := range sig {
		if sig[i] != empty {
			continue
		}
		for d := 1; d < numHashes; d++ {
			if v := sig[(i+d)%numHashes]; v != empty {
				sig[i] = v + uint64(d)*0x9E3779B97F4A7C15
				break
			}
		}
	}
	return sig
}

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

func bandKey(sig *[numHashes]uint64, band int) uint64 {
	k := uint64(band) * 0x9E3779B97F4A7C15
	for r := range rows {
		k = mix(k ^ sig[band*rows+r])
	}
	return k
}

// agreement counts the signature positions two texts share; divided by
// numHashes it estimates their Jaccard similarity.
func agreement(a, b *[numHashes]uint64) int {
	n := 0
	for i := range a {
		if a[i] == b[i] {
			n++
		}
	}
	return n
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

// Diff returns the word-level differences that turn a into b, from a
// longest common subsequence of their words.
func Diff(a, b string) []Edit {
	x, y := strings.Fields(a), strings.Fields(b)
	// Texts are answers of at most a few thousand words; the table is
	// bounded so a pathological pair cannot take the memory.
	if len(x)*len(y) > 4_000_000 {
		return []Edit{{'-', a}, {'+', b}}
	}
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Edit
	add := func(op byte, w string) {
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += " " + w
			return
		}
		out = append(out, Edit{op, w})
	}
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			add('=', x[i])
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			add('-', x[i])
			i++
		default:
			add('+', y[j])
			j++
		}
	}
	for ; i < len(x); i++ {
		add('-', x[i])
	}
	for ; j < len(y); j++ {
		add('+', y[j])
	}
	return out
}

package campaign

import (
	"cmp"
	"crypto/sha256"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Doc is one free-text answer offered to Themes.
type Doc struct {
	ID          int64
	Text        string
	Stakeholder string
}

// Theme is a suggested grouping of answers that share distinctive terms.
type Theme struct {
	// Terms are the theme's most distinctive terms, most weighty first,
	// each in the form most often written.
	Terms []string
	// DocIDs are the answers in the theme, in input order, near-duplicates
	// included.
	DocIDs []int64
	// Distinct counts the different texts that shaped the theme: a
	// campaign's copies count once.
	Distinct int
	// Stakeholders counts DocIDs by declared stakeholder type.
	Stakeholders map[string]int
}

// ThemeOptions tune Themes. The zero value gives the defaults.
type ThemeOptions struct {
	// K is the number of groups sought (default 8); fewer are returned
	// when there are fewer distinct texts or some groups are too small.
	K int
	// MinDocs is the fewest distinct texts a theme needs (default 3).
	MinDocs int
	// Terms is the number of terms shown per theme (default 8).
	Terms int
}

// Themes suggests groupings of free-text answers by shared distinctive
// terms, largest first. It is a suggestion for an analyst, not a coding.
//
// Exact duplicates and near-duplicates (as Find would link them) are first
// collapsed into one text each, so a campaign's copies weigh as one
// answer. Each text becomes a TF-IDF vector over its normalised words,
// with English and French stop words removed and a light stemming that
// folds plurals and common endings in both languages ("journalistes",
// "journalists" and "journalist" meet). Vectors are grouped by spherical
// k-means (cosine similarity), started by k-means++ from a fixed seed and
// kept from the best of three starts (run at the same time), so the result
// is the same for the same input.
func Themes(docs []Doc, opts ThemeOptions) []Theme {
	if opts.K <= 0 {
		opts.K = 8
	}
	if opts.MinDocs <= 0 {
		opts.MinDocs = 3
	}
	if opts.Terms <= 0 {
		opts.Terms = 8
	}

	// Units: near-duplicate groups of distinct texts.
	unitOf, unitText := nearGroups(docs)
	n := len(unitText)
	if n == 0 {
		return nil
	}

	// Terms and their document frequencies.
	v := newVocabulary()
	bags := make([]map[int32]int, n)
	for u, t := range unitText {
		bags[u] = v.bag(docs[t].Text)
	}
	df := make([]int, len(v.stems))
	for _, b := range bags {
		for id := range b {
			df[id]++
		}
	}
	// Terms in fewer than two texts say nothing shared; terms in more
	// than half say nothing distinctive. The others are numbered afresh
	// so centroids stay small.
	maxDF := max(2, int(0.5*float64(n)))
	kept := make([]int32, len(v.stems)) // stem id -> dimension, -1 if dropped
	var dimStem []int32                 // dimension -> stem id
	for id, f := range df {
		kept[id] = -1
		if f >= 2 && f <= maxDF {
			kept[id] = int32(len(dimStem))
			dimStem = append(dimStem, int32(id))
		}
	}
	vecs := make([]sparse, n)
	for u, b := range bags {
		var s sparse
		for id, c := range b {
			if kept[id] < 0 {
				continue
			}
			s = append(s, entry{kept[id], float32((1 + math.Log(float64(c))) * math.Log(float64(n)/float64(df[id])))})
		}
		slices.SortFunc(s, func(a, b entry) int { return cmp.Compare(a.term, b.term) })
		s.normalise()
		vecs[u] = s
	}
	bags = nil

	k := min(opts.K, n)
	assign, centroids := bestKMeans(vecs, k, len(dimStem))

	// Themes from the groups.
	type group struct {
		units []int
		docs  []int
	}
	groups := make([]group, k)
	for u, c := range assign {
		if c >= 0 {
			groups[c].units = append(groups[c].units, u)
		}
	}
	for i, u := range unitOf {
		if u >= 0 && assign[u] >= 0 {
			groups[assign[u]].docs = append(groups[assign[u]].docs, i)
		}
	}
	var out []Theme
	for c, g := range groups {
		if len(g.units) < opts.MinDocs {
			continue
		}
		th := Theme{Distinct: len(g.units), Stakeholders: map[string]int{}}
		for _, i := range g.docs {
			th.DocIDs = append(th.DocIDs, docs[i].ID)
			th.Stakeholders[docs[i].Stakeholder]++
		}
		terms := make([]int32, 0, len(centroids[c]))
		for id, w := range centroids[c] {
			if w > 0 {
				terms = append(terms, int32(id))
			}
		}
		slices.SortFunc(terms, func(a, b int32) int {
			if c := cmp.Compare(centroids[c][b], centroids[c][a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		for _, d := range terms[:min(opts.Terms, len(terms))] {
			th.Terms = append(th.Terms, v.display(dimStem[d]))
		}
		out = append(out, th)
	}
	slices.SortStableFunc(out, func(a, b Theme) int {
		if c := cmp.Compare(b.Distinct, a.Distinct); c != 0 {
			return c
		}
		return cmp.Compare(len(b.DocIDs), len(a.DocIDs))
	})
	return out
}

// nearGroups collapses exact and near-duplicate docs: unitOf maps each doc
// to its group (-1 for a doc without words), unitText each group to the
// doc that stands for it (its first).
func nearGroups(docs []Doc) (unitOf []int, unitText []int) {
	unitOf = make([]int, len(docs))
	byDigest := map[[32]byte]int{}
	var firsts []int
	sketches := newSketchStore()
	var buf []byte
	distinctOf := make([]int, len(docs))
	for i, d := range docs {
		buf = appendNormal(buf[:0], d.Text)
		if len(buf) == 0 {
			distinctOf[i] = -1
			continue
		}
		dg := sha256.Sum256(buf)
		j, ok := byDigest[dg]
		if !ok {
			j = len(firsts)
			byDigest[dg] = j
			firsts = append(firsts, i)
			sketches.grow(len(firsts))
			sketches.set(len(firsts)-1, buf)
		}
		distinctOf[i] = j
	}
	uf := link(sketches, minAgree(Options{}.withDefaults().Threshold), 1)
	unitIndex := map[int]int{}
	for i := range docs {
		j := distinctOf[i]
		if j < 0 {
			unitOf[i] = -1
			continue
		}
		r := uf.find(j)
		u, ok := unitIndex[r]
		if !ok {
			u = len(unitText)
			unitIndex[r] = u
			unitText = append(unitText, firsts[r])
		}
		unitOf[i] = u
	}
	return unitOf, unitText
}

type entry struct {
	term int32
	w    float32
}

// sparse is a vector as entries sorted by term.
type sparse []entry

func (s sparse) normalise() {
	var sum float64
	for _, e := range s {
		sum += float64(e.w) * float64(e.w)
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range s {
		s[i].w *= inv
	}
}

func (s sparse) dot(dense []float32) float32 {
	var d float32
	for _, e := range s {
		d += e.w * dense[e.term]
	}
	return d
}

// bestKMeans runs spherical k-means from three fixed seeds and keeps the
// partition with the highest total cosine similarity to its centroids.
// Vectors without terms are assigned -1.
func bestKMeans(vecs []sparse, k, dims int) ([]int, [][]float32) {
	const starts = 3
	type result struct {
		assign []int
		cent   [][]float32
		score  float64
	}
	var results [starts]result
	var wg sync.WaitGroup
	for i := range starts {
		wg.Go(func() {
			r := &results[i]
			r.assign, r.cent, r.score = kmeans(vecs, k, dims, uint64(i+1))
		})
	}
	wg.Wait()
	best := 0
	for i := 1; i < starts; i++ {
		if results[i].score > results[best].score {
			best = i
		}
	}
	return results[best].assign, results[best].cent
}

func kmeans(vecs []sparse, k, dims int, seed uint64) ([]int, [][]float32, float64) {
	r := rand.New(rand.NewPCG(seed, 0x7468656d6573))
	var live []int
	for i, s := range vecs {
		if len(s) > 0 {
			live = append(live, i)
		}
	}
	assign := make([]int, len(vecs))
	for i := range assign {
		assign[i] = -1
	}
	cent := make([][]float32, k)
	for c := range cent {
		cent[c] = make([]float32, dims)
	}
	if len(live) == 0 {
		return assign, cent, 0
	}
	k = min(k, len(live))
	// k-means++: each next centre drawn with probability proportional to
	// its distance (1 - cosine) from the nearest centre chosen so far.
	setCentre := func(c, i int) {
		clear(cent[c])
		for _, e := range vecs[i] {
			cent[c][e.term] = e.w
		}
	}
	setCentre(0, live[r.IntN(len(live))])
	dist := make([]float64, len(live))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	for c := 1; c < k; c++ {
		var total float64
		for j, i := range live {
			dist[j] = math.Min(dist[j], math.Max(0, 1-float64(vecs[i].dot(cent[c-1]))))
			total += dist[j]
		}
		pick := live[r.IntN(len(live))]
		if total > 0 {
			x := r.Float64() * total
			for j, i := range live {
				if x -= dist[j]; x <= 0 {
					pick = i
					break
				}
			}
		}
		setCentre(c, pick)
	}
	var score float64
	// Stop after 20 rounds, or when fewer than one text in a thousand
	// moved.
	for iter := 0; iter < 20; iter++ {
		changed := 0
		score = 0
		for _, i := range live {
			best, bestSim := 0, float32(math.Inf(-1))
			for c := range k {
				if s := vecs[i].dot(cent[c]); s > bestSim {
					best, bestSim = c, s
				}
			}
			if assign[i] != best {
				assign[i] = best
				changed++
			}
			score += float64(bestSim)
		}
		if iter > 0 && changed <= len(live)/1000 {
			break
		}
		for c := range k {
			clear(cent[c])
		}
		for _, i := range live {
			for _, e := range vecs[i] {
				cent[assign[i]][e.term] += e.w
			}
		}
		for c := range k {
			var sum float64
			for _, w := range cent[c] {
				sum += float64(w) * float64(w)
			}
			if sum > 0 {
				inv := float32(1 / math.Sqrt(sum))
				for t := range cent[c] {
					cent[c][t] *= inv
				}
			}
		}
	}
	return assign, cent[:k], score
}

// vocabulary assigns ids to stems and remembers how each was written.
type vocabulary struct {
	ids   map[string]int32
	stems []string
	forms []map[string]int
}

func newVocabulary() *vocabulary { return &vocabulary{ids: map[string]int32{}} }

// bag counts the stems of a text's distinctive words.
func (v *vocabulary) bag(text string) map[int32]int {
	b := map[int32]int{}
	for w := range strings.FieldsSeq(Normalise(text)) {
		if utf8.RuneCountInString(w) < 3 || stopWords[w] || isNumber(w) {
			continue
		}
		s := stem(w)
		id, ok := v.ids[s]
		if !ok {
			id = int32(len(v.stems))
			v.ids[s] = id
			v.stems = append(v.stems, s)
			v.forms = append(v.forms, map[string]int{})
		}
		v.forms[id][w]++
		b[id]++
	}
	return b
}

// display returns the form of a stem most often written (the first in
// alphabetical order among equals).
func (v *vocabulary) display(id int32) string {
	best, n := "", 0
	for f, c := range v.forms[id] {
		if c > n || c == n && f < best {
			best, n = f, c
		}
	}
	return best
}

func isNumber(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// stem folds plurals and a few endings of English and French words, enough
// for related forms to meet; it is not a full stemmer and does not need to
// know the text's language.
func stem(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = w[:n-3] + "y"
	case n > 4 && strings.HasSuffix(w, "aux"):
		w = w[:n-3] + "al"
	case n > 3 && (strings.HasSuffix(w, "s") || strings.HasSuffix(w, "x")) &&
		!strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:n-1]
	}
	n = len(w)
	switch {
	case n > 5 && strings.HasSuffix(w, "ing"):
		w = w[:n-3]
	case n > 4 && strings.HasSuffix(w, "ed"):
		w = w[:n-2]
	case n > 4 && strings.HasSuffix(w, "ée"):
		w = w[:n-len("ée")] + "é"
	}
	if n = len(w); n > 4 && w[n-1] == 'e' {
		w = w[:n-1]
	}
	return w
}

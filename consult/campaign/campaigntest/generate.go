// Package campaigntest generates answers with planted campaigns, in
// English and French, and scores what campaign.Find reports against them.
// Tests, benchmarks and the bench command share it so their figures mean
// the same thing.
package campaigntest

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pallmall/pallmall/consult/campaign"
)

// Stakeholders are the stakeholder types answers are given.
var Stakeholders = []string{"individual", "civil_society", "industry", "government", "academic"}

// Start is when the generated consultation opens; answers arrive over the
// following 30 days.
var Start = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

// CampaignSizes returns the sizes of the campaigns Generate plants among n
// answers: two of a tenth, two of a twentieth, two of a fiftieth, two of a
// hundredth and four of a thousandth (at least 10 each), 38% of the
// answers in all; the rest is organic.
func CampaignSizes(n int) []int {
	fracs := []int{10, 10, 20, 20, 50, 50, 100, 100, 1000, 1000, 1000, 1000}
	var sizes []int
	total := 0
	for _, f := range fracs {
		s := max(10, n/f)
		if total+s > n/2 {
			break
		}
		sizes = append(sizes, s)
		total += s
	}
	return sizes
}

// Generate returns n answers and the truth: answer ID -> planted campaign
// number (1, 2, ...), 0 for an organic answer. The same n and seed give the
// same answers.
//
// Organic answers are one to about thirty sentences (about 60 words, 400
// characters, on average; lengths are log-normal) in English (55%) or
// French, drawn from a skewed vocabulary of function words, topical words
// and a long tail of rarer words. Each campaign (sizes from CampaignSizes)
// is a template of three to seven sentences in English, French or both;
// every copy swaps each swappable word for a synonym with probability one
// half, reorders its sentences in 30% of copies, drops one sentence in 5%,
// opens with a personal sentence in 10%, and changes case and punctuation
// in 20%. Campaigns arrive mostly in bursts (70% of copies within half an
// hour). IDs follow submission time.
func Generate(n int, seed int64) (answers []campaign.Answer, truth map[int64]int) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x63616d706169676e))
	g := newGenerator(r)
	sizes := CampaignSizes(n)
	planted := 0
	for _, s := range sizes {
		planted += s
	}
	type gen struct {
		a        campaign.Answer
		campaign int
	}
	all := make([]gen, 0, n)
	var b strings.Builder
	month := int64(30 * 24 * time.Hour / time.Second)
	for range n - planted {
		b.Reset()
		lang := en
		if r.Float64() < 0.45 {
			lang = fr
		}
		k := int(math.Round(math.Exp(1.1 + 0.75*r.NormFloat64())))
		for i := range min(max(k, 1), 30) {
			if i > 0 {
				b.WriteByte(' ')
			}
			g.sentence(&b, lang, nil)
		}
		all = append(all, gen{a: campaign.Answer{
			Text: b.String(), At: Start.Add(time.Duration(r.Int64N(month)) * time.Second),
			Stakeholder: Stakeholders[r.IntN(len(Stakeholders))],
		}})
	}
	for c, size := range sizes {
		lang := []language{en, fr, en, fr, both}[c%5]
		tpl := g.template(lang)
		burst := Start.Add(time.Duration(r.Int64N(month*2/3)) * time.Second)
		for range size {
			at := burst.Add(time.Duration(r.Int64N(1800)) * time.Second)
			if r.Float64() < 0.3 {
				at = burst.Add(time.Duration(r.Int64N(month/3)) * time.Second)
			}
			all = append(all, gen{a: campaign.Answer{
				Text: g.copyOf(tpl, lang), At: at, Stakeholder: Stakeholders[r.IntN(len(Stakeholders))],
			}, campaign: c + 1})
		}
	}
	slices.SortStableFunc(all, func(x, y gen) int { return x.a.At.Compare(y.a.At) })
	answers = make([]campaign.Answer, len(all))
	truth = make(map[int64]int, len(all))
	for i, x := range all {
		x.a.ID = int64(i + 1)
		answers[i] = x.a
		truth[x.a.ID] = x.campaign
	}
	return answers, truth
}

type language int

const (
	en language = iota
	fr
	both
)

type generator struct {
	r *rand.Rand
	// function and content words per language, most frequent first.
	function, content [2][]string
}

func newGenerator(r *rand.Rand) *generator {
	g := &generator{r: r}
	g.function[en] = strings.Fields(enFunction)
	g.function[fr] = strings.Fields(frFunction)
	// The long tail: made-up words of two to four syllables, the same
	// for every seed.
	tail := rand.New(rand.NewPCG(1, 2))
	for l, sy := range [2][]string{strings.Fields(enSyllables), strings.Fields(frSyllables)} {
		words := strings.Fields([2]string{enContent, frContent}[l])
		for range 6000 {
			var w strings.Builder
			for range 2 + tail.IntN(3) {
				w.WriteString(sy[tail.IntN(len(sy))])
			}
			words = append(words, w.String())
		}
		g.content[l] = words
	}
	return g
}

// word draws a word: a function word 45% of the time, otherwise a content
// word with a skewed (roughly Zipfian) choice.
func (g *generator) word(l language) string {
	if g.r.Float64() < 0.45 {
		f := g.function[l]
		return f[int(float64(len(f))*g.r.Float64()*g.r.Float64())]
	}
	c := g.content[l]
	u := g.r.Float64()
	return c[int(float64(len(c))*u*u*u)]
}

// sentence writes one sentence of 6 to 21 words; keys, when given, are
// spliced into it.
func (g *generator) sentence(b *strings.Builder, l language, keys []string) {
	n := 6 + g.r.IntN(16)
	ws := make([]string, n, n+len(keys))
	for i := range ws {
		ws[i] = g.word(l)
	}
	for _, k := range keys {
		ws = slices.Insert(ws, g.r.IntN(len(ws)+1), k)
	}
	for i, w := range ws {
		if i == 0 {
			r, n := utf8.DecodeRuneInString(w)
			b.WriteRune(unicode.ToUpper(r))
			b.WriteString(w[n:])
			continue
		}
		if g.r.Float64() < 0.06 {
			b.WriteByte(',')
		}
		b.WriteByte(' ')
		b.WriteString(w)
	}
	b.WriteByte('.')
}

// template is a campaign's script: sentences as words, some of them keys
// of the synonym table.
type template [][]string

func (g *generator) template(l language) template {
	var t template
	for i := range 3 + g.r.IntN(5) {
		sl := l
		if l == both {
			sl = language(i % 2)
		}
		keys := synonymKeys[sl]
		var picked []string
		for range 2 + g.r.IntN(3) {
			picked = append(picked, keys[g.r.IntN(len(keys))])
		}
		var b strings.Builder
		g.sentence(&b, sl, picked)
		t = append(t, strings.Fields(b.String()))
	}
	return t
}

// copyOf writes one copy of a template, varied.
func (g *generator) copyOf(t template, l language) string {
	order := make([]int, len(t))
	for i := range order {
		order[i] = i
	}
	if g.r.Float64() < 0.3 {
		g.r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	if len(order) > 3 && g.r.Float64() < 0.05 {
		i := g.r.IntN(len(order))
		order = slices.Delete(order, i, i+1)
	}
	var b strings.Builder
	if g.r.Float64() < 0.1 {
		pl := l
		if l == both {
			pl = en
		}
		g.sentence(&b, pl, nil)
		b.WriteByte(' ')
	}
	shout := g.r.Float64() < 0.1
	loud := g.r.Float64() < 0.1
	for k, i := range order {
		if k > 0 {
			b.WriteByte(' ')
		}
		for j, w := range t[i] {
			if j > 0 {
				b.WriteByte(' ')
			}
			base := strings.TrimRight(w, ".,")
			if alts, ok := synonyms[strings.ToLower(base)]; ok && g.r.Float64() < 0.5 {
				w = strings.Replace(w, base, alts[g.r.IntN(len(alts))], 1)
			}
			if shout {
				w = strings.ToUpper(w)
			}
			b.WriteString(w)
		}
	}
	if loud {
		b.WriteString("!!")
	}
	return b.String()
}

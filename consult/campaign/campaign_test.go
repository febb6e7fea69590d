package campaign

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// corpus generates answers: planted campaigns (templates with words
// swapped for synonyms, sentences reordered, case and punctuation changed)
// among organic answers written from the same vocabulary.
type corpus struct {
	answers []Answer
	planted map[int64]int // answer id -> template number; organic answers are absent
	sizes   []int
}

var vocabulary = strings.Fields(`states must license every export of intrusion software and publish the decisions
vendors should assess human rights risks before each sale to a government customer oversight bodies need access
to contracts and audit logs journalists and defenders were targeted by spyware without judicial authorisation
les états doivent encadrer chaque exportation de logiciels espions et publier leurs décisions les fournisseurs
devraient évaluer les risques pour les droits humains avant toute vente les journalistes ont été ciblés sans
autorisation judiciaire transparency accountability precision oversight remedy victims notification platforms
exploit brokers hack for hire services zero click vulnerabilities disclosure researchers civil society industry`)

// synonyms for the words a campaign's template swaps.
var synonyms = map[string][]string{
	"must": {"should", "shall", "have to"}, "license": {"authorise", "permit", "approve"}, "every": {"each", "all", "any"},
	"publish": {"disclose", "release", "make public"}, "decisions": {"rulings", "choices", "determinations"},
	"vendors": {"suppliers", "companies", "sellers"}, "assess": {"evaluate", "review", "examine"},
	"risks": {"dangers", "threats", "hazards"}, "targeted": {"attacked", "surveilled", "hacked"},
	"doivent": {"devraient", "sont tenus de"}, "publier": {"divulguer", "rendre publiques"}, "évaluer": {"examiner", "apprécier"},
	"journalistes": {"reporters", "journalistes d’investigation"}, "ciblés": {"visés", "surveillés"},
}

func newCorpus(seed uint64, organic int, sizes []int) corpus {
	r := rand.New(rand.NewPCG(seed, 42))
	c := corpus{planted: map[int64]int{}, sizes: sizes}
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	sentence := func(n int) string {
		w := make([]string, n)
		for i := range w {
			// A skewed choice, as word use is.
			w[i] = vocabulary[int(float64(len(vocabulary))*r.Float64()*r.Float64())]
		}
		return strings.Join(w, " ")
	}
	id := int64(0)
	add := func(text string, at time.Time, st string, template int) {
		id++
		c.answers = append(c.answers, Answer{ID: id, Text: text, At: at, Stakeholder: st})
		if template >= 0 {
			c.planted[id] = template
		}
	}
	for i := 0; i < organic; i++ {
		var s []string
		for range 2 + r.IntN(5) {
			s = append(s, sentence(6+r.IntN(12))+".")
		}
		add(strings.Join(s, " "), t0.Add(time.Duration(r.IntN(30*24*3600))*time.Second), "civil_society", -1)
	}
	for t, n := range sizes {
		// A template of four to six sentences mixing the swappable words.
		var sentences []string
		keys := []string{"must", "license", "every", "publish", "decisions", "vendors", "assess", "risks", "targeted", "doivent", "publier", "évaluer", "journalistes", "ciblés"}
		for range 4 + r.IntN(3) {
			words := strings.Fields(sentence(8 + r.IntN(8)))
			for range 3 {
				words[r.IntN(len(words))] = keys[r.IntN(len(keys))]
			}
			sentences = append(sentences, strings.Join(words, " ")+".")
		}
		start := t0.Add(time.Duration(r.IntN(20*24*3600)) * time.Second)
		for k := 0; k < n; k++ {
			s := make([]string, len(sentences))
			for i, sen := range sentences {
				words := strings.Fields(sen)
				for j, w := range words {
					base := strings.TrimSuffix(w, ".")
					if alts, ok := synonyms[base]; ok && r.Float64() < 0.5 {
						words[j] = strings.Replace(w, base, alts[r.IntN(len(alts))], 1)
					}
				}
				s[i] = strings.Join(words, " ")
			}
			if r.Float64() < 0.3 { // reorder two sentences
				i, j := r.IntN(len(s)), r.IntN(len(s))
				s[i], s[j] = s[j], s[i]
			}
			text := strings.Join(s, " ")
			if r.Float64() < 0.2 {
				text = strings.ToUpper(text[:1]) + text[1:] + "!!"
			}
			// Campaigns arrive in bursts: most within minutes.
			at := start.Add(time.Duration(r.IntN(600)) * time.Second)
			add(text, at, []string{"industry", "civil_society"}[r.IntN(2)], t)
		}
	}
	r.Shuffle(len(c.answers), func(i, j int) { c.answers[i], c.answers[j] = c.answers[j], c.answers[i] })
	return c
}

// score returns precision and recall of found campaigns against the planted
// ones: each campaign is credited with its most common template; recall
// counts planted answers in a campaign credited with their template.
func (c corpus) score(found []Campaign) (precision, recall float64) {
	var inCampaigns, correct int
	for _, f := range found {
		counts := map[int]int{}
		for _, id := range f.AnswerIDs {
			if t, ok := c.planted[id]; ok {
				counts[t]++
			} else {
				counts[-1]++
			}
		}
		best, bestN := -1, 0
		for t, n := range counts {
			if t >= 0 && n > bestN {
				best, bestN = t, n
			}
		}
		inCampaigns += len(f.AnswerIDs)
		if best >= 0 {
			correct += bestN
		}
	}
	if inCampaigns > 0 {
		precision = float64(correct) / float64(inCampaigns)
	}
	recall = float64(correct) / float64(len(c.planted))
	return precision, recall
}

func TestFindsPlantedCampaigns(t *testing.T) {
	c := newCorpus(1, 20000, []int{500, 120, 40, 15})
	found := Find(c.answers, Options{MinSize: 10})
	p, r := c.score(found)
	t.Logf("%d campaigns found; precision %.4f, recall %.4f", len(found), p, r)
	if p < 0.95 || r < 0.95 {
		t.Errorf("precision %.3f, recall %.3f; want both at least 0.95", p, r)
	}
	if len(found) < 4 {
		t.Fatalf("found %d campaigns, want the 4 planted ones", len(found))
	}
	big := found[0]
	if big.Size < 475 || big.Size > 500 {
		t.Errorf("largest campaign has %d answers, want about 500", big.Size)
	}
	if big.Distinct < 2 || len(big.Variants) == 0 || len(big.Variants[0].Diff) < 2 {
		t.Errorf("largest campaign: %d distinct texts, %d variants; want variants with diffs", big.Distinct, len(big.Variants))
	}
	// The campaign arrived within ten minutes, so some minute holds at
	// least a tenth of it; organic answers came over a month.
	if big.Burst < big.Size/10 || big.BurstStart.Before(big.First) || big.BurstStart.After(big.Last) || big.Last.Sub(big.First) > 10*time.Minute {
		t.Errorf("burst evidence %d of %d from %v (campaign %v to %v)", big.Burst, big.Size, big.BurstStart, big.First, big.Last)
	}
	if big.Stakeholders["industry"]+big.Stakeholders["civil_society"] != big.Size {
		t.Errorf("stakeholder counts %v do not add up to %d", big.Stakeholders, big.Size)
	}
}

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

// BenchmarkFind runs on generated answers of realistic length with planted
// campaigns; the Baseline sub-benchmark is the exact-duplicate pass alone
// (normalise and digest), the floor any method pays, measured in the same
// run. go test ./consult/campaign -bench Find -benchtime 1x
func BenchmarkFind(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		organic := n * 6 / 10
		sizes := []int{n / 10, n / 10, n / 20, n / 20, n / 50, n / 50, n / 100, n / 100}
		planted := 0
		for _, s := range sizes {
			planted += s
		}
		c := newCorpus(7, organic+(n-organic-planted), sizes)
		b.Run(fmt.Sprintf("%dk/Find", n/1000), func(b *testing.B) {
			var p, r float64
			for b.Loop() {
				p, r = c.score(Find(c.answers, Options{MinSize: 50}))
			}
			b.ReportMetric(p, "precision")
			b.ReportMetric(r, "recall")
		})
		b.Run(fmt.Sprintf("%dk/Baseline", n/1000), func(b *testing.B) {
			for b.Loop() {
				seen := map[string]int{}
				for _, a := range c.answers {
					seen[Normalise(a.Text)]++
				}
			}
		})
	}
}

package campaign

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// plantedTopics are four topics, two in English and two in French, each
// with its distinctive words (written in several forms) over a shared
// vocabulary of general words.
var plantedTopics = []struct {
	distinctive []string
	want        []string // terms the theme must show, in some form
}{
	{strings.Fields("export exports licence licences licensing embargo embargoes customs dual-use"), []string{"licence", "export"}},
	{strings.Fields("vulnerability vulnerabilities disclosure disclosed researcher researchers bounty bounties patch patches"), []string{"disclosure", "researchers"}},
	{strings.Fields("victimes victime notification notifications recours indemnisation réparation tribunal tribunaux"), []string{"victimes", "recours"}},
	{strings.Fields("courtiers courtier marché marchés revente intermédiaires intermédiaire commission commissions"), []string{"courtiers", "marché"}},
}

var generalWords = strings.Fields(`spyware states government rules process international public people
world security important support logiciels espions états gouvernement règles processus public sécurité
important soutien the and of we les et des nous should must doivent`)

func plantedDocs(perTopic int, seed uint64) (docs []Doc, topicOf map[int64]int) {
	r := rand.New(rand.NewPCG(seed, 1))
	topicOf = map[int64]int{}
	id := int64(0)
	for i := range perTopic * len(plantedTopics) {
		topic := i % len(plantedTopics)
		var ws []string
		for range 3 + r.IntN(4) {
			d := plantedTopics[topic].distinctive
			ws = append(ws, d[r.IntN(len(d))])
		}
		for range 6 + r.IntN(10) {
			ws = append(ws, generalWords[r.IntN(len(generalWords))])
		}
		r.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
		id++
		docs = append(docs, Doc{ID: id, Text: strings.Join(ws, " ") + ".", Stakeholder: []string{"industry", "civil_society"}[topic%2]})
		topicOf[id] = topic
	}
	return docs, topicOf
}

func TestThemesRecoverPlantedTopics(t *testing.T) {
	docs, topicOf := plantedDocs(60, 1)
	// A campaign: 200 copies of one text with words of its own (fewer
	// than half the texts, so its words are not dropped as too common).
	for i := range 200 {
		// Each copy signed with a number: near-duplicates, not exact ones.
		docs = append(docs, Doc{ID: int64(10_000 + i), Text: fmt.Sprintf("Cryptocurrency mining wastes energy; cryptocurrency mining must stop! (%d)", i), Stakeholder: "individual"})
	}
	themes := Themes(docs, ThemeOptions{K: 4})
	if len(themes) != 4 {
		t.Fatalf("Themes = %d themes, want 4: %v", len(themes), themes)
	}
	themeOf := map[int64]int{}
	for i, th := range themes {
		for _, id := range th.DocIDs {
			themeOf[id] = i
		}
		if strings.Contains(strings.Join(th.Terms[:min(3, len(th.Terms))], " "), "cryptocurrency") {
			t.Errorf("theme %d leads with the campaign's words: %v", i, th.Terms)
		}
		total := 0
		for _, n := range th.Stakeholders {
			total += n
		}
		if total != len(th.DocIDs) || th.Distinct > len(th.DocIDs) {
			t.Errorf("theme %d: stakeholders %v, distinct %d, for %d docs", i, th.Stakeholders, th.Distinct, len(th.DocIDs))
		}
	}
	for topic, planted := range plantedTopics {
		counts := map[int]int{}
		n := 0
		for id, tp := range topicOf {
			if tp == topic {
				counts[themeOf[id]]++
				n++
			}
		}
		best, bestN := 0, 0
		for th, c := range counts {
			if c > bestN || c == bestN && th < best {
				best, bestN = th, c
			}
		}
		if bestN < n*9/10 {
			t.Errorf("topic %d: %d of %d docs in its main theme, want at least 90%%", topic, bestN, n)
		}
		for _, w := range planted.want {
			if !slices.ContainsFunc(themes[best].Terms, func(term string) bool { return stem(term) == stem(w) }) {
				t.Errorf("topic %d: theme terms %v lack %q", topic, themes[best].Terms, w)
			}
		}
	}
	// Deterministic for the same input.
	if diff := cmp.Diff(themes, Themes(docs, ThemeOptions{K: 4})); diff != "" {
		t.Errorf("Themes differs on a second run:\n%s", diff)
	}
}

func TestThemesEdgeCases(t *testing.T) {
	if got := Themes(nil, ThemeOptions{}); got != nil {
		t.Errorf("Themes(nil) = %v", got)
	}
	docs := []Doc{{ID: 1, Text: ""}, {ID: 2, Text: "  !! "}, {ID: 3, Text: "the and of"}}
	if got := Themes(docs, ThemeOptions{}); len(got) != 0 {
		t.Errorf("Themes of empty texts = %v", got)
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"journalistes": "journalist", "journalists": "journalist", "journalist": "journalist",
		"vulnerabilities": "vulnerability", "licences": "licenc", "licence": "licenc",
		"tribunaux": "tribunal", "disclosed": "disclos", "disclosure": "disclosur",
		"publiée": "publié", "publié": "publié", "process": "process", "status": "status",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

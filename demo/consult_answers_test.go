package demo

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pallmall/pallmall/consult/campaign"
)

// TestOrganicAnswersAreNoCampaign: the demo's organic free-text answers,
// composed from parts, are not near-identical enough to form a campaign
// (campaign.Find's default minimum of 10), at the demo's numbers and for
// ten random seeds, while the planted campaign among them is found, alone.
// (At half as many again, a few seeds give a chain of 10 or more: the
// parts are a few hundred phrases, not a population's vocabulary.)
func TestOrganicAnswersAreNoCampaign(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	lang := func(rng *rand.Rand) string { return []string{"en", "fr"}[rng.IntN(2)] }
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 2024))
		for _, tc := range []struct {
			name   string
			n      int // about the demo's numbers
			answer func() string
		}{
			{"next", 300, func() string { return nextAnswer(rng, lang(rng)) }},
			{"support", 80, func() string { return supportAnswer(rng, lang(rng)) }},
			{"regime", 40, func() string { return regimeAnswer(rng) }},
			{"practice", 40, func() string { return practiceAnswer(rng) }},
		} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, seed), func(t *testing.T) {
				var answers []campaign.Answer
				seen := map[string]bool{}
				for i := range tc.n {
					text := tc.answer()
					if text == "" || text[0] == ' ' || text[len(text)-1] != '.' {
						t.Fatalf("answer %d = %q, want a sentence", i, text)
					}
					seen[text] = true
					answers = append(answers, campaign.Answer{ID: int64(i + 1), Text: text, At: at.Add(time.Duration(i) * time.Hour)})
				}
				if len(seen) < tc.n*95/100 {
					t.Errorf("%d distinct answers of %d, want nearly all different", len(seen), tc.n)
				}
				largest := 0
				for _, c := range campaign.Find(answers, campaign.Options{MinSize: 2}) {
					largest = max(largest, c.Size)
				}
				if largest >= 10 {
					t.Errorf("largest cluster of near-identical answers = %d, want under 10 (a campaign)", largest)
				}
				for i := range 36 {
					answers = append(answers, campaign.Answer{ID: int64(10000 + i), Text: campaignTemplate(i), At: at.Add(time.Duration(i) * time.Second)})
				}
				cs := campaign.Find(answers, campaign.Options{})
				if len(cs) != 1 || cs[0].Size != 36 {
					sizes := ""
					for _, c := range cs {
						sizes += fmt.Sprintf(" %d (%q)", c.Size, c.Representative)
					}
					t.Errorf("campaigns with the planted one:%s; want one of 36", sizes)
				}
			})
		}
	}
}

package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/pallmall/pallmall/consult/campaign"
)

func campaignCase() Case {
	return Case{
		Name: "campaign", Title: "Campaign detection in free-text answers (consult/campaign)", Unit: "answers",
		Baseline: "normalise and digest every answer (campaign.Normalise, then SHA-256 into a map of exact duplicates): the cheapest pass any detection must make",
		Target:   "time, memory, precision and recall on 1,000,000 answers (no numeric target in the issue)",
		Cost:     "detection time",
		Base:     1_000_000, Min: 2000,
		run: runCampaign,
	}
}

func runCampaign(ctx context.Context, env *Env, n int) error {
	answers, truth := campaignAnswers(n, 1)
	var found []campaign.Campaign
	s, err := env.Measure("", func() error {
		found = campaign.Find(answers, campaign.Options{})
		return nil
	})
	if err != nil {
		return err
	}
	start := time.Now()
	digests := make(map[[32]byte]int, n/2)
	for _, a := range answers {
		digests[sha256.Sum256([]byte(campaign.Normalise(a.Text)))]++
	}
	base := time.Since(start).Seconds()
	precision, recall := scoreCampaigns(found, truth)
	env.Result.Figures = append(env.Result.Figures,
		figure("detection time", "s", s.Elapsed.Seconds(), false, base),
		figure("answers/s", "answers/s", float64(n)/s.Elapsed.Seconds(), true, float64(n)/base),
		figure("precision", "", precision, true, 0),
		figure("recall", "", recall, true, 0),
	)
	env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("%d campaigns found; %d distinct normalised texts; precision and recall count answers: flagged answers that belong to a planted campaign, planted campaign answers flagged", len(found), len(digests)))
	return nil
}

// campaignAnswers generates n answers of which about a quarter come from
// planted campaigns (templates with words swapped for synonyms, changed
// case and punctuation, submitted in bursts) and the rest are organic
// answers drawn from a shared vocabulary. truth maps an answer id to its
// campaign, or -1.
func campaignAnswers(n int, seed uint64) ([]campaign.Answer, []int) {
	rng := rand.New(rand.NewPCG(seed, 3))
	vocab := make([]string, 4000)
	for i := range vocab {
		vocab[i] = syllables(rng, 2+rng.IntN(3))
	}
	nCampaigns := max(2, n/20000)
	templates := make([][]string, nCampaigns)
	for c := range templates {
		words := make([]string, 25+rng.IntN(20))
		for i := range words {
			words[i] = vocab[rng.IntN(len(vocab))]
		}
		templates[c] = words
	}
	kinds := []string{"state", "industry", "civil_society", "academia", "individual"}
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	answers := make([]campaign.Answer, n)
	truth := make([]int, n)
	var b strings.Builder
	for i := range answers {
		b.Reset()
		at := start.Add(time.Duration(i) * 2 * time.Second)
		if rng.IntN(4) == 0 {
			c := rng.IntN(nCampaigns)
			truth[i] = c
			for j, w := range templates[c] {
				if j > 0 {
					b.WriteByte(' ')
				}
				switch r := rng.IntN(20); {
				case r == 0: // a synonym
					w = vocab[rng.IntN(len(vocab))]
				case r == 1:
					w = strings.ToUpper(w)
				}
				b.WriteString(w)
			}
			b.WriteString([]string{".", "!", "", " ."}[rng.IntN(4)])
		} else {
			truth[i] = -1
			for j := range 15 + rng.IntN(30) {
				if j > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(vocab[rng.IntN(len(vocab))])
			}
			b.WriteByte('.')
		}
		answers[i] = campaign.Answer{ID: int64(i), Text: b.String(), At: at, Stakeholder: kinds[rng.IntN(len(kinds))]}
	}
	return answers, truth
}

func syllables(rng *rand.Rand, n int) string {
	const cons, vows = "bcdfghjklmnprstvz", "aeiou"
	var b strings.Builder
	for range n {
		b.WriteByte(cons[rng.IntN(len(cons))])
		b.WriteByte(vows[rng.IntN(len(vows))])
	}
	return b.String()
}

// scoreCampaigns returns the share of flagged answers that belong to a
// planted campaign (precision) and the share of planted campaign answers
// that were flagged (recall).
func scoreCampaigns(found []campaign.Campaign, truth []int) (precision, recall float64) {
	var flagged, right, planted int
	for _, c := range found {
		for _, id := range c.AnswerIDs {
			flagged++
			if truth[id] >= 0 {
				right++
			}
		}
	}
	for _, t := range truth {
		if t >= 0 {
			planted++
		}
	}
	if flagged > 0 {
		precision = float64(right) / float64(flagged)
	}
	if planted > 0 {
		recall = float64(right) / float64(planted)
	}
	return precision, recall
}

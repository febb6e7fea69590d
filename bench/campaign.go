package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/pallmall/pallmall/consult/campaign"
	"github.com/pallmall/pallmall/consult/campaign/campaigntest"
)

func campaignCase() Case {
	return Case{
		Name: "campaign", Title: "Campaign detection in free-text answers (consult/campaign)", Unit: "answers",
		Baseline: "normalise and digest every answer (campaign.Normalise, then SHA-256 into a map of exact duplicates): the cheapest pass any detection must make",
		Target:   "time, memory, precision and recall on 1,000,000 answers (no numeric target in the issue)",
		Cost:     "detection time",
		Base:     1_000_000, Min: 2000,
		Memory: func(n int) (uint64, string) {
			return uint64(n) * (campaignInputBytes + campaignFindBytes), fmt.Sprintf("%d bytes an answer for the generated answers and %d for campaign.Find's peak, the larger of those measured at 1,000,000 and 3,000,000", campaignInputBytes, campaignFindBytes)
		},
		run: runCampaign,
	}
}

// What a generated answer costs in memory, the larger of the figures
// measured (Go heap) at 1,000,000 and 3,000,000 answers: the answers
// themselves (about 440 bytes of text on average) with campaigntest's
// truth map, live after a collection (687 and 669 bytes an answer), and
// the peak of campaign.Find above them (1,192 and 1,059 bytes; its
// sketch of each distinct text, 832 bytes, dominates).
const (
	campaignInputBytes = 690
	campaignFindBytes  = 1200
)

func runCampaign(ctx context.Context, env *Env, n int) error {
	answers, truth := campaigntest.Generate(n, 1)
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
	precision, recall := campaigntest.Score(found, truth)
	env.Result.Figures = append(env.Result.Figures,
		figure("detection time", "s", s.Elapsed.Seconds(), false, base),
		figure("answers/s", "answers/s", float64(n)/s.Elapsed.Seconds(), true, float64(n)/base),
		figure("precision", "", precision, true, 0),
		figure("recall", "", recall, true, 0),
	)
	env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("%d campaigns found, %d planted; %d distinct normalised texts; answers from campaigntest.Generate (English and French, synonyms swapped, sentences reordered, bursts), scored by campaigntest.Score", len(found), len(campaigntest.CampaignSizes(n)), len(digests)))
	return nil
}

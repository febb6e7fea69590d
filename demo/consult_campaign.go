package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// campaignTemplate is the demo campaign's text; each copy swaps some words
// for synonyms, as campaign tools do to evade simple de-duplication.
func campaignTemplate(i int) string {
	verbs := []string{"ban", "prohibit", "outlaw"}
	objects := []string{"spyware", "intrusion software", "hacking tools"}
	closers := []string{"Protect journalists now.", "Protect reporters now.", "Protect journalists today."}
	return fmt.Sprintf("The Process must %s the sale of %s to any government that targets the press. %s",
		verbs[i%len(verbs)], objects[(i/3)%len(objects)], closers[(i/2)%len(closers)])
}

// plantCampaign submits a small organised campaign to the demo
// consultation's question q (36 templated answers, 24 of them within
// 48 seconds, a burst by campaign.Bursts' default of 20 in a minute), then runs the campaign detection so the
// analysts' campaign, flag and theme pages have something to show.
func plantCampaign(ctx context.Context, svc *consult.Service, consultationID int64, q consult.Question, clock *time.Time) error {
	var run consult.CampaignRun
	qn, err := svc.Questionnaire(ctx, auth.System, consultationID)
	if err != nil {
		return err
	}
	start := clock.Add(-72 * time.Hour)
	for i := range 36 {
		*clock = start.Add(time.Duration(i) * 3 * time.Hour)
		if i >= 12 {
			*clock = start.Add(40*time.Hour + time.Duration(i-12)*2*time.Second)
		}
		share, contact := false, false
		publish := consult.PublishAnonymous
		if i%3 == 0 {
			publish = consult.PublishNone
		}
		about := consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: fmt.Sprintf("Campaign sender %d (fictional)", i+1)}
		answers := map[int64]consult.Answer{q.ID: {Text: campaignTemplate(i)}}
		// The other required questions get their first option, or "no".
		for _, o := range qn.Questions() {
			if _, ok := answers[o.ID]; ok || !o.Required || !qn.Visible(o, about.Stakeholder, answers) {
				continue
			}
			switch {
			case o.Kind == consult.YesNo:
				answers[o.ID] = consult.Answer{Choices: []string{"no"}}
			case len(o.Choices()) > 0:
				answers[o.ID] = consult.Answer{Choices: []string{o.Choices()[0].Value}}
			default:
				answers[o.ID] = consult.Answer{Text: "No comment."}
			}
		}
		if _, err := svc.SubmitDirect(ctx, auth.System, consultationID, consult.Direct{About: about, Answers: answers,
			Share: &share, Contact: &contact, Publish: publish, Lang: "en"}); err != nil {
			return fmt.Errorf("demo campaign answer %d: %w", i+1, err)
		}
	}
	run, err = svc.StartCampaignRun(ctx, auth.System, consultationID, consult.CampaignOptions{})
	if err != nil {
		return err
	}
	return svc.RunCampaigns(ctx, auth.System, run, consult.CampaignOptions{})
}

package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

var consultSystem = auth.System

// seedTemplate is the i-th copy of a campaign template, with words swapped
// for synonyms in most copies.
func seedTemplate(i int) string {
	verbs := []string{"ban", "prohibit", "outlaw", "forbid"}
	objects := []string{"spyware", "intrusion software", "hacking tools"}
	return fmt.Sprintf("We ask the Pall Mall Process to %s the sale of %s to governments that target journalists and human-rights defenders, and to publish every licence granted.",
		verbs[i%len(verbs)], objects[(i/4)%len(objects)])
}

// seedCampaign submits n templated answers to question q through the
// service, as fast as it can (so they also form a burst); every other
// respondent agrees to anonymous publication.
func seedCampaign(t testing.TB, svc *consult.Service, consultationID, q int64, n int) {
	t.Helper()
	ctx := context.Background()
	no := false
	for i := range n {
		publish := consult.PublishAnonymous
		if i%2 == 1 {
			publish = consult.PublishNone
		}
		_, err := svc.SubmitDirect(ctx, auth.System, consultationID, consult.Direct{About: consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: fmt.Sprintf("Sender %d", i)},
			Answers: map[int64]consult.Answer{q: {Text: seedTemplate(i)}}, Share: &no, Contact: &no, Publish: publish, Lang: "en"})
		if err != nil {
			t.Fatalf("campaign answer %d: %v", i, err)
		}
	}
}

package consult

import (
	"cmp"
	"context"
	"slices"

	"github.com/pallmall/pallmall/store"
)

// PublishedCampaign is a confirmed campaign as the published summary
// shows it: one representative answer and its number of signatures, its
// members not listed one by one, as the US Administrative Conference's
// Recommendation 2021-1 asks.
type PublishedCampaign struct {
	QuestionID int64 `json:"question_id"`
	// Text is the representative answer, with redactions applied, taken
	// from a member who agreed to publication (named or anonymous);
	// empty, with Withheld set, when no member did.
	Text     string `json:"text,omitempty"`
	Withheld bool   `json:"text_withheld,omitempty"`
	// Signatures counts the campaign's answers from submitted responses,
	// whatever their publication choice: a count identifies nobody. It is
	// suppressed like any count under SmallCell.
	Signatures Cell `json:"signatures"`
}

// publishedCampaigns returns the confirmed campaigns of a consultation for
// the summary, and the answers they stand for, which the summary then
// leaves out of the individually published responses.
//
// The representative must come from a respondent who agreed to
// publication: among the members who did, the one whose text is the
// campaign's most frequent is preferred, then the earliest. A template
// copied by hundreds is arguably not personal, but consent is the rule
// here, so when no member agreed the text is withheld and only the count
// is published.
func publishedCampaigns(ctx context.Context, q store.Querier, consultationID int64) ([]PublishedCampaign, map[answerKey]bool, error) {
	members, err := campaignMembers(ctx, q, consultationID, 1)
	if err != nil {
		return nil, nil, err
	}
	redactions, err := loadRedactions(ctx, q, consultationID)
	if err != nil {
		return nil, nil, err
	}
	covered := map[answerKey]bool{}
	var out []PublishedCampaign
	ids := make([]int64, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ms := members[id]
		if len(ms) == 0 {
			continue
		}
		count := map[string]int{}
		for _, m := range ms {
			count[m.digest]++
			covered[answerKey{m.response, m.question}] = true
		}
		p := PublishedCampaign{QuestionID: ms[0].question, Signatures: signatures(len(ms))}
		var best *member
		for i := range ms {
			m := &ms[i]
			if m.publish != PublishNamed && m.publish != PublishAnonymous {
				continue
			}
			if best == nil || count[m.digest] > count[best.digest] {
				best = m
			}
		}
		if best != nil {
			p.Text = redact(Answer{Text: best.body}, redactions[answerKey{best.response, best.question}]).Text
		} else {
			p.Withheld = true
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b PublishedCampaign) int {
		if c := cmp.Compare(a.QuestionID, b.QuestionID); c != 0 {
			return c
		}
		return cmp.Compare(b.Signatures.N, a.Signatures.N)
	})
	return out, covered, nil
}

// signatures is a campaign's count as published: suppressed, like every
// count of the summary, from 1 to SmallCell-1.
func signatures(n int) Cell {
	if n > 0 && n < SmallCell {
		return Cell{Suppressed: true}
	}
	return Cell{N: n}
}

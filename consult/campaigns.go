package consult

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult/campaign"
	"github.com/pallmall/pallmall/store"
)

// Campaigns (issue 8): clusters of near-identical answers to one question,
// found by a detection run (campaigns_run.go) or joined by new answers as
// they are submitted (matchCampaigns), which an analyst confirms or
// dismisses. A confirmed campaign is published as one representative
// answer with its number of signatures (see Summary). Nothing is deleted.

// The states of a campaign.
const (
	CampaignSuggested = "suggested"
	CampaignConfirmed = "confirmed"
	CampaignDismissed = "dismissed"
)

// Campaign is a stored campaign as analysts read it. Texts have the
// redactions applied.
type Campaign struct {
	ID             int64
	ConsultationID int64
	QuestionID     int64
	// Representative is the text of the representative answer: the most
	// frequent text when detected, or the most frequent one left if its
	// response was withdrawn.
	Representative string
	// Size counts the campaign's answers from submitted responses;
	// Joined those among them matched on submission since the last run.
	Size, Joined int
	Distinct     int
	First, Last  time.Time
	Stakeholders map[Stakeholder]int
	// Variants are the most frequent other texts, as word diffs.
	Variants []CampaignVariant
	// Burst is the most answers submitted within a minute, from
	// BurstStart.
	Burst      int
	BurstStart time.Time
	Status     string
	DecidedBy  int64
	DecidedAt  time.Time
	Reason     string
	// Stale is set when the latest run did not find the campaign again.
	Stale bool
}

// CampaignVariant is one of a campaign's texts other than the
// representative.
type CampaignVariant struct {
	Text  string
	Count int
	Diff  []campaign.Edit
}

// maxVariants bounds the variants shown per campaign.
const maxVariants = 5

// Campaigns returns a consultation's campaigns of at least minSize answers
// (every one, with minSize 0), largest first, for the secretariat and
// analysts.
func (s *Service) Campaigns(ctx context.Context, actor auth.Actor, consultationID int64, minSize int) ([]Campaign, error) {
	if !canAnalyse(actor) {
		return nil, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, consultation_id, question_id, rep_response_id, rep_digest, distinct_texts, first_at, last_at, burst, burst_start,
		status, decided_by, decided_at, reason, stale FROM consult_campaigns WHERE consultation_id = $1 ORDER BY id`, consultationID)
	type stored struct {
		Campaign
		repResponse int64
		repDigest   string
	}
	list, err := store.ScanAll(rows, err, func(r *sql.Rows) (stored, error) {
		var c stored
		var first, last, burst, at sql.NullTime
		var by sql.NullInt64
		err := r.Scan(&c.ID, &c.ConsultationID, &c.QuestionID, &c.repResponse, &c.repDigest, &c.Distinct, &first, &last, &c.Burst, &burst,
			&c.Status, &by, &at, &c.Reason, &c.Stale)
		c.First, c.Last, c.BurstStart, c.DecidedAt, c.DecidedBy = first.Time.UTC(), last.Time.UTC(), burst.Time.UTC(), at.Time.UTC(), by.Int64
		return c, err
	})
	if err != nil {
		return nil, err
	}
	members, err := campaignMembers(ctx, s.DB, consultationID, 0)
	if err != nil {
		return nil, err
	}
	redactions, err := loadRedactions(ctx, s.DB, consultationID)
	if err != nil {
		return nil, err
	}
	var out []Campaign
	for _, st := range list {
		c := st.Campaign
		ms := members[c.ID]
		describe(&c, ms, st.repResponse, st.repDigest, redactions)
		if c.Size == 0 || c.Size < minSize {
			continue
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Campaign) int { return cmp.Compare(b.Size, a.Size) })
	return out, nil
}

// member is one answer of a campaign, from a submitted response.
type member struct {
	response    int64
	question    int64
	digest      string
	source      string
	body        string
	stakeholder Stakeholder
	submitted   time.Time
	publish     Publish
}

// campaignMembers reads the members of a consultation's campaigns (only
// confirmed ones when confirmedOnly is 1) with their answers, grouped by
// campaign. Members whose response was withdrawn have no answer left and
// are not returned.
func campaignMembers(ctx context.Context, q store.Querier, consultationID int64, confirmedOnly int) (map[int64][]member, error) {
	rows, err := q.Query(ctx, `SELECT m.campaign_id, m.response_id, m.question_id, m.digest, m.source, a.body, r.stakeholder, r.submitted_at, r.consent_publish
		FROM consult_campaign_members m JOIN consult_campaigns c ON c.id = m.campaign_id
		JOIN consult_responses r ON r.id = m.response_id
		JOIN consult_answers a ON a.response_id = m.response_id AND a.question_id = m.question_id
		WHERE c.consultation_id = $1 AND r.status = 'submitted' AND ($2 = 0 OR c.status = 'confirmed') ORDER BY m.campaign_id, m.response_id`, consultationID, confirmedOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]member{}
	for rows.Next() {
		var id int64
		var m member
		if err := rows.Scan(&id, &m.response, &m.question, &m.digest, &m.source, &m.body, &m.stakeholder, &m.submitted, &m.publish); err != nil {
			return nil, err
		}
		m.submitted = m.submitted.UTC()
		out[id] = append(out[id], m)
	}
	return out, rows.Err()
}

// describe fills a campaign's live figures, representative and variants
// from its members.
func describe(c *Campaign, ms []member, repResponse int64, repDigest string, redactions map[answerKey][]Redaction) {
	c.Size, c.Joined, c.Stakeholders = len(ms), 0, map[Stakeholder]int{}
	if len(ms) == 0 {
		return
	}
	count := map[string]int{}
	example := map[string]member{}
	c.First, c.Last = ms[0].submitted, ms[0].submitted
	for _, m := range ms {
		c.Stakeholders[m.stakeholder]++
		if m.source == "incremental" {
			c.Joined++
		}
		if m.submitted.Before(c.First) {
			c.First = m.submitted
		}
		if m.submitted.After(c.Last) {
			c.Last = m.submitted
		}
		count[m.digest]++
		if _, ok := example[m.digest]; !ok || m.response == repResponse {
			example[m.digest] = m
		}
	}
	digests := make([]string, 0, len(count))
	for d := range count {
		digests = append(digests, d)
	}
	slices.SortFunc(digests, func(a, b string) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(example[a].response, example[b].response)
	})
	rep := digests[0]
	if _, ok := count[repDigest]; ok {
		rep = repDigest
	}
	text := func(m member) string {
		return redact(Answer{Text: m.body}, redactions[answerKey{m.response, m.question}]).Text
	}
	c.Representative = text(example[rep])
	c.Distinct = len(digests)
	c.Variants = nil
	for _, d := range digests {
		if d == rep {
			continue
		}
		if len(c.Variants) == maxVariants {
			break
		}
		t := text(example[d])
		c.Variants = append(c.Variants, CampaignVariant{Text: t, Count: count[d], Diff: campaign.Diff(c.Representative, t)})
	}
}

// DecideCampaign confirms or dismisses a campaign (CampaignConfirmed or
// CampaignDismissed) with the analyst's reason, audited in the same
// transaction. A decision may be changed later the same way.
func (s *Service) DecideCampaign(ctx context.Context, actor auth.Actor, consultationID, campaignID int64, status, reason string) error {
	if !canAnalyse(actor) || actor.UserID == 0 {
		return pallmall.ErrForbidden
	}
	if status != CampaignConfirmed && status != CampaignDismissed {
		return fmt.Errorf("%w: decision %q", pallmall.ErrInvalid, status)
	}
	reason, err := validDecision(reason)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE consult_campaigns SET status = $1, decided_by = $2, decided_at = $3, reason = $4, updated_at = $3
			WHERE id = $5 AND consultation_id = $6`, status, actor.UserID, s.now(), reason, campaignID, consultationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.campaign_"+status, "consultation", consultationID, fmt.Sprintf("campaign %d: %s", campaignID, reason))
	})
}

// textMatch is a free-text answer ready to be matched against campaigns:
// its question, its digest and its sketch.
type textMatch struct {
	question int64
	digest   string
	sketch   campaign.Sketch
}

// textMatches computes what matchCampaigns needs of a response's free
// texts (question id to text), in question order; texts that normalise to
// nothing are left out. It reads nothing, so it runs before the
// transaction that stores the response.
func textMatches(texts map[int64]string) []textMatch {
	out := make([]textMatch, 0, len(texts))
	for qid, body := range texts {
		if d := textDigest(body); d != "" {
			out = append(out, textMatch{question: qid, digest: d, sketch: campaign.NewSketch(body)})
		}
	}
	slices.SortFunc(out, func(a, b textMatch) int { return cmp.Compare(a.question, b.question) })
	return out
}

// matchCampaigns matches a response's free-text answers, as it is
// submitted, against the stored campaigns of their questions: an answer
// with the digest of a stored text joins its campaign at once; otherwise
// the stored texts sharing one of its band keys are compared on the whole
// sketch, and it joins the campaign of the most similar one at or above
// matchThreshold. The campaign's decision is not touched.
//
// The digests and sketches are computed beforehand by textMatches, outside
// the writing transaction.
func matchCampaigns(ctx context.Context, tx store.Querier, responseID int64, texts []textMatch, now time.Time) error {
	for _, t := range texts {
		qid, d, sk := t.question, t.digest, t.sketch
		// One statement finds both: the stored texts with the same digest
		// (kind 0, the campaign that is not stale first, then the oldest)
		// and those sharing a band key (kind 1, by text id). On the
		// submission path this runs in the writing transaction, and most
		// answers match nothing: one read instead of two.
		keys := bandKeys(sk)
		args := []any{qid, d}
		in := ""
		for i, k := range keys {
			if i > 0 {
				in += ", "
			}
			args = append(args, k)
			in += fmt.Sprintf("$%d", len(args))
		}
		rows, err := tx.Query(ctx, `SELECT 0, c.stale, t.campaign_id, t.id, '' FROM consult_campaign_texts t JOIN consult_campaigns c ON c.id = t.campaign_id
				WHERE t.question_id = $1 AND t.digest = $2
			UNION ALL
			SELECT DISTINCT 1, FALSE, t.campaign_id, t.id, t.sketch FROM consult_campaign_bands b JOIN consult_campaign_texts t ON t.id = b.text_id
				WHERE b.question_id = $1 AND b.band_key IN (`+in+`)
			ORDER BY 1, 2, 3, 4`, args...)
		if err != nil {
			return err
		}
		var campaignID int64
		exact, best := false, 0.0
		for rows.Next() {
			var kind int
			var stale bool
			var cid, tid int64
			var hex string
			if err := rows.Scan(&kind, &stale, &cid, &tid, &hex); err != nil {
				rows.Close()
				return err
			}
			if kind == 0 {
				if !exact {
					exact, campaignID = true, cid
				}
				continue
			}
			if exact {
				break // the first row was an exact match: it wins
			}
			other, ok := decodeSketch(hex)
			if !ok {
				continue
			}
			if sim := sk.Similarity(other); sim >= matchThreshold && sim > best {
				best, campaignID = sim, cid
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if !exact {
			if campaignID == 0 {
				continue
			}
			// Keep the new text's sketch too, so its own copies and
			// variants find the campaign by digest or band.
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM consult_campaign_texts WHERE campaign_id = $1`, campaignID).Scan(&n); err != nil {
				return err
			}
			if n < 2*maxStoredTexts {
				if err := storeText(ctx, tx, campaignID, qid, d, sk); err != nil {
					return err
				}
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO consult_campaign_members (campaign_id, response_id, question_id, digest, source, added_at) VALUES ($1, $2, $3, $4, 'incremental', $5)
			ON CONFLICT (campaign_id, response_id) DO NOTHING`, campaignID, responseID, qid, d, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE consult_campaigns SET size = size + 1, last_at = $1, updated_at = $1 WHERE id = $2`, now, campaignID); err != nil {
			return err
		}
	}
	return nil
}

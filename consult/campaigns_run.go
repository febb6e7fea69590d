package consult

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult/campaign"
	"github.com/pallmall/pallmall/store"
)

// CampaignOptions tune a detection run. The zero value gives the defaults.
// The thresholds of the suspicious patterns are consult/campaign's own
// options, so there is one set of them, with its defaults documented
// there: a burst is 20 of a campaign's answers within one minute,
// fast typing is 200 characters or more at more than 10 a second, and an
// organisation is flagged when 3 different contacts claim it.
type CampaignOptions struct {
	// MinSize is the smallest cluster of near-identical answers reported
	// as a campaign (default 10, campaign.Find's).
	MinSize int
	// Burst, Typing and Organisation tune campaign.Bursts,
	// campaign.FastTyping and campaign.SameOrganisation.
	Burst        campaign.BurstOptions
	Typing       campaign.TypingOptions
	Organisation campaign.OrgOptions
}

func (o CampaignOptions) withDefaults() CampaignOptions {
	if o.MinSize <= 0 {
		o.MinSize = 10
	}
	return o
}

// burstWindow is the window in which a burst is counted.
const burstWindow = time.Minute

// maxStoredTexts bounds the distinct texts of a campaign kept, with their
// sketches, for matching new answers.
const maxStoredTexts = 100

// matchThreshold is the estimated similarity from which a new answer joins
// a campaign (campaign.Find's default).
const matchThreshold = 0.4

// CampaignRun is a full recomputation and its progress.
type CampaignRun struct {
	ID             int64
	ConsultationID int64
	State          string // running, done, failed
	Done, Total    int
	MinSize        int
	Found          int
	StartedAt      time.Time
	FinishedAt     time.Time
}

// Percent is the run's progress from 0 to 100.
func (r CampaignRun) Percent() int {
	if r.State == "done" {
		return 100
	}
	if r.Total == 0 {
		return 0
	}
	return min(99, r.Done*100/r.Total)
}

// canAnalyse reports whether the actor may see and decide campaigns.
func canAnalyse(a auth.Actor) bool { return a.Can(auth.ReadResponses) }

// staleRun is how long a run may stay "running" before another may start:
// a run cut short by a restart never finishes.
const staleRun = time.Hour

// StartCampaignRun records a new detection run for a consultation, to be
// carried out by RunCampaigns (in the background, for pages). Returns
// ErrConflict while another run of the same consultation is under way.
func (s *Service) StartCampaignRun(ctx context.Context, actor auth.Actor, consultationID int64, opts CampaignOptions) (CampaignRun, error) {
	if !canAnalyse(actor) {
		return CampaignRun{}, pallmall.ErrForbidden
	}
	opts = opts.withDefaults()
	run := CampaignRun{ConsultationID: consultationID, State: "running", MinSize: opts.MinSize, StartedAt: s.now()}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM consult_campaign_runs WHERE consultation_id = $1 AND state = 'running' AND started_at > $2`,
			consultationID, run.StartedAt.Add(-staleRun)).Scan(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: a detection run is under way", pallmall.ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE consult_campaign_runs SET state = 'failed', finished_at = $1 WHERE consultation_id = $2 AND state = 'running'`, run.StartedAt, consultationID); err != nil {
			return err
		}
		var by any
		if actor.UserID != 0 {
			by = actor.UserID
		}
		err = tx.QueryRow(ctx, `INSERT INTO consult_campaign_runs (consultation_id, state, min_size, actor_user_id, started_at) VALUES ($1, 'running', $2, $3, $4) RETURNING id`,
			consultationID, opts.MinSize, by, run.StartedAt).Scan(&run.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.campaign_run", "consultation", consultationID, fmt.Sprintf("run %d, minimum size %d", run.ID, opts.MinSize))
	})
	return run, err
}

// CampaignRunByID returns one run of a consultation.
func (s *Service) CampaignRunByID(ctx context.Context, actor auth.Actor, consultationID, runID int64) (CampaignRun, error) {
	if !canAnalyse(actor) {
		return CampaignRun{}, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return CampaignRun{}, err
	}
	return scanRun(s.DB.QueryRow(ctx, `SELECT id, consultation_id, state, done, total, min_size, found, started_at, finished_at FROM consult_campaign_runs
		WHERE id = $1 AND consultation_id = $2`, runID, consultationID))
}

// LatestCampaignRun returns the consultation's most recent run, or
// ErrNotFound if there has been none.
func (s *Service) LatestCampaignRun(ctx context.Context, actor auth.Actor, consultationID int64) (CampaignRun, error) {
	if !canAnalyse(actor) {
		return CampaignRun{}, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return CampaignRun{}, err
	}
	return scanRun(s.DB.QueryRow(ctx, `SELECT id, consultation_id, state, done, total, min_size, found, started_at, finished_at FROM consult_campaign_runs
		WHERE consultation_id = $1 ORDER BY id DESC LIMIT 1`, consultationID))
}

func scanRun(row *store.Row) (CampaignRun, error) {
	var r CampaignRun
	var fin sql.NullTime
	err := row.Scan(&r.ID, &r.ConsultationID, &r.State, &r.Done, &r.Total, &r.MinSize, &r.Found, &r.StartedAt, &fin)
	r.StartedAt = r.StartedAt.UTC()
	if fin.Valid {
		r.FinishedAt = fin.Time.UTC()
	}
	return r, err
}

// textRow is one free-text answer of a submitted response.
type textRow struct {
	response, question int64
	body               string
	stakeholder        string
	submitted, started time.Time
	viaAPI             bool
}

// RunCampaigns carries out a run started by StartCampaignRun: it reads
// every free-text answer of the consultation's submitted responses,
// finds the campaigns of each question with campaign.Find, stores them
// (keeping the decisions on campaigns found again, matched by their
// representative's digest or by the answers they share), stores the
// sketches new answers are matched against, and records the suspicious
// patterns. Progress is saved as it goes. The run is marked failed if
// anything goes wrong.
func (s *Service) RunCampaigns(ctx context.Context, actor auth.Actor, run CampaignRun, opts CampaignOptions) (err error) {
	if !canAnalyse(actor) {
		return pallmall.ErrForbidden
	}
	opts = opts.withDefaults()
	opts.MinSize = run.MinSize
	defer func() {
		state := "done"
		if err != nil {
			state = "failed"
		}
		if _, e := s.DB.Exec(context.WithoutCancel(ctx), `UPDATE consult_campaign_runs SET state = $1, finished_at = $2 WHERE id = $3`, state, s.now(), run.ID); e != nil && err == nil {
			err = e
		}
	}()
	if _, err := s.Get(ctx, actor, run.ConsultationID); err != nil {
		return err
	}
	rows, err := s.DB.Query(ctx, `SELECT a.response_id, a.question_id, a.body, r.stakeholder, r.submitted_at, r.created_at, r.api_user_id IS NOT NULL
		FROM consult_answers a JOIN consult_responses r ON r.id = a.response_id
		WHERE r.consultation_id = $1 AND r.status = 'submitted' AND a.body <> '' ORDER BY a.question_id, a.response_id`, run.ConsultationID)
	texts, err := store.ScanAll(rows, err, func(r *sql.Rows) (textRow, error) {
		var t textRow
		err := r.Scan(&t.response, &t.question, &t.body, &t.stakeholder, &t.submitted, &t.started, &t.viaAPI)
		t.submitted, t.started = t.submitted.UTC(), t.started.UTC()
		return t, err
	})
	if err != nil {
		return err
	}
	var questions []int64
	for _, t := range texts {
		if len(questions) == 0 || questions[len(questions)-1] != t.question {
			questions = append(questions, t.question)
		}
	}
	// Progress counts answers clustered, then one step for the flags.
	total := len(texts) + 1
	progress := func(done int) error {
		_, err := s.DB.Exec(ctx, `UPDATE consult_campaign_runs SET done = $1, total = $2 WHERE id = $3`, done, total, run.ID)
		return err
	}
	if err := progress(0); err != nil {
		return err
	}
	done, found := 0, 0
	var bursts []flagRow
	for _, q := range questions {
		var part []textRow
		for _, t := range texts {
			if t.question == q {
				part = append(part, t)
			}
		}
		answers := make([]campaign.Answer, len(part))
		for i, t := range part {
			answers[i] = campaign.Answer{ID: t.response, Text: t.body, At: t.submitted, Stakeholder: t.stakeholder}
		}
		cs := campaign.Find(answers, campaign.Options{MinSize: opts.MinSize, BurstWindow: burstWindow})
		b, err := s.storeCampaigns(ctx, run, q, part, cs, opts)
		if err != nil {
			return fmt.Errorf("store campaigns of question %d: %w", q, err)
		}
		bursts = append(bursts, b...)
		found += len(cs)
		done += len(part)
		if err := progress(done); err != nil {
			return err
		}
	}
	if err := s.storeFlags(ctx, run.ConsultationID, texts, bursts, opts); err != nil {
		return fmt.Errorf("store flags: %w", err)
	}
	if err := s.storeThemes(ctx, run, texts); err != nil {
		return fmt.Errorf("store themes: %w", err)
	}
	_, err = s.DB.Exec(ctx, `UPDATE consult_campaign_runs SET done = $1, total = $1, found = $2 WHERE id = $3`, total, found, run.ID)
	return err
}

type existingCampaign struct {
	id        int64
	repDigest string
	members   int
}

// storeCampaigns writes the campaigns found for one question, in one
// transaction, and returns the burst flags of those dense enough
// (campaign.Bursts).
func (s *Service) storeCampaigns(ctx context.Context, run CampaignRun, questionID int64, part []textRow, cs []campaign.Campaign, opts CampaignOptions) ([]flagRow, error) {
	byResponse := make(map[int64]textRow, len(part))
	for _, t := range part {
		byResponse[t.response] = t
	}
	var bursts []flagRow
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		bursts = nil
		rows, err := tx.Query(ctx, `SELECT c.id, c.rep_digest, COUNT(m.response_id) FROM consult_campaigns c LEFT JOIN consult_campaign_members m ON m.campaign_id = c.id
			WHERE c.consultation_id = $1 AND c.question_id = $2 GROUP BY c.id, c.rep_digest ORDER BY c.id`, run.ConsultationID, questionID)
		existing, err := store.ScanAll(rows, err, func(r *sql.Rows) (existingCampaign, error) {
			var e existingCampaign
			err := r.Scan(&e.id, &e.repDigest, &e.members)
			return e, err
		})
		if err != nil {
			return err
		}
		memberOf := map[int64][]int64{} // response -> campaigns
		rows, err = tx.Query(ctx, `SELECT m.response_id, m.campaign_id FROM consult_campaign_members m JOIN consult_campaigns c ON c.id = m.campaign_id
			WHERE c.consultation_id = $1 AND c.question_id = $2`, run.ConsultationID, questionID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r, c int64
			if err := rows.Scan(&r, &c); err != nil {
				rows.Close()
				return err
			}
			memberOf[r] = append(memberOf[r], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE consult_campaigns SET stale = TRUE WHERE consultation_id = $1 AND question_id = $2`, run.ConsultationID, questionID); err != nil {
			return err
		}
		used := map[int64]bool{}
		for _, c := range cs {
			repDigest := textDigest(c.Representative)
			id := matchExisting(existing, memberOf, used, repDigest, c.AnswerIDs)
			kinds, _ := json.Marshal(c.Stakeholders)
			var burstStart any
			if c.Burst > 0 {
				burstStart = c.BurstStart.UTC()
			}
			if id != 0 {
				_, err = tx.Exec(ctx, `UPDATE consult_campaigns SET rep_response_id = $1, rep_digest = $2, size = $3, distinct_texts = $4, first_at = $5, last_at = $6,
					stakeholders = $7, burst = $8, burst_start = $9, stale = FALSE, run_id = $10, updated_at = $11 WHERE id = $12`,
					c.RepresentativeID, repDigest, c.Size, c.Distinct, c.First.UTC(), c.Last.UTC(), string(kinds), c.Burst, burstStart, run.ID, now, id)
				if err != nil {
					return err
				}
				if err := clearDerived(ctx, tx, id); err != nil {
					return err
				}
			} else {
				err = tx.QueryRow(ctx, `INSERT INTO consult_campaigns (consultation_id, question_id, rep_response_id, rep_digest, size, distinct_texts, first_at, last_at,
					stakeholders, burst, burst_start, run_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
					run.ConsultationID, questionID, c.RepresentativeID, repDigest, c.Size, c.Distinct, c.First.UTC(), c.Last.UTC(), string(kinds), c.Burst, burstStart, run.ID, now).Scan(&id)
				if err != nil {
					return err
				}
			}
			used[id] = true
			// Members, and the distinct texts by frequency.
			count := map[string]int{}
			texts := map[string]string{}
			var members [][]any
			for _, rid := range c.AnswerIDs {
				d := textDigest(byResponse[rid].body)
				count[d]++
				texts[d] = byResponse[rid].body
				members = append(members, []any{id, rid, questionID, d, "detected", now})
			}
			if err := insertRows(ctx, tx, `INSERT INTO consult_campaign_members (campaign_id, response_id, question_id, digest, source, added_at) VALUES `, members); err != nil {
				return err
			}
			digests := make([]string, 0, len(count))
			for d := range count {
				digests = append(digests, d)
			}
			slices.SortFunc(digests, func(a, b string) int {
				if c := cmp.Compare(count[b], count[a]); c != 0 {
					return c
				}
				return strings.Compare(a, b)
			})
			for _, d := range digests[:min(len(digests), maxStoredTexts)] {
				if err := storeText(ctx, tx, id, questionID, d, campaign.NewSketch(texts[d])); err != nil {
					return err
				}
			}
			for _, f := range campaign.Bursts([]campaign.Campaign{c}, opts.Burst) {
				bursts = append(bursts, burstFlag(id, questionID, f, byResponse))
			}
		}
		return nil
	})
	return bursts, err
}

// matchExisting finds the stored campaign a newly found cluster continues:
// the one with the same representative digest, or else the one sharing
// most of its answers (at least half of the smaller of the two).
func matchExisting(existing []existingCampaign, memberOf map[int64][]int64, used map[int64]bool, repDigest string, answerIDs []int64) int64 {
	for _, e := range existing {
		if !used[e.id] && e.repDigest == repDigest {
			return e.id
		}
	}
	overlap := map[int64]int{}
	for _, rid := range answerIDs {
		for _, c := range memberOf[rid] {
			if !used[c] {
				overlap[c]++
			}
		}
	}
	var best int64
	for _, e := range existing {
		n := overlap[e.id]
		if n > 0 && 2*n >= min(len(answerIDs), e.members) && (best == 0 || n > overlap[best]) {
			best = e.id
		}
	}
	return best
}

// clearDerived removes a campaign's members, texts and band keys before a
// run writes them afresh. These are derived from the answers, which are
// kept; the campaign and the decision on it stay.
func clearDerived(ctx context.Context, tx *store.Tx, campaignID int64) error {
	for _, q := range []string{
		`DELETE FROM consult_campaign_bands WHERE text_id IN (SELECT id FROM consult_campaign_texts WHERE campaign_id = $1)`,
		`DELETE FROM consult_campaign_texts WHERE campaign_id = $1`,
		`DELETE FROM consult_campaign_members WHERE campaign_id = $1`,
	} {
		if _, err := tx.Exec(ctx, q, campaignID); err != nil {
			return err
		}
	}
	return nil
}

// storeText stores one distinct text's sketch and band keys.
func storeText(ctx context.Context, q store.Querier, campaignID, questionID int64, digest string, sk campaign.Sketch) error {
	var textID int64
	err := q.QueryRow(ctx, `INSERT INTO consult_campaign_texts (campaign_id, question_id, digest, sketch) VALUES ($1, $2, $3, $4)
		ON CONFLICT (campaign_id, digest) DO NOTHING RETURNING id`, campaignID, questionID, digest, encodeSketch(sk)).Scan(&textID)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pallmall.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var rows [][]any
	for _, k := range bandKeys(sk) {
		rows = append(rows, []any{questionID, k, textID})
	}
	return insertRows(ctx, q, `INSERT INTO consult_campaign_bands (question_id, band_key, text_id) VALUES `, rows)
}

// insertRows inserts rows with multi-row VALUES, a few hundred at a time.
func insertRows(ctx context.Context, q store.Querier, prefix string, rows [][]any) error {
	const batch = 200
	for len(rows) > 0 {
		n := min(batch, len(rows))
		var b strings.Builder
		b.WriteString(prefix)
		var args []any
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				b.WriteString("$" + strconv.Itoa(len(args)))
			}
			b.WriteByte(')')
		}
		if _, err := q.Exec(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

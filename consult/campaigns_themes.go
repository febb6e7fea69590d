package consult

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult/campaign"
	"github.com/pallmall/pallmall/store"
)

// Theme suggestions: free-text answers grouped by shared distinctive
// terms (campaign.Themes: TF-IDF and spherical k-means, English and French
// alike, in process with no external service). An analyst may accept one into the
// codebook under a name of their choosing.

// ThemeSuggestion is a suggested grouping of one question's answers.
type ThemeSuggestion struct {
	ID           int64
	QuestionID   int64
	Terms        []string
	Docs         int
	Stakeholders map[Stakeholder]int
	// CodeID is the codebook entry it became, once accepted.
	CodeID int64
}

// storeThemes records a run's theme suggestions per question.
func (s *Service) storeThemes(ctx context.Context, run CampaignRun, texts []textRow) error {
	byQuestion := map[int64][]textRow{}
	var qs []int64
	for _, t := range texts {
		if _, ok := byQuestion[t.question]; !ok {
			qs = append(qs, t.question)
		}
		byQuestion[t.question] = append(byQuestion[t.question], t)
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		for _, q := range qs {
			part := byQuestion[q]
			docs := make([]campaign.Doc, len(part))
			for i, t := range part {
				docs[i] = campaign.Doc{ID: t.response, Text: t.body, Stakeholder: t.stakeholder}
			}
			for _, th := range campaign.Themes(docs, campaign.ThemeOptions{Terms: 5}) {
				terms, _ := json.Marshal(th.Terms)
				k, _ := json.Marshal(th.Stakeholders)
				_, err := tx.Exec(ctx, `INSERT INTO consult_campaign_themes (consultation_id, question_id, run_id, terms, docs, stakeholders, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
					run.ConsultationID, q, run.ID, string(terms), len(th.DocIDs), string(k), now)
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Themes returns the theme suggestions of the consultation's latest
// finished run, and those accepted earlier.
func (s *Service) Themes(ctx context.Context, actor auth.Actor, consultationID int64) ([]ThemeSuggestion, error) {
	if !canAnalyse(actor) {
		return nil, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, question_id, terms, docs, stakeholders, code_id FROM consult_campaign_themes
		WHERE consultation_id = $1 AND (code_id IS NOT NULL OR run_id = (SELECT MAX(id) FROM consult_campaign_runs WHERE consultation_id = $1 AND state = 'done'))
		ORDER BY question_id, docs DESC, id`, consultationID)
	return store.ScanAll(rows, err, func(r *sql.Rows) (ThemeSuggestion, error) {
		var t ThemeSuggestion
		var terms, kinds string
		var code sql.NullInt64
		if err := r.Scan(&t.ID, &t.QuestionID, &terms, &t.Docs, &kinds, &code); err != nil {
			return t, err
		}
		t.CodeID = code.Int64
		if err := json.Unmarshal([]byte(terms), &t.Terms); err != nil {
			return t, err
		}
		return t, json.Unmarshal([]byte(kinds), &t.Stakeholders)
	})
}

// AcceptTheme adds a suggested theme to the codebook under label, with its
// terms as the description, and remembers the code: one transaction, with
// the code's audit event (consultation.code_add) and the theme's
// (consultation.theme_accept). Returns ErrConflict if the theme is already
// in the codebook.
func (s *Service) AcceptTheme(ctx context.Context, actor auth.Actor, consultationID, themeID int64, label string) (Code, error) {
	if !canAnalyse(actor) {
		return Code{}, pallmall.ErrForbidden
	}
	var c Code
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		var terms string
		var code sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT terms, code_id FROM consult_campaign_themes WHERE id = $1 AND consultation_id = $2`, themeID, consultationID).Scan(&terms, &code)
		if err != nil {
			return err
		}
		if code.Valid {
			return fmt.Errorf("%w: theme %d is already in the codebook", pallmall.ErrConflict, themeID)
		}
		var list []string
		if err := json.Unmarshal([]byte(terms), &list); err != nil {
			return err
		}
		if c, err = s.addCode(ctx, tx, actor, consultationID, label, strings.Join(list, ", ")); err != nil {
			return err
		}
		// code_id IS NULL: of two analysts accepting the theme at once,
		// the second finds it taken and its code is rolled back.
		res, err := tx.Exec(ctx, `UPDATE consult_campaign_themes SET code_id = $1 WHERE id = $2 AND code_id IS NULL`, c.ID, themeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: theme %d is already in the codebook", pallmall.ErrConflict, themeID)
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.theme_accept", "consultation", consultationID, fmt.Sprintf("theme %d as code %d", themeID, c.ID))
	})
	if err != nil {
		return Code{}, err
	}
	return c, nil
}

package consult

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult/campaign"
	"github.com/pallmall/pallmall/store"
)

// Theme suggestions: free-text answers grouped by a shared distinctive
// term, weighed by TF-IDF, in English and French alike, computed in
// process with no external service. An analyst may accept one into the
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

// stopwords are frequent English and French words that carry no theme.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for that this with are was were have has had not but from they their them which what when where who will would should could about into than then there these those been being also more most such only other some very can may must our your its his her any all each per upon over under between while because does did just
		les des une dans pour que qui sur par pas plus est sont ont avec aux ces cette mais comme leur leurs nous vous ils elles elle sans sous entre être avoir fait faire tout tous toutes très aussi dont donc ainsi doit doivent peut peuvent même autres autre notre votre était sera seront`) {
		m[w] = true
	}
	return m
}()

const (
	maxThemes     = 8
	minThemeDocs  = 3
	themeTermsMax = 4
)

// suggestThemes groups documents by their most distinctive term (highest
// TF-IDF among terms in at least minThemeDocs documents and at most half
// of them) and returns the largest groups with their leading terms.
func suggestThemes(docs []string) [][2]any {
	n := len(docs)
	if n < minThemeDocs {
		return nil
	}
	tfs := make([]map[string]int, n)
	df := map[string]int{}
	for i, d := range docs {
		tf := map[string]int{}
		for w := range strings.FieldsSeq(campaign.Normalise(d)) {
			if len([]rune(w)) < 4 || stopwords[w] {
				continue
			}
			tf[w]++
		}
		for w := range tf {
			df[w]++
		}
		tfs[i] = tf
	}
	idf := func(w string) float64 { return math.Log(float64(n) / float64(df[w])) }
	usable := func(w string) bool { return df[w] >= minThemeDocs && df[w]*2 <= n }
	groups := map[string][]int{}
	for i, tf := range tfs {
		best, score := "", 0.0
		for w, c := range tf {
			if !usable(w) {
				continue
			}
			if s := float64(c) * idf(w); s > score || (s == score && w < best) {
				best, score = w, s
			}
		}
		if best != "" {
			groups[best] = append(groups[best], i)
		}
	}
	var out [][2]any
	for head, members := range groups {
		if len(members) < minThemeDocs {
			continue
		}
		weight := map[string]float64{}
		for _, i := range members {
			for w, c := range tfs[i] {
				if usable(w) {
					weight[w] += float64(c) * idf(w)
				}
			}
		}
		terms := []string{head}
		var rest []string
		for w := range weight {
			if w != head {
				rest = append(rest, w)
			}
		}
		slices.SortFunc(rest, func(a, b string) int {
			if c := cmp.Compare(weight[b], weight[a]); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		terms = append(terms, rest[:min(len(rest), themeTermsMax-1)]...)
		out = append(out, [2]any{terms, members})
	}
	slices.SortFunc(out, func(a, b [2]any) int {
		if c := cmp.Compare(len(b[1].([]int)), len(a[1].([]int))); c != 0 {
			return c
		}
		return strings.Compare(a[0].([]string)[0], b[0].([]string)[0])
	})
	return out[:min(len(out), maxThemes)]
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
			docs := make([]string, len(part))
			for i, t := range part {
				docs[i] = t.body
			}
			for _, th := range suggestThemes(docs) {
				kinds := map[string]int{}
				for _, i := range th[1].([]int) {
					kinds[part[i].stakeholder]++
				}
				terms, _ := json.Marshal(th[0])
				k, _ := json.Marshal(kinds)
				_, err := tx.Exec(ctx, `INSERT INTO consult_campaign_themes (consultation_id, question_id, run_id, terms, docs, stakeholders, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
					run.ConsultationID, q, run.ID, string(terms), len(th[1].([]int)), string(k), now)
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
// terms as the description (AddCode, audited), and remembers the code.
func (s *Service) AcceptTheme(ctx context.Context, actor auth.Actor, consultationID, themeID int64, label string) (Code, error) {
	if !canAnalyse(actor) {
		return Code{}, pallmall.ErrForbidden
	}
	var terms string
	var code sql.NullInt64
	err := s.DB.QueryRow(ctx, `SELECT terms, code_id FROM consult_campaign_themes WHERE id = $1 AND consultation_id = $2`, themeID, consultationID).Scan(&terms, &code)
	if err != nil {
		return Code{}, err
	}
	if code.Valid {
		return Code{}, fmt.Errorf("%w: theme %d is already in the codebook", pallmall.ErrConflict, themeID)
	}
	var list []string
	if err := json.Unmarshal([]byte(terms), &list); err != nil {
		return Code{}, err
	}
	c, err := s.AddCode(ctx, actor, consultationID, label, strings.Join(list, ", "))
	if err != nil {
		return Code{}, err
	}
	_, err = s.DB.Exec(ctx, `UPDATE consult_campaign_themes SET code_id = $1 WHERE id = $2`, c.ID, themeID)
	return c, err
}

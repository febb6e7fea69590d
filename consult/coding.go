package consult

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// TextAnswer is one free-text answer for reading and coding. Text has the
// redactions applied; Original is the unredacted text, for the secretariat
// only.
type TextAnswer struct {
	ResponseID  int64
	QuestionID  int64
	Stakeholder Stakeholder
	Text        string
	Original    string
	Redactions  []Redaction
	// Codes maps a coder's user id to the code ids they gave.
	Codes map[int64][]int64
	// Passages are the passages coders tagged within the answer.
	Passages []CodedPassage
}

// CodedPassage is a passage of an answer tagged with a code by a coder.
type CodedPassage struct {
	CoderID int64
	CodeID  int64
	Passage string
}

// TextFilter narrows the free-text answers read.
type TextFilter struct {
	QuestionID  int64
	Stakeholder Stakeholder
	// Search is full-text search (SQLite FTS5 or PostgreSQL tsvector) over
	// the answers' words.
	Search string
	After  int64 // cursor: response ids above this
	Limit  int
}

// ftsQuery turns typed words into an FTS5 query that matches all of them,
// each quoted so nothing typed is read as query syntax.
func ftsQuery(s string) string {
	var terms []string
	for _, w := range strings.Fields(s) {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	return strings.Join(terms, " ")
}

// Texts returns free-text answers (text questions and "other" texts) of
// submitted responses, for the secretariat and analysts, with no identity.
func (s *Service) Texts(ctx context.Context, actor auth.Actor, consultationID int64, f TextFilter) ([]TextAnswer, error) {
	if !actor.Can(auth.ReadResponses) {
		return nil, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return nil, err
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"r.consultation_id = " + arg(consultationID), "r.status = 'submitted'", "a.body <> ''"}
	if f.QuestionID != 0 {
		where = append(where, "a.question_id = "+arg(f.QuestionID))
	}
	if f.Stakeholder != "" {
		where = append(where, "r.stakeholder = "+arg(string(f.Stakeholder)))
	}
	if f.After > 0 {
		where = append(where, "r.id > "+arg(f.After))
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		if s.DB.Dialect() == store.Postgres {
			where = append(where, "to_tsvector('simple', a.body) @@ plainto_tsquery('simple', "+arg(q)+")")
		} else {
			where = append(where, "(a.response_id, a.question_id) IN (SELECT response_id, question_id FROM consult_answers_fts WHERE consult_answers_fts MATCH "+arg(ftsQuery(q))+")")
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.DB.Query(ctx, `SELECT a.response_id, a.question_id, r.stakeholder, a.body FROM consult_answers a JOIN consult_responses r ON r.id = a.response_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY a.response_id, a.question_id LIMIT `+arg(limit), args...)
	list, err := store.ScanAll(rows, err, func(r *sql.Rows) (TextAnswer, error) {
		var t TextAnswer
		err := r.Scan(&t.ResponseID, &t.QuestionID, &t.Stakeholder, &t.Original)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	redactions, err := loadRedactions(ctx, s.DB, consultationID)
	if err != nil {
		return nil, err
	}
	codings, err := s.codings(ctx, consultationID)
	if err != nil {
		return nil, err
	}
	passages, err := s.passages(ctx, consultationID)
	if err != nil {
		return nil, err
	}
	full := identityFor(actor) == FullIdentity
	for i := range list {
		t := &list[i]
		k := answerKey{t.ResponseID, t.QuestionID}
		t.Redactions = redactions[k]
		t.Text = redact(Answer{Text: t.Original}, t.Redactions).Text
		if !full {
			t.Original = ""
		}
		t.Codes = codings[k]
		for _, p := range passages[k] {
			// A passage that was later redacted is not shown to analysts.
			if full || strings.Contains(t.Text, p.Passage) {
				t.Passages = append(t.Passages, p)
			}
		}
	}
	return list, nil
}

func (s *Service) passages(ctx context.Context, consultationID int64) (map[answerKey][]CodedPassage, error) {
	rows, err := s.DB.Query(ctx, `SELECT g.response_id, g.question_id, g.coder_user_id, g.code_id, g.passage FROM consult_codings g
		JOIN consult_codes c ON c.id = g.code_id WHERE c.consultation_id = $1 AND g.passage <> '' ORDER BY g.created_at, g.code_id`, consultationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[answerKey][]CodedPassage{}
	for rows.Next() {
		var k answerKey
		var p CodedPassage
		if err := rows.Scan(&k.response, &k.question, &p.CoderID, &p.CodeID, &p.Passage); err != nil {
			return nil, err
		}
		out[k] = append(out[k], p)
	}
	return out, rows.Err()
}

// CodePassage tags a passage of an answer with a code, for the actor as
// coder; the answer then counts as coded with it. The passage must appear
// in the answer as the actor reads it (after redaction, for analysts).
func (s *Service) CodePassage(ctx context.Context, actor auth.Actor, consultationID, responseID, questionID, codeID int64, passage string) error {
	if !actor.Can(auth.ReadResponses) || actor.UserID == 0 {
		return pallmall.ErrForbidden
	}
	passage = strings.TrimSpace(passage)
	var v pallmall.ValidationError
	if passage == "" {
		v.Add("passage", "error.required")
		return &v
	}
	texts, err := s.Texts(ctx, actor, consultationID, TextFilter{QuestionID: questionID, After: responseID - 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(texts) == 0 || texts[0].ResponseID != responseID {
		return pallmall.ErrNotFound
	}
	if !strings.Contains(texts[0].Text, passage) {
		v.Add("passage", "consult.error.passage")
		return &v
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO consult_codings (response_id, question_id, code_id, coder_user_id, passage, created_at)
			SELECT $1, $2, id, $3, $4, $5 FROM consult_codes WHERE id = $6 AND consultation_id = $7
			ON CONFLICT (response_id, question_id, code_id, coder_user_id) DO UPDATE SET passage = excluded.passage`,
			responseID, questionID, actor.UserID, passage, s.now(), codeID, consultationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: code %d", pallmall.ErrNotFound, codeID)
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.code_passage", "consultation", consultationID, fmt.Sprintf("response %d question %d code %d", responseID, questionID, codeID))
	})
}

// Code is a theme of a consultation's codebook.
type Code struct {
	ID             int64
	ConsultationID int64
	Label          string
	Description    string
}

// AddCode adds a theme to the codebook.
func (s *Service) AddCode(ctx context.Context, actor auth.Actor, consultationID int64, label, description string) (Code, error) {
	if !actor.Can(auth.ReadResponses) {
		return Code{}, pallmall.ErrForbidden
	}
	var c Code
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = s.addCode(ctx, tx, actor, consultationID, label, description)
		return err
	})
	return c, err
}

// addCode adds a code within tx, audited there.
func (s *Service) addCode(ctx context.Context, tx *store.Tx, actor auth.Actor, consultationID int64, label, description string) (Code, error) {
	c := Code{ConsultationID: consultationID, Label: cleanText(label), Description: cleanText(description)}
	var v pallmall.ValidationError
	switch {
	case c.Label == "":
		v.Add("label", "error.required")
	case len(c.Label) > 100:
		v.Add("label", "error.too_long")
	}
	if len(c.Description) > 1000 {
		v.Add("description", "error.too_long")
	}
	if err := v.Err(); err != nil {
		return Code{}, err
	}
	if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
		return Code{}, err
	}
	err := tx.QueryRow(ctx, `INSERT INTO consult_codes (consultation_id, label, description) VALUES ($1, $2, $3) RETURNING id`, consultationID, c.Label, c.Description).Scan(&c.ID)
	if err != nil {
		if strings.Contains(err.Error(), "already exists") {
			v.Add("label", "consult.error.code_exists")
			return Code{}, &v
		}
		return Code{}, err
	}
	return c, audit.Record(ctx, tx, actor.UserID, "consultation.code_add", "consultation", consultationID, c.Label)
}

// Codes returns the codebook.
func (s *Service) Codes(ctx context.Context, actor auth.Actor, consultationID int64) ([]Code, error) {
	if !actor.Can(auth.ReadResponses) {
		return nil, pallmall.ErrForbidden
	}
	rows, err := s.DB.Query(ctx, `SELECT id, consultation_id, label, description FROM consult_codes WHERE consultation_id = $1 ORDER BY lower(label), id`, consultationID)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Code, error) {
		var c Code
		err := r.Scan(&c.ID, &c.ConsultationID, &c.Label, &c.Description)
		return c, err
	})
}

func (s *Service) codings(ctx context.Context, consultationID int64) (map[answerKey]map[int64][]int64, error) {
	rows, err := s.DB.Query(ctx, `SELECT g.response_id, g.question_id, g.coder_user_id, g.code_id FROM consult_codings g
		JOIN consult_codes c ON c.id = g.code_id WHERE c.consultation_id = $1 ORDER BY g.code_id`, consultationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[answerKey]map[int64][]int64{}
	for rows.Next() {
		var k answerKey
		var coder, code int64
		if err := rows.Scan(&k.response, &k.question, &coder, &code); err != nil {
			return nil, err
		}
		if out[k] == nil {
			out[k] = map[int64][]int64{}
		}
		out[k][coder] = append(out[k][coder], code)
	}
	return out, rows.Err()
}

// SetCodes records the codes the actor, as coder, gives one answer,
// replacing their earlier ones. Each coder's codes are kept apart so two
// analysts can code independently.
func (s *Service) SetCodes(ctx context.Context, actor auth.Actor, consultationID, responseID, questionID int64, codeIDs []int64) error {
	if !actor.Can(auth.ReadResponses) || actor.UserID == 0 {
		return pallmall.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM consult_answers a JOIN consult_responses r ON r.id = a.response_id
			WHERE a.response_id = $1 AND a.question_id = $2 AND r.consultation_id = $3 AND r.status = 'submitted' AND a.body <> ''`, responseID, questionID, consultationID).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			return pallmall.ErrNotFound
		}
		// Keep the passages of codes that stay.
		kept := map[int64]string{}
		rows, err := tx.Query(ctx, `SELECT code_id, passage FROM consult_codings WHERE response_id = $1 AND question_id = $2 AND coder_user_id = $3`, responseID, questionID, actor.UserID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var p string
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return err
			}
			kept[id] = p
		}
		rows.Close()
		if _, err := tx.Exec(ctx, `DELETE FROM consult_codings WHERE response_id = $1 AND question_id = $2 AND coder_user_id = $3`, responseID, questionID, actor.UserID); err != nil {
			return err
		}
		now := s.now()
		for _, c := range codeIDs {
			res, err := tx.Exec(ctx, `INSERT INTO consult_codings (response_id, question_id, code_id, coder_user_id, passage, created_at)
				SELECT $1, $2, id, $3, $4, $5 FROM consult_codes WHERE id = $6 AND consultation_id = $7 ON CONFLICT DO NOTHING`, responseID, questionID, actor.UserID, kept[c], now, c, consultationID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("%w: code %d", pallmall.ErrNotFound, c)
			}
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.code_answer", "consultation", consultationID, fmt.Sprintf("response %d question %d: %d codes", responseID, questionID, len(codeIDs)))
	})
}

// Kappa returns Cohen's kappa for two coders' yes/no judgements tallied as
// a (both yes), b (first only), c (second only) and d (both no). It is 1
// for perfect agreement and 0 for agreement no better than chance; with
// no units, or both coders constant and agreeing, it is 1.
func Kappa(a, b, c, d int) float64 {
	n := float64(a + b + c + d)
	if n == 0 {
		return 1
	}
	po := float64(a+d) / n
	p1 := float64(a+b) / n // first coder says yes
	p2 := float64(a+c) / n
	pe := p1*p2 + (1-p1)*(1-p2)
	if pe == 1 {
		return 1
	}
	return (po - pe) / (1 - pe)
}

// Agreement compares two coders over the answers both coded.
type Agreement struct {
	CoderA, CoderB int64
	Units          int // answers both coded
	ByCode         map[int64]float64
	Pooled         float64 // kappa over every code-answer pair
}

// ThemeCount counts answers given a code, by stakeholder type (an answer
// counts once however many coders gave it the code).
type ThemeCount struct {
	Code          Code
	N             int
	ByStakeholder map[Stakeholder]int
}

// CodingReport is the codebook with its counts and the coders' agreement.
type CodingReport struct {
	Codes      []Code
	Themes     []ThemeCount
	Agreements []Agreement
}

// Coding returns counts per theme per stakeholder type and the agreement
// (Cohen's kappa) of every pair of coders.
func (s *Service) Coding(ctx context.Context, actor auth.Actor, consultationID int64) (CodingReport, error) {
	var rep CodingReport
	codes, err := s.Codes(ctx, actor, consultationID)
	if err != nil {
		return rep, err
	}
	rep.Codes = codes
	codings, err := s.codings(ctx, consultationID)
	if err != nil {
		return rep, err
	}
	kinds := map[int64]Stakeholder{}
	rows, err := s.DB.Query(ctx, `SELECT id, stakeholder FROM consult_responses WHERE consultation_id = $1 AND status = 'submitted'`, consultationID)
	if err != nil {
		return rep, err
	}
	for rows.Next() {
		var id int64
		var k Stakeholder
		if err := rows.Scan(&id, &k); err != nil {
			rows.Close()
			return rep, err
		}
		kinds[id] = k
	}
	rows.Close()
	coders := map[int64]bool{}
	for k, byCoder := range codings {
		if _, ok := kinds[k.response]; ok {
			for coder := range byCoder {
				coders[coder] = true
			}
		}
	}
	for _, c := range codes {
		t := ThemeCount{Code: c, ByStakeholder: map[Stakeholder]int{}}
		for k, byCoder := range codings {
			k2, ok := kinds[k.response]
			if !ok {
				continue // withdrawn
			}
			for _, ids := range byCoder {
				if contains(ids, c.ID) {
					t.N++
					t.ByStakeholder[k2]++
					break
				}
			}
		}
		rep.Themes = append(rep.Themes, t)
	}
	var list []int64
	for c := range coders {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	for i := range list {
		for j := i + 1; j < len(list); j++ {
			ag := Agreement{CoderA: list[i], CoderB: list[j], ByCode: map[int64]float64{}}
			var pa, pb, pc, pd int
			for _, c := range codes {
				var a, b, cc, d int
				for k, byCoder := range codings {
					if _, ok := kinds[k.response]; !ok {
						continue
					}
					x, okA := byCoder[ag.CoderA]
					y, okB := byCoder[ag.CoderB]
					if !okA || !okB {
						continue
					}
					hx, hy := contains(x, c.ID), contains(y, c.ID)
					switch {
					case hx && hy:
						a++
					case hx:
						b++
					case hy:
						cc++
					default:
						d++
					}
				}
				ag.ByCode[c.ID] = Kappa(a, b, cc, d)
				ag.Units = a + b + cc + d
				pa, pb, pc, pd = pa+a, pb+b, pc+cc, pd+d
			}
			ag.Pooled = Kappa(pa, pb, pc, pd)
			rep.Agreements = append(rep.Agreements, ag)
		}
	}
	return rep, nil
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Redact removes a passage of a submitted answer from what analysts,
// partners, exports and the published summary see, with a reason. The
// original is kept for the secretariat.
func (s *Service) Redact(ctx context.Context, actor auth.Actor, consultationID, responseID, questionID int64, passage, reason string) error {
	if !actor.Can(auth.ReadResponses) {
		return pallmall.ErrForbidden
	}
	passage, reason = strings.TrimSpace(passage), strings.TrimSpace(reason)
	var v pallmall.ValidationError
	if passage == "" {
		v.Add("passage", "error.required")
	}
	if reason == "" {
		v.Add("reason", "consult.error.redact_reason")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var body string
		err := tx.QueryRow(ctx, `SELECT a.body FROM consult_answers a JOIN consult_responses r ON r.id = a.response_id
			WHERE a.response_id = $1 AND a.question_id = $2 AND r.consultation_id = $3 AND r.status = 'submitted'`, responseID, questionID, consultationID).Scan(&body)
		if err != nil {
			return err
		}
		if !strings.Contains(body, passage) {
			v.Add("passage", "consult.error.passage")
			return &v
		}
		var actorID any
		if actor.UserID != 0 {
			actorID = actor.UserID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO consult_redactions (response_id, question_id, passage, reason, actor_user_id, at) VALUES ($1, $2, $3, $4, $5, $6)`,
			responseID, questionID, passage, reason, actorID, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.redact", "consultation", consultationID, fmt.Sprintf("response %d question %d: %s", responseID, questionID, reason))
	})
}

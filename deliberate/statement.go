package deliberate

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// StatementStatus is where a statement is in moderation.
type StatementStatus string

// The statement statuses.
const (
	Pending  StatementStatus = "pending"  // waiting for pre-moderation
	Accepted StatementStatus = "accepted" // shown and voted on
	Rejected StatementStatus = "rejected" // moderated out: no votes, left out of the analysis
)

// Origin says who wrote a statement.
type Origin string

// The origins.
const (
	Seed            Origin = "seed"        // the secretariat
	FromParticipant Origin = "participant" // a participant
)

// MaxStatementLength is the longest statement text, in characters: Pol.is
// keeps statements short so they can be voted on at a glance.
const MaxStatementLength = 280

// Statement is one short statement to vote on.
type Statement struct {
	ID             int64
	DeliberationID int64
	TextEN, TextFR string
	Origin         Origin
	Status         StatementStatus
	CreatedAt      time.Time
}

// Text returns the statement in lang, or in the other language when it
// has no translation yet.
func (st Statement) Text(lang string) string { return pick(lang, st.TextEN, st.TextFR) }

// TextLang returns the language Text(lang) is actually in, for the lang
// attribute of untranslated statements.
func (st Statement) TextLang(lang string) string {
	if lang == "fr" && st.TextFR != "" {
		return "fr"
	}
	if st.TextEN == "" {
		return "fr"
	}
	return "en"
}

func checkText(v *pallmall.ValidationError, field, text string, required bool) string {
	text = strings.Join(strings.Fields(text), " ")
	switch {
	case text == "" && required:
		v.Add(field, "error.required")
	case utf8.RuneCountInString(text) > MaxStatementLength:
		v.Add(field, "deliberate.error.statement_too_long")
	}
	return text
}

const statementColumns = `id, deliberation_id, text_en, text_fr, origin, status, created_at`

func scanStatement(r interface{ Scan(...any) error }) (Statement, error) {
	var st Statement
	err := r.Scan(&st.ID, &st.DeliberationID, &st.TextEN, &st.TextFR, &st.Origin, &st.Status, &st.CreatedAt)
	return st, err
}

// AddSeed adds a statement written by the secretariat in both languages.
// Returns ErrForbidden, ErrNotFound, or a ValidationError on text_en or
// text_fr.
func (s *Service) AddSeed(ctx context.Context, actor auth.Actor, deliberationID int64, textEN, textFR string) (Statement, error) {
	if !CanManage(actor) {
		return Statement{}, pallmall.ErrForbidden
	}
	var v pallmall.ValidationError
	st := Statement{DeliberationID: deliberationID, Origin: Seed, Status: Accepted, CreatedAt: s.now()}
	st.TextEN = checkText(&v, "text_en", textEN, true)
	st.TextFR = checkText(&v, "text_fr", textFR, true)
	if err := v.Err(); err != nil {
		return st, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, deliberationID); err != nil {
			return err
		}
		if err := s.insertStatement(ctx, tx, &st, 0); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "deliberation.statement.seed", "deliberation", deliberationID, fmt.Sprintf("statement %d", st.ID))
	})
	return st, err
}

func (s *Service) insertStatement(ctx context.Context, tx *store.Tx, st *Statement, participantID int64) error {
	err := tx.QueryRow(ctx, `INSERT INTO deliberation_statements (deliberation_id, text_en, text_fr, origin, participant_id, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
		st.DeliberationID, st.TextEN, st.TextFR, st.Origin, nullID(participantID), st.Status, st.CreatedAt).Scan(&st.ID)
	if err != nil {
		return fmt.Errorf("insert statement: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE deliberations SET changes = changes + 1 WHERE id = $1`, st.DeliberationID)
	return err
}

// SubmissionLimit is how many statements a participant may submit per
// SubmissionWindow.
const (
	SubmissionLimit  = 5
	SubmissionWindow = time.Hour
)

// Submit adds a participant's statement, written in lang ("en" or "fr").
// Under pre-moderation it waits in the queue; under post-moderation it is
// shown at once. Returns ErrNotFound (unknown deliberation or token),
// ErrConflict when the deliberation is not open, ErrRateLimited after
// SubmissionLimit statements in SubmissionWindow, or a ValidationError on
// "text".
func (s *Service) Submit(ctx context.Context, deliberationID int64, token, lang, text string) (Statement, error) {
	var v pallmall.ValidationError
	text = checkText(&v, "text", text, true)
	if err := v.Err(); err != nil {
		return Statement{}, err
	}
	var st Statement
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		d, err := s.get(ctx, tx, auth.Actor{}, deliberationID)
		if err != nil {
			return err
		}
		if !d.Accepting() {
			return pallmall.ErrConflict
		}
		p, err := participantByToken(ctx, tx, deliberationID, token)
		if err != nil {
			return err
		}
		now := s.now()
		var recent int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM deliberation_statements WHERE participant_id = $1 AND created_at > $2`,
			p.ID, now.Add(-SubmissionWindow)).Scan(&recent); err != nil {
			return err
		}
		if recent >= SubmissionLimit {
			return pallmall.ErrRateLimited
		}
		st = Statement{DeliberationID: deliberationID, Origin: FromParticipant, Status: Accepted, CreatedAt: now}
		if d.Moderation == PreModeration {
			st.Status = Pending
		}
		if lang == "fr" {
			st.TextFR = text
		} else {
			st.TextEN = text
		}
		return s.insertStatement(ctx, tx, &st, p.ID)
	})
	return st, err
}

// Moderate accepts or rejects a statement, optionally completing its
// translation (empty texts keep what is stored). Rejecting a statement
// excludes it, and its votes, from voting and analysis. Returns
// ErrForbidden, ErrNotFound, or a ValidationError.
func (s *Service) Moderate(ctx context.Context, actor auth.Actor, deliberationID, statementID int64, to StatementStatus, textEN, textFR string) error {
	if !CanManage(actor) {
		return pallmall.ErrForbidden
	}
	var v pallmall.ValidationError
	if to != Accepted && to != Rejected {
		v.Add("status", "error.choose_one")
	}
	textEN = checkText(&v, "text_en", textEN, false)
	textFR = checkText(&v, "text_fr", textFR, false)
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE deliberation_statements SET status = $1,
			text_en = CASE WHEN $2 = '' THEN text_en ELSE $2 END, text_fr = CASE WHEN $3 = '' THEN text_fr ELSE $3 END, updated_at = $4
			WHERE id = $5 AND deliberation_id = $6`, to, textEN, textFR, s.now(), statementID, deliberationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `UPDATE deliberations SET changes = changes + 1 WHERE id = $1`, deliberationID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "deliberation.statement."+string(to), "deliberation", deliberationID, fmt.Sprintf("statement %d", statementID))
	})
}

// Statements lists a deliberation's statements in order of creation.
// Everyone sees accepted statements; the secretariat sees all, and with
// status set only those in that status.
func (s *Service) Statements(ctx context.Context, actor auth.Actor, deliberationID int64, status StatementStatus) ([]Statement, error) {
	if _, err := s.Get(ctx, actor, deliberationID); err != nil {
		return nil, err
	}
	if !CanManage(actor) {
		status = Accepted
	}
	rows, err := s.DB.Query(ctx, `SELECT `+statementColumns+` FROM deliberation_statements WHERE deliberation_id = $1 AND ($2 = '' OR status = $2) ORDER BY id`,
		deliberationID, string(status))
	return store.ScanAll(rows, err, func(r *sql.Rows) (Statement, error) { return scanStatement(r) })
}

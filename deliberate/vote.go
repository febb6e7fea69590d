package deliberate

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/deliberate/analysis"
	"github.com/pallmall/pallmall/store"
)

// Value is a vote: Agree, Disagree or Pass, as in deliberate/analysis.
type Value int8

// The vote values.
const (
	Agree    Value = analysis.Agree
	Disagree Value = analysis.Disagree
	Pass     Value = analysis.Pass
)

// ParseValue reads "agree", "disagree" or "pass".
func ParseValue(s string) (Value, bool) {
	switch s {
	case "agree":
		return Agree, true
	case "disagree":
		return Disagree, true
	case "pass":
		return Pass, true
	}
	return 0, false
}

// String returns "agree", "disagree" or "pass".
func (v Value) String() string {
	switch v {
	case Agree:
		return "agree"
	case Disagree:
		return "disagree"
	}
	return "pass"
}

// Vote records the participant's vote on a statement, replacing any
// earlier vote on it. Returns ErrNotFound (unknown deliberation or token),
// ErrConflict when the deliberation is not open, and a ValidationError on
// "statement" (unknown, pending or moderated out) or "vote" (not agree,
// disagree or pass).
func (s *Service) Vote(ctx context.Context, deliberationID int64, token string, statementID int64, v Value) error {
	if v != Agree && v != Disagree && v != Pass {
		ve := &pallmall.ValidationError{}
		ve.Add("vote", "deliberate.error.vote_value")
		return ve
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		d, err := s.get(ctx, tx, auth.Actor{}, deliberationID)
		if err != nil {
			return err
		}
		if !d.Accepting() {
			return fmt.Errorf("vote in deliberation %d: %w", d.ID, pallmall.ErrConflict)
		}
		p, err := participantByToken(ctx, tx, deliberationID, token)
		if err != nil {
			return err
		}
		if d.RequireStakeholder && p.Stakeholder == "" {
			ve := &pallmall.ValidationError{}
			ve.Add("stakeholder", "deliberate.error.stakeholder")
			return ve
		}
		var status StatementStatus
		err = tx.QueryRow(ctx, `SELECT status FROM deliberation_statements WHERE id = $1 AND deliberation_id = $2`, statementID, deliberationID).Scan(&status)
		switch {
		case errors.Is(err, pallmall.ErrNotFound):
			ve := &pallmall.ValidationError{}
			ve.Add("statement", "deliberate.error.unknown_statement")
			return ve
		case err != nil:
			return err
		case status == Rejected:
			ve := &pallmall.ValidationError{}
			ve.Add("statement", "deliberate.error.statement_moderated")
			return ve
		case status != Accepted:
			ve := &pallmall.ValidationError{}
			ve.Add("statement", "deliberate.error.statement_pending")
			return ve
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO deliberation_votes (participant_id, statement_id, deliberation_id, value, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (participant_id, statement_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			p.ID, statementID, deliberationID, int(v), now); err != nil {
			return fmt.Errorf("store vote: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE deliberations SET changes = changes + 1 WHERE id = $1`, deliberationID)
		return err
	})
}

// Progress is a participant's place in a deliberation.
type Progress struct {
	Voted      int // accepted statements the participant has voted on
	Statements int // accepted statements in all
	Votes      map[int64]Value
	// Next is the accepted statement to vote on next, or 0 when the
	// participant has voted on every one. Each participant meets the
	// statements in an order of their own (see voteOrder), so statements
	// added late are not always voted on last, nor early ones first.
	Next int64
}

// Progress returns what the participant has voted and what comes next.
// Returns ErrNotFound for an unknown token.
func (s *Service) Progress(ctx context.Context, deliberationID int64, token string) (Progress, error) {
	p, err := s.ByToken(ctx, deliberationID, token)
	if err != nil {
		return Progress{}, err
	}
	pr := Progress{Votes: map[int64]Value{}}
	type row struct {
		id    int64
		value sql.NullInt64
	}
	rows, err := s.DB.Query(ctx, `SELECT st.id, v.value FROM deliberation_statements st
		LEFT JOIN deliberation_votes v ON v.statement_id = st.id AND v.participant_id = $1
		WHERE st.deliberation_id = $2 AND st.status = 'accepted' ORDER BY st.id`, p.ID, deliberationID)
	all, err := store.ScanAll(rows, err, func(r *sql.Rows) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.value)
		return x, err
	})
	if err != nil {
		return pr, err
	}
	var best uint64
	for _, x := range all {
		pr.Statements++
		if x.value.Valid {
			pr.Voted++
			pr.Votes[x.id] = Value(x.value.Int64)
		} else if k := voteOrder(p.ID, x.id); pr.Next == 0 || k < best {
			pr.Next, best = x.id, k
		}
	}
	return pr, nil
}

// voteOrder ranks a statement for a participant: a hash of both ids, so
// the order is stable for one participant (a reloaded page shows the same
// statement) and independent between participants, as Pol.is shuffles.
func voteOrder(participantID, statementID int64) uint64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(participantID))
	binary.LittleEndian.PutUint64(b[8:], uint64(statementID))
	h.Write(b[:])
	return h.Sum64()
}

// Tally counts the stored votes on one statement.
type Tally struct {
	StatementID               int64
	Agrees, Disagrees, Passes int
}

// Tallies counts the stored votes on each of a deliberation's statements,
// straight from the votes table (the figures shown beside the analysis).
func (s *Service) Tallies(ctx context.Context, actor auth.Actor, deliberationID int64) (map[int64]Tally, error) {
	if _, err := s.Get(ctx, actor, deliberationID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT statement_id,
		SUM(CASE WHEN value = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN value = -1 THEN 1 ELSE 0 END), SUM(CASE WHEN value = 0 THEN 1 ELSE 0 END)
		FROM deliberation_votes WHERE deliberation_id = $1 GROUP BY statement_id`, deliberationID)
	list, err := store.ScanAll(rows, err, func(r *sql.Rows) (Tally, error) {
		var t Tally
		err := r.Scan(&t.StatementID, &t.Agrees, &t.Disagrees, &t.Passes)
		return t, err
	})
	out := make(map[int64]Tally, len(list))
	for _, t := range list {
		out[t.StatementID] = t
	}
	return out, err
}

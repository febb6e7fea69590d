package deliberate

import (
	"context"
	"fmt"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Participant is an anonymous participant in one deliberation.
type Participant struct {
	ID             int64
	DeliberationID int64
	// Stakeholder is the declared stakeholder type, or "" for none.
	Stakeholder auth.OrgKind
}

// ValidStakeholder reports whether k may be declared: one of auth.OrgKinds,
// or "" for none.
func ValidStakeholder(k auth.OrgKind) bool { return k == "" || k.Valid() }

// Join creates a participant in an open deliberation and returns it with
// its token, which is shown once and stored only as a hash. When the
// deliberation requires a stakeholder type, stakeholder must be one.
// Returns ErrNotFound, ErrConflict when the deliberation is not open, or a
// ValidationError on "stakeholder".
func (s *Service) Join(ctx context.Context, deliberationID int64, stakeholder auth.OrgKind) (Participant, string, error) {
	d, err := s.Get(ctx, auth.Actor{}, deliberationID)
	if err != nil {
		return Participant{}, "", err
	}
	if !d.Accepting() {
		return Participant{}, "", fmt.Errorf("join deliberation %d: %w", d.ID, pallmall.ErrConflict)
	}
	if err := checkStakeholder(d, stakeholder); err != nil {
		return Participant{}, "", err
	}
	token := auth.NewToken()
	p := Participant{DeliberationID: d.ID, Stakeholder: stakeholder}
	err = s.DB.Writer().QueryRow(ctx, `INSERT INTO deliberation_participants (deliberation_id, token_hash, stakeholder, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		d.ID, auth.HashToken(token), string(stakeholder), s.now()).Scan(&p.ID)
	if err != nil {
		return Participant{}, "", fmt.Errorf("join deliberation %d: %w", d.ID, err)
	}
	return p, token, nil
}

func checkStakeholder(d Deliberation, k auth.OrgKind) error {
	if !ValidStakeholder(k) || (d.RequireStakeholder && k == "") {
		v := &pallmall.ValidationError{}
		v.Add("stakeholder", "deliberate.error.stakeholder")
		return v
	}
	return nil
}

// ByToken returns the participant of deliberationID holding token.
// Returns ErrNotFound for an unknown token or one of another deliberation.
func (s *Service) ByToken(ctx context.Context, deliberationID int64, token string) (Participant, error) {
	return participantByToken(ctx, s.DB, deliberationID, token)
}

func participantByToken(ctx context.Context, q store.Querier, deliberationID int64, token string) (Participant, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 200 {
		return Participant{}, pallmall.ErrNotFound
	}
	var p Participant
	var k string
	err := q.QueryRow(ctx, `SELECT id, deliberation_id, stakeholder FROM deliberation_participants WHERE token_hash = $1 AND deliberation_id = $2`,
		auth.HashToken(token), deliberationID).Scan(&p.ID, &p.DeliberationID, &k)
	p.Stakeholder = auth.OrgKind(k)
	return p, err
}

// SetStakeholder records the participant's declared stakeholder type.
// Returns ErrNotFound, ErrConflict when the deliberation is closed, or a
// ValidationError on "stakeholder".
func (s *Service) SetStakeholder(ctx context.Context, deliberationID int64, token string, k auth.OrgKind) error {
	d, err := s.Get(ctx, auth.Actor{}, deliberationID)
	if err != nil {
		return err
	}
	if !d.Accepting() {
		return pallmall.ErrConflict
	}
	if err := checkStakeholder(d, k); err != nil {
		return err
	}
	p, err := s.ByToken(ctx, deliberationID, token)
	if err != nil {
		return err
	}
	_, err = s.DB.Exec(ctx, `UPDATE deliberation_participants SET stakeholder = $1 WHERE id = $2`, string(k), p.ID)
	return err
}

// ImportedParticipant is a participant with their votes, for loading
// demonstration or migrated data in bulk.
type ImportedParticipant struct {
	Stakeholder auth.OrgKind
	// Votes maps a statement id to the vote.
	Votes map[int64]Value
}

// Import adds participants and their votes in one transaction, each with
// a fresh token that is thrown away (nobody can vote as them later).
// Only the secretariat may import. Returns ErrForbidden, ErrNotFound, or
// a ValidationError when a stakeholder type, statement or vote is bad.
func (s *Service) Import(ctx context.Context, actor auth.Actor, deliberationID int64, ps []ImportedParticipant) error {
	if !CanManage(actor) {
		return pallmall.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, deliberationID); err != nil {
			return err
		}
		now := s.now()
		n := 0
		for _, p := range ps {
			if !ValidStakeholder(p.Stakeholder) {
				v := &pallmall.ValidationError{}
				v.Add("stakeholder", "deliberate.error.stakeholder")
				return v
			}
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO deliberation_participants (deliberation_id, token_hash, stakeholder, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
				deliberationID, auth.HashToken(auth.NewToken()), string(p.Stakeholder), now).Scan(&id); err != nil {
				return err
			}
			for st, v := range p.Votes {
				if v != Agree && v != Disagree && v != Pass {
					ve := &pallmall.ValidationError{}
					ve.Add("vote", "deliberate.error.vote_value")
					return ve
				}
				res, err := tx.Exec(ctx, `INSERT INTO deliberation_votes (participant_id, statement_id, deliberation_id, value, created_at, updated_at)
					SELECT $1, id, deliberation_id, $2, $3, $3 FROM deliberation_statements WHERE id = $4 AND deliberation_id = $5 AND status = 'accepted'`,
					id, int(v), now, st, deliberationID)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k == 0 {
					ve := &pallmall.ValidationError{}
					ve.Add("statement", "deliberate.error.unknown_statement")
					return ve
				}
				n++
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE deliberations SET changes = changes + 1 WHERE id = $1`, deliberationID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "deliberation.import", "deliberation", deliberationID, fmt.Sprintf("%d participants, %d votes", len(ps), n))
	})
}

// Forget deletes the participant holding token and every vote they cast,
// at any time, open or closed. Statements they added stay, no longer
// linked to anyone. The next analysis leaves them out. Returns
// ErrNotFound for an unknown token.
func (s *Service) Forget(ctx context.Context, deliberationID int64, token string) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := participantByToken(ctx, tx, deliberationID, token)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM deliberation_votes WHERE participant_id = $1`, p.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE deliberation_statements SET participant_id = NULL WHERE participant_id = $1`, p.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM deliberation_participants WHERE id = $1`, p.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE deliberations SET changes = changes + 1 WHERE id = $1`, deliberationID)
		return err
	})
}

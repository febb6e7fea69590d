package deliberate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/deliberate/analysis"
	"github.com/pallmall/pallmall/store"
)

// CommunityTally counts one stakeholder community's votes on a statement.
type CommunityTally struct {
	Agrees int `json:"agrees"`
	Votes  int `json:"votes"` // agree, disagree and pass
}

// AgreeShare is the smoothed share (agrees+1)/(votes+2) that
// group-informed consensus multiplies, for one community.
func (c CommunityTally) AgreeShare() float64 { return float64(c.Agrees+1) / float64(c.Votes+2) }

// Analysis is the latest analysis of a deliberation, as stored.
type Analysis struct {
	DeliberationID int64
	// Changes is the deliberation's change count the analysis reflects.
	Changes      int64
	Votes        int // votes analysed (moderated-out statements included in the count, not the maths)
	Participants int
	Duration     time.Duration
	ComputedAt   time.Time
	Result       analysis.Result
	// Communities holds, per statement id, each declared stakeholder
	// community's tally: the breakdown behind community consensus.
	Communities map[int]map[string]CommunityTally
}

// storedResult is what the result column holds.
type storedResult struct {
	Result      analysis.Result                   `json:"result"`
	Communities map[int]map[string]CommunityTally `json:"communities"`
}

// Options are the engine options used for every deliberation: the Pol.is
// defaults and a fixed seed, so a result can be reproduced from the votes.
var Options = analysis.Options{Seed: 1}

// Analyse loads the deliberation's votes, runs the analysis warm-started
// from the previous state, and stores the result and state. It reads on
// the read pool and writes one row, so voting is never held up for long.
// Returns ErrNotFound.
func (s *Service) Analyse(ctx context.Context, deliberationID int64) (Analysis, error) {
	a := Analysis{DeliberationID: deliberationID}
	if err := s.DB.QueryRow(ctx, `SELECT changes FROM deliberations WHERE id = $1`, deliberationID).Scan(&a.Changes); err != nil {
		return a, err
	}
	in, communities, err := s.input(ctx, deliberationID)
	if err != nil {
		return a, err
	}
	var prev *analysis.State
	var stateJSON string
	err = s.DB.QueryRow(ctx, `SELECT state FROM deliberation_analyses WHERE deliberation_id = $1`, deliberationID).Scan(&stateJSON)
	switch {
	case err == nil:
		var st analysis.State
		if json.Unmarshal([]byte(stateJSON), &st) == nil {
			prev = &st
		}
	case !errors.Is(err, pallmall.ErrNotFound):
		return a, err
	}
	start := time.Now()
	res, state, err := analysis.Analyse(in, Options, prev)
	if err != nil {
		return a, fmt.Errorf("analyse deliberation %d: %w", deliberationID, err)
	}
	a.Duration = time.Since(start)
	a.Result, a.Communities = res, communities
	a.Votes, a.Participants = len(in.Votes), len(res.Participants)
	a.ComputedAt = s.now()
	resultJSON, err := json.Marshal(storedResult{Result: res, Communities: communities})
	if err != nil {
		return a, err
	}
	newState, err := json.Marshal(state)
	if err != nil {
		return a, err
	}
	// A slower run must not overwrite a newer one: keep the row with the
	// larger change count.
	_, err = s.DB.Exec(ctx, `INSERT INTO deliberation_analyses (deliberation_id, changes, votes, participants, result, state, duration_ms, computed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (deliberation_id) DO UPDATE SET changes = excluded.changes, votes = excluded.votes, participants = excluded.participants,
			result = excluded.result, state = excluded.state, duration_ms = excluded.duration_ms, computed_at = excluded.computed_at
		WHERE deliberation_analyses.changes <= excluded.changes`,
		deliberationID, a.Changes, a.Votes, a.Participants, string(resultJSON), string(newState), a.Duration.Milliseconds(), a.ComputedAt)
	if err != nil {
		return a, fmt.Errorf("store analysis of deliberation %d: %w", deliberationID, err)
	}
	return a, nil
}

// input builds the engine's input from the database: votes in the order
// first cast, statements not accepted as moderated out, and declared
// stakeholder types as communities; plus the per-community tallies.
func (s *Service) input(ctx context.Context, deliberationID int64) (analysis.Input, map[int]map[string]CommunityTally, error) {
	var in analysis.Input
	rows, err := s.DB.Query(ctx, `SELECT id, stakeholder FROM deliberation_participants WHERE deliberation_id = $1 AND stakeholder <> ''`, deliberationID)
	type pk struct {
		id int64
		k  string
	}
	declared, err := store.ScanAll(rows, err, func(r *sql.Rows) (pk, error) {
		var x pk
		err := r.Scan(&x.id, &x.k)
		return x, err
	})
	if err != nil {
		return in, nil, err
	}
	in.Communities = make(map[int]string, len(declared))
	for _, x := range declared {
		in.Communities[int(x.id)] = x.k
	}
	rows, err = s.DB.Query(ctx, `SELECT id FROM deliberation_statements WHERE deliberation_id = $1 AND status <> 'accepted' ORDER BY id`, deliberationID)
	out, err := store.ScanAll(rows, err, func(r *sql.Rows) (int, error) {
		var id int64
		err := r.Scan(&id)
		return int(id), err
	})
	if err != nil {
		return in, nil, err
	}
	in.ModeratedOut = out
	rows, err = s.DB.Query(ctx, `SELECT participant_id, statement_id, value FROM deliberation_votes WHERE deliberation_id = $1
		ORDER BY created_at, participant_id, statement_id`, deliberationID)
	in.Votes, err = store.ScanAll(rows, err, func(r *sql.Rows) (analysis.Vote, error) {
		var p, st int64
		var v int
		err := r.Scan(&p, &st, &v)
		return analysis.Vote{Participant: int(p), Statement: int(st), Value: int8(v)}, err
	})
	if err != nil {
		return in, nil, err
	}
	tallies := map[int]map[string]CommunityTally{}
	for _, v := range in.Votes {
		k, ok := in.Communities[v.Participant]
		if !ok {
			continue
		}
		m := tallies[v.Statement]
		if m == nil {
			m = map[string]CommunityTally{}
			tallies[v.Statement] = m
		}
		t := m[k]
		t.Votes++
		if v.Value == analysis.Agree {
			t.Agrees++
		}
		m[k] = t
	}
	return in, tallies, nil
}

// Latest returns the latest stored analysis of a deliberation the actor
// may see. Returns ErrNotFound when there is none yet.
func (s *Service) Latest(ctx context.Context, actor auth.Actor, deliberationID int64) (Analysis, error) {
	if _, err := s.Get(ctx, actor, deliberationID); err != nil {
		return Analysis{}, err
	}
	a := Analysis{DeliberationID: deliberationID}
	var resultJSON string
	var ms int64
	err := s.DB.QueryRow(ctx, `SELECT changes, votes, participants, result, duration_ms, computed_at FROM deliberation_analyses WHERE deliberation_id = $1`,
		deliberationID).Scan(&a.Changes, &a.Votes, &a.Participants, &resultJSON, &ms, &a.ComputedAt)
	if err != nil {
		return a, err
	}
	a.Duration = time.Duration(ms) * time.Millisecond
	var sr storedResult
	if err := json.Unmarshal([]byte(resultJSON), &sr); err != nil {
		return a, fmt.Errorf("read analysis of deliberation %d: %w", deliberationID, err)
	}
	a.Result, a.Communities = sr.Result, sr.Communities
	return a, nil
}

// Position returns the participant's place on the opinion map in a, and
// whether they are in the conversation (voted on enough statements to be
// placed). ok is false when the participant is not in the analysis.
func (a Analysis) Position(participantID int64) (p analysis.Participant, ok bool) {
	for _, x := range a.Result.Participants {
		if int64(x.ID) == participantID {
			return x, true
		}
	}
	return analysis.Participant{}, false
}

// InConversation counts the participants placed in opinion groups.
func (a Analysis) InConversation() int {
	n := 0
	for _, p := range a.Result.Participants {
		if p.InConversation {
			n++
		}
	}
	return n
}

// Bridging returns the n statements with the highest bridging score,
// best first, leaving out those with fewer than minVotes agree or
// disagree votes (a score from a handful of votes says little).
func (a Analysis) Bridging(n, minVotes int) []analysis.Statement {
	var list []analysis.Statement
	for _, st := range a.Result.Statements {
		if st.Agrees+st.Disagrees >= minVotes {
			list = append(list, st)
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Bridging > list[j].Bridging })
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// TopBy returns the n statements with the highest value of f, best first.
func (a Analysis) TopBy(n int, f func(analysis.Statement) float64) []analysis.Statement {
	list := append([]analysis.Statement(nil), a.Result.Statements...)
	sort.SliceStable(list, func(i, j int) bool { return f(list[i]) > f(list[j]) })
	if len(list) > n {
		list = list[:n]
	}
	return list
}

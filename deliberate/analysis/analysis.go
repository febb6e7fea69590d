// Package analysis is the deliberation analysis engine: a pure-Go
// reimplementation of the Pol.is opinion-group mathematics (PCA, k-means
// base and group clusters, representative statements, consensus) plus a
// Community Notes style bridging score.
//
// The package does no input or output. Given the same Input, Options and
// State it returns the same Result, whatever the number of CPUs: parallel
// work is split into a fixed number of chunks and summed in a fixed order.
// All costs are proportional to the number of votes; no dense
// participants × statements matrix is ever built.
package analysis

import (
	"errors"
	"fmt"
)

// Vote values, as in Pol.is exports.
const (
	Agree    = 1
	Disagree = -1
	Pass     = 0
)

// ErrInvalidVote is returned by Analyse when a vote value is not one of
// Agree, Disagree or Pass.
var ErrInvalidVote = errors.New("invalid vote value")

// Vote is one participant's reaction to one statement.
type Vote struct {
	Participant int  // participant id
	Statement   int  // statement id
	Value       int8 // Agree, Disagree or Pass
}

// Input is everything a conversation contributes to an analysis.
type Input struct {
	// Votes in the order they were cast. When a participant voted more
	// than once on a statement, the later vote in the slice wins.
	Votes []Vote
	// ModeratedOut lists statement ids excluded from every computation.
	ModeratedOut []int
	// Communities maps a participant id to the stakeholder community the
	// participant declared (for example "state", "industry",
	// "civil_society"). Participants without an entry declared none.
	Communities map[int]string
}

// Options tune an analysis. The zero value gives the Pol.is defaults.
type Options struct {
	// Seed drives every random choice (PCA and bridging start vectors).
	Seed int64
	// PCAIterations bounds power iteration; default 100 as in Pol.is.
	PCAIterations int
	// BaseK is the number of base clusters; default 100.
	BaseK int
	// MaxK is the largest number of opinion groups; default 5.
	MaxK int
	// KBuffer is how many consecutive updates a new best k must win
	// before the reported k changes; default 4 (Pol.is group-k-buffer).
	KBuffer int
	// ClusterIterations bounds each k-means run; default 100.
	ClusterIterations int
	// BridgingIterations is the number of alternating least squares
	// sweeps of the bridging model; default 25.
	BridgingIterations int
	// InterceptPenalty and FactorPenalty are the ridge penalties of the
	// bridging model; defaults 5 and 1 (the 5:1 ratio of Community Notes).
	InterceptPenalty float64
	FactorPenalty    float64
}

func (o Options) withDefaults() Options {
	if o.PCAIterations <= 0 {
		o.PCAIterations = 100
	}
	if o.BaseK <= 0 {
		o.BaseK = 100
	}
	if o.MaxK < 2 {
		o.MaxK = 5
	}
	if o.KBuffer <= 0 {
		o.KBuffer = 4
	}
	if o.ClusterIterations <= 0 {
		o.ClusterIterations = 100
	}
	if o.BridgingIterations <= 0 {
		o.BridgingIterations = 25
	}
	if o.InterceptPenalty <= 0 {
		o.InterceptPenalty = 5
	}
	if o.FactorPenalty <= 0 {
		o.FactorPenalty = 1
	}
	return o
}

// State carries what one analysis hands to the next: principal
// components for a warm start, the participants already in the
// conversation (once in, always in), cluster centres, and the k smoother.
type State struct {
	Statements     []int        `json:"statements"`      // statement ids aligned with Components
	Components     [2][]float64 `json:"components"`      // principal components
	InConversation []int        `json:"in_conversation"` // participant ids, ascending
	BaseCenters    [][2]float64 `json:"base_centers"`
	// GroupCenters holds the last group clustering for each candidate k.
	GroupCenters map[int][][2]float64 `json:"group_centers"`
	LastK        int                  `json:"last_k"`       // best k by silhouette in the last update
	LastKCount   int                  `json:"last_k_count"` // consecutive updates LastK has won
	SmoothedK    int                  `json:"smoothed_k"`   // the k reported
}

// Participant is one participant's place in the opinion space.
type Participant struct {
	ID             int
	Votes          int // votes counted (moderated-out statements excluded)
	InConversation bool
	Group          int // opinion group id, or -1 when not in the conversation
	X, Y           float64
}

// Direction says whether a group is distinguished by agreeing or disagreeing.
type Direction string

// Directions of a representative statement.
const (
	DirectionAgree    Direction = "agree"
	DirectionDisagree Direction = "disagree"
)

// Representative is a statement that distinguishes a group from the rest.
type Representative struct {
	Statement int
	Direction Direction
	// Successes and Trials count the group's votes in Direction and all
	// its votes (passes included) on the statement.
	Successes, Trials int
	// Share is (Successes+1)/(Trials+2); AgreeShare is the same
	// smoothed share for agreement, whatever the Direction.
	Share, AgreeShare float64
	// ShareZ is the one-proportion z-test of Share against one half.
	ShareZ float64
	// Ratio is Share divided by the rest's smoothed share; Z is the
	// two-proportion z-test of the group against the rest.
	Ratio, Z float64
	// BestAgree marks the statement chosen by the Pol.is "best agree"
	// fallback, put first so every group shows something it agrees on.
	BestAgree bool
}

// Group is one opinion group.
type Group struct {
	ID             int
	Size           int // participants
	Center         [2]float64
	Representative []Representative
}

// ConsensusStatement is a statement most participants agree (or disagree) on.
type ConsensusStatement struct {
	Statement         int
	Successes, Trials int
	Share, Z          float64
}

// Consensus holds the population-wide consensus statements, at most five
// each, best first.
type Consensus struct {
	Agree, Disagree []ConsensusStatement
}

// Statement holds per-statement figures.
type Statement struct {
	ID                        int
	Agrees, Disagrees, Passes int
	// GroupInformedConsensus is the product over opinion groups of
	// (agrees+1)/(votes+2), as in Pol.is.
	GroupInformedConsensus float64
	// CommunityConsensus is the same product over declared stakeholder
	// communities; 0 when no participant declared one.
	CommunityConsensus float64
	// Bridging is the statement intercept of the bridging model: the
	// agreement left once the opinion factor is accounted for.
	Bridging float64
	// BridgingFactor is the statement's factor loading in that model;
	// its sign is arbitrary, its size measures polarisation.
	BridgingFactor float64
}

// Result is the outcome of an analysis.
type Result struct {
	K            int
	Participants []Participant // in order of first vote
	Groups       []Group
	Consensus    Consensus
	Statements   []Statement // analysed statements, ascending id
	// Communities lists the declared communities, ascending.
	Communities []string
	// BridgingMean is the global mean rating mu of the bridging model.
	BridgingMean float64
}

// Analyse runs the whole pipeline. prev, when not nil, is the State of the
// previous analysis of the same conversation. It returns an error only
// for invalid input.
func Analyse(in Input, opts Options, prev *State) (Result, State, error) {
	opts = opts.withDefaults()
	for i, v := range in.Votes {
		if v.Value < -1 || v.Value > 1 {
			return Result{}, State{}, fmt.Errorf("vote %d (participant %d, statement %d): %w: %d", i, v.Participant, v.Statement, ErrInvalidVote, v.Value)
		}
	}
	m := buildMatrix(in.Votes, in.ModeratedOut)
	res := Result{}
	st := State{}
	if prev != nil {
		st.LastK, st.LastKCount, st.SmoothedK = prev.LastK, prev.LastKCount, prev.SmoothedK
	}

	res.Statements = make([]Statement, m.nCols)
	for j := range res.Statements {
		res.Statements[j].ID = m.colIDs[j]
	}
	for k := 0; k < len(m.col); k++ {
		s := &res.Statements[m.col[k]]
		switch m.val[k] {
		case Agree:
			s.Agrees++
		case Disagree:
			s.Disagrees++
		default:
			s.Passes++
		}
	}

	inConv := inConversation(m, prev)
	pca := computePCA(m, opts, prev)
	xy := project(m, pca)
	st.Statements = append([]int(nil), m.colIDs...)
	st.Components = pca.comps

	res.Participants = make([]Participant, m.nRows)
	for i := range res.Participants {
		res.Participants[i] = Participant{
			ID:             m.rowIDs[i],
			Votes:          int(m.rowPtr[i+1] - m.rowPtr[i]),
			InConversation: inConv[i],
			Group:          -1,
			X:              xy[2*i],
			Y:              xy[2*i+1],
		}
		if inConv[i] {
			st.InConversation = append(st.InConversation, m.rowIDs[i])
		}
	}
	sortInts(st.InConversation)

	groupOf := cluster(m, xy, inConv, opts, prev, &st, &res)
	for i, g := range groupOf {
		res.Participants[i].Group = g
	}
	repness(m, groupOf, &res)
	consensus(m, &res)
	groupInformedConsensus(m, groupOf, len(res.Groups), &res)
	communityConsensus(m, in.Communities, &res)
	bridging(m, opts, &res)
	return res, st, nil
}

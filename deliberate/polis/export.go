// Package polis reads Pol.is open-data exports (votes.csv,
// participants-votes.csv, comments.csv) and writes analysis reports.
package polis

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/pallmall/pallmall/deliberate/analysis"
)

// ErrEmpty is returned by Load when an export holds no votes.
var ErrEmpty = errors.New("conversation has no votes")

// Comment is one statement of a conversation, from comments.csv.
type Comment struct {
	ID        int
	AuthorID  int
	Timestamp int64
	Agrees    int
	Disagrees int
	// Moderated is 1 accepted, 0 unmoderated, -1 moderated out.
	Moderated int
	Body      string
}

// Export is a loaded Pol.is conversation.
type Export struct {
	// Votes holds one vote per participant and statement (the latest
	// one), ordered by time; votes read from participants-votes.csv have
	// no time and are ordered by participant row, then column.
	Votes []analysis.Vote
	// VotesFile names the file Votes came from: "votes.csv" or
	// "participants-votes.csv".
	VotesFile string
	// Comments by id; empty when the export has no comments.csv.
	Comments map[int]Comment
	// ModeratedOut lists the ids of comments moderated out, ascending.
	ModeratedOut []int
	// PolisGroups maps participant id to the opinion group Pol.is itself
	// assigned (participants-votes.csv, group-id); participants Pol.is
	// left ungrouped are absent. Nil when that file is absent.
	PolisGroups map[int]int
}

// Input returns the analysis input for the export.
func (e *Export) Input() analysis.Input {
	return analysis.Input{Votes: e.Votes, ModeratedOut: e.ModeratedOut}
}

// Load reads the export in directory dir. See LoadFS.
func Load(dir string) (*Export, error) {
	exp, err := LoadFS(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return exp, nil
}

// LoadFS reads an export from fsys: votes.csv, or participants-votes.csv
// when votes.csv is absent, and comments.csv when present. Errors name
// the file and line. It returns ErrEmpty when there are no votes.
func LoadFS(fsys fs.FS) (*Export, error) {
	exp := &Export{Comments: map[int]Comment{}}
	if f, err := fsys.Open("comments.csv"); err == nil {
		cs, err := readComments(f, "comments.csv")
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			exp.Comments[c.ID] = c
			if c.Moderated == -1 {
				exp.ModeratedOut = append(exp.ModeratedOut, c.ID)
			}
		}
		slices.Sort(exp.ModeratedOut)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	known := func(id int) bool {
		_, ok := exp.Comments[id]
		return len(exp.Comments) == 0 || ok
	}

	var pvVotes []analysis.Vote
	if f, err := fsys.Open("participants-votes.csv"); err == nil {
		pv, err := readParticipantVotes(f, "participants-votes.csv", known)
		f.Close()
		if err != nil {
			return nil, err
		}
		exp.PolisGroups = pv.groups
		pvVotes = pv.votes
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}

	f, err := fsys.Open("votes.csv")
	switch {
	case err == nil:
		exp.Votes, err = readVotes(f, "votes.csv", known)
		f.Close()
		if err != nil {
			return nil, err
		}
		exp.VotesFile = "votes.csv"
	case errors.Is(err, fs.ErrNotExist) && exp.PolisGroups != nil:
		exp.Votes = pvVotes
		exp.VotesFile = "participants-votes.csv"
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("neither votes.csv nor participants-votes.csv: %w", err)
	default:
		return nil, err
	}
	if len(exp.Votes) == 0 {
		return nil, fmt.Errorf("%s: %w", exp.VotesFile, ErrEmpty)
	}
	return exp, nil
}

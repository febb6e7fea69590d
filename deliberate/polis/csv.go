package polis

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall/deliberate/analysis"
)

// table reads a CSV file with a header row and gives each record's line.
type table struct {
	name string
	r    *csv.Reader
	cols map[string]int
	head []string
}

func newTable(r io.Reader, name string, required ...string) (*table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file, want a header row", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := &table{name: name, r: cr, cols: map[string]int{}, head: head}
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		head[i] = h
		if _, dup := t.cols[h]; !dup {
			t.cols[h] = i
		}
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return nil, fmt.Errorf("%s:1: header has no %q column", name, c)
		}
	}
	return t, nil
}

// next returns the next record and its line, or io.EOF.
func (t *table) next() ([]string, int, error) {
	rec, err := t.r.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", t.name, err)
	}
	line, _ := t.r.FieldPos(0)
	if len(rec) != len(t.head) {
		return nil, line, fmt.Errorf("%s:%d: %d fields, header has %d", t.name, line, len(rec), len(t.head))
	}
	return rec, line, nil
}

func (t *table) field(rec []string, col string) string {
	return strings.TrimSpace(rec[t.cols[col]])
}

func (t *table) int(rec []string, line int, col string) (int, error) {
	s := t.field(rec, col)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s:%d: %s %q is not an integer", t.name, line, col, s)
	}
	return n, nil
}

// parseVote accepts 1, -1 and 0 (and their decimal forms 1.0, -1.0, 0.0).
func parseVote(s string) (int8, bool) {
	switch s {
	case "1", "1.0":
		return analysis.Agree, true
	case "-1", "-1.0":
		return analysis.Disagree, true
	case "0", "0.0", "-0":
		return analysis.Pass, true
	}
	return 0, false
}

// readVotes reads votes.csv. A later vote by the same voter on the same
// statement replaces the earlier one, later meaning a larger timestamp,
// then a later line. known reports whether a comment id exists.
func readVotes(r io.Reader, name string, known func(int) bool) ([]analysis.Vote, error) {
	t, err := newTable(r, name, "timestamp", "comment-id", "voter-id", "vote")
	if err != nil {
		return nil, err
	}
	type stamped struct {
		ts int64
		v  analysis.Vote
	}
	var all []stamped
	for {
		rec, line, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		ts, err := strconv.ParseInt(t.field(rec, "timestamp"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: timestamp %q is not an integer", name, line, t.field(rec, "timestamp"))
		}
		cid, err := t.int(rec, line, "comment-id")
		if err != nil {
			return nil, err
		}
		pid, err := t.int(rec, line, "voter-id")
		if err != nil {
			return nil, err
		}
		s := t.field(rec, "vote")
		val, ok := parseVote(s)
		if !ok {
			return nil, fmt.Errorf("%s:%d: vote %q is not one of 1, -1, 0", name, line, s)
		}
		if !known(cid) {
			return nil, fmt.Errorf("%s:%d: comment-id %d is not in comments.csv", name, line, cid)
		}
		all = append(all, stamped{ts, analysis.Vote{Participant: pid, Statement: cid, Value: val}})
	}
	slices.SortStableFunc(all, func(a, b stamped) int {
		switch {
		case a.ts < b.ts:
			return -1
		case a.ts > b.ts:
			return 1
		}
		return 0
	})
	// Keep only the latest vote per (voter, comment), at its own time.
	type key struct{ p, s int }
	last := make(map[key]int, len(all))
	for i, sv := range all {
		last[key{sv.v.Participant, sv.v.Statement}] = i
	}
	votes := make([]analysis.Vote, 0, len(last))
	for i, sv := range all {
		if last[key{sv.v.Participant, sv.v.Statement}] == i {
			votes = append(votes, sv.v)
		}
	}
	return votes, nil
}

type participantVotes struct {
	votes  []analysis.Vote
	groups map[int]int
}

// readParticipantVotes reads participants-votes.csv: one row per
// participant, a group-id (empty when Pol.is did not group them), and
// one column per comment id holding 1, -1, 0 or nothing.
func readParticipantVotes(r io.Reader, name string, known func(int) bool) (participantVotes, error) {
	out := participantVotes{groups: map[int]int{}}
	t, err := newTable(r, name, "participant", "group-id")
	if err != nil {
		return out, err
	}
	var commentCols, commentIDs []int
	for i, h := range t.head {
		if id, err := strconv.Atoi(h); err == nil {
			if !known(id) {
				return out, fmt.Errorf("%s:1: column %d: comment-id %d is not in comments.csv", name, i+1, id)
			}
			commentCols = append(commentCols, i)
			commentIDs = append(commentIDs, id)
		}
	}
	seen := map[int]int{}
	for {
		rec, line, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		pid, err := t.int(rec, line, "participant")
		if err != nil {
			return out, err
		}
		if prev, dup := seen[pid]; dup {
			return out, fmt.Errorf("%s:%d: participant %d already on line %d", name, line, pid, prev)
		}
		seen[pid] = line
		if g := t.field(rec, "group-id"); g != "" {
			gid, err := strconv.Atoi(g)
			if err != nil {
				return out, fmt.Errorf("%s:%d: group-id %q is not an integer", name, line, g)
			}
			out.groups[pid] = gid
		}
		for n, c := range commentCols {
			s := strings.TrimSpace(rec[c])
			if s == "" {
				continue
			}
			val, ok := parseVote(s)
			if !ok {
				return out, fmt.Errorf("%s:%d: vote %q on comment %d is not one of 1, -1, 0", name, line, s, commentIDs[n])
			}
			out.votes = append(out.votes, analysis.Vote{Participant: pid, Statement: commentIDs[n], Value: val})
		}
	}
	return out, nil
}

// readComments reads comments.csv.
func readComments(r io.Reader, name string) ([]Comment, error) {
	t, err := newTable(r, name, "comment-id", "moderated", "comment-body")
	if err != nil {
		return nil, err
	}
	var out []Comment
	seen := map[int]int{}
	for {
		rec, line, err := t.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var c Comment
		if c.ID, err = t.int(rec, line, "comment-id"); err != nil {
			return nil, err
		}
		if prev, dup := seen[c.ID]; dup {
			return nil, fmt.Errorf("%s:%d: comment-id %d already on line %d", name, line, c.ID, prev)
		}
		seen[c.ID] = line
		if c.Moderated, err = t.int(rec, line, "moderated"); err != nil {
			return nil, err
		}
		if c.Moderated < -1 || c.Moderated > 1 {
			return nil, fmt.Errorf("%s:%d: moderated %d is not one of 1, 0, -1", name, line, c.Moderated)
		}
		c.Body = rec[t.cols["comment-body"]]
		// Informational columns: tolerate their absence or odd values.
		if _, ok := t.cols["author-id"]; ok {
			c.AuthorID, _ = strconv.Atoi(t.field(rec, "author-id"))
		}
		if _, ok := t.cols["agrees"]; ok {
			c.Agrees, _ = strconv.Atoi(t.field(rec, "agrees"))
		}
		if _, ok := t.cols["disagrees"]; ok {
			c.Disagrees, _ = strconv.Atoi(t.field(rec, "disagrees"))
		}
		if _, ok := t.cols["timestamp"]; ok {
			c.Timestamp, _ = strconv.ParseInt(t.field(rec, "timestamp"), 10, 64)
		}
		out = append(out, c)
	}
}

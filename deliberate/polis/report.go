package polis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall/deliberate/analysis"
)

// Report formats accepted by WriteReport.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// Report is the JSON shape of an analysis report.
type Report struct {
	K                      int             `json:"k"`
	Participants           []ReportPt      `json:"participants"`
	Groups                 []ReportGroup   `json:"groups"`
	Consensus              ReportConsensus `json:"consensus"`
	GroupInformedConsensus Scores          `json:"group_informed_consensus"`
	CommunityConsensus     Scores          `json:"community_consensus,omitempty"`
	Bridging               Scores          `json:"bridging"`
	Communities            []string        `json:"communities,omitempty"`
	texts                  map[int]string  // statement texts for the text format
}

// ReportPt is one participant; Group is nil when not in the conversation.
type ReportPt struct {
	ID    int     `json:"id"`
	Group *int    `json:"group"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
}

// ReportGroup is one opinion group.
type ReportGroup struct {
	ID             int          `json:"id"`
	Size           int          `json:"size"`
	Representative []ReportRepr `json:"representative"`
}

// ReportRepr is one representative statement. AgreeShare is the group's
// smoothed agreement (agrees+1)/(votes+2) whatever the direction; Share is
// the same in Direction; Z is the two-proportion z of the group against
// the rest in Direction.
type ReportRepr struct {
	Statement  int     `json:"statement"`
	Direction  string  `json:"direction"`
	AgreeShare float64 `json:"agree_share"`
	Z          float64 `json:"z"`
	Share      float64 `json:"share"`
	Successes  int     `json:"n_success"`
	Trials     int     `json:"n_trials"`
	BestAgree  bool    `json:"best_agree,omitempty"`
}

// ReportConsensus holds population-wide consensus statements.
type ReportConsensus struct {
	Agree    []ReportConsensusStatement `json:"agree"`
	Disagree []ReportConsensusStatement `json:"disagree"`
}

// ReportConsensusStatement is one consensus statement: Share is the
// smoothed share voting that way, Z its one-proportion z against one half.
type ReportConsensusStatement struct {
	Statement int     `json:"statement"`
	Share     float64 `json:"share"`
	Z         float64 `json:"z"`
	Successes int     `json:"n_success"`
	Trials    int     `json:"n_trials"`
}

// Score is one statement's value in a Scores object.
type Score struct {
	Statement int
	Value     float64
}

// Scores marshals as a JSON object from statement id to value, in
// ascending statement id order.
type Scores []Score

// MarshalJSON writes the scores as {"id": value, ...}.
func (s Scores) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		v, err := json.Marshal(x.Value)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", x.Statement, err)
		}
		fmt.Fprintf(&b, "%q:%s", strconv.Itoa(x.Statement), v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// NewReport builds the report of res; exp may be nil.
func NewReport(exp *Export, res analysis.Result) Report {
	r := Report{
		K:                      res.K,
		Participants:           []ReportPt{},
		Groups:                 []ReportGroup{},
		GroupInformedConsensus: Scores{},
		Bridging:               Scores{},
		Communities:            res.Communities,
		texts:                  map[int]string{},
	}
	for _, p := range res.Participants {
		rp := ReportPt{ID: p.ID, X: p.X, Y: p.Y}
		if p.Group >= 0 {
			g := p.Group
			rp.Group = &g
		}
		r.Participants = append(r.Participants, rp)
	}
	slices.SortFunc(r.Participants, func(a, b ReportPt) int { return a.ID - b.ID })
	for _, g := range res.Groups {
		rg := ReportGroup{ID: g.ID, Size: g.Size, Representative: []ReportRepr{}}
		for _, x := range g.Representative {
			rg.Representative = append(rg.Representative, ReportRepr{
				Statement: x.Statement, Direction: string(x.Direction), AgreeShare: x.AgreeShare,
				Z: x.Z, Share: x.Share, Successes: x.Successes, Trials: x.Trials, BestAgree: x.BestAgree,
			})
		}
		r.Groups = append(r.Groups, rg)
	}
	conv := func(cs []analysis.ConsensusStatement) []ReportConsensusStatement {
		out := []ReportConsensusStatement{}
		for _, c := range cs {
			out = append(out, ReportConsensusStatement{c.Statement, c.Share, c.Z, c.Successes, c.Trials})
		}
		return out
	}
	r.Consensus = ReportConsensus{Agree: conv(res.Consensus.Agree), Disagree: conv(res.Consensus.Disagree)}
	for _, s := range res.Statements {
		r.GroupInformedConsensus = append(r.GroupInformedConsensus, Score{s.ID, s.GroupInformedConsensus})
		r.Bridging = append(r.Bridging, Score{s.ID, s.Bridging})
		if len(res.Communities) > 0 {
			r.CommunityConsensus = append(r.CommunityConsensus, Score{s.ID, s.CommunityConsensus})
		}
	}
	if exp != nil {
		for id, c := range exp.Comments {
			r.texts[id] = c.Body
		}
	}
	return r
}

// WriteReport writes the report of res in format FormatJSON or
// FormatText to w. exp supplies statement texts for the text format and
// may be nil.
func WriteReport(w io.Writer, exp *Export, res analysis.Result, format string) error {
	r := NewReport(exp, res)
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write json report: %w", err)
		}
		return nil
	case FormatText:
		if err := writeText(w, r); err != nil {
			return fmt.Errorf("write text report: %w", err)
		}
		return nil
	}
	return fmt.Errorf("report format %q is not one of %q, %q", format, FormatJSON, FormatText)
}

func writeText(w io.Writer, r Report) error {
	var b strings.Builder
	text := func(id int) string {
		s := strings.Join(strings.Fields(r.texts[id]), " ")
		if s == "" {
			return "(no text)"
		}
		if r := []rune(s); len(r) > 160 {
			s = string(r[:157]) + "..."
		}
		return s
	}
	in := 0
	for _, p := range r.Participants {
		if p.Group != nil {
			in++
		}
	}
	fmt.Fprintf(&b, "%d participants, %d in the conversation, %d opinion groups.\n", len(r.Participants), in, r.K)
	for _, g := range r.Groups {
		fmt.Fprintf(&b, "\nGroup %d (%d participants) is distinguished by:\n", g.ID, g.Size)
		for _, x := range g.Representative {
			fmt.Fprintf(&b, "  - %s %.0f%% (z %.2f) #%d: %s\n", x.Direction, 100*x.Share, x.Z, x.Statement, text(x.Statement))
		}
	}
	section := func(title string, cs []ReportConsensusStatement) {
		fmt.Fprintf(&b, "\n%s:\n", title)
		if len(cs) == 0 {
			b.WriteString("  (none)\n")
		}
		for _, c := range cs {
			fmt.Fprintf(&b, "  - %.0f%% of %d voters #%d: %s\n", 100*c.Share, c.Trials, c.Statement, text(c.Statement))
		}
	}
	section("Most participants agree", r.Consensus.Agree)
	section("Most participants disagree", r.Consensus.Disagree)
	top := func(title string, s Scores, n int) {
		s = slices.Clone(s)
		slices.SortStableFunc(s, func(a, b Score) int {
			switch {
			case a.Value > b.Value:
				return -1
			case a.Value < b.Value:
				return 1
			}
			return 0
		})
		fmt.Fprintf(&b, "\n%s:\n", title)
		for _, x := range s[:min(n, len(s))] {
			fmt.Fprintf(&b, "  - %.3f #%d: %s\n", x.Value, x.Statement, text(x.Statement))
		}
	}
	top("Agreed across opinion groups (group-informed consensus)", r.GroupInformedConsensus, 5)
	if len(r.CommunityConsensus) > 0 {
		top("Agreed across stakeholder communities ("+strings.Join(r.Communities, ", ")+")", r.CommunityConsensus, 5)
	}
	top("Bridging statements (agreement not explained by the main divide)", r.Bridging, 5)
	_, err := io.WriteString(w, b.String())
	return err
}

package deliberate

import (
	"encoding/csv"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/deliberate/analysis"
)

// GroupLabel names opinion group i for people: A, B, C, ...
func GroupLabel(i int) string {
	if i < 0 {
		return ""
	}
	if i < 26 {
		return string(rune('A' + i))
	}
	return "G" + strconv.Itoa(i)
}

// Export is the analysis as published in JSON: the same for the report
// page's download and the API. Participants appear without any id, only
// as points on the map.
type Export struct {
	Deliberation   ExportDeliberation `json:"deliberation"`
	ComputedAt     time.Time          `json:"computed_at"`
	Votes          int                `json:"votes"`
	Participants   int                `json:"participants"`
	InConversation int                `json:"in_conversation"`
	K              int                `json:"k"`
	Map            []ExportPoint      `json:"map"`
	Groups         []ExportGroup      `json:"groups"`
	Consensus      ExportConsensus    `json:"consensus"`
	Communities    []string           `json:"communities"`
	Statements     []ExportStatement  `json:"statements"`
	Method         string             `json:"method"`
}

// ExportDeliberation identifies the deliberation.
type ExportDeliberation struct {
	ID      int64  `json:"id"`
	TitleEN string `json:"title_en"`
	TitleFR string `json:"title_fr"`
}

// ExportPoint is one participant on the opinion map.
type ExportPoint struct {
	Group *string `json:"group"` // null when not in the conversation
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Votes int     `json:"votes"`
}

// ExportGroup is one opinion group.
type ExportGroup struct {
	Label          string                 `json:"label"`
	Size           int                    `json:"size"`
	Representative []ExportRepresentative `json:"representative"`
}

// ExportRepresentative is a statement that distinguishes a group.
type ExportRepresentative struct {
	Statement  int64   `json:"statement"`
	Direction  string  `json:"direction"`
	AgreeShare float64 `json:"agree_share"`
	Share      float64 `json:"share"`
	Z          float64 `json:"z"`
	Successes  int     `json:"n_success"`
	Trials     int     `json:"n_trials"`
}

// ExportConsensus lists the population-wide consensus statements.
type ExportConsensus struct {
	Agree    []ExportConsensusStatement `json:"agree"`
	Disagree []ExportConsensusStatement `json:"disagree"`
}

// ExportConsensusStatement is one consensus statement.
type ExportConsensusStatement struct {
	Statement int64   `json:"statement"`
	Share     float64 `json:"share"`
	Z         float64 `json:"z"`
}

// ExportStatement holds a statement's text and figures.
type ExportStatement struct {
	ID                     int64                     `json:"id"`
	TextEN                 string                    `json:"text_en"`
	TextFR                 string                    `json:"text_fr"`
	Origin                 Origin                    `json:"origin"`
	Agrees                 int                       `json:"agrees"`
	Disagrees              int                       `json:"disagrees"`
	Passes                 int                       `json:"passes"`
	GroupInformedConsensus float64                   `json:"group_informed_consensus"`
	CommunityConsensus     float64                   `json:"community_consensus"`
	Bridging               float64                   `json:"bridging"`
	BridgingFactor         float64                   `json:"bridging_factor"`
	ByCommunity            map[string]CommunityTally `json:"by_community"`
}

// NewExport builds the published form of an analysis. statements are the
// deliberation's accepted statements (their texts); statements the
// analysis does not know yet appear with zero figures.
func NewExport(d Deliberation, a Analysis, statements []Statement) Export {
	r := a.Result
	e := Export{
		Deliberation: ExportDeliberation{ID: d.ID, TitleEN: d.TitleEN, TitleFR: d.TitleFR},
		ComputedAt:   a.ComputedAt.UTC(), Votes: a.Votes, Participants: a.Participants, InConversation: a.InConversation(), K: r.K,
		Map: []ExportPoint{}, Groups: []ExportGroup{}, Communities: append([]string{}, r.Communities...), Statements: []ExportStatement{},
		Consensus: ExportConsensus{Agree: []ExportConsensusStatement{}, Disagree: []ExportConsensusStatement{}},
		Method:    "Pol.is opinion groups, group-informed consensus, stakeholder-community consensus and bridging: see docs/deliberation.md",
	}
	pts := append([]analysis.Participant(nil), r.Participants...)
	// Sort points by position so the export's order says nothing about who
	// voted first.
	sort.Slice(pts, func(i, j int) bool {
		if pts[i].X != pts[j].X {
			return pts[i].X < pts[j].X
		}
		return pts[i].Y < pts[j].Y
	})
	for _, p := range pts {
		pt := ExportPoint{X: round(p.X), Y: round(p.Y), Votes: p.Votes}
		if p.InConversation && p.Group >= 0 {
			l := GroupLabel(p.Group)
			pt.Group = &l
		}
		e.Map = append(e.Map, pt)
	}
	for _, g := range r.Groups {
		eg := ExportGroup{Label: GroupLabel(g.ID), Size: g.Size, Representative: []ExportRepresentative{}}
		for _, rep := range g.Representative {
			eg.Representative = append(eg.Representative, ExportRepresentative{Statement: int64(rep.Statement), Direction: string(rep.Direction),
				AgreeShare: round(rep.AgreeShare), Share: round(rep.Share), Z: round(rep.Z), Successes: rep.Successes, Trials: rep.Trials})
		}
		e.Groups = append(e.Groups, eg)
	}
	for _, c := range r.Consensus.Agree {
		e.Consensus.Agree = append(e.Consensus.Agree, ExportConsensusStatement{int64(c.Statement), round(c.Share), round(c.Z)})
	}
	for _, c := range r.Consensus.Disagree {
		e.Consensus.Disagree = append(e.Consensus.Disagree, ExportConsensusStatement{int64(c.Statement), round(c.Share), round(c.Z)})
	}
	figures := map[int64]analysis.Statement{}
	for _, st := range r.Statements {
		figures[int64(st.ID)] = st
	}
	for _, st := range statements {
		f := figures[st.ID]
		es := ExportStatement{ID: st.ID, TextEN: st.TextEN, TextFR: st.TextFR, Origin: st.Origin, Agrees: f.Agrees, Disagrees: f.Disagrees, Passes: f.Passes,
			GroupInformedConsensus: round(f.GroupInformedConsensus), CommunityConsensus: round(f.CommunityConsensus),
			Bridging: round(f.Bridging), BridgingFactor: round(f.BridgingFactor), ByCommunity: map[string]CommunityTally{}}
		for k, t := range a.Communities[int(st.ID)] {
			es.ByCommunity[k] = t
		}
		e.Statements = append(e.Statements, es)
	}
	return e
}

func round(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*1e6) / 1e6
}

// WriteCSV writes one row per statement: texts, vote counts, consensus
// figures, bridging, the groups it represents and each stakeholder
// community's smoothed agree share.
func WriteCSV(w io.Writer, e Export) error {
	cw := csv.NewWriter(w)
	kinds := make([]string, len(auth.OrgKinds))
	for i, k := range auth.OrgKinds {
		kinds[i] = string(k)
	}
	head := []string{"statement_id", "text_en", "text_fr", "origin", "agrees", "disagrees", "passes", "group_informed_consensus",
		"community_consensus", "bridging", "bridging_factor", "consensus", "representative_of"}
	for _, k := range kinds {
		head = append(head, k+"_agrees", k+"_votes")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	consensus := map[int64]string{}
	for _, c := range e.Consensus.Agree {
		consensus[c.Statement] = "agree"
	}
	for _, c := range e.Consensus.Disagree {
		consensus[c.Statement] = "disagree"
	}
	reps := map[int64][]string{}
	for _, g := range e.Groups {
		for _, r := range g.Representative {
			reps[r.Statement] = append(reps[r.Statement], g.Label+":"+r.Direction)
		}
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	for _, st := range e.Statements {
		row := []string{strconv.FormatInt(st.ID, 10), csvSafe(st.TextEN), csvSafe(st.TextFR), string(st.Origin), strconv.Itoa(st.Agrees), strconv.Itoa(st.Disagrees),
			strconv.Itoa(st.Passes), f(st.GroupInformedConsensus), f(st.CommunityConsensus), f(st.Bridging), f(st.BridgingFactor),
			consensus[st.ID], strings.Join(reps[st.ID], ";")}
		for _, k := range kinds {
			t := st.ByCommunity[k]
			row = append(row, strconv.Itoa(t.Agrees), strconv.Itoa(t.Votes))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formulas in participant-written text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

package consult

import (
	"context"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

// SmallCell is the smallest count the published summary shows: any count
// from 1 to SmallCell-1 is suppressed, so nobody can be picked out of a
// small group.
const SmallCell = 5

// Cell is a count in the published summary, suppressed when small.
type Cell struct {
	N          int  `json:"n,omitempty"`
	Suppressed bool `json:"suppressed,omitempty"`
}

// suppressTable decides which cells of a table of counts to suppress. n
// holds the table with its margins: the last cell of each row is the
// row's total and, when columnsAdd, the last row holds the column totals
// (its last cell the grand total). Every count from 1 to SmallCell-1 is
// suppressed (primary suppression). Then, while some line (a row, or a
// column when columnsAdd) has exactly one suppressed cell, which its
// published total would give away by subtraction, one more cell of that
// line is suppressed (complementary suppression): the smallest non-zero
// inner cell, else the smallest non-zero total, else a zero. Suppressing
// a cell can expose it in its other line, so the loop runs until every
// line has no suppressed cell or at least two.
//
// forced, when not nil, names cells (in n's layout) to suppress from the
// start, because another table gives them away otherwise.
func suppressTable(n [][]int, columnsAdd bool, forced [][]bool) [][]bool {
	hidden := make([][]bool, len(n))
	for i, row := range n {
		hidden[i] = make([]bool, len(row))
		for j, v := range row {
			hidden[i][j] = v > 0 && v < SmallCell || (i < len(forced) && j < len(forced[i]) && forced[i][j])
		}
	}
	type at struct{ i, j int }
	var lines [][]at
	for i, row := range n {
		var l []at
		for j := range row {
			l = append(l, at{i, j})
		}
		lines = append(lines, l)
	}
	if columnsAdd && len(n) > 0 {
		for j := range n[0] {
			var l []at
			for i := range n {
				l = append(l, at{i, j})
			}
			lines = append(lines, l)
		}
	}
	margin := func(c at) bool {
		return c.j == len(n[c.i])-1 || (columnsAdd && c.i == len(n)-1)
	}
	// rank orders the candidates: inner non-zero cells first, then
	// non-zero totals, then zeros; the smallest count first within each.
	rank := func(c at) (int, int) {
		switch v := n[c.i][c.j]; {
		case v == 0:
			return 2, 0
		case margin(c):
			return 1, v
		default:
			return 0, v
		}
	}
	for changed := true; changed; {
		changed = false
		for _, l := range lines {
			count := 0
			for _, c := range l {
				if hidden[c.i][c.j] {
					count++
				}
			}
			if count != 1 {
				continue
			}
			best := at{-1, -1}
			for _, c := range l {
				if hidden[c.i][c.j] {
					continue
				}
				if best.i < 0 {
					best = c
					continue
				}
				g1, v1 := rank(c)
				g2, v2 := rank(best)
				if g1 < g2 || (g1 == g2 && v1 < v2) {
					best = c
				}
			}
			if best.i >= 0 {
				hidden[best.i][best.j] = true
				changed = true
			}
		}
	}
	return hidden
}

// suppressRow turns a total and its parts by stakeholder type into cells,
// suppressed so that no suppressed part can be worked out from the total.
func suppressRow(total int, parts map[Stakeholder]int) (Cell, map[Stakeholder]Cell) {
	all, rows, _ := suppressByStakeholder([]int{total}, []map[Stakeholder]int{parts}, false, nil)
	return all[0], rows[0]
}

// suppressByStakeholder suppresses a table whose rows are broken down by
// stakeholder type: totals[i] is row i's total and parts[i] its counts by
// type. When columnsAdd, the last row is the sum of the others, column by
// column, and the columns are protected too. forced and the hidden cells
// returned are in the layout of suppressTable: a row per total, a column
// per stakeholder type in Stakeholders order, then the total.
func suppressByStakeholder(totals []int, parts []map[Stakeholder]int, columnsAdd bool, forced [][]bool) ([]Cell, []map[Stakeholder]Cell, [][]bool) {
	n := make([][]int, len(totals))
	for i, t := range totals {
		for _, k := range Stakeholders {
			n[i] = append(n[i], parts[i][k])
		}
		n[i] = append(n[i], t)
	}
	hidden := suppressTable(n, columnsAdd, forced)
	all := make([]Cell, len(totals))
	cells := make([]map[Stakeholder]Cell, len(totals))
	for i := range totals {
		cells[i] = map[Stakeholder]Cell{}
		for j, k := range Stakeholders {
			if _, ok := parts[i][k]; ok || n[i][j] != 0 {
				cells[i][k] = shown(n[i][j], hidden[i][j])
			}
		}
		all[i] = shown(totals[i], hidden[i][len(Stakeholders)])
	}
	return all, cells, hidden
}

func shown(n int, hidden bool) Cell {
	if hidden {
		return Cell{Suppressed: true}
	}
	return Cell{N: n}
}

// SummaryOption is one option's published counts.
type SummaryOption struct {
	Option        Option               `json:"option"`
	All           Cell                 `json:"all"`
	ByStakeholder map[Stakeholder]Cell `json:"by_stakeholder"`
}

// SummaryQuestion is one question's published figures.
type SummaryQuestion struct {
	Question   Question             `json:"-"`
	ID         int64                `json:"id"`
	TextEN     string               `json:"text_en"`
	TextFR     string               `json:"text_fr"`
	Kind       Kind                 `json:"kind"`
	Answered   Cell                 `json:"answered"`
	AnsweredBy map[Stakeholder]Cell `json:"answered_by"`
	Options    []SummaryOption      `json:"options,omitempty"`
	Other      *Cell                `json:"other,omitempty"`
	OtherBy    map[Stakeholder]Cell `json:"other_by,omitempty"`
}

// optionsAdd reports whether every answer to a question of kind k counts
// in exactly one option's row (or "other"), so that the option rows add
// up, column by column, to the answered row. A ranking's rows count first
// places.
func optionsAdd(k Kind) bool {
	return k == Single || k == YesNo || k == Likert || k == Ranking
}

// PublishedResponse is a response its respondent agreed to publish, with
// their name only if they chose so, and redactions applied.
type PublishedResponse struct {
	Reference string `json:"reference"`
	// By is the organisation's name, or the person's, for a named
	// publication; empty for an anonymous one.
	By          string           `json:"by,omitempty"`
	Stakeholder Stakeholder      `json:"stakeholder,omitempty"`
	Answers     map[int64]string `json:"answers"`
}

// Summary is what the published summary page and the summary API show.
type Summary struct {
	Consultation  Consultation         `json:"-"`
	Sections      []Section            `json:"-"`
	Total         Cell                 `json:"total"`
	Withdrawn     int                  `json:"withdrawn"`
	ByStakeholder map[Stakeholder]Cell `json:"by_stakeholder"`
	Questions     []SummaryQuestion    `json:"questions"`
	Published     []PublishedResponse  `json:"published_responses"`
	// Campaigns are the confirmed campaigns, each one representative
	// answer with its signatures; their members' answers are left out of
	// Published (see publishedCampaigns).
	Campaigns []PublishedCampaign `json:"campaigns"`
}

// sameCounts reports whether two rows of counts by stakeholder type are
// equal.
func sameCounts(total int, parts map[Stakeholder]int, total2 int, parts2 map[Stakeholder]int) bool {
	if total != total2 {
		return false
	}
	for _, k := range Stakeholders {
		if parts[k] != parts2[k] {
			return false
		}
	}
	return true
}

// summaryQuestion suppresses one question's table: the option rows,
// "other", then the answered row. For a multiple choice only the rows add
// up; for the other kinds the columns do too, down to the answered row.
// forcedAnswered, when not nil, names cells of the answered row to hide
// from the start; the answered row's hidden cells are returned.
func summaryQuestion(st QuestionStat, forcedAnswered []bool) (SummaryQuestion, []bool) {
	sq := SummaryQuestion{Question: st.Q, ID: st.Q.ID, TextEN: st.Q.TextEN, TextFR: st.Q.TextFR, Kind: st.Q.Kind}
	var totals []int
	var parts []map[Stakeholder]int
	for _, o := range st.Options {
		totals, parts = append(totals, o.N), append(parts, o.ByStakeholder)
	}
	if st.Q.AllowOther {
		totals, parts = append(totals, st.Other), append(parts, st.OtherByStakeholder)
	}
	totals, parts = append(totals, st.Answered), append(parts, st.AnsweredBy)
	forced := make([][]bool, len(totals))
	forced[len(totals)-1] = forcedAnswered
	all, by, hidden := suppressByStakeholder(totals, parts, optionsAdd(st.Q.Kind), forced)
	for i, o := range st.Options {
		sq.Options = append(sq.Options, SummaryOption{Option: o.Option, All: all[i], ByStakeholder: by[i]})
	}
	if st.Q.AllowOther {
		i := len(st.Options)
		sq.Other, sq.OtherBy = &all[i], by[i]
	}
	sq.Answered, sq.AnsweredBy = all[len(all)-1], by[len(by)-1]
	return sq, hidden[len(hidden)-1]
}

// Summary returns the published summary of a consultation: open to anyone
// once it is published, and to the secretariat before, to check it.
// Counts under SmallCell are suppressed; published responses honour each
// respondent's choice (named, anonymous, or not at all) and redactions.
// An anonymous response shows its stakeholder type only when that type
// has at least SmallCell respondents.
func (s *Service) Summary(ctx context.Context, actor auth.Actor, id int64) (Summary, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return Summary{}, err
	}
	if c.Status != Published && !canManage(actor) {
		return Summary{}, pallmall.ErrNotFound
	}
	d, err := analyse(ctx, s.DB, id)
	if err != nil {
		return Summary{}, err
	}
	qn, err := loadQuestionnaire(ctx, s.DB, id)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Consultation: c, Sections: qn.Sections, Withdrawn: d.Counts.Withdrawn}
	kinds := map[Stakeholder]int{}
	for _, b := range d.ByStakeholder {
		kinds[Stakeholder(b.Key)] = b.N
	}
	// The "who responded" row and the questions' tables are suppressed
	// together where they repeat each other: a question everyone answered
	// has an answered row equal to the who row, and a cell hidden in one
	// but shown in the other would give it away. Such rows share their
	// hidden cells; hidden cells only grow, so this settles.
	whoForced := make([]bool, len(Stakeholders)+1)
	for {
		all, by, hidden := suppressByStakeholder([]int{d.Counts.Submitted}, []map[Stakeholder]int{kinds}, false, [][]bool{whoForced})
		sum.Total, sum.ByStakeholder, sum.Questions = all[0], by[0], nil
		grown := false
		for _, st := range d.Questions {
			var forced []bool
			same := sameCounts(st.Answered, st.AnsweredBy, d.Counts.Submitted, kinds)
			if same {
				forced = hidden[0]
			}
			sq, answered := summaryQuestion(st, forced)
			sum.Questions = append(sum.Questions, sq)
			for j := range answered {
				if same && answered[j] && !hidden[0][j] {
					whoForced[j], grown = true, true
				}
			}
		}
		if !grown {
			break
		}
	}
	redactions, err := loadRedactions(ctx, s.DB, id)
	if err != nil {
		return Summary{}, err
	}
	campaigns, covered, err := publishedCampaigns(ctx, s.DB, id)
	if err != nil {
		return Summary{}, err
	}
	sum.Campaigns = campaigns
	err = eachSubmitted(ctx, s.DB, s.keys(), id, FullIdentity, func(r *Submitted) error {
		if r.Consent.Publish != PublishNamed && r.Consent.Publish != PublishAnonymous {
			return nil
		}
		p := PublishedResponse{Reference: r.Reference, Answers: map[int64]string{}}
		if r.Consent.Publish == PublishNamed {
			p.By, p.Stakeholder = r.Name, r.Stakeholder
			if r.OrganisationName != "" {
				p.By = r.OrganisationName
			}
		} else if kinds[r.Stakeholder] >= SmallCell {
			p.Stakeholder = r.Stakeholder
		}
		signed := false
		for _, q := range qn.Questions() {
			a, ok := r.Answers[q.ID]
			if covered[answerKey{r.ID, q.ID}] {
				signed = true
				continue // counted among the campaign's signatures
			}
			if !ok || a.File != nil {
				continue // attachments are not published
			}
			a = redact(a, redactions[answerKey{r.ID, q.ID}])
			if t := answerExportText(q, a); t != "" {
				p.Answers[q.ID] = t
			}
		}
		if signed && len(p.Answers) == 0 {
			return nil // nothing of their own beyond a campaign's text
		}
		sum.Published = append(sum.Published, p)
		return nil
	})
	return sum, err
}

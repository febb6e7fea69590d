package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/deliberate/analysis"
)

// The opinion map is drawn on the server as SVG: participants as density
// cells, each group's outline (convex hull) with its label, and the
// viewer's own position. The same facts are given as text and a table.
const (
	mapWidth, mapHeight = 600.0, 400.0
	mapPad              = 24.0
	mapCols, mapRows    = 30, 20
)

// Outline colours of groups A, B, C, ... from the palette (chart series,
// then link and error colours); each group also has its own dash pattern
// so the outlines differ without colour.
var (
	groupStroke = []string{"#0a6b6b", "#b06a00", "#12284c", "#6a3d8f", "#b92d1f"}
	groupDash   = []string{"", "8 4", "2 4", "12 4 2 4", "4 4"}
)

type mapCell struct {
	X, Y, W, H float64
	Opacity    string
}

type mapGroup struct {
	Label, Stroke, Dash string
	Points              string // polygon points, empty for fewer than 3 members
	LX, LY              float64
	Size                int
	Percent             int
}

type opinionMap struct {
	Width, Height float64
	Cells         []mapCell
	Groups        []mapGroup
	You           *[2]float64
	Placed        int
}

// buildMap lays out the participants in the conversation.
func buildMap(res analysis.Result, you *analysis.Participant) *opinionMap {
	var pts []analysis.Participant
	for _, p := range res.Participants {
		if p.InConversation {
			pts = append(pts, p)
		}
	}
	m := &opinionMap{Width: mapWidth, Height: mapHeight, Placed: len(pts)}
	if len(pts) == 0 {
		return m
	}
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	if maxX-minX < 1e-9 {
		minX, maxX = minX-1, maxX+1
	}
	if maxY-minY < 1e-9 {
		minY, maxY = minY-1, maxY+1
	}
	sx := func(x float64) float64 { return mapPad + (x-minX)/(maxX-minX)*(mapWidth-2*mapPad) }
	// SVG y grows downwards; the second component grows upwards.
	sy := func(y float64) float64 { return mapHeight - mapPad - (y-minY)/(maxY-minY)*(mapHeight-2*mapPad) }
	counts := make([]int, mapCols*mapRows)
	most := 0
	cw, ch := (mapWidth-2*mapPad)/mapCols, (mapHeight-2*mapPad)/mapRows
	for _, p := range pts {
		c := min(int((sx(p.X)-mapPad)/cw), mapCols-1)
		r := min(int((sy(p.Y)-mapPad)/ch), mapRows-1)
		counts[r*mapCols+c]++
		most = max(most, counts[r*mapCols+c])
	}
	for i, n := range counts {
		if n == 0 {
			continue
		}
		m.Cells = append(m.Cells, mapCell{X: mapPad + float64(i%mapCols)*cw, Y: mapPad + float64(i/mapCols)*ch, W: cw, H: ch,
			Opacity: fmt.Sprintf("%.2f", 0.15+0.75*float64(n)/float64(most))})
	}
	members := map[int][][2]float64{}
	for _, p := range pts {
		members[p.Group] = append(members[p.Group], [2]float64{sx(p.X), sy(p.Y)})
	}
	for _, g := range res.Groups {
		mg := mapGroup{Label: deliberate.GroupLabel(g.ID), Stroke: groupStroke[g.ID%len(groupStroke)], Dash: groupDash[g.ID%len(groupDash)],
			Size: g.Size, LX: sx(g.Center[0]), LY: sy(g.Center[1])}
		if len(pts) > 0 {
			mg.Percent = int(math.Round(100 * float64(g.Size) / float64(len(pts))))
		}
		if hull := convexHull(members[g.ID]); len(hull) >= 3 {
			var b strings.Builder
			for _, q := range hull {
				fmt.Fprintf(&b, "%.1f,%.1f ", q[0], q[1])
			}
			mg.Points = strings.TrimSpace(b.String())
		}
		m.Groups = append(m.Groups, mg)
	}
	if you != nil && you.InConversation {
		m.You = &[2]float64{sx(you.X), sy(you.Y)}
	}
	return m
}

// convexHull returns the hull of pts counter-clockwise (Andrew's monotone
// chain).
func convexHull(pts [][2]float64) [][2]float64 {
	p := append([][2]float64(nil), pts...)
	sort.Slice(p, func(i, j int) bool { return p[i][0] < p[j][0] || (p[i][0] == p[j][0] && p[i][1] < p[j][1]) })
	if len(p) < 3 {
		return p
	}
	cross := func(o, a, b [2]float64) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	var h [][2]float64
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lower := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], p[i]) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p[i])
	}
	return h[:len(h)-1]
}

type reportItem struct {
	ID        int64
	Text      string
	Lang      string
	Direction string
	Percent   int    // smoothed agree (or disagree) share, in %
	Figure    string // a score shown beside it
	YourVote  string // the viewer's vote, on their own group's statements
}

type reportGroup struct {
	Label   string
	Size    int
	Percent int
	Items   []reportItem
}

type communityRow struct {
	Item   reportItem
	Shares []communityShare
}

type communityShare struct {
	Percent int
	Votes   int
}

type delibReportData struct {
	D            deliberate.Deliberation
	Analysed     bool
	A            deliberate.Analysis
	Placed       int
	Map          *opinionMap
	Groups       []reportGroup
	Agree        []reportItem
	Disagree     []reportItem
	Bridging     []reportItem
	GIC          []reportItem
	Communities  []string
	CommunityRow []communityRow
	Joined       bool
	YouPlaced    bool
	YouGroup     string
	VotesToGo    int
}

func pct(f float64) int { return int(math.Round(100 * f)) }

func (s *Server) delibReport(w http.ResponseWriter, r *http.Request) error {
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := delibReportData{D: d}
	a, _, sts, err := s.delibExport(r, d)
	switch {
	case errors.Is(err, pallmall.ErrNotFound):
		return s.render(w, r, http.StatusOK, "deliberate-report", "deliberate.report.title", nil, data)
	case err != nil:
		return err
	}
	data.Analysed, data.A, data.Placed = true, a, a.InConversation()
	byID := map[int64]deliberate.Statement{}
	for _, st := range sts {
		byID[st.ID] = st
	}
	item := func(id int) reportItem {
		st := byID[int64(id)]
		return reportItem{ID: st.ID, Text: st.Text(lang), Lang: st.TextLang(lang)}
	}
	var you *analysis.Participant
	yourVotes := map[int64]deliberate.Value{}
	if p, token, err := s.participant(r, d); err == nil {
		data.Joined = true
		pr, err := s.deliberations().Progress(r.Context(), d.ID, token)
		if err != nil {
			return err
		}
		yourVotes = pr.Votes
		if pos, ok := a.Position(p.ID); ok && pos.InConversation {
			you = &pos
			data.YouPlaced, data.YouGroup = true, deliberate.GroupLabel(pos.Group)
		} else {
			data.VotesToGo = max(0, min(7, pr.Statements)-pr.Voted)
		}
	}
	data.Map = buildMap(a.Result, you)
	for _, g := range a.Result.Groups {
		rg := reportGroup{Label: deliberate.GroupLabel(g.ID), Size: g.Size}
		if data.Placed > 0 {
			rg.Percent = pct(float64(g.Size) / float64(data.Placed))
		}
		for _, rep := range g.Representative {
			it := item(rep.Statement)
			it.Direction, it.Percent, it.Figure = string(rep.Direction), pct(rep.Share), fmt.Sprintf("%.1f", rep.Z)
			if v, ok := yourVotes[it.ID]; ok && rg.Label == data.YouGroup {
				it.YourVote = v.String()
			}
			rg.Items = append(rg.Items, it)
		}
		data.Groups = append(data.Groups, rg)
	}
	for _, c := range a.Result.Consensus.Agree {
		it := item(c.Statement)
		it.Percent = pct(c.Share)
		data.Agree = append(data.Agree, it)
	}
	for _, c := range a.Result.Consensus.Disagree {
		it := item(c.Statement)
		it.Percent = pct(c.Share)
		data.Disagree = append(data.Disagree, it)
	}
	for _, st := range a.Bridging(5, 3) {
		it := item(st.ID)
		it.Percent = pct(float64(st.Agrees+1) / float64(st.Agrees+st.Disagrees+st.Passes+2))
		it.Figure = fmt.Sprintf("%.2f", st.Bridging)
		data.Bridging = append(data.Bridging, it)
	}
	for _, st := range a.TopBy(5, func(st analysis.Statement) float64 { return st.GroupInformedConsensus }) {
		it := item(st.ID)
		it.Figure = fmt.Sprintf("%.2f", st.GroupInformedConsensus)
		data.GIC = append(data.GIC, it)
	}
	data.Communities = a.Result.Communities
	if len(data.Communities) > 0 {
		for _, st := range a.TopBy(10, func(st analysis.Statement) float64 { return st.CommunityConsensus }) {
			it := item(st.ID)
			it.Figure = fmt.Sprintf("%.2f", st.CommunityConsensus)
			row := communityRow{Item: it}
			for _, k := range data.Communities {
				t := a.Communities[st.ID][k]
				row.Shares = append(row.Shares, communityShare{Percent: pct(t.AgreeShare()), Votes: t.Votes})
			}
			data.CommunityRow = append(data.CommunityRow, row)
		}
	}
	return s.render(w, r, http.StatusOK, "deliberate-report", "deliberate.report.title", nil, data)
}

package web

import (
	"math"
	"strconv"

	"github.com/pallmall/pallmall/register"
)

// The register's drawings are computed here and written by the templates
// as plain SVG: no script, no style attributes, classes from web/assets.

// regNetwork is an entity's or person's relationships drawn as a network:
// the record in the middle, the records it is related to around it. The
// same relationships are listed in a table beside it.
type regNetwork struct {
	Center regNode
	Nodes  []regNode
	Edges  []regEdge
	// Rows are the relationships for the table, all of them.
	Rows []regNetRow
	// Hidden counts neighbours left out of the drawing (it shows at most
	// regMaxNetworkNodes); the table has them all.
	Hidden int
}

type regNode struct {
	ID          int64
	Name, Label string // Label is Name shortened for the drawing
	Kind        register.Kind
	X, Y        int
	LabelY      int
}

type regEdge struct {
	X1, Y1, X2, Y2 int
	Relation       string // message key of the link, for the line's title
	Dashed         bool   // past relationships (with an end date)
}

// regNetRow is one relationship: From relation To, with dates and a link
// to the relationship's own record and sources.
type regNetRow struct {
	RecordID     int64 // the relationship's own record, if it is one
	From, To     regNode
	Relation     string // message key
	Share        string
	Start, End   string
	Confidence   register.Confidence
	OtherIsFirst bool
}

const (
	regMaxNetworkNodes = 16
	regNetWidth        = 800
	regNetHeight       = 440
)

// regBuildNetwork lays out rec's relationships, its predecessor and
// successor, and the other records linked to it (products, customers,
// incidents...). names holds the records the relationships point to.
func regBuildNetwork(rec register.Record, rels, others []register.Record, names map[int64]register.Record) *regNetwork {
	n := &regNetwork{Center: regNodeOf(rec.ID, rec.Name, rec.Kind)}
	index := map[int64]int{}
	add := func(id int64) (regNode, bool) {
		other, ok := names[id]
		if !ok {
			return regNode{}, false
		}
		if i, seen := index[id]; seen {
			return n.Nodes[i], true
		}
		if len(n.Nodes) >= regMaxNetworkNodes {
			n.Hidden++
			return regNodeOf(other.ID, other.Name, other.Kind), false
		}
		index[id] = len(n.Nodes)
		n.Nodes = append(n.Nodes, regNodeOf(other.ID, other.Name, other.Kind))
		return n.Nodes[len(n.Nodes)-1], true
	}
	type link struct {
		other    int64
		relation string
		dashed   bool
	}
	var links []link
	for _, r := range rels {
		from, to := r.RefOf("from"), r.RefOf("to")
		row := regNetRow{RecordID: r.ID, Relation: "register.choice." + r.Get("relation"), Share: r.Get("share"), Start: r.Get("start"), End: r.Get("end"), Confidence: r.Confidence}
		other := to
		if to == rec.ID {
			other = from
		}
		o, ok := names[other]
		if !ok {
			continue
		}
		if from == rec.ID {
			row.From, row.To = n.Center, regNodeOf(o.ID, o.Name, o.Kind)
		} else {
			row.From, row.To = regNodeOf(o.ID, o.Name, o.Kind), n.Center
		}
		n.Rows = append(n.Rows, row)
		links = append(links, link{other: other, relation: row.Relation, dashed: row.End != ""})
	}
	for _, f := range []string{"predecessor", "successor"} {
		if id := rec.RefOf(f); id != 0 {
			if o, ok := names[id]; ok {
				links = append(links, link{other: id, relation: "register.choice." + f})
				row := regNetRow{Relation: "register.choice." + f, From: regNodeOf(o.ID, o.Name, o.Kind), To: n.Center, Confidence: rec.Confidence}
				n.Rows = append(n.Rows, row)
			}
		}
	}
	for _, o := range others {
		names[o.ID] = o
		key := "register.link." + string(o.Kind)
		if o.Kind == register.Entity {
			// An entity linked to this one names it as its predecessor or
			// successor; skip it if this record names it already.
			if rec.RefOf("predecessor") == o.ID || rec.RefOf("successor") == o.ID {
				continue
			}
			key = "register.choice.successor"
			if o.RefOf("successor") == rec.ID {
				key = "register.choice.predecessor"
			}
		}
		n.Rows = append(n.Rows, regNetRow{From: regNodeOf(o.ID, o.Name, o.Kind), Relation: key, To: n.Center, Confidence: o.Confidence,
			Start: o.Get(regStartField[o.Kind])})
		links = append(links, link{other: o.ID, relation: key})
	}
	for _, l := range links {
		add(l.other)
	}
	// Place the record in the middle and the others on an ellipse.
	cx, cy := regNetWidth/2, regNetHeight/2-10
	n.Center.X, n.Center.Y, n.Center.LabelY = cx, cy, cy+38
	for i := range n.Nodes {
		a := 2*math.Pi*float64(i)/float64(len(n.Nodes)) - math.Pi/2
		n.Nodes[i].X = cx + int(math.Round(280*math.Cos(a)))
		n.Nodes[i].Y = cy + int(math.Round(150*math.Sin(a)))
		n.Nodes[i].LabelY = n.Nodes[i].Y + 32
	}
	for _, l := range links {
		i, ok := index[l.other]
		if !ok {
			continue
		}
		o := n.Nodes[i]
		n.Edges = append(n.Edges, regEdge{X1: cx, Y1: cy, X2: o.X, Y2: o.Y, Relation: l.relation, Dashed: l.dashed})
	}
	return n
}

// regStartField names the date shown for a linked record in the table.
var regStartField = map[register.Kind]string{
	register.Product: "first_seen", register.Customer: "start", register.Export: "decided",
	register.Incident: "first_activity", register.Assessment: "assessed",
}

func regNodeOf(id int64, name string, kind register.Kind) regNode {
	label := name
	if r := []rune(label); len(r) > 24 {
		label = string(r[:23]) + "…"
	}
	return regNode{ID: id, Name: name, Label: label, Kind: kind}
}

// regChart is a horizontal bar chart drawn the pm-chart way: no viewBox,
// bar widths in percent, rows 40px apart.
type regChart struct {
	Height int
	Bars   []regBar
}

type regBar struct {
	Label         string
	N             int
	Href          string
	LabelY, BarY  int
	ValueY        int
	Width, ValueX string
	Class         string
}

// regBarChart lays out counts; label turns a count's label into words.
func regBarChart(counts []register.Count, label func(string) string) regChart {
	maxN := 0
	for _, c := range counts {
		maxN = max(maxN, c.N)
	}
	var ch regChart
	for i, c := range counts {
		y := i * 44
		pct := 0.0
		if maxN > 0 {
			pct = 85 * float64(c.N) / float64(maxN)
		}
		ch.Bars = append(ch.Bars, regBar{
			Label: label(c.Label), N: c.N, Href: regQuery(c.Filter),
			LabelY: y + 16, BarY: y + 24, ValueY: y + 36,
			Width: strconv.FormatFloat(pct, 'f', 1, 64) + "%", ValueX: strconv.FormatFloat(pct+1, 'f', 1, 64) + "%",
		})
	}
	ch.Height = len(counts)*44 + 4
	return ch
}

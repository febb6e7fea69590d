package web

import (
	"fmt"
	"strconv"

	"github.com/pallmall/pallmall/consult"
)

// barChart is a horizontal bar chart drawn as server-side SVG (see
// web/assets/README.md, pm-chart): each row has a label and one bar per
// series. The same figures are always given in a table beside it.
type barChart struct {
	ID     string
	Title  string
	Height int
	Key    []string // series names, when more than one
	Rows   []barRow
	Axis   string // x of a centre line, for diverging bars
}

type barRow struct {
	Label  string
	LabelY int
	Bars   []bar
}

type bar struct {
	Class  string
	Y      int
	X      string
	Width  string
	ValueX string
	Value  string
	Inside bool
}

func pctString(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) + "%" }

// percent returns n as a whole percentage of base, for tables.
func percent(n, base int) string {
	if base == 0 {
		return "–"
	}
	return strconv.Itoa(int(float64(n)*100/float64(base)+0.5)) + "%"
}

// newBarChart draws rows of values. scale is the value drawn at full
// width (the largest value, or the base of percentages).
func newBarChart(id, title string, labels []string, series [][]int, scale int, format func(n int) string) barChart {
	c := barChart{ID: id, Title: title}
	y := 0
	for i, label := range labels {
		row := barRow{Label: label, LabelY: y + 16}
		y += 24
		for s := range series {
			n := series[s][i]
			w := 0.0
			if scale > 0 {
				w = float64(n) * 100 / float64(scale)
			}
			b := bar{Class: "pm-chart__bar", Y: y, X: "0", Width: pctString(w), Value: format(n)}
			if s > 0 {
				b.Class += fmt.Sprintf(" pm-chart__bar--%d", s+1)
			}
			if w > 80 {
				b.Inside, b.ValueX = true, pctString(w)
			} else {
				b.ValueX = pctString(w + 1)
			}
			row.Bars = append(row.Bars, b)
			y += 16
		}
		c.Rows = append(c.Rows, row)
		y += 10
	}
	c.Height = y
	return c
}

// likertChart draws diverging bars: the negative side to the left of a
// centre line, the positive side to the right, the neutral middle
// straddling it; 100% of a row spans half the width.
func likertChart(id, title string, labels []string, counts [][]int, bases []int) barChart {
	c := barChart{ID: id, Title: title, Axis: "50%"}
	y := 0
	for i, label := range labels {
		row := barRow{Label: label, LabelY: y + 16}
		y += 24
		neg, neu, pos := consult.LikertSplit(len(counts[i]))
		sum := func(idx []int) float64 {
			t := 0
			for _, j := range idx {
				t += counts[i][j]
			}
			if bases[i] == 0 {
				return 0
			}
			return float64(t) * 100 / float64(bases[i])
		}
		n, m, p := sum(neg), sum(neu), sum(pos)
		left := 50 - (n+m/2)/2
		row.Bars = append(row.Bars,
			bar{Class: "pm-chart__bar pm-chart__bar--2", Y: y, X: pctString(left), Width: pctString(n / 2), ValueX: pctString(left - 1), Value: ""},
			bar{Class: "pm-chart__bar pm-chart__bar--3", Y: y, X: pctString(50 - m/4), Width: pctString(m / 2)},
			bar{Class: "pm-chart__bar", Y: y, X: pctString(50 + m/4), Width: pctString(p / 2), ValueX: pctString(50 + m/4 + p/2 + 1), Value: fmt.Sprintf("%d%% | %d%%", int(n+0.5), int(p+0.5))},
		)
		y += 26
		c.Rows = append(c.Rows, row)
	}
	c.Height = y
	return c
}

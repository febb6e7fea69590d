package web

import (
	"math"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/deliberate/analysis"
)

func TestConvexHull(t *testing.T) {
	tests := []struct {
		name string
		pts  [][2]float64
		want int
	}{
		{"empty", nil, 0},
		{"one", [][2]float64{{1, 1}}, 1},
		{"square with inner points", [][2]float64{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {1, 1}, {0.5, 1.5}}, 4},
		{"collinear", [][2]float64{{0, 0}, {1, 1}, {2, 2}}, 2},
		{"duplicates", [][2]float64{{0, 0}, {0, 0}, {3, 0}, {0, 3}, {3, 0}}, 3},
	}
	for _, tc := range tests {
		if got := convexHull(tc.pts); len(got) != tc.want {
			t.Errorf("%s: convexHull = %v (%d points), want %d points", tc.name, got, len(got), tc.want)
		}
	}
}

func TestBuildMap(t *testing.T) {
	res := analysis.Result{
		Participants: []analysis.Participant{
			{ID: 1, InConversation: true, Group: 0, X: -1, Y: 0},
			{ID: 2, InConversation: true, Group: 0, X: -1.2, Y: 0.3},
			{ID: 3, InConversation: true, Group: 0, X: -0.8, Y: -0.2},
			{ID: 4, InConversation: true, Group: 1, X: 1, Y: 0},
			{ID: 5, InConversation: false, Group: -1, X: 9, Y: 9},
		},
		Groups: []analysis.Group{{ID: 0, Size: 3, Center: [2]float64{-1, 0.03}}, {ID: 1, Size: 1, Center: [2]float64{1, 0}}},
	}
	you := res.Participants[3]
	m := buildMap(res, &you)
	if m.Placed != 4 {
		t.Errorf("Placed = %d, want 4 (participant out of the conversation left off)", m.Placed)
	}
	if len(m.Groups) != 2 || m.Groups[0].Label != "A" || m.Groups[0].Points == "" || m.Groups[1].Points != "" {
		t.Errorf("groups = %+v, want A outlined (3 members) and B as a label only", m.Groups)
	}
	if m.You == nil || m.You[0] < mapWidth-mapPad-1 {
		t.Errorf("You = %v, want the right-most point", m.You)
	}
	cells := 0
	for _, c := range m.Cells {
		for _, v := range []float64{c.X, c.Y, c.W, c.H} {
			if math.IsNaN(v) || v < 0 || v > mapWidth {
				t.Errorf("cell %+v out of bounds", c)
			}
		}
		if strings.Contains(c.Opacity, "NaN") {
			t.Errorf("cell opacity %q", c.Opacity)
		}
		cells++
	}
	if cells == 0 {
		t.Errorf("no density cells")
	}
	// One participant, identical positions: no division by zero.
	one := buildMap(analysis.Result{Participants: []analysis.Participant{{ID: 1, InConversation: true}}, Groups: []analysis.Group{{ID: 0, Size: 1}}}, nil)
	if len(one.Cells) != 1 || one.You != nil || math.IsNaN(one.Groups[0].LX) {
		t.Errorf("single participant map = %+v", one)
	}
}

package consult

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// randomTable returns rows×cols counts, many of them small or zero, with
// row totals and, when columnsAdd, a row of column totals.
func randomTable(r *rand.Rand, rows, cols int, columnsAdd bool) [][]int {
	var n [][]int
	for i := 0; i < rows; i++ {
		row := make([]int, cols+1)
		for j := 0; j < cols; j++ {
			switch r.IntN(4) {
			case 0:
				row[j] = 0
			case 1:
				row[j] = 1 + r.IntN(SmallCell-1)
			default:
				row[j] = r.IntN(40)
			}
			row[cols] += row[j]
		}
		n = append(n, row)
	}
	if columnsAdd {
		sums := make([]int, cols+1)
		for _, row := range n {
			for j, v := range row {
				sums[j] += v
			}
		}
		n = append(n, sums)
	}
	return n
}

// TestSuppressTableProperty checks, over random tables, that every small
// count is suppressed and that no suppressed cell can be worked out by
// subtraction: every row (and every column, when columns add up) that
// holds a suppressed cell holds at least one other.
func TestSuppressTableProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 11))
	for trial := 0; trial < 5000; trial++ {
		columnsAdd := trial%2 == 0
		n := randomTable(r, 1+r.IntN(7), 1+r.IntN(6), columnsAdd)
		hidden := suppressTable(n, columnsAdd, nil)
		desc := fmt.Sprintf("table %v (columns add: %v), hidden %v", n, columnsAdd, hidden)
		for i, row := range n {
			for j, v := range row {
				if v > 0 && v < SmallCell && !hidden[i][j] {
					t.Fatalf("%s: small count %d at (%d,%d) is shown", desc, v, i, j)
				}
			}
		}
		check := func(what string, cells [][2]int) {
			count := 0
			for _, c := range cells {
				if hidden[c[0]][c[1]] {
					count++
				}
			}
			if count == 1 {
				t.Fatalf("%s: %s has a single suppressed cell, which its published cells give away", desc, what)
			}
		}
		for i, row := range n {
			var cells [][2]int
			for j := range row {
				cells = append(cells, [2]int{i, j})
			}
			check(fmt.Sprintf("row %d", i), cells)
		}
		if columnsAdd {
			for j := range n[0] {
				var cells [][2]int
				for i := range n {
					cells = append(cells, [2]int{i, j})
				}
				check(fmt.Sprintf("column %d", j), cells)
			}
		}
	}
}

// TestSuppressTableColumns is the case the row-only suppression missed: a
// small cell whose row was protected but whose column gave it away.
func TestSuppressTableColumns(t *testing.T) {
	n := [][]int{
		{2, 10, 12},
		{20, 30, 50},
		{22, 40, 62},
	}
	hidden := suppressTable(n, true, nil)
	// Row 0 hides (0,0) and (0,1); column 0 then needs (1,0) hidden, and
	// row 1 and column 1 then hold two suppressed cells each.
	want := [][]bool{{true, true, false}, {true, true, false}, {false, false, false}}
	if fmt.Sprint(hidden) != fmt.Sprint(want) {
		t.Errorf("suppressTable(%v) = %v, want %v", n, hidden, want)
	}
}

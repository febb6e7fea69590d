package campaign

import "strings"

// Diff returns the word-level differences that turn a into b, from a
// longest common subsequence of their words.
func Diff(a, b string) []Edit {
	x, y := strings.Fields(a), strings.Fields(b)
	// Texts are answers of at most a few thousand words; the table is
	// bounded so a pathological pair cannot take the memory.
	if len(x)*len(y) > 4_000_000 {
		return []Edit{{'-', a}, {'+', b}}
	}
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Edit
	add := func(op byte, w string) {
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += " " + w
			return
		}
		out = append(out, Edit{op, w})
	}
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			add('=', x[i])
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			add('-', x[i])
			i++
		default:
			add('+', y[j])
			j++
		}
	}
	for ; i < len(x); i++ {
		add('-', x[i])
	}
	for ; j < len(y); j++ {
		add('+', y[j])
	}
	return out
}

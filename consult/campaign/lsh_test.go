package campaign

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLinkSameOnAnyNumberOfWorkers checks that sharing the bands among
// workers, each with its own union-find, gives the partition one worker
// gives.
func TestLinkSameOnAnyNumberOfWorkers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	word := func() string { return fmt.Sprintf("w%d", int(3000*r.Float64()*r.Float64())) }
	var templates [][]string
	for range 40 {
		var ws []string
		for range 30 + r.IntN(30) {
			ws = append(ws, word())
		}
		templates = append(templates, ws)
	}
	store := newSketchStore()
	add := func(text string) {
		n := store.len()
		store.grow(n + 1)
		store.set(n, appendNormal(nil, text))
	}
	for i := range 6000 {
		var ws []string
		if i%2 == 0 {
			ws = append(ws, templates[r.IntN(len(templates))]...)
			for range len(ws) / 5 {
				ws[r.IntN(len(ws))] = word()
			}
		} else {
			for range 10 + r.IntN(60) {
				ws = append(ws, word())
			}
		}
		add(strings.Join(ws, " "))
	}
	one := linkBands(store, minAgree(0.4), 1)
	joined := 0
	for i := range store.len() {
		if one.find(i) != i {
			joined++
		}
	}
	if joined < 2500 {
		t.Fatalf("only %d texts joined another; the test needs near-duplicates", joined)
	}
	for _, workers := range []int{2, 3, 32, 64} {
		got := linkBands(store, minAgree(0.4), workers)
		for i := range store.len() {
			// Roots are the smallest member of each part, so equal
			// partitions have equal roots.
			if got.find(i) != one.find(i) {
				t.Fatalf("%d workers: text %d in part %d, want %d", workers, i, got.find(i), one.find(i))
			}
		}
	}
}

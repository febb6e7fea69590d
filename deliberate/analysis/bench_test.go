package analysis

import (
	"fmt"
	"testing"
)

// Benchmark sizes: participants × statements, votes per participant.
var benchSizes = []struct {
	name         string
	nP, nS, perP int
	dense        bool // also run the dense baseline (memory nP×nS×8 bytes)
}{
	{"100k", 2000, 1000, 50, true},
	{"1M", 20000, 10000, 50, false},
	{"10M", 200000, 10000, 50, false},
}

// BenchmarkAnalyse runs the whole pipeline on planted conversations.
func BenchmarkAnalyse(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			votes, _ := planted(s.nP, s.nS, s.perP, 3, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := Analyse(Input{Votes: votes}, Options{}, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(votes)), "votes")
		})
	}
}

// BenchmarkPCA times the sparse PCA alone (matrix build included) and,
// where memory allows, the naive dense baseline on the same data, so the
// two can be reported as a ratio measured in the same run.
func BenchmarkPCA(b *testing.B) {
	for _, s := range benchSizes[:2] {
		votes, _ := planted(s.nP, s.nS, s.perP, 3, 1)
		b.Run(fmt.Sprintf("sparse/%s", s.name), func(b *testing.B) {
			for b.Loop() {
				m := buildMatrix(votes, nil)
				computePCA(m, Options{}.withDefaults(), nil)
			}
		})
		if s.dense {
			b.Run(fmt.Sprintf("dense/%s", s.name), func(b *testing.B) {
				for b.Loop() {
					densePCA(votes, s.nP, s.nS, 100)
				}
			})
		}
	}
}

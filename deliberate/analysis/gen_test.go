package analysis

import (
	"math"
	"math/rand/v2"
)

// planted generates a conversation of nP participants and nS statements
// in which participants belong to nG opinion groups: on each statement
// each group has its own probability of agreeing, and a tenth of the
// statements are agreed by everyone (bridging statements). Every
// participant votes on perP random statements.
func planted(nP, nS, perP, nG int, seed uint64) (votes []Vote, group []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	pAgree := make([]float64, nG*nS)
	for j := 0; j < nS; j++ {
		bridge := j%10 == 0
		for g := 0; g < nG; g++ {
			p := 0.1
			if bridge || rng.IntN(nG) == g {
				p = 0.9
			}
			pAgree[g*nS+j] = p
		}
	}
	group = make([]int, nP)
	votes = make([]Vote, 0, nP*perP)
	for i := 0; i < nP; i++ {
		g := i % nG
		group[i] = g
		for range perP {
			j := rng.IntN(nS)
			v := int8(Disagree)
			switch r := rng.Float64(); {
			case r < 0.1:
				v = Pass
			case r < 0.1+0.9*pAgree[g*nS+j]:
				v = Agree
			}
			votes = append(votes, Vote{Participant: i, Statement: j, Value: v})
		}
	}
	return votes, group
}

// densePCA is the naive baseline: Pol.is's algorithm on a dense
// participants × statements matrix (missing votes imputed with the
// column mean), power iteration with deflation, one component at a time.
func densePCA(votes []Vote, nP, nS, iters int) [2][]float64 {
	x := make([]float64, nP*nS)
	has := make([]bool, nP*nS)
	for _, v := range votes {
		x[v.Participant*nS+v.Statement] = float64(v.Value)
		has[v.Participant*nS+v.Statement] = true
	}
	for j := 0; j < nS; j++ {
		var s, n float64
		for i := 0; i < nP; i++ {
			if has[i*nS+j] {
				s += x[i*nS+j]
				n++
			}
		}
		mean := 0.0
		if n > 0 {
			mean = s / n
		}
		for i := 0; i < nP; i++ {
			if has[i*nS+j] {
				x[i*nS+j] -= mean
			} else {
				x[i*nS+j] = 0
			}
		}
	}
	var comps [2][]float64
	rng := rand.New(rand.NewPCG(7, 7))
	for c := 0; c < 2; c++ {
		v := make([]float64, nS)
		for j := range v {
			v[j] = rng.Float64()
		}
		last := 0.0
		for it := 0; it < iters; it++ {
			w := make([]float64, nS)
			for i := 0; i < nP; i++ {
				row := x[i*nS : (i+1)*nS]
				var s float64
				for j, a := range row {
					s += a * v[j]
				}
				for j, a := range row {
					w[j] += s * a
				}
			}
			var l float64
			for _, a := range w {
				l += a * a
			}
			l = math.Sqrt(l)
			for j := range w {
				v[j] = w[j] / l
			}
			if l == last {
				break
			}
			last = l
		}
		comps[c] = v
		// Deflate: remove the component from every row.
		for i := 0; i < nP; i++ {
			row := x[i*nS : (i+1)*nS]
			var s float64
			for j, a := range row {
				s += a * v[j]
			}
			for j := range row {
				row[j] -= s * v[j]
			}
		}
	}
	return comps
}

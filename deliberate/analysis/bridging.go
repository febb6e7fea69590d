package analysis

import (
	"math/rand/v2"
)

// bridging fits the Community Notes style model
//
//	rating(i, j) ≈ mu + b[i] + c[j] + f[i]·g[j]
//
// to every non-pass vote (agree = 1, disagree = 0) by alternating least
// squares, minimising the squared error plus InterceptPenalty·(Σb² + Σc²)
// plus FactorPenalty·(Σf² + Σg²). The one-dimensional factor absorbs
// agreement explained by which side of the main divide a participant is
// on; the statement intercept c[j] is what is left: agreement across the
// divide. Statement.Bridging is c[j] and Statement.BridgingFactor is g[j].
func bridging(m *matrix, opts Options, res *Result) {
	if m.nRows == 0 || m.nCols == 0 {
		return
	}
	b := make([]float64, m.nRows)
	f := make([]float64, m.nRows)
	c := make([]float64, m.nCols)
	g := make([]float64, m.nCols)
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5bd1e9955bd1e995))
	for i := range f {
		f[i] = rng.Float64()*0.2 - 0.1
	}
	for j := range g {
		g[j] = rng.Float64()*0.2 - 0.1
	}
	var mu float64
	var n int
	for _, v := range m.val {
		if v != Pass {
			n++
			if v == Agree {
				mu++
			}
		}
	}
	if n == 0 {
		return
	}
	mu /= float64(n)
	lb, lf := opts.InterceptPenalty, opts.FactorPenalty

	// fit solves the 2×2 ridge system for one side's (intercept, factor)
	// with the other side's parameters fixed.
	fit := func(ptr, idx []int32, vals []int8, otherB, otherF, outB, outF []float64) {
		parallel(len(outB), func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				var cnt, sg, sgg, se, seg float64
				for k := ptr[i]; k < ptr[i+1]; k++ {
					if vals[k] == Pass {
						continue
					}
					r := 0.0
					if vals[k] == Agree {
						r = 1
					}
					o := idx[k]
					e := r - mu - otherB[o]
					gv := otherF[o]
					cnt++
					sg += gv
					sgg += gv * gv
					se += e
					seg += e * gv
				}
				a11, a12, a22 := cnt+lb, sg, sgg+lf
				det := a11*a22 - a12*a12
				outB[i] = (a22*se - a12*seg) / det
				outF[i] = (a11*seg - a12*se) / det
			}
		})
	}
	for it := 0; it < opts.BridgingIterations; it++ {
		fit(m.rowPtr, m.col, m.val, c, g, b, f)
		fit(m.colPtr, m.row, m.cval, b, f, c, g)
		// Refit the global mean on the residuals.
		var s float64
		for j := 0; j < m.nCols; j++ {
			for k := m.colPtr[j]; k < m.colPtr[j+1]; k++ {
				v := m.cval[k]
				if v == Pass {
					continue
				}
				r := 0.0
				if v == Agree {
					r = 1
				}
				i := m.row[k]
				s += r - b[i] - c[j] - f[i]*g[j]
			}
		}
		mu = s / float64(n)
	}
	res.BridgingMean = mu
	for j := range res.Statements {
		res.Statements[j].Bridging = c[j]
		res.Statements[j].BridgingFactor = g[j]
	}
}

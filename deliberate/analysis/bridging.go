package analysis

import (
	"math"
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
// Sweeps stop early once no parameter moves by more than 1e-6.
func bridging(m *matrix, opts Options, res *Result) {
	rows := ratings(m.rowPtr, m.col, m.val)
	cols := ratings(m.colPtr, m.row, m.cval)
	n := len(rows.idx)
	if n == 0 {
		return
	}
	// Intercept and factor interleaved: bf[2i] = b[i], bf[2i+1] = f[i].
	bf := make([]float64, 2*m.nRows)
	cg := make([]float64, 2*m.nCols)
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5bd1e9955bd1e995))
	for i := 0; i < m.nRows; i++ {
		bf[2*i+1] = rng.Float64()*0.2 - 0.1
	}
	for j := 0; j < m.nCols; j++ {
		cg[2*j+1] = rng.Float64()*0.2 - 0.1
	}
	var mu float64
	for _, r := range rows.val {
		mu += r
	}
	mu /= float64(n)
	lb, lf := opts.InterceptPenalty, opts.FactorPenalty

	// fit solves the 2×2 ridge system for one side's (intercept, factor)
	// with the other side fixed. It returns the sum of residuals after
	// the fit (which refits mu without another pass) and the largest
	// parameter change.
	resid := make([]float64, chunks)
	change := make([]float64, chunks)
	fit := func(r sparseRatings, other, out []float64) (float64, float64) {
		parallel(len(out)/2, func(part, lo, hi int) {
			var rs, ch float64
			for i := lo; i < hi; i++ {
				var cnt, sg, sgg, se, seg float64
				for k := r.ptr[i]; k < r.ptr[i+1]; k++ {
					o := r.idx[k]
					e := r.val[k] - mu - other[2*o]
					gv := other[2*o+1]
					sg += gv
					sgg += gv * gv
					se += e
					seg += e * gv
				}
				cnt = float64(r.ptr[i+1] - r.ptr[i])
				a11, a12, a22 := cnt+lb, sg, sgg+lf
				det := a11*a22 - a12*a12
				b := (a22*se - a12*seg) / det
				f := (a11*seg - a12*se) / det
				ch = max(ch, math.Abs(b-out[2*i]), math.Abs(f-out[2*i+1]))
				out[2*i], out[2*i+1] = b, f
				rs += se - cnt*b - sg*f
			}
			resid[part], change[part] = rs, ch
		})
		var s, ch float64
		for p := range resid {
			s += resid[p]
			ch = max(ch, change[p])
		}
		return s, ch
	}
	for it := 0; it < opts.BridgingIterations; it++ {
		_, ch1 := fit(rows, cg, bf)
		s, ch2 := fit(cols, bf, cg)
		mu += s / float64(n)
		if max(ch1, ch2) < 1e-6 {
			break
		}
	}
	res.BridgingMean = mu
	for j := range res.Statements {
		res.Statements[j].Bridging = cg[2*j]
		res.Statements[j].BridgingFactor = cg[2*j+1]
	}
}

// sparseRatings is one compressed layout of the non-pass votes as
// ratings: agree 1, disagree 0.
type sparseRatings struct {
	ptr []int32
	idx []int32
	val []float64
}

func ratings(ptr, idx []int32, vals []int8) sparseRatings {
	n := 0
	for _, v := range vals {
		if v != Pass {
			n++
		}
	}
	r := sparseRatings{ptr: make([]int32, len(ptr)), idx: make([]int32, 0, n), val: make([]float64, 0, n)}
	for i := 0; i+1 < len(ptr); i++ {
		for k := ptr[i]; k < ptr[i+1]; k++ {
			switch vals[k] {
			case Agree:
				r.idx = append(r.idx, idx[k])
				r.val = append(r.val, 1)
			case Disagree:
				r.idx = append(r.idx, idx[k])
				r.val = append(r.val, 0)
			}
		}
		r.ptr[i+1] = int32(len(r.idx))
	}
	return r
}

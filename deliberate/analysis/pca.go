package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
)

// pca holds the column centre and the two principal components, and the
// centred value of every stored vote in CSR order.
type pca struct {
	center     []float64
	comps      [2][]float64
	centred    []float64
	iterations int
}

// inConversation marks the participants Pol.is would cluster: those who
// voted on at least min(7, statements), those in prev, and, while fewer
// than 15 are in, the most active remaining voters.
func inConversation(m *matrix, prev *State) []bool {
	in := make([]bool, m.nRows)
	need := int32(min(7, m.nCols))
	var was map[int]bool
	if prev != nil && len(prev.InConversation) > 0 {
		was = make(map[int]bool, len(prev.InConversation))
		for _, id := range prev.InConversation {
			was[id] = true
		}
	}
	n := 0
	for i := range in {
		if m.rowPtr[i+1]-m.rowPtr[i] >= need || was[m.rowIDs[i]] {
			in[i] = true
			n++
		}
	}
	const greedy = 15
	if n < greedy {
		var rest []int
		for i := range in {
			if !in[i] {
				rest = append(rest, i)
			}
		}
		slices.SortStableFunc(rest, func(a, b int) int {
			return int(m.rowPtr[b+1]-m.rowPtr[b]) - int(m.rowPtr[a+1]-m.rowPtr[a])
		})
		for _, i := range rest[:min(len(rest), greedy-n)] {
			in[i] = true
		}
	}
	return in
}

// computePCA finds the first two principal components of the vote
// matrix, centring each statement on the mean of its votes and treating
// a missing vote as that mean (so it contributes zero). It runs block
// power iteration with a Rayleigh–Ritz step, which converges to the same
// vectors as Pol.is's power iteration with deflation at a fraction of the
// passes over the votes.
func computePCA(m *matrix, opts Options, prev *State) *pca {
	p := &pca{center: make([]float64, m.nCols)}
	for j := 0; j < m.nCols; j++ {
		var s float64
		for k := m.colPtr[j]; k < m.colPtr[j+1]; k++ {
			s += float64(m.cval[k])
		}
		if n := m.colPtr[j+1] - m.colPtr[j]; n > 0 {
			p.center[j] = s / float64(n)
		}
	}
	p.centred = make([]float64, len(m.col))
	for k, j := range m.col {
		p.centred[k] = float64(m.val[k]) - p.center[j]
	}
	p.comps = [2][]float64{make([]float64, m.nCols), make([]float64, m.nCols)}
	nc := min(2, m.nRows, m.nCols)
	if nc == 0 {
		return p
	}

	// Start vectors: the previous components where known (new statements
	// get 1, as in Pol.is), otherwise seeded uniform random numbers.
	v := make([]float64, 2*m.nCols) // interleaved: v[2j], v[2j+1]
	var prevComps [2][]float64
	if prev != nil && len(prev.Statements) > 0 {
		at := make(map[int]int, len(prev.Statements))
		for j, id := range prev.Statements {
			at[id] = j
		}
		for c := 0; c < 2; c++ {
			if len(prev.Components[c]) != len(prev.Statements) {
				continue
			}
			prevComps[c] = make([]float64, m.nCols)
			nonzero := false
			for j, id := range m.colIDs {
				x := 1.0
				if pj, ok := at[id]; ok {
					x = prev.Components[c][pj]
				}
				prevComps[c][j] = x
				nonzero = nonzero || x != 0
			}
			if !nonzero {
				prevComps[c] = nil
			}
		}
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15))
	for c := 0; c < 2; c++ {
		for j := 0; j < m.nCols; j++ {
			if prevComps[c] != nil {
				v[2*j+c] = prevComps[c][j]
			} else {
				v[2*j+c] = rng.Float64()
			}
		}
	}
	if nc == 1 {
		for j := 0; j < m.nCols; j++ {
			v[2*j+1] = 0
		}
	}
	orthonormalise(v, nc)

	w := make([]float64, 2*m.nCols)
	bufs := make([][]float64, chunks)
	for i := range bufs {
		bufs[i] = make([]float64, 2*m.nCols)
	}
	for it := 0; it < opts.PCAIterations; it++ {
		p.iterations = it + 1
		p.multiply(m, v, w, bufs)
		// Rayleigh–Ritz on the 2×2 projection H = Vᵀ A V.
		var h11, h12, h22 float64
		for j := 0; j < m.nCols; j++ {
			h11 += v[2*j] * w[2*j]
			h12 += v[2*j] * w[2*j+1]
			h22 += v[2*j+1] * w[2*j+1]
		}
		q := [4]float64{1, 0, 0, 1}
		if nc == 2 {
			q = eigen2(h11, h12, h22)
		}
		// Rotate both V and W by Q; the new V is W Q orthonormalised.
		var dots [2]float64
		for j := 0; j < m.nCols; j++ {
			a, b := v[2*j], v[2*j+1]
			v[2*j], v[2*j+1] = a*q[0]+b*q[2], a*q[1]+b*q[3]
			a, b = w[2*j], w[2*j+1]
			w[2*j], w[2*j+1] = a*q[0]+b*q[2], a*q[1]+b*q[3]
		}
		if !orthonormalise(w, nc) {
			// The centred matrix is zero in some direction: no variance
			// left to explain there; keep what converged.
			break
		}
		for j := 0; j < m.nCols; j++ {
			dots[0] += v[2*j] * w[2*j]
			dots[1] += v[2*j+1] * w[2*j+1]
		}
		v, w = w, v
		done := 1-math.Abs(dots[0]) < 1e-13 && (nc == 1 || 1-math.Abs(dots[1]) < 1e-13)
		if done {
			break
		}
	}
	for c := 0; c < nc; c++ {
		for j := 0; j < m.nCols; j++ {
			p.comps[c][j] = v[2*j+c]
		}
		fixSign(p.comps[c], prevComps[c])
	}
	return p
}

// multiply sets w = Xᵀ X v for the centred matrix X, with v and w
// interleaved two-column blocks.
func (p *pca) multiply(m *matrix, v, w []float64, bufs [][]float64) {
	parallel(m.nRows, func(part, lo, hi int) {
		b := bufs[part]
		clear(b)
		for i := lo; i < hi; i++ {
			k0, k1 := m.rowPtr[i], m.rowPtr[i+1]
			var s1, s2 float64
			for k := k0; k < k1; k++ {
				x, j := p.centred[k], m.col[k]
				s1 += x * v[2*j]
				s2 += x * v[2*j+1]
			}
			for k := k0; k < k1; k++ {
				x, j := p.centred[k], m.col[k]
				b[2*j] += s1 * x
				b[2*j+1] += s2 * x
			}
		}
	})
	copy(w, bufs[0])
	for _, b := range bufs[1:] {
		for j := range w {
			w[j] += b[j]
		}
	}
}

// orthonormalise applies Gram–Schmidt to the first nc interleaved columns
// of v and reports whether they were linearly independent.
func orthonormalise(v []float64, nc int) bool {
	n := len(v) / 2
	norm := func(c int) float64 {
		var s float64
		for j := 0; j < n; j++ {
			s += v[2*j+c] * v[2*j+c]
		}
		return math.Sqrt(s)
	}
	for c := 0; c < nc; c++ {
		if c == 1 {
			var d float64
			for j := 0; j < n; j++ {
				d += v[2*j] * v[2*j+1]
			}
			for j := 0; j < n; j++ {
				v[2*j+1] -= d * v[2*j]
			}
		}
		l := norm(c)
		if l < 1e-300 {
			return false
		}
		for j := 0; j < n; j++ {
			v[2*j+c] /= l
		}
	}
	return true
}

// eigen2 returns the eigenvectors of the symmetric matrix [[a b] [b d]]
// as the columns of q (row-major), largest eigenvalue first.
func eigen2(a, b, d float64) [4]float64 {
	if b == 0 {
		if a >= d {
			return [4]float64{1, 0, 0, 1}
		}
		return [4]float64{0, 1, 1, 0}
	}
	tr, det := a+d, a*d-b*b
	disc := math.Sqrt(math.Max(tr*tr/4-det, 0))
	l1 := tr/2 + disc
	// (l1-d, b) and (b, a-l1) are both eigenvectors for l1; take the longer.
	x, y := l1-d, b
	if math.Abs(a-l1) > math.Abs(x) {
		x, y = b, l1-a
	}
	n := math.Hypot(x, y)
	x, y = x/n, y/n
	return [4]float64{x, -y, y, x}
}

// fixSign flips c to agree with the previous component, or else to make
// its largest entry positive, so output does not depend on the start.
func fixSign(c, prev []float64) {
	var s float64
	if prev != nil {
		for j := range c {
			s += c[j] * prev[j]
		}
	}
	if s == 0 {
		big := 0.0
		for _, x := range c {
			if math.Abs(x) > math.Abs(big) {
				big = x
			}
		}
		s = big
	}
	if s < 0 {
		for j := range c {
			c[j] = -c[j]
		}
	}
}

// project places every participant in the plane of the components,
// scaled by sqrt(statements / max(votes, 1)) as Pol.is does so sparse
// voters are not pulled to the centre. It returns interleaved x, y.
func project(m *matrix, p *pca) []float64 {
	xy := make([]float64, 2*m.nRows)
	c1, c2 := p.comps[0], p.comps[1]
	parallel(m.nRows, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			k0, k1 := m.rowPtr[i], m.rowPtr[i+1]
			var x, y float64
			for k := k0; k < k1; k++ {
				j := m.col[k]
				x += p.centred[k] * c1[j]
				y += p.centred[k] * c2[j]
			}
			s := math.Sqrt(float64(m.nCols) / float64(max(k1-k0, 1)))
			xy[2*i], xy[2*i+1] = x*s, y*s
		}
	})
	return xy
}

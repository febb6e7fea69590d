package analysis

import (
	"cmp"
	"math"
	"slices"
)

// kmeansResult is a clustering: centres and, for every point, the index
// of its centre.
type kmeansResult struct {
	centers [][2]float64
	assign  []int
	sizes   []float64 // total weight per centre
}

// kmeans clusters points the way Pol.is does: start from init (or, when
// init is empty, from the first k distinct points), assign every point to
// its nearest centre, drop centres left empty, move each centre to the
// (weighted) mean of its points, and stop once no centre moved by 0.01 or
// after maxIter steps. weights may be nil for unit weights.
func kmeans(points [][2]float64, weights []float64, k int, init [][2]float64, maxIter int) kmeansResult {
	centers := startCenters(points, k, init)
	if len(points) == 0 {
		return kmeansResult{}
	}
	a := newAssigner(points)
	for it := 0; it <= maxIter; it++ {
		a.assign(centers)
		next, remap, sizes := recenter(points, weights, a.of, len(centers))
		a.moved(centers, next, remap)
		same := sameClustering(centers, next)
		centers = next
		if same || it == maxIter {
			return kmeansResult{centers: centers, assign: a.of, sizes: sizes}
		}
	}
	panic("unreachable")
}

// assigner assigns points to their nearest centre with Hamerly's bounds:
// upper[i] bounds the distance to the assigned centre, lower[i] the
// distance to every other centre, so a point whose bounds show it cannot
// have changed centre is skipped. The assignment equals a full search.
type assigner struct {
	points       [][2]float64
	of           []int
	upper, lower []float64
	first        bool
}

func newAssigner(points [][2]float64) *assigner {
	return &assigner{
		points: points,
		of:     make([]int, len(points)),
		upper:  make([]float64, len(points)),
		lower:  make([]float64, len(points)),
		first:  true,
	}
}

func (a *assigner) assign(centers [][2]float64) {
	// half[c] is half the distance from c to its nearest other centre.
	half := make([]float64, len(centers))
	for c := range centers {
		half[c] = math.Inf(1)
		for d := range centers {
			if d != c {
				half[c] = min(half[c], 0.5*math.Hypot(centers[c][0]-centers[d][0], centers[c][1]-centers[d][1]))
			}
		}
	}
	first := a.first
	a.first = false
	parallel(len(a.points), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			if !first {
				bound := max(half[a.of[i]], a.lower[i])
				if a.upper[i] <= bound {
					continue
				}
				c := centers[a.of[i]]
				a.upper[i] = math.Hypot(a.points[i][0]-c[0], a.points[i][1]-c[1])
				if a.upper[i] <= bound {
					continue
				}
			}
			px, py := a.points[i][0], a.points[i][1]
			best, bestD, second := 0, math.Inf(1), math.Inf(1)
			for c, ctr := range centers {
				dx, dy := px-ctr[0], py-ctr[1]
				d := dx*dx + dy*dy
				if d < bestD {
					best, bestD, second = c, d, bestD
				} else if d < second {
					second = d
				}
			}
			a.of[i] = best
			a.upper[i] = math.Sqrt(bestD)
			a.lower[i] = math.Sqrt(second)
		}
	})
}

// moved renumbers assignments after empty centres were dropped and
// loosens the bounds by how far the centres moved.
func (a *assigner) moved(old, next [][2]float64, remap []int) {
	shift := make([]float64, len(old))
	maxShift := 0.0
	for c, n := range remap {
		if n >= 0 {
			shift[c] = math.Hypot(old[c][0]-next[n][0], old[c][1]-next[n][1])
			maxShift = max(maxShift, shift[c])
		}
	}
	for i, c := range a.of {
		a.upper[i] += shift[c]
		a.lower[i] -= maxShift
		a.of[i] = remap[c]
	}
}

// startCenters returns init without duplicates, topped up with the first
// distinct points not already a centre, up to k centres.
func startCenters(points [][2]float64, k int, init [][2]float64) [][2]float64 {
	seen := make(map[[2]float64]bool, k)
	centers := make([][2]float64, 0, k)
	for _, c := range init {
		if len(centers) < k && !seen[c] && !math.IsNaN(c[0]) && !math.IsNaN(c[1]) {
			seen[c] = true
			centers = append(centers, c)
		}
	}
	for _, p := range points {
		if len(centers) >= k {
			break
		}
		if !seen[p] {
			seen[p] = true
			centers = append(centers, p)
		}
	}
	return centers
}

// recenter computes the weighted mean of each centre's points, dropping
// centres with no points; remap maps old centre indices to new ones.
func recenter(points [][2]float64, weights []float64, assign []int, k int) (centers [][2]float64, remap []int, sizes []float64) {
	sum := make([][3]float64, k)
	count := make([]int, k)
	for i, p := range points {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		c := assign[i]
		sum[c][0] += w * p[0]
		sum[c][1] += w * p[1]
		sum[c][2] += w
		count[c]++
	}
	remap = make([]int, k)
	for c := 0; c < k; c++ {
		remap[c] = -1
		if count[c] == 0 {
			continue
		}
		remap[c] = len(centers)
		w := sum[c][2]
		if w == 0 {
			w = 1
		}
		centers = append(centers, [2]float64{sum[c][0] / w, sum[c][1] / w})
		sizes = append(sizes, sum[c][2])
	}
	return centers, remap, sizes
}

// sameClustering reports whether two sets of centres, each sorted, are
// pairwise within 0.01 of each other.
func sameClustering(a, b [][2]float64) bool {
	if len(a) != len(b) {
		return false
	}
	less := func(x, y [2]float64) int {
		if c := cmp.Compare(x[0], y[0]); c != 0 {
			return c
		}
		return cmp.Compare(x[1], y[1])
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, less)
	slices.SortFunc(b, less)
	for i := range a {
		if math.Hypot(a[i][0]-b[i][0], a[i][1]-b[i][1]) >= 0.01 {
			return false
		}
	}
	return true
}

// silhouette is the mean silhouette coefficient of the points (unweighted,
// as in Pol.is), 0 for a member of a singleton cluster and 0 overall when
// there is a single cluster.
func silhouette(points [][2]float64, assign []int, k int) float64 {
	if k < 2 || len(points) == 0 {
		return 0
	}
	var total float64
	sum := make([]float64, k)
	count := make([]int, k)
	for _, c := range assign {
		count[c]++
	}
	for i, p := range points {
		clear(sum)
		for j, q := range points {
			if j != i {
				sum[assign[j]] += math.Hypot(p[0]-q[0], p[1]-q[1])
			}
		}
		own := assign[i]
		if count[own] == 1 {
			continue
		}
		a := sum[own] / float64(count[own]-1)
		b := math.Inf(1)
		for c := 0; c < k; c++ {
			if c != own && count[c] > 0 {
				b = min(b, sum[c]/float64(count[c]))
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		if d := max(a, b); d > 0 {
			total += (b - a) / d
		}
	}
	return total / float64(len(points))
}

// cluster computes base clusters over the participants in the
// conversation, then opinion groups over the base-cluster centres, with
// Pol.is's silhouette choice of k and its k smoother. It fills res.Groups
// and res.K, updates st, and returns each participant's group (or -1).
func cluster(m *matrix, xy []float64, inConv []bool, opts Options, prev *State, st *State, res *Result) []int {
	groupOf := make([]int, m.nRows)
	for i := range groupOf {
		groupOf[i] = -1
	}
	var idx []int
	var points [][2]float64
	for i, in := range inConv {
		if in {
			idx = append(idx, i)
			points = append(points, [2]float64{xy[2*i], xy[2*i+1]})
		}
	}
	if len(points) == 0 {
		return groupOf
	}
	var baseInit [][2]float64
	if prev != nil {
		baseInit = prev.BaseCenters
	}
	base := kmeans(points, nil, opts.BaseK, baseInit, opts.ClusterIterations)
	st.BaseCenters = base.centers

	maxK := min(opts.MaxK, 2+len(base.centers)/12)
	st.GroupCenters = make(map[int][][2]float64)
	clusterings := make(map[int]kmeansResult)
	bestK, bestS := 0, math.Inf(-1)
	for k := 2; k <= maxK; k++ {
		var init [][2]float64
		if prev != nil {
			init = prev.GroupCenters[k]
		}
		g := kmeans(base.centers, base.sizes, k, init, opts.ClusterIterations)
		clusterings[k] = g
		st.GroupCenters[k] = g.centers
		// Ties go to the larger k, as Clojure's max-key returns the last.
		if s := silhouette(base.centers, g.assign, len(g.centers)); s >= bestS {
			bestK, bestS = k, s
		}
	}

	// The k smoother: a new k must win KBuffer consecutive updates.
	count := 1
	if prev != nil && prev.LastK == bestK {
		count = prev.LastKCount + 1
	}
	smoothed := bestK
	if count < opts.KBuffer && prev != nil && prev.SmoothedK != 0 {
		if _, ok := clusterings[prev.SmoothedK]; ok {
			smoothed = prev.SmoothedK
		}
	}
	st.LastK, st.LastKCount, st.SmoothedK = bestK, count, smoothed

	groups := clusterings[smoothed]
	res.K = len(groups.centers)
	res.Groups = make([]Group, res.K)
	for g := range res.Groups {
		res.Groups[g] = Group{ID: g, Center: groups.centers[g]}
	}
	for n, i := range idx {
		g := groups.assign[base.assign[n]]
		groupOf[i] = g
		res.Groups[g].Size++
	}
	return groupOf
}

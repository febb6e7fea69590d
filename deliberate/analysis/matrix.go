package analysis

import (
	"slices"
	"sync"
)

// chunks is the fixed number of pieces parallel loops are cut into. It is
// a constant, not runtime.NumCPU, so sums are added in the same order on
// every machine and results stay bit-for-bit deterministic.
const chunks = 2

// matrix is the vote matrix in both compressed sparse row (participants)
// and compressed sparse column (statements) form. Rows are participants in
// order of first vote; columns are statements in ascending id order.
type matrix struct {
	nRows, nCols int
	rowIDs       []int
	colIDs       []int

	rowPtr []int32 // len nRows+1
	col    []int32 // column of each stored vote, ascending within a row
	val    []int8

	colPtr []int32 // len nCols+1
	row    []int32 // row of each stored vote, ascending within a column
	cval   []int8
}

// idIndex maps arbitrary int ids to dense indices, through a slice when
// the ids are compact enough and a map otherwise.
type idIndex struct {
	min   int
	table []int32
	m     map[int]int32
}

func newIDIndex(lo, hi, n int) *idIndex {
	x := &idIndex{min: lo}
	if span := hi - lo + 1; span > 0 && span <= 4*n+1<<16 {
		x.table = make([]int32, span)
		for i := range x.table {
			x.table[i] = -1
		}
	} else {
		x.m = make(map[int]int32)
	}
	return x
}

func (x *idIndex) get(id int) int32 {
	if x.table != nil {
		return x.table[id-x.min]
	}
	if v, ok := x.m[id]; ok {
		return v
	}
	return -1
}

func (x *idIndex) set(id int, v int32) {
	if x.table != nil {
		x.table[id-x.min] = v
		return
	}
	x.m[id] = v
}

// buildMatrix turns votes into the sparse matrix, dropping moderated-out
// statements and keeping only the last of repeated votes.
func buildMatrix(votes []Vote, moderatedOut []int) *matrix {
	m := &matrix{}
	if len(votes) == 0 {
		m.rowPtr = []int32{0}
		m.colPtr = []int32{0}
		return m
	}
	pLo, pHi, sLo, sHi := votes[0].Participant, votes[0].Participant, votes[0].Statement, votes[0].Statement
	for _, v := range votes {
		pLo, pHi = min(pLo, v.Participant), max(pHi, v.Participant)
		sLo, sHi = min(sLo, v.Statement), max(sHi, v.Statement)
	}
	out := make(map[int]bool, len(moderatedOut))
	for _, s := range moderatedOut {
		out[s] = true
	}

	// Statements: ascending id.
	sIdx := newIDIndex(sLo, sHi, len(votes))
	for _, v := range votes {
		if sIdx.get(v.Statement) < 0 && !out[v.Statement] {
			sIdx.set(v.Statement, 0)
			m.colIDs = append(m.colIDs, v.Statement)
		}
	}
	slices.Sort(m.colIDs)
	for j, id := range m.colIDs {
		sIdx.set(id, int32(j))
	}
	m.nCols = len(m.colIDs)

	// Participants: order of first vote (moderated-out votes still count
	// for order, so a participant's position never depends on moderation).
	pIdx := newIDIndex(pLo, pHi, len(votes))
	rows := make([]int32, 0, len(votes))
	cols := make([]int32, 0, len(votes))
	vals := make([]int8, 0, len(votes))
	for _, v := range votes {
		r := pIdx.get(v.Participant)
		if r < 0 {
			r = int32(len(m.rowIDs))
			pIdx.set(v.Participant, r)
			m.rowIDs = append(m.rowIDs, v.Participant)
		}
		c := sIdx.get(v.Statement)
		if c < 0 { // moderated out
			continue
		}
		rows = append(rows, r)
		cols = append(cols, c)
		vals = append(vals, v.Value)
	}
	m.nRows = len(m.rowIDs)

	// Stable counting sort by column, then by row: rows end up with
	// ascending columns, repeated votes adjacent and in input order.
	r1, c1, v1 := countingSort(cols, rows, cols, vals, m.nCols)
	r2, c2, v2 := countingSort(r1, r1, c1, v1, m.nRows)

	// Keep the last of each run of equal (row, column).
	n := 0
	for k := 0; k < len(r2); k++ {
		if k+1 < len(r2) && r2[k+1] == r2[k] && c2[k+1] == c2[k] {
			continue
		}
		r2[n], c2[n], v2[n] = r2[k], c2[k], v2[k]
		n++
	}
	r2, c2, v2 = r2[:n], c2[:n], v2[:n]
	m.col, m.val = c2, v2
	m.rowPtr = pointers(r2, m.nRows)

	r3, _, v3 := countingSort(c2, r2, c2, v2, m.nCols)
	m.row, m.cval = r3, v3
	m.colPtr = pointers(c2, m.nCols)
	return m
}

// countingSort stably orders the triples (rows, cols, vals) by key, whose
// values lie in [0, n).
func countingSort(key, rows, cols []int32, vals []int8, n int) ([]int32, []int32, []int8) {
	count := make([]int32, n+1)
	for _, k := range key {
		count[k+1]++
	}
	for i := 1; i <= n; i++ {
		count[i] += count[i-1]
	}
	r := make([]int32, len(key))
	c := make([]int32, len(key))
	v := make([]int8, len(key))
	for i, k := range key {
		p := count[k]
		count[k]++
		r[p], c[p], v[p] = rows[i], cols[i], vals[i]
	}
	return r, c, v
}

// pointers returns the compressed offsets for keys in [0, n); the keys
// must be the sort keys of the layout, in any order.
func pointers(sorted []int32, n int) []int32 {
	ptr := make([]int32, n+1)
	for _, k := range sorted {
		ptr[k+1]++
	}
	for i := 1; i <= n; i++ {
		ptr[i] += ptr[i-1]
	}
	return ptr
}

// parallel runs f on chunks pieces of [0, n) concurrently and waits.
func parallel(n int, f func(part, lo, hi int)) {
	if n < 2048 {
		f(0, 0, n)
		for p := 1; p < chunks; p++ {
			f(p, n, n)
		}
		return
	}
	var wg sync.WaitGroup
	for p := 0; p < chunks; p++ {
		lo, hi := n*p/chunks, n*(p+1)/chunks
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(p, lo, hi)
		}()
	}
	wg.Wait()
}

func sortInts(s []int) { slices.Sort(s) }

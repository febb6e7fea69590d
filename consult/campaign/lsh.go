package campaign

import (
	"math/bits"
	"sync"
)

// link joins near-duplicate texts: for each band, every text is checked
// against the first text that fell into the same bucket (the first with
// the same band key), and joined to it when Options.Near holds, that is
// when their sketches agree on at least minAgree bins. Bands are shared
// among workers, each with its own union-find; the partitions are merged
// at the end, so the result is the same as one worker's.
//
// Most candidates are unrelated texts that share common words; a compact
// copy of each sketch (one byte per bin, one cache line) rules them out
// cheaply, since two sketches cannot agree on a bin whose bytes differ.
// Only pairs that pass are compared on the whole sketch.
func link(store *sketchStore, minAgree, workers int) *unionFind {
	if store.len() < 50_000 {
		workers = 1 // not worth a second union-find
	}
	return linkBands(store, minAgree, workers)
}

func linkBands(store *sketchStore, minAgree, workers int) *unionFind {
	n := store.len()
	workers = max(1, min(workers, NumBands))
	ufs := make([]*unionFind, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			uf := newUnionFind(n)
			ufs[w] = uf
			var parts partitions
			for b := w; b < NumBands; b += workers {
				parts.split(store.keys[b], n)
				for p := range parts.count() {
					for _, e := range parts.part(p) {
						i := int(e.val)
						first, ok := parts.table.firstOrAdd(e.key, e.val)
						if !ok || uf.find(int(first)) == uf.find(i) {
							continue
						}
						if compactAgreement(store.compactAt(int(first)), store.compactAt(i)) >= minAgree &&
							agreeAtLeast(store.at(int(first)), store.at(i), minAgree) {
							uf.union(int(first), i)
						}
					}
					parts.table.reset()
				}
			}
		})
	}
	wg.Wait()
	uf := ufs[0]
	for _, other := range ufs[1:] {
		for i := range n {
			uf.union(i, other.find(i))
		}
	}
	return uf
}

// partitions splits one band's keys by their top bits, keeping each
// part in text order, so that looking up the first text of each bucket
// touches a table small enough to stay in the processor's cache instead
// of one as large as the input.
type partitions struct {
	bits    uint
	entries []bucketSlot // key and text index, part after part
	start   []int        // part p is entries[start[p]:start[p+1]]
	table   *bucketTable
}

func (ps *partitions) split(keys [][]uint64, n int) {
	if ps.entries == nil {
		for n>>ps.bits > 2048 {
			ps.bits++
		}
		ps.entries = make([]bucketSlot, n)
		ps.start = make([]int, 1<<ps.bits+1)
	}
	shift := 64 - ps.bits
	part := func(key uint64) int {
		if ps.bits == 0 {
			return 0
		}
		return int(key >> shift)
	}
	clear(ps.start)
	for blk, ks := range keys {
		for _, key := range ks[:min(blockSize, n-blk*blockSize)] {
			ps.start[part(key)+1]++
		}
	}
	largest := 0
	for p := range 1 << ps.bits {
		largest = max(largest, ps.start[p+1])
		ps.start[p+1] += ps.start[p]
	}
	next := make([]int, 1<<ps.bits)
	copy(next, ps.start)
	for blk, ks := range keys {
		base := blk * blockSize
		for k, key := range ks[:min(blockSize, n-base)] {
			p := part(key)
			ps.entries[next[p]] = bucketSlot{key, int32(base + k)}
			next[p]++
		}
	}
	if ps.table == nil || len(ps.table.slots) < 2*largest {
		ps.table = newBucketTable(largest)
	}
}

func (ps *partitions) count() int { return 1 << ps.bits }

func (ps *partitions) part(p int) []bucketSlot { return ps.entries[ps.start[p]:ps.start[p+1]] }

// blockSize is the size of the blocks the store keeps (so a growing store
// never copies).
const blockSize = 1 << 14

// sketchStore keeps the sketches of non-empty distinct texts in fixed
// blocks, with their compact forms and, band by band, their band keys.
type sketchStore struct {
	n       int
	full    [][]Sketch
	compact [][]compactSketch
	keys    [NumBands][][]uint64
}

// compactSketch keeps one byte of each bin of a sketch.
type compactSketch [SketchSize / 8]uint64

func newSketchStore() *sketchStore { return &sketchStore{} }

func (s *sketchStore) len() int { return s.n }

func (s *sketchStore) at(i int) *Sketch { return &s.full[i/blockSize][i%blockSize] }

func (s *sketchStore) compactAt(i int) *compactSketch {
	return &s.compact[i/blockSize][i%blockSize]
}

// grow makes room for n texts.
func (s *sketchStore) grow(n int) {
	for len(s.full)*blockSize < n {
		s.full = append(s.full, make([]Sketch, blockSize))
		s.compact = append(s.compact, make([]compactSketch, blockSize))
		for b := range s.keys {
			s.keys[b] = append(s.keys[b], make([]uint64, blockSize))
		}
	}
	s.n = max(s.n, n)
}

// set sketches text number i, whose normalised text is not empty, in
// place. Different i may be set at the same time.
func (s *sketchStore) set(i int, normalised []byte) {
	blk, k := i/blockSize, i%blockSize
	x := &s.full[blk][k]
	*x = sketchOf(normalised)
	var c compactSketch
	for b, v := range x {
		c[b/8] |= uint64(byte(v>>20)) << (8 * (b % 8))
	}
	s.compact[blk][k] = c
	for b := range s.keys {
		s.keys[b][blk][k] = bandKey(x, b)
	}
}

// compactAgreement counts the bins whose bytes agree: at least as many as
// the bins that agree.
func compactAgreement(a, b *compactSketch) int {
	const low7, high = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	differ := 0
	for i := range a {
		x := a[i] ^ b[i]
		// The high bit of each byte of t is set when that byte of x is not
		// zero.
		t := ((x & low7) + low7) | x
		differ += bits.OnesCount64(t & high)
	}
	return SketchSize - differ
}

// digestSet maps digests to distinct text numbers: open addressing on the
// digest's first eight bytes, the whole digest compared.
type digestSet struct {
	slots   []int32 // text number + 1; 0 is an empty slot
	digests [][32]byte
	mask    uint64
}

func newDigestSet(n int) *digestSet {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &digestSet{slots: make([]int32, size), mask: uint64(size - 1)}
}

// add returns the number of the text with digest d, and whether it was
// just added with number next.
func (t *digestSet) add(d *[32]byte, next int32) (int32, bool) {
	h := uint64(d[0]) | uint64(d[1])<<8 | uint64(d[2])<<16 | uint64(d[3])<<24 |
		uint64(d[4])<<32 | uint64(d[5])<<40 | uint64(d[6])<<48 | uint64(d[7])<<56
	for s := h & t.mask; ; s = (s + 1) & t.mask {
		v := t.slots[s]
		if v == 0 {
			t.slots[s] = next + 1
			t.digests = append(t.digests, *d)
			return next, true
		}
		if t.digests[v-1] == *d {
			return v - 1, false
		}
	}
}

// bucketTable maps a band key to the first text seen with it: open
// addressing with linear probing, key and value side by side so a probe
// touches one cache line, reused from band to band.
type bucketTable struct {
	slots []bucketSlot
	mask  uint64
	dirty []int32 // slots used since the last reset
}

type bucketSlot struct {
	key uint64
	val int32 // text index + 1; 0 is an empty slot
}

func newBucketTable(n int) *bucketTable {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &bucketTable{slots: make([]bucketSlot, size), mask: uint64(size - 1)}
}

func (t *bucketTable) reset() {
	if len(t.dirty) > len(t.slots)/8 {
		clear(t.slots)
	} else {
		for _, s := range t.dirty {
			t.slots[s] = bucketSlot{}
		}
	}
	t.dirty = t.dirty[:0]
}

// firstOrAdd returns the first index stored under key and true, or stores
// v under key and returns false.
func (t *bucketTable) firstOrAdd(key uint64, v int32) (int32, bool) {
	for s := key & t.mask; ; s = (s + 1) & t.mask {
		slot := &t.slots[s]
		switch {
		case slot.val == 0:
			*slot = bucketSlot{key, v + 1}
			t.dirty = append(t.dirty, int32(s))
			return 0, false
		case slot.key == key:
			return slot.val - 1, true
		}
	}
}

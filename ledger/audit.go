package ledger

import (
	"bytes"
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// audit re-derives the whole tree of cp from the served entry bundles and
// compares every served tile with the derived one, like Tessera's fsck, but
// returns a *ResourceError naming the first resource at fault:
//
//   - a missing bundle or tile (ErrMissingResource);
//   - a tile that does not match the entries, when the entries match the
//     checkpoint's root (the tile is corrupt);
//   - an entry bundle whose leaves differ from the tiles, when the tiles match
//     the checkpoint's root (the bundle is corrupt);
//   - the checkpoint, if neither matches its root.
//
// It returns nil if everything the log serves for cp is consistent.
func audit(ctx context.Context, f *httpFetcher, cp Checkpoint) error {
	a := &auditor{ctx: ctx, f: f, size: cp.Size, pending: map[compact.NodeID][][]byte{}, firstBadLeaf: -1}
	tree := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	for b := uint64(0); b*layout.EntryBundleWidth < cp.Size; b++ {
		p := layout.PartialTileSize(0, b, cp.Size)
		raw, err := f.ReadEntryBundle(ctx, b, p)
		if err != nil {
			return err
		}
		var bundle api.EntryBundle
		if err := bundle.UnmarshalText(raw); err != nil {
			return &ResourceError{Path: layout.EntriesPath(b, p), Err: fmt.Errorf("%w: %w", ErrCorruptResource, err)}
		}
		want := int(p)
		if p == 0 {
			want = layout.EntryBundleWidth
		}
		if len(bundle.Entries) < want {
			return &ResourceError{Path: layout.EntriesPath(b, p), Err: fmt.Errorf("%w: has %d entries, want %d", ErrCorruptResource, len(bundle.Entries), want)}
		}
		for _, e := range bundle.Entries[:want] {
			if err := tree.Append(rfc6962.DefaultHasher.HashLeaf(e), a.visit); err != nil {
				return fmt.Errorf("audit: %w", err)
			}
		}
		if a.err != nil {
			return a.err
		}
	}
	for id, hashes := range a.pending {
		a.check(uint64(id.Level), id.Index, hashes)
	}
	if a.err != nil {
		return a.err
	}
	root := rfc6962.DefaultHasher.EmptyRoot()
	if cp.Size > 0 {
		var err error
		if root, err = tree.GetRootHash(nil); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	entriesMatch := bytes.Equal(root, cp.Hash)
	switch {
	case entriesMatch && a.badTile == nil:
		return nil
	case entriesMatch:
		return a.badTile
	case a.firstBadLeaf >= 0 && tilesMatch(ctx, f, cp):
		i := uint64(a.firstBadLeaf)
		return &ResourceError{
			Path: layout.EntriesPath(i/layout.EntryBundleWidth, layout.PartialTileSize(0, i/layout.EntryBundleWidth, cp.Size)),
			Err:  fmt.Errorf("%w: entry %d does not match the tiles and checkpoint", ErrCorruptResource, i),
		}
	case a.badTile != nil:
		return fmt.Errorf("neither the entries nor the tiles match the checkpoint's root: %w", a.badTile)
	default:
		return &ResourceError{Path: layout.CheckpointPath, Err: fmt.Errorf("%w: its root hash does not match the entries and tiles served", ErrCorruptResource)}
	}
}

type auditor struct {
	ctx     context.Context
	f       *httpFetcher
	size    uint64
	pending map[compact.NodeID][][]byte // derived tiles being filled, by tile level and index

	err          error // a missing tile: stops the audit
	badTile      *ResourceError
	firstBadLeaf int64 // first leaf whose level-0 tile hash differs, or -1
}

// visit collects the derived nodes that tiles store (tree levels that are
// multiples of the tile height) and checks each tile once it is complete.
func (a *auditor) visit(id compact.NodeID, h []byte) {
	if id.Level%layout.TileHeight != 0 || a.err != nil {
		return
	}
	k := compact.NodeID{Level: id.Level / layout.TileHeight, Index: id.Index / layout.TileWidth}
	a.pending[k] = append(a.pending[k], h)
	if len(a.pending[k]) == layout.TileWidth {
		a.check(uint64(k.Level), k.Index, a.pending[k])
		delete(a.pending, k)
	}
}

func (a *auditor) check(level, index uint64, hashes [][]byte) {
	p := uint8(len(hashes) % layout.TileWidth)
	served, err := a.f.ReadTile(a.ctx, level, index, p)
	if err != nil {
		if a.err == nil {
			a.err = err
		}
		return
	}
	want := bytes.Join(hashes, nil)
	if len(served) > len(want) && p != 0 {
		served = served[:len(want)] // a full tile served for a partial one
	}
	if bytes.Equal(served, want) {
		return
	}
	if a.badTile == nil {
		a.badTile = &ResourceError{Path: layout.TilePath(level, index, p), Err: fmt.Errorf("%w: does not match the hashes derived from the entries", ErrCorruptResource)}
	}
	if level == 0 && len(served) == len(want) {
		for i := 0; i < len(want); i += 32 {
			if !bytes.Equal(served[i:i+32], want[i:i+32]) {
				leaf := int64(index*layout.TileWidth) + int64(i/32)
				if a.firstBadLeaf < 0 || leaf < a.firstBadLeaf {
					a.firstBadLeaf = leaf
				}
				break
			}
		}
	}
}

// tilesMatch reports whether the tiles alone reproduce cp's root hash.
func tilesMatch(ctx context.Context, f *httpFetcher, cp Checkpoint) bool {
	nodes, err := client.FetchRangeNodes(ctx, cp.Size, f.ReadTile)
	if err != nil {
		return false
	}
	r, err := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewRange(0, cp.Size, nodes)
	if err != nil {
		return false
	}
	root, err := r.GetRootHash(nil)
	return err == nil && bytes.Equal(root, cp.Hash)
}

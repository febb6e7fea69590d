package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/storage/posix"
)

// Default tuning. A lone append is sequenced within DefaultBatchMaxAge and
// covered by a published checkpoint within roughly DefaultBatchMaxAge +
// DefaultCheckpointInterval (measured p50 ≈ 0.2 s, see the benchmarks);
// concurrent appends share batches and fsyncs.
const (
	DefaultBatchMaxAge        = 20 * time.Millisecond
	DefaultBatchMaxSize       = 256
	DefaultCheckpointInterval = 150 * time.Millisecond
	defaultPollInterval       = 10 * time.Millisecond
)

// ErrClosed is returned by Log methods called after Close.
var ErrClosed = errors.New("log is closed")

// ErrNotPublished is returned by Receipt for an index not yet covered by the
// published checkpoint.
var ErrNotPublished = errors.New("index not yet covered by a published checkpoint")

// Options configure Open.
type Options struct {
	// Dir is the directory holding the log's tiles and checkpoint (and
	// Tessera's private ".state"). It is created if missing. Serve it with
	// NewHandler(Dir).
	Dir string
	// Key signs checkpoints; its origin names the log.
	Key *Key
	// BatchMaxAge, BatchMaxSize and CheckpointInterval override the defaults
	// when non-zero. CheckpointInterval must be at least 100ms.
	BatchMaxAge        time.Duration
	BatchMaxSize       uint
	CheckpointInterval time.Duration
	// WitnessPolicy, if set, is a witness policy in Sigsum's policy format
	// with C2SP vkeys (see tessera.NewWitnessGroupFromPolicy): a checkpoint
	// is published only once the witnesses it names have cosigned it
	// (C2SP tlog-witness), or after WitnessTimeout if WitnessFailOpen.
	WitnessPolicy   []byte
	WitnessTimeout  time.Duration
	WitnessFailOpen bool
}

// Log is an open, writable transparency log. Its methods are safe for
// concurrent use.
type Log struct {
	dir      string
	key      *Key
	appender *tessera.Appender
	shutdown func(context.Context) error
	reader   tessera.LogReader
	awaiter  *tessera.PublicationAwaiter
	cancel   context.CancelFunc

	mu     sync.RWMutex
	closed bool
}

// Open opens the log in opts.Dir, creating it if needed. Only one process
// may have a log open for writing at a time. The caller must Close it.
func Open(ctx context.Context, opts Options) (*Log, error) {
	if opts.Key == nil {
		return nil, errors.New("open log: no key")
	}
	if opts.BatchMaxAge == 0 {
		opts.BatchMaxAge = DefaultBatchMaxAge
	}
	if opts.BatchMaxSize == 0 {
		opts.BatchMaxSize = DefaultBatchMaxSize
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = DefaultCheckpointInterval
	}
	driver, err := posix.New(ctx, posix.Config{Path: opts.Dir})
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	// Tessera's background work (integration, checkpoint publishing,
	// garbage collection) runs until Close, not until ctx is done.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	appendOpts := tessera.NewAppendOptions().
		WithCheckpointSigner(opts.Key.Signer).
		WithBatching(opts.BatchMaxSize, opts.BatchMaxAge).
		WithCheckpointInterval(opts.CheckpointInterval).
		WithCheckpointRepublishInterval(max(opts.CheckpointInterval, time.Hour))
	if len(opts.WitnessPolicy) > 0 {
		group, err := tessera.NewWitnessGroupFromPolicy(opts.WitnessPolicy)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("open log: witness policy: %w", err)
		}
		appendOpts.WithWitnesses(group, &tessera.WitnessOptions{Timeout: opts.WitnessTimeout, FailOpen: opts.WitnessFailOpen})
	}
	appender, shutdown, reader, err := tessera.NewAppender(bg, driver, appendOpts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open log: %w", err)
	}
	return &Log{
		dir:      opts.Dir,
		key:      opts.Key,
		appender: appender,
		shutdown: shutdown,
		reader:   reader,
		awaiter:  tessera.NewPublicationAwaiter(bg, reader.ReadCheckpoint, defaultPollInterval),
		cancel:   cancel,
	}, nil
}

// Key returns the log's key: its origin and public verifier key.
func (l *Log) Key() *Key { return l.key }

// Dir returns the directory holding the log; serve it with NewHandler.
func (l *Log) Dir() string { return l.dir }

// Close waits until every appended entry is covered by a published
// checkpoint (or ctx is done), then stops the log's background work.
func (l *Log) Close(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	err := l.shutdown(ctx)
	l.cancel()
	if err != nil {
		return fmt.Errorf("close log: %w", err)
	}
	return nil
}

// Append validates entry with DecodeEntry, adds it to the log and returns
// its index once it is sequenced and integrated durably (written and
// fsynced). The entry is visible to readers once a checkpoint covering it is
// published: see WaitPublished. Entries appended by one goroutine, one after
// another, appear in the log in that order.
//
// Append is not idempotent: appending the same bytes twice logs them twice.
// See docs/transparency-log.md for how an outbox worker avoids duplicates.
func (l *Log) Append(ctx context.Context, entry []byte) (uint64, error) {
	idx, err := l.AppendMany(ctx, [][]byte{entry})
	if err != nil {
		return 0, err
	}
	return idx[0], nil
}

// AppendMany appends entries in order, sharing batches (and fsyncs) between
// them, and returns their indices. It validates all entries before
// appending any. On error, some entries may have been appended: the caller
// recovers as after a crash.
func (l *Log) AppendMany(ctx context.Context, entries [][]byte) ([]uint64, error) {
	for i, e := range entries {
		if _, err := DecodeEntry(e); err != nil {
			return nil, fmt.Errorf("append entry %d: %w", i, err)
		}
	}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return nil, ErrClosed
	}
	futures := make([]tessera.IndexFuture, len(entries))
	for i, e := range entries {
		futures[i] = l.appender.Add(ctx, tessera.NewEntry(e))
	}
	l.mu.RUnlock()
	idx := make([]uint64, len(entries))
	for i, f := range futures {
		r, err := f()
		if err != nil {
			return nil, fmt.Errorf("append entry %d: %w", i, err)
		}
		idx[i] = r.Index
	}
	return idx, nil
}

// WaitPublished blocks until the published checkpoint covers index (its
// size is greater than index), and returns that checkpoint.
func (l *Log) WaitPublished(ctx context.Context, index uint64) (Checkpoint, error) {
	resolved := func() (tessera.Index, error) { return tessera.Index{Index: index}, nil }
	_, raw, err := l.awaiter.Await(ctx, resolved)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("wait for index %d: %w", index, err)
	}
	return ParseCheckpoint(raw, l.key.Verifier)
}

// Checkpoint returns the latest published checkpoint.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	raw, err := l.reader.ReadCheckpoint(ctx)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	return ParseCheckpoint(raw, l.key.Verifier)
}

// Size returns the number of entries sequenced and integrated durably, which
// may exceed the published checkpoint's size for a short while.
func (l *Log) Size(ctx context.Context) (uint64, error) {
	n, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return 0, fmt.Errorf("log size: %w", err)
	}
	return n, nil
}

// Entries returns the entries with indices from (inclusive) to to
// (exclusive), which must not exceed Size. It reads whole entry bundles, so
// reading a range is much cheaper than reading entries one by one.
func (l *Log) Entries(ctx context.Context, from, to uint64) ([][]byte, error) {
	size, err := l.Size(ctx)
	if err != nil {
		return nil, err
	}
	if from > to || to > size {
		return nil, fmt.Errorf("read entries [%d, %d): log size is %d", from, to, size)
	}
	out := make([][]byte, 0, to-from)
	for b := from / layout.EntryBundleWidth; b*layout.EntryBundleWidth < to; b++ {
		bundle, err := client.GetEntryBundle(ctx, l.reader.ReadEntryBundle, b, size)
		if err != nil {
			return nil, fmt.Errorf("read entries [%d, %d): %w", from, to, err)
		}
		first := b * layout.EntryBundleWidth
		for i, e := range bundle.Entries {
			if idx := first + uint64(i); idx >= from && idx < to {
				out = append(out, e)
			}
		}
	}
	if uint64(len(out)) != to-from {
		return nil, fmt.Errorf("read entries [%d, %d): got %d entries", from, to, len(out))
	}
	return out, nil
}

// Entry returns the entry at index, which must be less than Size.
func (l *Log) Entry(ctx context.Context, index uint64) ([]byte, error) {
	e, err := l.Entries(ctx, index, index+1)
	if err != nil {
		return nil, err
	}
	return e[0], nil
}

// InclusionProof returns the proof that the entry at index is included in
// the tree of the given size, built from the stored tiles.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, fmt.Errorf("inclusion proof: index %d is not below size %d", index, size)
	}
	pb, err := client.NewProofBuilder(ctx, size, l.reader.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof: %w", err)
	}
	p, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof for %d in %d: %w", index, size, err)
	}
	return p, nil
}

// ConsistencyProof returns the proof that the tree of size smaller is a
// prefix of the tree of size larger, built from the stored tiles.
func (l *Log) ConsistencyProof(ctx context.Context, smaller, larger uint64) ([][]byte, error) {
	if smaller > larger {
		return nil, fmt.Errorf("consistency proof: %d is larger than %d", smaller, larger)
	}
	pb, err := client.NewProofBuilder(ctx, larger, l.reader.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("consistency proof: %w", err)
	}
	p, err := pb.ConsistencyProof(ctx, smaller, larger)
	if err != nil {
		return nil, fmt.Errorf("consistency proof %d to %d: %w", smaller, larger, err)
	}
	return p, nil
}

// Receipt returns the receipt for the entry at index under the latest
// published checkpoint. It returns ErrNotPublished if that checkpoint does
// not cover index yet; call WaitPublished first.
func (l *Log) Receipt(ctx context.Context, index uint64) (*Receipt, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	if index >= cp.Size {
		return nil, fmt.Errorf("receipt for %d (checkpoint size %d): %w", index, cp.Size, ErrNotPublished)
	}
	return l.receiptAt(ctx, index, cp)
}

// AppendWithReceipt appends entry, waits until it is published and returns
// its receipt.
func (l *Log) AppendWithReceipt(ctx context.Context, entry []byte) (*Receipt, error) {
	idx, err := l.Append(ctx, entry)
	if err != nil {
		return nil, err
	}
	cp, err := l.WaitPublished(ctx, idx)
	if err != nil {
		return nil, err
	}
	return l.receiptAt(ctx, idx, cp)
}

func (l *Log) receiptAt(ctx context.Context, index uint64, cp Checkpoint) (*Receipt, error) {
	entry, err := l.Entry(ctx, index)
	if err != nil {
		return nil, err
	}
	proof, err := l.InclusionProof(ctx, index, cp.Size)
	if err != nil {
		return nil, err
	}
	return &Receipt{Index: index, Entry: entry, Checkpoint: string(cp.Raw), InclusionProof: proof}, nil
}

package ledger

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/store"
)

// Worker defaults.
const (
	DefaultWorkerBatch = 256
	DefaultWorkerPoll  = 100 * time.Millisecond
	DefaultLease       = 15 * time.Second
)

// ErrLeaseLost is returned when another worker holds the outbox lease.
var ErrLeaseLost = errors.New("another worker holds the outbox lease")

// WorkerOptions configure NewWorker. Zero fields take the defaults.
type WorkerOptions struct {
	// Batch is the most outbox rows appended at once.
	Batch int
	// Poll is how long the worker sleeps when the outbox is empty.
	Poll time.Duration
	// Lease is how long the worker's claim on the outbox lasts without
	// renewal. A worker that crashed blocks others for at most this long.
	Lease time.Duration
	// Logger receives errors (never entry content); nil discards them.
	Logger *slog.Logger
	// AfterAppend, if set, is called after each batch is appended to the
	// log and before it is recorded in the database. Tests use it to crash
	// the worker at the worst moment.
	AfterAppend func(indices []uint64)
}

// Worker appends pending outbox rows to the log, in outbox id order, and
// records each row's log index. It is the log's only writer: it holds a
// lease in the ledger_worker table, and recovers after a crash by matching
// the entries past the recorded position to pending rows, so every outbox
// row gets exactly one entry (see docs/transparency-log.md).
type Worker struct {
	db    *store.DB
	log   *Log
	opts  WorkerOptions
	owner string

	recovered bool
	loggedUp  uint64

	// Duplicates counts entries found in the log for rows already logged,
	// which only a second writer can cause.
	Duplicates int
}

// NewWorker returns a worker appending db's outbox to l.
func NewWorker(db *store.DB, l *Log, opts WorkerOptions) *Worker {
	if opts.Batch <= 0 {
		opts.Batch = DefaultWorkerBatch
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultWorkerPoll
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 8)
	rand.Read(b)
	return &Worker{db: db, log: l, opts: opts, owner: hex.EncodeToString(b)}
}

// Run appends pending rows until ctx is done, then releases the lease and
// returns nil. Errors are logged and retried after a pause, with recovery
// first, so Run only returns when ctx is done.
func (w *Worker) Run(ctx context.Context) error {
	defer w.release()
	for {
		n, err := w.Step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		pause := w.opts.Poll
		switch {
		case errors.Is(err, ErrLeaseLost):
			pause = w.opts.Lease / 3
		case err != nil:
			w.opts.Logger.Error("ledger worker", "error", err)
			pause = time.Second
		case n == w.opts.Batch:
			pause = 0
		}
		if pause > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pause):
			}
		}
	}
}

// Step takes the lease, recovers if needed, and appends at most one batch.
// It returns how many rows it appended. It returns ErrLeaseLost if another
// worker holds the lease.
func (w *Worker) Step(ctx context.Context) (int, error) {
	if err := w.claim(ctx); err != nil {
		w.recovered = false
		return 0, err
	}
	if !w.recovered {
		if err := w.recover(ctx); err != nil {
			return 0, err
		}
		w.recovered = true
	}
	n, err := w.appendBatch(ctx)
	if err != nil {
		w.recovered = false
	}
	return n, err
}

// Drain runs Step until the outbox is empty or ctx is done.
func (w *Worker) Drain(ctx context.Context) error {
	for {
		n, err := w.Step(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
}

// Pending returns the number of outbox rows not yet appended.
func Pending(ctx context.Context, q store.Querier) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT count(*) FROM ledger_outbox WHERE log_index IS NULL`).Scan(&n)
	return n, err
}

// claim takes or renews the lease.
func (w *Worker) claim(ctx context.Context) error {
	now := time.Now()
	res, err := w.db.Exec(ctx, `UPDATE ledger_worker SET owner = $1, lease_until = $2 WHERE id = 1 AND (owner = $1 OR lease_until < $3)`,
		w.owner, now.Add(w.opts.Lease).UnixMilli(), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("claim outbox lease: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrLeaseLost
	}
	return nil
}

func (w *Worker) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w.db.Exec(ctx, `UPDATE ledger_worker SET lease_until = 0 WHERE id = 1 AND owner = $1`, w.owner)
}

// recover records the entries appended after logged_up_to whose outbox rows
// were not marked (the worker crashed between appending and recording).
func (w *Worker) recover(ctx context.Context) error {
	var upTo int64
	if err := w.db.QueryRow(ctx, `SELECT logged_up_to FROM ledger_worker WHERE id = 1`).Scan(&upTo); err != nil {
		return fmt.Errorf("recover outbox: %w", err)
	}
	size, err := w.log.Size(ctx)
	if err != nil {
		return fmt.Errorf("recover outbox: %w", err)
	}
	from := uint64(upTo)
	if size < from {
		return fmt.Errorf("recover outbox: log size %d is below the recorded %d: wrong log directory or lost data", size, from)
	}
	var entries [][]byte
	if size > from {
		if entries, err = w.log.Entries(ctx, from, size); err != nil {
			return fmt.Errorf("recover outbox: %w", err)
		}
	}
	now := store.Now()
	err = w.db.InTx(ctx, func(tx *store.Tx) error {
		for i, e := range entries {
			idx := from + uint64(i)
			id, err := outboxIDOf(e)
			if err != nil {
				return fmt.Errorf("entry %d: %w", idx, err)
			}
			var have sql.NullInt64
			err = tx.QueryRow(ctx, `SELECT log_index FROM ledger_outbox WHERE id = $1`, id).Scan(&have)
			if errors.Is(err, pallmall.ErrNotFound) {
				return fmt.Errorf("entry %d names outbox row %d, which does not exist: wrong database for this log", idx, id)
			}
			if err != nil {
				return err
			}
			if have.Valid {
				if uint64(have.Int64) != idx {
					// Another writer appended the row again (two workers
					// despite the lease). The log cannot be changed; keep
					// the first index and carry on rather than stop logging.
					w.opts.Logger.Error("ledger worker found a duplicate entry", "index", idx, "outbox_id", id, "first_index", have.Int64)
					w.Duplicates++
				}
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE ledger_outbox SET log_index = $1, logged_at = $2 WHERE id = $3`, int64(idx), now, id); err != nil {
				return err
			}
		}
		return w.setLoggedUpTo(ctx, tx, size)
	})
	if err != nil {
		return fmt.Errorf("recover outbox: %w", err)
	}
	if len(entries) > 0 {
		w.opts.Logger.Info("ledger worker recovered entries appended before a crash", "count", len(entries))
	}
	w.loggedUp = size
	return nil
}

func (w *Worker) setLoggedUpTo(ctx context.Context, tx *store.Tx, size uint64) error {
	res, err := tx.Exec(ctx, `UPDATE ledger_worker SET logged_up_to = $1 WHERE id = 1 AND owner = $2`, int64(size), w.owner)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrLeaseLost
	}
	return nil
}

func (w *Worker) appendBatch(ctx context.Context) (int, error) {
	type row struct {
		id    int64
		entry string
	}
	rows, err := w.db.Query(ctx, `SELECT id, entry FROM ledger_outbox WHERE log_index IS NULL ORDER BY id LIMIT $1`, w.opts.Batch)
	batch, err := store.ScanAll(rows, err, func(r *sql.Rows) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.entry)
	})
	if err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	entries := make([][]byte, len(batch))
	for i, r := range batch {
		entries[i] = []byte(r.entry)
	}
	idx, err := w.log.AppendMany(ctx, entries)
	if err != nil {
		return 0, fmt.Errorf("append outbox rows %d-%d: %w", batch[0].id, batch[len(batch)-1].id, err)
	}
	if w.opts.AfterAppend != nil {
		w.opts.AfterAppend(idx)
	}
	// As the only writer, the batch must occupy [loggedUp, loggedUp+n).
	for i, x := range idx {
		if x != w.loggedUp+uint64(i) {
			return 0, fmt.Errorf("append outbox: entry %d landed at index %d, want %d: another writer?", i, x, w.loggedUp+uint64(i))
		}
	}
	now := store.Now()
	err = w.db.InTx(ctx, func(tx *store.Tx) error {
		for i, r := range batch {
			if _, err := tx.Exec(ctx, `UPDATE ledger_outbox SET log_index = $1, logged_at = $2 WHERE id = $3 AND log_index IS NULL`, int64(idx[i]), now, r.id); err != nil {
				return err
			}
		}
		return w.setLoggedUpTo(ctx, tx, w.loggedUp+uint64(len(idx)))
	})
	if err != nil {
		return 0, fmt.Errorf("record outbox rows %d-%d: %w", batch[0].id, batch[len(batch)-1].id, err)
	}
	w.loggedUp += uint64(len(idx))
	return len(batch), nil
}

// outboxIDOf returns the outbox id named by an entry's "id" field.
func outboxIDOf(entry []byte) (int64, error) {
	r, err := DecodeEntry(entry)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(metaOf(r).ID, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("entry id %q is not an outbox id", metaOf(r).ID)
	}
	return id, nil
}

// metaOf returns r's Meta.
func metaOf(r Record) Meta {
	switch v := r.(type) {
	case Endorsement:
		return v.Meta
	case Withdrawal:
		return v.Meta
	case RegisterChange:
		return v.Meta
	case ConsultationReceipt:
		return v.Meta
	case FrameworkVersion:
		return v.Meta
	}
	return Meta{}
}

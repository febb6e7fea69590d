package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/store"
)

// Enqueue writes rec to the transparency log outbox and returns the outbox
// id. Call it with the transaction that writes the record rec describes, so
// that the record and its log entry commit (or roll back) together: the
// outbox worker (see Worker) appends the entry to the log afterwards.
//
// Enqueue sets rec's Meta: its ID becomes EntryID(outboxID) and its Time the
// current time, so whatever the caller put there is ignored. It returns an
// error wrapping ErrInvalidEntry (and pallmall.ErrInvalid) if rec is not a
// valid entry; the caller's transaction must then roll back, leaving neither
// record nor entry.
func Enqueue(ctx context.Context, q store.Querier, rec Record) (outboxID int64, err error) {
	now := store.Now()
	if withMeta(rec, Meta{}) == nil {
		return 0, fmt.Errorf("enqueue: %w: unknown record type %T", pallmall.ErrInvalid, rec)
	}
	// Outside a transaction, validate before writing anything, with a
	// placeholder id. In one (as it should be), an invalid entry fails the
	// encoding below and the caller's rollback removes the row: encoding
	// once keeps the writer's transaction short.
	if _, inTx := q.(*store.Tx); !inTx {
		if _, err := EncodeEntry(withMeta(rec, NewMeta("0", now))); err != nil {
			return 0, fmt.Errorf("enqueue %s entry: %w: %w", rec.RecordType(), pallmall.ErrInvalid, err)
		}
	}
	err = q.QueryRow(ctx, `INSERT INTO ledger_outbox (entry, created_at) VALUES ('', $1) RETURNING id`, now).Scan(&outboxID)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s entry: %w", rec.RecordType(), err)
	}
	entry, err := EncodeEntry(withMeta(rec, NewMeta(EntryID(outboxID), now)))
	if err != nil {
		return 0, fmt.Errorf("enqueue %s entry: %w: %w", rec.RecordType(), pallmall.ErrInvalid, err)
	}
	if _, err := q.Exec(ctx, `UPDATE ledger_outbox SET entry = $1 WHERE id = $2`, string(entry), outboxID); err != nil {
		return 0, fmt.Errorf("enqueue %s entry: %w", rec.RecordType(), err)
	}
	return outboxID, nil
}

// EntryID returns the "id" field of the entry logged for an outbox row: the
// outbox id in decimal. A Withdrawal's EndorsementID is the EntryID of the
// endorsement's outbox row.
func EntryID(outboxID int64) string { return strconv.FormatInt(outboxID, 10) }

// EntryIndex returns the log index of the entry appended for an outbox row,
// with ok false while the row is still pending. It returns
// pallmall.ErrNotFound if there is no such row. The index is in the log once
// EntryIndex reports it, and in a published checkpoint shortly after (see
// Log.WaitPublished and Log.Receipt).
func EntryIndex(ctx context.Context, q store.Querier, outboxID int64) (index uint64, ok bool, err error) {
	var idx sql.NullInt64
	err = q.QueryRow(ctx, `SELECT log_index FROM ledger_outbox WHERE id = $1`, outboxID).Scan(&idx)
	if err != nil {
		if errors.Is(err, pallmall.ErrNotFound) {
			return 0, false, fmt.Errorf("outbox row %d: %w", outboxID, err)
		}
		return 0, false, fmt.Errorf("entry index of outbox row %d: %w", outboxID, err)
	}
	if !idx.Valid {
		return 0, false, nil
	}
	return uint64(idx.Int64), true, nil
}

// OutboxEntry returns the entry bytes stored for an outbox row, exactly as
// they are (or will be) appended to the log. It returns pallmall.ErrNotFound
// if there is no such row.
func OutboxEntry(ctx context.Context, q store.Querier, outboxID int64) ([]byte, error) {
	var e string
	if err := q.QueryRow(ctx, `SELECT entry FROM ledger_outbox WHERE id = $1`, outboxID).Scan(&e); err != nil {
		return nil, fmt.Errorf("outbox row %d: %w", outboxID, err)
	}
	return []byte(e), nil
}

// withMeta returns a copy of r with its Meta replaced by m, or nil if r is
// not one of this package's entry types.
func withMeta(r Record, m Meta) Record {
	switch v := r.(type) {
	case Endorsement:
		v.Meta = m
		return v
	case *Endorsement:
		c := *v
		c.Meta = m
		return c
	case Withdrawal:
		v.Meta = m
		return v
	case *Withdrawal:
		c := *v
		c.Meta = m
		return c
	case RegisterChange:
		v.Meta = m
		return v
	case *RegisterChange:
		c := *v
		c.Meta = m
		return c
	case ConsultationReceipt:
		v.Meta = m
		return v
	case *ConsultationReceipt:
		c := *v
		c.Meta = m
		return c
	case FrameworkVersion:
		v.Meta = m
		return v
	case *FrameworkVersion:
		c := *v
		c.Meta = m
		return c
	}
	return nil
}

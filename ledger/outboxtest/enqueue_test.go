package outboxtest

import (
	"flag"
	"io"

	"context"
	"errors"
	"k8s.io/klog/v2"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) {
	// Tessera logs through klog; keep test output readable.
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
	if runChild() {
		return
	}
	storetest.Main(m)
}

var digest = ledger.Digest([]byte("x"))

func TestEnqueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var id int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			id, err = ledger.Enqueue(ctx, tx, ledger.ConsultationReceipt{Meta: ledger.Meta{ID: "ignored"}, Consultation: "c-1", Commitment: digest})
			return err
		})
		if err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		entry, err := ledger.OutboxEntry(ctx, db, id)
		if err != nil {
			t.Fatalf("OutboxEntry(%d): %v", id, err)
		}
		rec, err := ledger.DecodeEntry(entry)
		if err != nil {
			t.Fatalf("DecodeEntry(%s): %v", entry, err)
		}
		cr, ok := rec.(ledger.ConsultationReceipt)
		if !ok || cr.ID != ledger.EntryID(id) || cr.Consultation != "c-1" {
			t.Errorf("stored entry = %s, want a consultation receipt with id %q", entry, ledger.EntryID(id))
		}
		if tm, _ := time.Parse(ledger.TimeLayout, cr.Time); time.Since(tm) > time.Minute {
			t.Errorf("entry time = %s, want about now", cr.Time)
		}
		if _, ok, err := ledger.EntryIndex(ctx, db, id); err != nil || ok {
			t.Errorf("EntryIndex(%d) = ok %v, err %v; want pending", id, ok, err)
		}
		if _, _, err := ledger.EntryIndex(ctx, db, id+100); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("EntryIndex(missing) err = %v, want ErrNotFound", err)
		}
	})
}

func TestEnqueueInvalidLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tests := []struct {
			name string
			rec  ledger.Record
		}{
			{"bad digest", ledger.ConsultationReceipt{Consultation: "c-1", Commitment: "nothex"}},
			{"bad op", ledger.RegisterChange{Register: "vendors", Op: "rename", Subject: "v1"}},
			{"empty endorser", ledger.Endorsement{FrameworkVersion: "declaration.2024", DocumentSHA256: digest}},
		}
		for _, tt := range tests {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := ledger.Enqueue(ctx, tx, tt.rec)
				return err
			})
			if !errors.Is(err, pallmall.ErrInvalid) || !errors.Is(err, ledger.ErrInvalidEntry) {
				t.Errorf("%s: Enqueue err = %v, want ErrInvalid and ErrInvalidEntry", tt.name, err)
			}
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM ledger_outbox`).Scan(&n); err != nil || n != 0 {
			t.Errorf("outbox rows after invalid enqueues = %d (%v), want 0", n, err)
		}
	})
}

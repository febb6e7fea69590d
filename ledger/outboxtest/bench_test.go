package outboxtest

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// BenchmarkOutboxReceipts measures sustained appends with receipts through
// the outbox, on SQLite: 64 writers each commit a record with its outbox row,
// wait until the worker has appended it and a published checkpoint covers
// it, and fetch its receipt.
func BenchmarkOutboxReceipts(b *testing.B) {
	ctx := context.Background()
	db := storetest.SQLite(b)
	dir := b.TempDir()
	key, err := ledger.LoadOrCreateKey(filepath.Join(dir, "key"), testOrigin)
	if err != nil {
		b.Fatal(err)
	}
	l, err := ledger.Open(ctx, ledger.Options{Dir: filepath.Join(dir, "log"), Key: key})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(ctx)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		ledger.NewWorker(db, l, ledger.WorkerOptions{Poll: 5 * time.Millisecond}).Run(runCtx)
		close(done)
	}()
	defer func() { stop(); <-done }()

	const writers = 64
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	b.ResetTimer()
	start := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := appendWithReceipt(ctx, db, l, key.Verifier); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "receipts/s")
}

func appendWithReceipt(ctx context.Context, db *store.DB, l *ledger.Log, v note.Verifier) error {
	var id int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = ledger.Enqueue(ctx, tx, ledger.ConsultationReceipt{Consultation: "c-bench", Commitment: digest})
		return err
	})
	if err != nil {
		return err
	}
	for {
		idx, ok, err := ledger.EntryIndex(ctx, db, id)
		if err != nil {
			return err
		}
		if ok {
			if _, err := l.WaitPublished(ctx, idx); err != nil {
				return err
			}
			r, err := l.Receipt(ctx, idx)
			if err != nil {
				return err
			}
			_, err = r.Verify(v)
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

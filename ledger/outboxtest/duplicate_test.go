package outboxtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestWorkerSurvivesAnotherWriter appends an outbox row's entry a second
// time behind the worker's back, as a second writer would: the worker
// notices its batch did not land where expected, records nothing for it,
// recovers, keeps each row's first index, counts the duplicate and goes on
// logging.
func TestWorkerSurvivesAnotherWriter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		key, err := ledger.LoadOrCreateKey(filepath.Join(dir, "key"), testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		l, err := ledger.Open(ctx, ledger.Options{Dir: filepath.Join(dir, "log"), Key: key})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close(ctx)
		w := ledger.NewWorker(db, l, ledger.WorkerOptions{})
		first := enqueue(t, db, 3)
		if err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		// A second writer appends row 2's entry again.
		e, _ := ledger.OutboxEntry(ctx, db, first[1])
		if _, err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
		more := enqueue(t, db, 2)
		if err := w.Drain(ctx); err == nil {
			t.Fatal("Drain after a foreign append = nil, want an error for the misplaced batch")
		}
		if err := w.Drain(ctx); err != nil {
			t.Fatalf("Drain after recovery: %v", err)
		}
		if w.Duplicates != 1 {
			t.Errorf("Duplicates = %d, want 1", w.Duplicates)
		}
		idx, _, _ := ledger.EntryIndex(ctx, db, first[1])
		if idx != 1 {
			t.Errorf("row %d index = %d, want its first index 1", first[1], idx)
		}
		size, _ := l.Size(ctx)
		for _, id := range append(first, more...) {
			if _, ok, err := ledger.EntryIndex(ctx, db, id); err != nil || !ok {
				t.Errorf("row %d not logged: %v", id, err)
			}
		}
		// 5 rows, 1 duplicate, and the misplaced batch of 2 appended before
		// the error was noticed: recovery recorded those, so nothing more.
		if size != 6 {
			t.Errorf("log size = %d, want 6 (5 rows and 1 duplicate)", size)
		}
	})
}

package outboxtest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/fsck"

	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// openDB opens a migrated database the child process can open too: SQLite
// in dir, or a fresh PostgreSQL schema.
func openDB(t *testing.T, dir string, postgres bool) (*store.DB, string) {
	t.Helper()
	var u string
	if postgres {
		u = storetest.URL(t)
	}
	db, err := store.Open(context.Background(), store.Config{URL: u, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, u
}

// enqueue writes n records through the outbox, ten to a transaction, and
// returns their outbox ids.
func enqueue(t *testing.T, db *store.DB, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for len(ids) < n {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for j := 0; j < 10 && len(ids) < n; j++ {
				var rec ledger.Record = ledger.ConsultationReceipt{Consultation: "c-crash", Commitment: ledger.Digest([]byte{byte(len(ids)), byte(len(ids) >> 8)})}
				if len(ids)%3 == 1 {
					rec = ledger.RegisterChange{Register: "vendors", Op: ledger.OpAdd, Subject: "v1", RecordSHA256: digest}
				}
				id, err := ledger.Enqueue(ctx, tx, rec)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("enqueue: %v", err)
		}
	}
	return ids
}

func startChild(t *testing.T, dir, dbURL string, dieAfter int) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+dir, envChildDB+"="+dbURL, envDieAfter+"="+itoa(dieAfter))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

func itoa(n int) string { return ledger.EntryID(int64(n)) }

func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

func countLogged(t *testing.T, db *store.DB) int {
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM ledger_outbox WHERE log_index IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCrashMidBatch appends thousands of records through the outbox with a
// worker in a child process, kills it twice mid-batch (once right after an
// append and before its recording, once at a random moment), restarts, and
// checks that every committed record has exactly one entry, that Verify
// passes, and that Tessera's fsck passes against the served log.
func TestCrashMidBatch(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
			if os.Getenv(storetest.EnvURL) == "" {
				continue
			}
		}
		t.Run(name, func(t *testing.T) { crashTest(t, pg) })
	}
}

func crashTest(t *testing.T, postgres bool) {
	ctx := context.Background()
	dir := t.TempDir()
	db, dbURL := openDB(t, dir, postgres)
	key, err := ledger.LoadOrCreateKey(filepath.Join(dir, "key"), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	ids := enqueue(t, db, 3000)

	// 1. The child dies right after appending its third batch, before
	// recording it: 600 rows recorded, 200 more entries in the log.
	cmd, stderr := startChild(t, dir, dbURL, 3)
	if err := cmd.Wait(); !killedBySIGKILL(err) {
		t.Fatalf("child 1 exit = %v, want killed by SIGKILL; stderr:\n%s", err, stderr)
	}
	if got := countLogged(t, db); got != 400 {
		t.Errorf("rows recorded after child 1 = %d, want 400 (two batches recorded, the third appended only)", got)
	}

	// 2. A new child recovers, then is killed at an arbitrary moment while
	// more records are committed concurrently.
	cmd, stderr = startChild(t, dir, dbURL, 0)
	ids = append(ids, enqueue(t, db, 1000)...)
	deadline := time.Now().Add(30 * time.Second)
	for countLogged(t, db) < 1500 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); !killedBySIGKILL(err) {
		t.Fatalf("child 2 exit = %v, want killed by SIGKILL; stderr:\n%s", err, stderr)
	}
	t.Logf("child 2 killed with %d of %d rows recorded", countLogged(t, db), len(ids))

	// 3. Restart in this process and drain the outbox.
	logDir := filepath.Join(dir, "log")
	l, err := ledger.Open(ctx, ledger.Options{Dir: logDir, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	w := ledger.NewWorker(db, l, childOptions(nil))
	drainCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		err := w.Drain(drainCtx)
		if err == nil {
			break
		}
		if !errors.Is(err, ledger.ErrLeaseLost) {
			t.Fatalf("Drain: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // the killed child's lease expires
	}

	// Every committed record has exactly one entry, and every entry is a
	// committed record.
	size, err := l.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if size != uint64(len(ids)) {
		t.Fatalf("log size = %d, want %d (one entry per record)", size, len(ids))
	}
	entries, err := l.Entries(ctx, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[uint64]bool)
	for _, id := range ids {
		idx, ok, err := ledger.EntryIndex(ctx, db, id)
		if err != nil || !ok {
			t.Fatalf("EntryIndex(%d) = %d, %v, %v; want logged", id, idx, ok, err)
		}
		if seen[idx] {
			t.Fatalf("index %d recorded for two rows", idx)
		}
		seen[idx] = true
		want, _ := ledger.OutboxEntry(ctx, db, id)
		if !bytes.Equal(entries[idx], want) {
			t.Fatalf("entry %d = %s, want outbox row %d's %s", idx, entries[idx], id, want)
		}
	}
	cp, err := l.WaitPublished(ctx, size-1)
	if err != nil {
		t.Fatal(err)
	}
	idx, _, _ := ledger.EntryIndex(ctx, db, ids[1234])
	receipt, err := l.Receipt(ctx, idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// The served log verifies, with the receipt and a full audit, and
	// Tessera's own fsck accepts it.
	mux := http.NewServeMux()
	mux.Handle("/log/", http.StripPrefix("/log/", ledger.NewHandler(logDir)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	rep, err := ledger.Verify(ctx, ledger.VerifyOptions{URL: srv.URL + "/log/", VerifierKey: key.VerifierKey,
		StatePath: filepath.Join(dir, "verifier-state"), Receipt: receipt, Audit: true})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if rep.Checkpoint.Size != cp.Size {
		t.Errorf("verified size = %d, want %d", rep.Checkpoint.Size, cp.Size)
	}
	base, _ := url.Parse(srv.URL + "/log/")
	fetcher, err := client.NewHTTPFetcher(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fsck.New(testOrigin, key.Verifier, fetcher, bundleHasher, fsck.Opts{N: 2}).Check(ctx); err != nil {
		t.Errorf("tessera fsck: %v", err)
	}
}

func bundleHasher(b []byte) ([][]byte, error) {
	var eb api.EntryBundle
	if err := eb.UnmarshalText(b); err != nil {
		return nil, err
	}
	hs := make([][]byte, len(eb.Entries))
	for i, e := range eb.Entries {
		hs[i] = rfc6962.DefaultHasher.HashLeaf(e)
	}
	return hs, nil
}

package outboxtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// Environment of the crash test's child process.
const (
	envChild    = "PALLMALL_OUTBOX_CHILD_DIR" // data directory: log, key, SQLite
	envChildDB  = "PALLMALL_OUTBOX_CHILD_DB"  // PostgreSQL URL, or empty for SQLite
	envDieAfter = "PALLMALL_OUTBOX_CHILD_DIE_AFTER"
)

const testOrigin = "pallmall.test/log"

// runChild runs the crash test's child process when the test binary is
// re-executed for it, and reports whether it did. The child runs the outbox
// worker until it is killed, or kills itself with SIGKILL right after
// appending its Nth batch and before recording it, when envDieAfter is N.
func runChild() bool {
	dir := os.Getenv(envChild)
	if dir == "" {
		return false
	}
	if err := child(dir); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	os.Exit(0)
	return true
}

func child(dir string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: os.Getenv(envChildDB), DataDir: dir})
	if err != nil {
		return err
	}
	key, err := ledger.LoadOrCreateKey(filepath.Join(dir, "key"), testOrigin)
	if err != nil {
		return err
	}
	l, err := ledger.Open(ctx, ledger.Options{Dir: filepath.Join(dir, "log"), Key: key})
	if err != nil {
		return err
	}
	dieAfter, _ := strconv.Atoi(os.Getenv(envDieAfter))
	batches := 0
	w := ledger.NewWorker(db, l, childOptions(func([]uint64) {
		batches++
		if batches == dieAfter {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Hour)
		}
	}))
	return w.Run(ctx)
}

func childOptions(after func([]uint64)) ledger.WorkerOptions {
	return ledger.WorkerOptions{Batch: 200, Poll: 10 * time.Millisecond, Lease: 400 * time.Millisecond, AfterAppend: after}
}

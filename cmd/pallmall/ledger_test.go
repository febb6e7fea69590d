package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// TestLogServedAndVerified starts the platform, commits a record through
// the outbox, waits for the worker to log it, and checks `log key` and
// `log verify` (with state, receipt and audit) against the served /log/,
// then that a corrupted tile is reported, never as success.
func TestLogServedAndVerified(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := &App{}
	a.DB.dataDir = dir
	url, stop := startApp(t, a)

	var id int64
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = ledger.Enqueue(ctx, tx, ledger.RegisterChange{Register: "vendors", Op: ledger.OpRemove, Subject: "v-1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var idx uint64
	for deadline := time.Now().Add(10 * time.Second); ; {
		var ok bool
		if idx, ok, err = ledger.EntryIndex(ctx, a.db, id); err != nil {
			t.Fatal(err)
		} else if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("outbox row not logged within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := a.ledger.WaitPublished(ctx, idx); err != nil {
		t.Fatal(err)
	}
	r, err := a.ledger.Receipt(ctx, idx)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := r.MarshalJSON()
	receipt := filepath.Join(dir, "receipt.json")
	os.WriteFile(receipt, rb, 0o600)
	vkey := a.ledger.Key().VerifierKey

	out, _, err := runCmd(t, "log", "key", "--data", dir)
	if err != nil || strings.TrimSpace(out) != vkey {
		t.Errorf("log key = %q, %v; want %q", out, err, vkey)
	}
	keyFile := filepath.Join(dir, "verifier.key")
	os.WriteFile(keyFile, []byte(vkey+"\n"), 0o644)
	state := filepath.Join(dir, "verifier-state")
	out, _, err = runCmd(t, "log", "verify", "--url", url+"/log/", "--key", keyFile, "--state", state, "--receipt", receipt, "--audit")
	if err != nil || !strings.HasPrefix(out, "OK: ") || !strings.Contains(out, "is included") {
		t.Fatalf("log verify = %q, %v; want OK with the receipt included", out, err)
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Corrupt the level-0 tile and serve the same directory again.
	tile := filepath.Join(dir, "log", "tile", "0", "000.p", "1")
	b, err := os.ReadFile(tile)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1
	os.WriteFile(tile, b, 0o644)
	b2 := &App{}
	b2.DB.dataDir = dir
	url, _ = startApp(t, b2)
	if got := b2.ledger.Key().VerifierKey; got != vkey {
		t.Errorf("restarted on another port: verifier key = %q, want the same %q", got, vkey)
	}
	out, _, err = runCmd(t, "log", "verify", "--url", url+"/log/", "--key", keyFile, "--receipt", receipt, "--audit")
	if err == nil || !strings.Contains(err.Error(), "LOG NOT VERIFIED") || !strings.Contains(err.Error(), "tile/0/000.p/1") {
		t.Errorf("log verify(corrupted tile) = %q, %v; want LOG NOT VERIFIED naming tile/0/000.p/1", out, err)
	}
}

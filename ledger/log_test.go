package ledger

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

const testOrigin = "pallmall.test/log"

// testKey returns a key for testOrigin, created once per test.
func testKey(t testing.TB) *Key {
	t.Helper()
	k, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "key"), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// openTestLog opens a log in dir, closed when the test ends.
func openTestLog(t testing.TB, dir string, k *Key) *Log {
	t.Helper()
	l, err := Open(context.Background(), Options{Dir: dir, Key: k})
	if err != nil {
		t.Fatalf("Open(%s) error: %v", dir, err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return l
}

// testEntry returns the i-th test entry, distinct for each (i, tag).
func testEntry(t testing.TB, tag string, i int) []byte {
	b, err := EncodeEntry(ConsultationReceipt{
		Meta:         NewMeta(fmt.Sprintf("%s-%d", tag, i), testTime),
		Consultation: "c-1",
		Commitment:   Digest([]byte(fmt.Sprintf("%s/%d", tag, i))),
	})
	if err != nil {
		panic(err) // test entries are valid by construction
	}
	return b
}

func testEntries(t testing.TB, tag string, from, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = testEntry(t, tag, from+i)
	}
	return out
}

// TestLogAppendProve appends thousands of entries, in batches and singly,
// then checks every inclusion proof and consistency proofs between the
// sizes seen along the way.
func TestLogAppendProve(t *testing.T) {
	ctx := context.Background()
	l := openTestLog(t, t.TempDir(), testKey(t))

	var all [][]byte
	var cps []Checkpoint
	for _, n := range []int{1, 255, 1, 700, 43, 1500} {
		batch := testEntries(t, "e", len(all), n)
		idx, err := l.AppendMany(ctx, batch)
		if err != nil {
			t.Fatalf("AppendMany(%d entries) error: %v", n, err)
		}
		for i, got := range idx {
			if want := uint64(len(all) + i); got != want {
				t.Fatalf("AppendMany index %d = %d, want %d", i, got, want)
			}
		}
		all = append(all, batch...)
		cp, err := l.WaitPublished(ctx, idx[len(idx)-1])
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
	}
	idx, err := l.Append(ctx, testEntry(t, "e", len(all)))
	if err != nil || idx != uint64(len(all)) {
		t.Fatalf("Append() = %d, %v, want %d", idx, err, len(all))
	}
	all = append(all, testEntry(t, "e", len(all)))
	cp, err := l.WaitPublished(ctx, idx)
	if err != nil {
		t.Fatal(err)
	}
	cps = append(cps, cp)
	if cp.Size != uint64(len(all)) {
		t.Fatalf("final checkpoint size = %d, want %d", cp.Size, len(all))
	}

	got, err := l.Entries(ctx, 0, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	for i := range all {
		if !bytes.Equal(got[i], all[i]) {
			t.Fatalf("Entries()[%d] = %s, want %s", i, got[i], all[i])
		}
		p, err := l.InclusionProof(ctx, uint64(i), cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), cp.Size, rfc6962.DefaultHasher.HashLeaf(all[i]), p, cp.Hash); err != nil {
			t.Fatalf("inclusion proof for entry %d of %d: %v", i, cp.Size, err)
		}
	}
	for i, a := range cps {
		for _, b := range cps[i:] {
			p, err := l.ConsistencyProof(ctx, a.Size, b.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, a.Size, b.Size, p, a.Hash, b.Hash); err != nil {
				t.Errorf("consistency %d -> %d: %v", a.Size, b.Size, err)
			}
		}
	}

	r, err := l.Receipt(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify(l.key.Verifier); err != nil {
		t.Errorf("Receipt(300).Verify() error: %v", err)
	}
	if _, err := l.Append(ctx, []byte(`{"not":"an entry"}`)); err == nil {
		t.Errorf("Append(invalid entry) = nil error, want ErrInvalidEntry")
	}
}

// TestLogReopen checks the log survives Close and Open, keeping its entries
// and its key.
func TestLogReopen(t *testing.T) {
	ctx := context.Background()
	dir, k := t.TempDir(), testKey(t)
	l, err := Open(ctx, Options{Dir: dir, Key: k})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AppendMany(ctx, testEntries(t, "a", 0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatalf("Close() error: %v", err)
	}
	if _, err := l.Append(ctx, testEntry(t, "a", 10)); err == nil {
		t.Errorf("Append after Close = nil error, want ErrClosed")
	}
	l2 := openTestLog(t, dir, k)
	cp, err := l2.Checkpoint(ctx)
	if err != nil || cp.Size != 10 {
		t.Fatalf("Checkpoint() after reopen = size %d, %v, want 10", cp.Size, err)
	}
	idx, err := l2.Append(ctx, testEntry(t, "a", 10))
	if err != nil || idx != 10 {
		t.Fatalf("Append() after reopen = %d, %v, want 10", idx, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := l2.WaitPublished(tctx, idx); err != nil {
		t.Fatal(err)
	}
	e, err := l2.Entry(ctx, 3)
	if err != nil || !bytes.Equal(e, testEntry(t, "a", 3)) {
		t.Errorf("Entry(3) = %s, %v, want %s", e, err, testEntry(t, "a", 3))
	}
}

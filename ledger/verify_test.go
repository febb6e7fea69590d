package ledger

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/fsck"
	"golang.org/x/mod/sumdb/note"
)

func TestVerify(t *testing.T) {
	ctx := context.Background()
	f := getFixture(t)
	state := filepath.Join(t.TempDir(), "state")

	_, url300 := serveCopy(t, f.dir300)
	rep, err := Verify(ctx, VerifyOptions{URL: url300, VerifierKey: f.key.VerifierKey, StatePath: state})
	if err != nil {
		t.Fatalf("Verify(first use) error: %v", err)
	}
	if !rep.FirstUse || rep.Checkpoint.Size != 300 {
		t.Errorf("Verify(first use) = %+v, want FirstUse and size 300", rep)
	}
	if b, _ := os.ReadFile(state); !bytes.Equal(b, f.cp300.Raw) {
		t.Errorf("state after first use = %q, want the size-300 checkpoint", b)
	}

	_, url600 := serveCopy(t, f.dir600)
	rep, err = Verify(ctx, VerifyOptions{URL: url600, VerifierKey: f.key.VerifierKey, StatePath: state, Receipt: f.receipt, Audit: true})
	if err != nil {
		t.Fatalf("Verify(grown log, receipt, audit) error: %v", err)
	}
	if rep.FirstUse || rep.PreviousSize != 300 || rep.Checkpoint.Size != 600 || rep.ReceiptIndex == nil || *rep.ReceiptIndex != 5 || !rep.Audited {
		t.Errorf("Verify(grown log) = %+v, want previous 300, size 600, receipt 5, audited", rep)
	}
	if b, _ := os.ReadFile(state); !bytes.Equal(b, f.cp600.Raw) {
		t.Errorf("state after growth = %q, want the size-600 checkpoint", b)
	}
	// A receipt issued under an older checkpoint still verifies later.
	l300Receipt := *f.receipt
	if _, err := Verify(ctx, VerifyOptions{URL: url600, VerifierKey: f.key.VerifierKey, Receipt: &l300Receipt}); err != nil {
		t.Errorf("Verify(receipt again) error: %v", err)
	}
}

// TestVerifyTampering checks that each way of tampering with a served log
// is reported as such, names the resource at fault, and leaves the state
// file untouched.
func TestVerifyTampering(t *testing.T) {
	ctx := context.Background()
	f := getFixture(t)
	otherKey := testKey(t)
	otherOriginKey, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "k"), "evil.test/log")
	if err != nil {
		t.Fatal(err)
	}
	resign := func(k *Key) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			text := log.Checkpoint{Origin: k.Origin(), Size: f.cp600.Size, Hash: f.cp600.Hash}.Marshal()
			raw, err := note.Sign(&note.Note{Text: string(text)}, k.Signer)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "checkpoint"), raw)
		}
	}
	flipByte := func(name string, off func([]byte) int) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, name)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[off(b)] ^= 0x01
			writeFile(t, p, b)
		}
	}
	at := func(i int) func([]byte) int { return func([]byte) int { return i } }
	remove := func(name string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	badReceipt := *f.receipt
	badReceipt.Entry = testEntry(t, "e", 6)

	tests := []struct {
		name     string
		src      string
		tamper   func(t *testing.T, dir string)
		state    []byte
		receipt  *Receipt
		audit    bool
		want     error
		wantPath string
	}{
		{name: "checkpoint signed by another key", src: f.dir600, tamper: resign(otherKey), state: f.cp300.Raw, want: ErrBadSignature},
		{name: "checkpoint signed for another origin", src: f.dir600, tamper: resign(otherOriginKey), want: ErrBadSignature},
		{name: "checkpoint missing", src: f.dir600, tamper: remove("checkpoint"), want: ErrMissingResource, wantPath: "checkpoint"},
		{name: "rolled back below state", src: f.dir300, state: f.cp600.Raw, want: ErrRollback},
		{name: "rolled back below receipt", src: f.dir300, receipt: f.receipt, want: ErrRollback},
		{name: "forked", src: f.fork, state: f.cp600.Raw, want: ErrInconsistent},
		{name: "forked under receipt", src: f.fork, receipt: f.receipt, want: ErrInconsistent},
		{name: "tile corrupted on proof path", src: f.dir600, tamper: flipByte("tile/0/000", at(4*32)), state: f.cp300.Raw, receipt: f.receipt, want: ErrCorruptResource, wantPath: "tile/0/000"},
		{name: "tile corrupted elsewhere, audit", src: f.dir600, tamper: flipByte("tile/0/001", at(77)), audit: true, want: ErrCorruptResource, wantPath: "tile/0/001"},
		{name: "tile deleted", src: f.dir600, tamper: remove("tile/0/000"), receipt: f.receipt, want: ErrMissingResource, wantPath: "tile/0/000"},
		{name: "partial tile deleted", src: f.dir600, tamper: remove("tile/0/002.p/88"), state: f.cp300.Raw, want: ErrMissingResource, wantPath: "tile/0/002.p/88"},
		{name: "entry bundle corrupted, audit", src: f.dir600, tamper: flipByte("tile/entries/001", func(b []byte) int {
			return bytes.Index(b, []byte(`"commitment":"`)) + len(`"commitment":"`)
		}), audit: true, want: ErrCorruptResource, wantPath: "tile/entries/001"},
		{name: "receipt for another entry", src: f.dir600, receipt: &badReceipt, want: ErrNotIncluded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, u := serveCopy(t, tt.src)
			if tt.tamper != nil {
				tt.tamper(t, dir)
			}
			var state string
			if tt.state != nil {
				state = filepath.Join(t.TempDir(), "state")
				writeFile(t, state, tt.state)
			}
			rep, err := Verify(ctx, VerifyOptions{URL: u, VerifierKey: f.key.VerifierKey, StatePath: state, Receipt: tt.receipt, Audit: tt.audit})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify() = %v, %v; want error %v", rep, err, tt.want)
			}
			t.Logf("Verify() error: %v", err)
			if tt.wantPath != "" {
				var re *ResourceError
				if !errors.As(err, &re) || re.Path != tt.wantPath {
					t.Errorf("Verify() error %v names %v, want %s", err, re, tt.wantPath)
				}
			}
			if state != "" {
				if b, _ := os.ReadFile(state); !bytes.Equal(b, tt.state) {
					t.Errorf("state file changed after a failed verification")
				}
			}
		})
	}
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTesseraFsck serves the log through NewHandler and checks it with
// Tessera's own fsck package, an unmodified third-party tlog-tiles client
// that re-derives every tile from the entry bundles, over HTTP.
func TestTesseraFsck(t *testing.T) {
	f := getFixture(t)
	bundleHasher := func(b []byte) ([][]byte, error) {
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
	check := func(src string, tamper func(dir string)) error {
		dir, u := serveCopy(t, src)
		if tamper != nil {
			tamper(dir)
		}
		base, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		fetcher, err := client.NewHTTPFetcher(base, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fsck.New(testOrigin, f.key.Verifier, fetcher, bundleHasher, fsck.Opts{N: 2}).Check(context.Background())
	}
	for _, src := range []string{f.dir300, f.dir600} {
		if err := check(src, nil); err != nil {
			t.Errorf("fsck(%s) error: %v", filepath.Base(src), err)
		}
	}
	err := check(f.dir600, func(dir string) {
		p := filepath.Join(dir, "tile/0/001")
		b, _ := os.ReadFile(p)
		b[10] ^= 1
		writeFile(t, p, b)
	})
	if err == nil {
		t.Errorf("fsck(corrupted tile) = nil, want error")
	}
}

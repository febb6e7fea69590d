package ledger

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// fakeWitness is a minimal C2SP tlog-witness: it checks the log's
// signature and the consistency proof from the last checkpoint it cosigned,
// and answers with a cosignature/v1.
type fakeWitness struct {
	logVerifier note.Verifier
	signer      note.Signer
	vkey        string

	mu   sync.Mutex
	size uint64
	root []byte
	seen int
}

func newFakeWitness(t *testing.T, logVerifier note.Verifier) *fakeWitness {
	skey, vkey, err := note.GenerateKey(rand.Reader, "witness.example")
	if err != nil {
		t.Fatal(err)
	}
	s, err := f_note.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeWitness{logVerifier: logVerifier, signer: s, vkey: vkey}
}

func (w *fakeWitness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Scan()
	old, err := strconv.ParseUint(strings.TrimPrefix(sc.Text(), "old "), 10, 64)
	if err != nil {
		http.Error(rw, "bad old line", http.StatusBadRequest)
		return
	}
	var hashes [][]byte
	for sc.Scan() && sc.Text() != "" {
		h, _ := base64.StdEncoding.DecodeString(sc.Text())
		hashes = append(hashes, h)
	}
	cpRaw := body[bytes.Index(body, []byte("\n\n"))+2:]
	cp, err := ParseCheckpoint(cpRaw, w.logVerifier)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusForbidden)
		return
	}
	if old != w.size {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", w.size)
		return
	}
	if w.size > 0 {
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, w.size, cp.Size, hashes, w.root, cp.Hash); err != nil {
			http.Error(rw, "inconsistent", http.StatusUnprocessableEntity)
			return
		}
	}
	w.size, w.root = cp.Size, cp.Hash
	w.seen++
	n, err := note.Sign(&note.Note{Text: string(cpRaw[:bytes.Index(cpRaw, []byte("\n\n"))+1])}, w.signer)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	// Return only the signature lines.
	rw.Write(n[bytes.Index(n, []byte("\n\n"))+2:])
}

// TestWitnessedLog publishes checkpoints only once a witness cosigned them,
// and Verify with the witness policy accepts them; without the witness's
// cosignature Verify refuses.
func TestWitnessedLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key, err := LoadOrCreateKey(filepath.Join(dir, "key"), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	w := newFakeWitness(t, key.Verifier)
	ws := httptest.NewServer(w)
	defer ws.Close()
	policy := []byte(fmt.Sprintf("witness w1 %s %s\nquorum w1\n", w.vkey, ws.URL))
	l, err := Open(ctx, Options{Dir: filepath.Join(dir, "log"), Key: key, WitnessPolicy: policy})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := l.AppendWithReceipt(ctx, testEntries(t, "w", i*10, 1)[0]); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if w.seen < 2 {
		t.Errorf("witness cosigned %d checkpoints, want at least 2 (consistency proofs between them checked)", w.seen)
	}
	_, u := serveCopy(t, filepath.Join(dir, "log"))
	rep, err := Verify(ctx, VerifyOptions{URL: u, VerifierKey: key.VerifierKey, WitnessPolicy: policy})
	if err != nil || !rep.Witnessed || rep.Checkpoint.Size != 3 {
		t.Errorf("Verify(witnessed) = %+v, %v; want size 3, witnessed", rep, err)
	}
	other := newFakeWitness(t, key.Verifier)
	_, err = Verify(ctx, VerifyOptions{URL: u, VerifierKey: key.VerifierKey, WitnessPolicy: []byte(fmt.Sprintf("witness w2 %s %s\nquorum w2\n", other.vkey, ws.URL))})
	if !errors.Is(err, ErrNotWitnessed) {
		t.Errorf("Verify(policy naming another witness) err = %v, want ErrNotWitnessed", err)
	}
}

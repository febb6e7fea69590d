package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReceiptJSONRoundTrip(t *testing.T) {
	f := getFixture(t)
	b, err := json.Marshal(f.receipt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`{"v":1,"index":5,"entry":"`)) {
		t.Errorf("json.Marshal(receipt) = %.60s..., want it to start with v, index, entry", b)
	}
	got, err := ParseReceipt(b)
	if err != nil {
		t.Fatalf("ParseReceipt(json.Marshal(r)) error: %v", err)
	}
	if diff := cmp.Diff(f.receipt, got); diff != "" {
		t.Errorf("ParseReceipt round trip mismatch (-want +got):\n%s", diff)
	}
	if _, err := got.Verify(f.key.Verifier); err != nil {
		t.Errorf("Verify() error: %v", err)
	}
	if _, err := got.Verify(testKey(t).Verifier); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify(other key) error = %v, want ErrBadSignature", err)
	}
}

func TestParseReceiptRejects(t *testing.T) {
	hash := strings.Repeat("A", 43) + "="
	tests := []struct{ name, in string }{
		{"no version", `{"index":1,"entry":"e30=","checkpoint":"x","inclusion_proof":[]}`},
		{"version 2", `{"v":2,"index":1,"entry":"e30=","checkpoint":"x","inclusion_proof":[]}`},
		{"no index", `{"v":1,"entry":"e30=","checkpoint":"x","inclusion_proof":[]}`},
		{"no entry", `{"v":1,"index":1,"checkpoint":"x","inclusion_proof":[]}`},
		{"no checkpoint", `{"v":1,"index":1,"entry":"e30=","inclusion_proof":[]}`},
		{"short hash", `{"v":1,"index":1,"entry":"e30=","checkpoint":"x","inclusion_proof":["AAAA"]}`},
		{"unknown field", `{"v":1,"index":1,"entry":"e30=","checkpoint":"x","inclusion_proof":["` + hash + `"],"leaf":"x"}`},
		{"negative index", `{"v":1,"index":-1,"entry":"e30=","checkpoint":"x","inclusion_proof":[]}`},
		{"trailing", `{"v":1,"index":1,"entry":"e30=","checkpoint":"x","inclusion_proof":[]} {}`},
		{"not json", `index=1`},
	}
	for _, tt := range tests {
		if r, err := ParseReceipt([]byte(tt.in)); !errors.Is(err, ErrInvalidReceipt) {
			t.Errorf("ParseReceipt(%s) = %+v, %v, want ErrInvalidReceipt", tt.name, r, err)
		}
	}
}

// FuzzParseReceipt checks ParseReceipt never panics, and that whatever it
// accepts survives a round trip and can be verified without panicking.
func FuzzParseReceipt(f *testing.F) {
	f.Add([]byte(`{"v":1,"index":0,"entry":"e30=","checkpoint":"o\n1\nAAAA\n\n— o abc=\n","inclusion_proof":[]}`))
	k, err := LoadOrCreateKey(f.TempDir(), testOrigin)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ParseReceipt(in)
		if err != nil {
			return
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseReceipt(b)
		if err != nil {
			t.Fatalf("ParseReceipt(json.Marshal(ParseReceipt(%q))) error: %v", in, err)
		}
		if diff := cmp.Diff(r, again); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
		if _, err := r.Verify(k.Verifier); err == nil {
			t.Fatalf("fuzzed receipt %q verified with a fresh key", in)
		}
	})
}

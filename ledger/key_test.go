package ledger

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k1, err := LoadOrCreateKey(dir, "pallmall.example.org/log")
	if err != nil {
		t.Fatalf("LoadOrCreateKey (create) error: %v", err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, KeyFile): 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %04o, want %04o", p, got, want)
		}
	}
	k2, err := LoadOrCreateKey(dir, "pallmall.example.org/log")
	if err != nil {
		t.Fatalf("LoadOrCreateKey (reload) error: %v", err)
	}
	if k1.VerifierKey != k2.VerifierKey {
		t.Errorf("reloaded VerifierKey = %q, want %q", k2.VerifierKey, k1.VerifierKey)
	}
	if k1.Origin() != "pallmall.example.org/log" {
		t.Errorf("Origin() = %q, want pallmall.example.org/log", k1.Origin())
	}
	// The verifier key must verify what the signer signs.
	msg := []byte("pallmall.example.org/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
	sig, err := k1.Signer.Sign(msg)
	if err != nil || !k2.Verifier.Verify(msg, sig) {
		t.Errorf("Verifier.Verify(Signer.Sign(msg)) = false (sign error %v)", err)
	}

	if _, err := LoadOrCreateKey(dir, "other.example.org/log"); err == nil {
		t.Errorf("LoadOrCreateKey(other origin) = nil error, want origin mismatch")
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		if err := os.Chmod(filepath.Join(dir, KeyFile), mode); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateKey(dir, "pallmall.example.org/log"); !errors.Is(err, ErrInsecureKeyFile) {
			t.Errorf("LoadOrCreateKey(key mode %04o) error = %v, want ErrInsecureKeyFile", mode, err)
		}
	}
}

func TestOriginFromURL(t *testing.T) {
	tests := []struct {
		url, want string
		wantErr   bool
	}{
		{url: "https://pallmall.example.org", want: "pallmall.example.org/log"},
		{url: "https://pallmall.example.org/", want: "pallmall.example.org/log"},
		{url: "https://Example.ORG/pallmall/", want: "example.org/pallmall/log"},
		{url: "http://localhost:8080", want: "localhost:8080/log"},
		{url: "pallmall.example.org", wantErr: true},
		{url: "ftp://example.org", wantErr: true},
		{url: "https://example.org/a+b", wantErr: true},
	}
	for _, tt := range tests {
		got, err := OriginFromURL(tt.url)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("OriginFromURL(%q) = %q, %v, want %q (error: %v)", tt.url, got, err, tt.want, tt.wantErr)
		}
	}
}

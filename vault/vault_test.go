package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k := Ephemeral()
	s := k.Seal("users.email", "dana@example.org")
	if strings.Contains(s, "dana") || !strings.HasPrefix(s, "v1.1.") {
		t.Fatalf("Seal = %q", s)
	}
	if s2 := k.Seal("users.email", "dana@example.org"); s2 == s {
		t.Error("two seals of one value are equal: nonce reused")
	}
	if got, err := k.Open("users.email", s); err != nil || got != "dana@example.org" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := k.Open("users.name", s); !errors.Is(err, ErrUndecryptable) {
		t.Errorf("Open in another context = %v, want ErrUndecryptable", err)
	}
	for _, bad := range []string{"plain text", "v1.9." + s[5:], s[:len(s)-2], "v1.1"} {
		if _, err := k.Open("users.email", bad); !errors.Is(err, ErrUndecryptable) {
			t.Errorf("Open(%q) = %v, want ErrUndecryptable", bad, err)
		}
	}
	if k.Seal("x", "") != "" {
		t.Error("empty value did not seal to empty")
	}
	first, again := k.Index("c", "v"), k.Index("c", "v")
	if first != again {
		t.Error("blind index is not deterministic")
	}
	if Ephemeral().Index("c", "v") == first {
		t.Error("blind index does not depend on the key")
	}
	if k.Index("d", "v") == first {
		t.Error("blind index does not depend on the context")
	}
}

func TestKeyFileAndRotation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k1, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, FileName))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	old := k1.Seal("c", "secret")
	id, err := AddKey(dir)
	if err != nil || id != "2" {
		t.Fatalf("AddKey = %q, %v", id, err)
	}
	k2, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open("c", old); err != nil || got != "secret" {
		t.Errorf("old value after rotation = %q, %v", got, err)
	}
	if k2.Current(old) {
		t.Error("old value reported as sealed with the current key")
	}
	if s := k2.Seal("c", "new"); !strings.HasPrefix(s, "v1.2.") || !k2.Current(s) {
		t.Errorf("new seal %q not with key 2", s)
	}
	if k1.Index("c", "v") != k2.Index("c", "v") {
		t.Error("rotation changed the blind index key")
	}
	os.Chmod(filepath.Join(dir, FileName), 0o644)
	if _, err := LoadOrCreate(dir); err == nil {
		t.Error("a key file readable by others was accepted")
	}
}

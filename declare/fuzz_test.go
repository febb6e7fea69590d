package declare_test

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/declare"
)

// FuzzVerifySignature checks offline endorsement signatures as they arrive
// (pasted base64, any label and digest): no panic, and only the key's own
// signature of exactly that message verifies.
func FuzzVerifySignature(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	digest := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	f.Add("endorse", "Declaration 1.0", digest, declare.Sign(seed, "endorse", "Declaration 1.0", digest))
	f.Add("withdraw", "Code 2", digest, "  not base64 ")
	f.Add("endorse", "x\ny", "", "AAAA")
	pub := seed.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, action, label, digest, sig string) {
		ok := declare.VerifySignature(pub, action, label, digest, sig)
		want := declare.Sign(seed, action, label, digest)
		if ok && sig != want && len(sig) < 80 {
			// Ed25519 signatures are deterministic: another accepted text
			// must be the same signature with surrounding space.
			if strings.TrimSpace(sig) != want {
				t.Fatalf("VerifySignature accepted %q for (%q, %q, %q)", sig, action, label, digest)
			}
		}
		if !declare.VerifySignature(pub, action, label, digest, want) {
			t.Fatalf("VerifySignature refused the key's own signature of (%q, %q, %q)", action, label, digest)
		}
	})
}

// FuzzParseDocument reads framework documents as written by hand: no
// panic, and an error always names a line.
func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(`{"title_en": "Declaration", "title_fr": "Déclaration"}`))
	f.Add([]byte("{\n  \"title_en\": 3\n}"))
	f.Add([]byte("{\"unknown\": true}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var doc declare.Document
		line, err := declare.ParseDocument(b, &doc)
		if err != nil && line < 0 {
			t.Fatalf("ParseDocument error %v on line %d", err, line)
		}
	})
}

package ledger

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"

	"golang.org/x/mod/sumdb/note"
)

// algEd25519 is the note signature algorithm identifier for Ed25519.
const algEd25519 = 1

// deriveVerifierKey computes the note verifier key for the signer key with
// the given name and base64 key material (algorithm byte ‖ Ed25519 seed).
func deriveVerifierKey(name, b64 string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return "", errors.New("malformed Ed25519 signer key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(name, pub)
}

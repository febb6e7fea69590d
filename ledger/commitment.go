package ledger

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// commitmentDomain separates consultation commitments from every other use
// of SHA-256 in the platform.
const commitmentDomain = "pallmall/consultation-receipt/v1\x00"

// SaltSize is the size of the salts NewSalt returns and the minimum Commit
// accepts. 32 random bytes make the commitment hiding: without the salt,
// nobody can confirm a guess of the response.
const SaltSize = 32

// ErrCommitmentMismatch is returned by VerifyCommitment when the salt and
// response do not open the commitment.
var ErrCommitmentMismatch = errors.New("commitment does not match the response")

// NewSalt returns SaltSize random bytes for Commit.
func NewSalt() ([]byte, error) {
	s := make([]byte, SaltSize)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("new salt: %w", err)
	}
	return s, nil
}

// Commit returns the commitment to a consultation response, for
// ConsultationReceipt.Commitment: the lower-case hex of
//
//	SHA-256("pallmall/consultation-receipt/v1" ‖ 0x00 ‖
//	        uint64be(len(salt)) ‖ salt ‖ uint64be(len(c)) ‖ c)
//
// where c is the canonical JSON form of response (see Canonicalize). The
// salt must be at least SaltSize bytes and kept with the response (never in
// the log); the respondent receives it so they can later prove what they
// submitted.
func Commit(salt, response []byte) (string, error) {
	if len(salt) < SaltSize {
		return "", fmt.Errorf("commit: salt is %d bytes, want at least %d", len(salt), SaltSize)
	}
	c, err := Canonicalize(response)
	if err != nil {
		return "", fmt.Errorf("commit: response: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(commitmentDomain))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(salt))))
	h.Write(salt)
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(c))))
	h.Write(c)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// VerifyCommitment checks that salt and response open commitment. It
// returns ErrCommitmentMismatch if they do not.
func VerifyCommitment(commitment string, salt, response []byte) error {
	got, err := Commit(salt, response)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(commitment)) != 1 {
		return ErrCommitmentMismatch
	}
	return nil
}

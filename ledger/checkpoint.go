package ledger

import (
	"errors"
	"fmt"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// Errors describing what is wrong with a log, returned wrapped by Verify,
// ParseCheckpoint and Receipt.Verify. Check them with errors.Is.
var (
	// ErrBadSignature: a checkpoint is not signed by the expected key.
	ErrBadSignature = errors.New("checkpoint signature does not verify with the log's key")
	// ErrMalformedCheckpoint: a checkpoint is signed but cannot be parsed, or
	// names another origin.
	ErrMalformedCheckpoint = errors.New("malformed checkpoint")
	// ErrRollback: the log is smaller than a checkpoint seen before.
	ErrRollback = errors.New("log rolled back")
	// ErrInconsistent: two checkpoints do not describe the same append-only
	// log (the log forked or rewrote history).
	ErrInconsistent = errors.New("log is inconsistent with an earlier checkpoint (forked or rewritten)")
	// ErrNotIncluded: a receipt's entry is not in the log where it claims.
	ErrNotIncluded = errors.New("entry is not included in the log")
	// ErrMissingResource: a checkpoint, tile or entry bundle the log must
	// serve is missing. The *ResourceError names it.
	ErrMissingResource = errors.New("missing log resource")
	// ErrCorruptResource: a tile or entry bundle does not match the rest of
	// the log. The *ResourceError names it.
	ErrCorruptResource = errors.New("corrupted log resource")
)

// ResourceError names the log resource (its tlog-tiles path, such as
// "tile/0/001" or "tile/entries/000.p/12") that is missing or corrupted.
type ResourceError struct {
	Path string
	// Err is ErrMissingResource or ErrCorruptResource, possibly wrapping
	// more detail.
	Err error
}

func (e *ResourceError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns e.Err.
func (e *ResourceError) Unwrap() error { return e.Err }

// Checkpoint is a verified, parsed log checkpoint (https://c2sp.org/tlog-checkpoint).
type Checkpoint struct {
	// Origin names the log.
	Origin string
	// Size is the number of entries the checkpoint commits to.
	Size uint64
	// Hash is the RFC 6962 Merkle tree root hash of those entries.
	Hash []byte
	// Raw is the signed note, as served at /log/checkpoint.
	Raw []byte
}

// ParseCheckpoint verifies raw's signature with v, and parses it. The origin
// must equal v's name. It returns ErrBadSignature if no signature by v
// verifies, and ErrMalformedCheckpoint if the signed text is not a
// checkpoint for v's origin.
func ParseCheckpoint(raw []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return Checkpoint{}, fmt.Errorf("%w (want a signature by %s+%08x)", ErrBadSignature, v.Name(), v.KeyHash())
		}
		var invalid *note.InvalidSignatureError
		if errors.As(err, &invalid) {
			return Checkpoint{}, fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrMalformedCheckpoint, err)
	}
	var cp log.Checkpoint
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrMalformedCheckpoint, err)
	}
	if cp.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("%w: origin %q, want %q", ErrMalformedCheckpoint, cp.Origin, v.Name())
	}
	if len(cp.Hash) != 32 {
		return Checkpoint{}, fmt.Errorf("%w: root hash is %d bytes, want 32", ErrMalformedCheckpoint, len(cp.Hash))
	}
	return Checkpoint{Origin: cp.Origin, Size: cp.Size, Hash: cp.Hash, Raw: raw}, nil
}

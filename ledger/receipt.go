package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// ReceiptVersion is the value of a receipt's "v" field.
const ReceiptVersion = 1

// maxReceiptSize bounds ParseReceipt's input: a 4 KiB entry, a checkpoint and
// 64 proof hashes, base64-encoded, fit comfortably.
const maxReceiptSize = 64 << 10

// ErrInvalidReceipt is returned (wrapped) by ParseReceipt for a receipt
// that is not well formed.
var ErrInvalidReceipt = errors.New("invalid receipt")

// Receipt proves that an entry is in the log. The platform hands it to users
// (for example the respondent to a consultation) as a small JSON file; anyone
// holding the log's verifier key can check it offline with Verify, and check
// that the log still contains it with the package-level Verify.
//
// Its JSON form is
//
//	{"v":1,"index":12,"entry":"<base64>","checkpoint":"<signed note>",
//	 "inclusion_proof":["<base64 hash>",...]}
type Receipt struct {
	// Index is the entry's position in the log, from 0.
	Index uint64 `json:"index"`
	// Entry is the entry's bytes, exactly as logged (canonical JSON).
	Entry []byte `json:"entry"`
	// Checkpoint is the signed checkpoint the receipt was issued under.
	Checkpoint string `json:"checkpoint"`
	// InclusionProof is the RFC 6962 inclusion proof of the entry's leaf
	// hash in the tree of the checkpoint's size.
	InclusionProof [][]byte `json:"inclusion_proof"`
}

// MarshalJSON encodes r with its "v" field.
func (r Receipt) MarshalJSON() ([]byte, error) {
	type plain Receipt
	return json.Marshal(struct {
		V int `json:"v"`
		plain
	}{ReceiptVersion, plain(r)})
}

// ParseReceipt parses a receipt file. It checks the receipt's form, not its
// proofs: call Verify for those.
func ParseReceipt(b []byte) (*Receipt, error) {
	if len(b) > maxReceiptSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidReceipt, len(b), maxReceiptSize)
	}
	var w struct {
		V              *int     `json:"v"`
		Index          *uint64  `json:"index"`
		Entry          []byte   `json:"entry"`
		Checkpoint     string   `json:"checkpoint"`
		InclusionProof [][]byte `json:"inclusion_proof"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidReceipt, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrInvalidReceipt)
	}
	switch {
	case w.V == nil || *w.V != ReceiptVersion:
		return nil, fmt.Errorf("%w: missing or unsupported version, want \"v\":%d", ErrInvalidReceipt, ReceiptVersion)
	case w.Index == nil:
		return nil, fmt.Errorf("%w: missing index", ErrInvalidReceipt)
	case len(w.Entry) == 0 || len(w.Entry) > MaxEntrySize:
		return nil, fmt.Errorf("%w: entry must be 1-%d bytes", ErrInvalidReceipt, MaxEntrySize)
	case w.Checkpoint == "":
		return nil, fmt.Errorf("%w: missing checkpoint", ErrInvalidReceipt)
	case len(w.InclusionProof) > 64:
		return nil, fmt.Errorf("%w: inclusion proof has %d hashes, more than 64", ErrInvalidReceipt, len(w.InclusionProof))
	}
	for i, h := range w.InclusionProof {
		if len(h) != rfc6962.DefaultHasher.Size() {
			return nil, fmt.Errorf("%w: inclusion proof hash %d is %d bytes, want 32", ErrInvalidReceipt, i, len(h))
		}
	}
	return &Receipt{Index: *w.Index, Entry: w.Entry, Checkpoint: w.Checkpoint, InclusionProof: w.InclusionProof}, nil
}

// LeafHash returns the RFC 6962 leaf hash of the receipt's entry.
func (r *Receipt) LeafHash() []byte { return rfc6962.DefaultHasher.HashLeaf(r.Entry) }

// Verify checks the receipt offline: the checkpoint is signed by v, the
// entry is a valid entry, and the inclusion proof places it at Index in the
// checkpoint's tree. It returns the receipt's checkpoint, or an error
// wrapping ErrBadSignature, ErrMalformedCheckpoint, ErrInvalidEntry or
// ErrNotIncluded.
func (r *Receipt) Verify(v note.Verifier) (Checkpoint, error) {
	cp, err := ParseCheckpoint([]byte(r.Checkpoint), v)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("receipt checkpoint: %w", err)
	}
	if _, err := DecodeEntry(r.Entry); err != nil {
		return Checkpoint{}, fmt.Errorf("receipt entry: %w", err)
	}
	if r.Index >= cp.Size {
		return Checkpoint{}, fmt.Errorf("%w: receipt index %d is beyond its checkpoint's size %d", ErrNotIncluded, r.Index, cp.Size)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, r.Index, cp.Size, r.LeafHash(), r.InclusionProof, cp.Hash); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: receipt's inclusion proof for index %d does not match its checkpoint: %w", ErrNotIncluded, r.Index, err)
	}
	return cp, nil
}

package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// URL is the log's base URL, e.g. "https://pallmall.example.org/log/".
	URL string
	// VerifierKey is the log's verifier key in note format (Key.VerifierKey).
	VerifierKey string
	// StatePath, if set, is a file holding the last checkpoint this verifier
	// accepted. Verify checks the log is consistent with it, and replaces it
	// with the new checkpoint only if every check passes. A missing file
	// means first use.
	StatePath string
	// Receipt, if set, is checked offline and shown to be included in the
	// log's current tree.
	Receipt *Receipt
	// Audit re-derives every tile from the entries and compares them with
	// the served tiles, which detects corruption anywhere in the log, not
	// only on the paths the proofs use. It reads the whole log.
	Audit bool
	// WitnessPolicy, if set, is a witness policy (the format of
	// Options.WitnessPolicy) the current checkpoint must satisfy: its
	// cosignatures show independent witnesses saw the same log, which
	// protects even a first-time verifier from a forked view.
	WitnessPolicy []byte
	// HTTPClient is used for requests; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// Report describes a successful verification.
type Report struct {
	// Checkpoint is the log's current checkpoint, verified.
	Checkpoint Checkpoint
	// PreviousSize is the size of the checkpoint in the state file, or 0.
	PreviousSize uint64
	// FirstUse is true if there was no state file to compare with.
	FirstUse bool
	// ReceiptIndex is the receipt's index, if a receipt was checked.
	ReceiptIndex *uint64
	// Audited is true if every tile was re-derived from the entries.
	Audited bool
	// Witnessed is true if the checkpoint satisfied the witness policy.
	Witnessed bool
}

// ErrNotWitnessed is returned by Verify when the checkpoint lacks the
// cosignatures the witness policy requires.
var ErrNotWitnessed = errors.New("checkpoint not cosigned as the witness policy requires")

// String summarises r for the command line.
func (r Report) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "log %s: checkpoint of size %d verified", r.Checkpoint.Origin, r.Checkpoint.Size)
	if r.FirstUse {
		b.WriteString(" (first use: no earlier checkpoint to compare)")
	} else {
		fmt.Fprintf(&b, ", consistent with the earlier checkpoint of size %d", r.PreviousSize)
	}
	if r.ReceiptIndex != nil {
		fmt.Fprintf(&b, "; receipt for entry %d is included", *r.ReceiptIndex)
	}
	if r.Audited {
		b.WriteString("; all tiles match the entries")
	}
	if r.Witnessed {
		b.WriteString("; cosigned as the witness policy requires")
	}
	return b.String()
}

// Verify checks the log served at opts.URL as an independent verifier:
//
//  1. the checkpoint is signed by opts.VerifierKey (else ErrBadSignature);
//  2. it is consistent with the checkpoint in opts.StatePath, if any (else
//     ErrRollback if the log shrank, ErrInconsistent if it forked);
//  3. opts.Receipt, if set, verifies offline, its checkpoint is consistent
//     with the current one, and its entry is included in the current tree
//     (else ErrNotIncluded, ErrRollback or ErrInconsistent);
//  4. with opts.Audit, every tile matches the entries.
//
// A missing or corrupted resource is reported as a *ResourceError naming it
// (wrapping ErrMissingResource or ErrCorruptResource). When a proof fails,
// Verify audits the log to tell a corrupted tile from a real fork. Verify
// updates the state file only if every check passed.
func Verify(ctx context.Context, opts VerifyOptions) (Report, error) {
	v, err := note.NewVerifier(opts.VerifierKey)
	if err != nil {
		return Report{}, fmt.Errorf("invalid verifier key: %w", err)
	}
	f, err := newHTTPFetcher(opts.URL, opts.HTTPClient)
	if err != nil {
		return Report{}, err
	}
	raw, err := f.ReadCheckpoint(ctx)
	if err != nil {
		return Report{}, err
	}
	cp, err := ParseCheckpoint(raw, v)
	if err != nil {
		return Report{}, fmt.Errorf("log checkpoint: %w", err)
	}
	vr := &verifier{f: f, latest: cp}
	rep := Report{Checkpoint: cp, FirstUse: true}
	if len(opts.WitnessPolicy) > 0 {
		group, err := tessera.NewWitnessGroupFromPolicy(opts.WitnessPolicy)
		if err != nil {
			return Report{}, fmt.Errorf("witness policy: %w", err)
		}
		if !group.Satisfied(raw) {
			return Report{}, fmt.Errorf("%w: checkpoint of size %d", ErrNotWitnessed, cp.Size)
		}
		rep.Witnessed = true
	}

	if opts.StatePath != "" {
		old, ok, err := readState(opts.StatePath, v)
		if err != nil {
			return Report{}, err
		}
		if ok {
			rep.FirstUse, rep.PreviousSize = false, old.Size
			if err := vr.consistent(ctx, old, "the checkpoint in "+opts.StatePath); err != nil {
				return Report{}, err
			}
		}
	}
	if r := opts.Receipt; r != nil {
		rcp, err := r.Verify(v)
		if err != nil {
			return Report{}, err
		}
		if err := vr.consistent(ctx, rcp, "the receipt's checkpoint"); err != nil {
			return Report{}, err
		}
		if err := vr.included(ctx, r); err != nil {
			return Report{}, err
		}
		rep.ReceiptIndex = &r.Index
	}
	if opts.Audit {
		if err := audit(ctx, f, cp); err != nil {
			return Report{}, err
		}
		rep.Audited = true
	}
	if opts.StatePath != "" {
		if err := writeState(opts.StatePath, cp.Raw); err != nil {
			return Report{}, err
		}
	}
	return rep, nil
}

type verifier struct {
	f      *httpFetcher
	latest Checkpoint
	pb     *client.ProofBuilder
}

func (vr *verifier) proofBuilder(ctx context.Context) (*client.ProofBuilder, error) {
	if vr.pb == nil {
		pb, err := client.NewProofBuilder(ctx, vr.latest.Size, vr.f.ReadTile)
		if err != nil {
			return nil, err
		}
		vr.pb = pb
	}
	return vr.pb, nil
}

// consistent checks that old (described by what) is a prefix of the latest
// checkpoint.
func (vr *verifier) consistent(ctx context.Context, old Checkpoint, what string) error {
	cur := vr.latest
	switch {
	case cur.Size < old.Size:
		return fmt.Errorf("%w: the log now has %d entries, but %s has %d", ErrRollback, cur.Size, what, old.Size)
	case cur.Size == old.Size:
		if !bytes.Equal(cur.Hash, old.Hash) {
			return fmt.Errorf("%w: the log and %s both have %d entries but different root hashes", ErrInconsistent, what, cur.Size)
		}
		return nil
	case old.Size == 0:
		return nil
	}
	pb, err := vr.proofBuilder(ctx)
	if err != nil {
		return vr.fetchError(err)
	}
	p, err := pb.ConsistencyProof(ctx, old.Size, cur.Size)
	if err != nil {
		return vr.fetchError(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.Size, cur.Size, p, old.Hash, cur.Hash); err != nil {
		return vr.diagnose(ctx, fmt.Errorf("%w: the log of size %d does not extend %s of size %d", ErrInconsistent, cur.Size, what, old.Size))
	}
	return nil
}

// included checks r's entry is in the latest tree, with a proof built from
// the served tiles.
func (vr *verifier) included(ctx context.Context, r *Receipt) error {
	pb, err := vr.proofBuilder(ctx)
	if err != nil {
		return vr.fetchError(err)
	}
	p, err := pb.InclusionProof(ctx, r.Index)
	if err != nil {
		return vr.fetchError(err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, r.Index, vr.latest.Size, r.LeafHash(), p, vr.latest.Hash); err != nil {
		return vr.diagnose(ctx, fmt.Errorf("%w: the receipt's entry is not at index %d of the log of size %d", ErrNotIncluded, r.Index, vr.latest.Size))
	}
	return nil
}

// fetchError prefers the fetcher's own record of a failure, which names the
// resource, over the error Tessera's client returned.
func (vr *verifier) fetchError(err error) error {
	if ferr := vr.f.firstFailure(); ferr != nil {
		return ferr
	}
	return fmt.Errorf("read log: %w", err)
}

// diagnose audits the log after a failed proof: if some resource is corrupt
// or missing, that is the problem to report; if the log is internally
// consistent, the proof failure stands.
func (vr *verifier) diagnose(ctx context.Context, proofErr error) error {
	if err := audit(ctx, vr.f, vr.latest); err != nil {
		return fmt.Errorf("%w (%w)", err, proofErr)
	}
	return proofErr
}

func readState(path string, v note.Verifier) (Checkpoint, bool, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("read state: %w", err)
	}
	cp, err := ParseCheckpoint(raw, v)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("state file %s: %w", path, err)
	}
	return cp, true, nil
}

// writeState replaces the state file atomically, so a crash leaves either
// the old or the new checkpoint.
func writeState(path string, raw []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

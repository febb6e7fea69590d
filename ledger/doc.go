// Package ledger implements pallmall's public transparency log: an
// append-only, signed, tamper-evident record of endorsements, register
// changes, consultation receipts and framework versions that anyone can
// verify offline.
//
// The log is a C2SP tlog-tiles log (https://c2sp.org/tlog-tiles) written by
// Tessera's POSIX driver and signed with an Ed25519 key in the
// golang.org/x/mod/sumdb/note format (https://c2sp.org/signed-note). Entries
// are canonical JSON records (see Canonicalize and EncodeEntry). The package
// provides:
//
//   - LoadOrCreateKey, which manages the log's signing key;
//   - Open and Log, which append entries and build proofs and receipts;
//   - NewHandler, which serves the log read-only over HTTP;
//   - Verify, which checks a served log as an outside verifier would.
//
// docs/transparency-log.md describes the design, the entry schemas and the
// duplicate-free protocol an outbox worker must follow.
package ledger

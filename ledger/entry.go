package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode"
)

// Entry types. Every entry carries one of these in its "type" field.
const (
	TypeEndorsement         = "endorsement"
	TypeWithdrawal          = "withdrawal"
	TypeRegisterChange      = "register-change"
	TypeConsultationReceipt = "consultation-receipt"
	TypeFrameworkVersion    = "framework-version"
)

// SchemaVersion is the value of the "v" field of every entry this package
// writes and the only one it accepts.
const SchemaVersion = 1

// MaxEntrySize is the largest entry, in bytes, the log accepts.
const MaxEntrySize = 4096

// TimeLayout is the layout of Meta.Time: RFC 3339 in UTC, whole seconds.
const TimeLayout = "2006-01-02T15:04:05Z"

// ErrInvalidEntry is returned (wrapped) for an entry that is too large, not
// canonical JSON, of an unknown type or version, or fails validation.
var ErrInvalidEntry = errors.New("invalid entry")

// Record is implemented by every entry type: Endorsement, Withdrawal,
// RegisterChange, ConsultationReceipt and FrameworkVersion.
type Record interface {
	// RecordType returns the value of the entry's "type" field.
	RecordType() string
	// Validate reports whether the record's fields are well formed.
	Validate() error
}

// Meta holds the fields common to every entry.
type Meta struct {
	// ID is the platform's identifier of the record this entry logs (for
	// entries fed by the outbox, the outbox id). It is unique within the
	// log, which is what makes duplicate-free appends checkable.
	ID string `json:"id"`
	// Time is when the platform recorded the event, in TimeLayout.
	Time string `json:"time"`
}

// NewMeta returns a Meta for id at time t, truncated to whole seconds in UTC.
func NewMeta(id string, t time.Time) Meta {
	return Meta{ID: id, Time: t.UTC().Truncate(time.Second).Format(TimeLayout)}
}

// Validate reports whether m's fields are well formed.
func (m Meta) Validate() error {
	if err := checkID("id", m.ID); err != nil {
		return err
	}
	t, err := time.Parse(TimeLayout, m.Time)
	if err != nil || t.Format(TimeLayout) != m.Time {
		return fmt.Errorf("%w: time %q is not of the form %s", ErrInvalidEntry, m.Time, TimeLayout)
	}
	return nil
}

// Endorsement records that a state or organisation endorsed a version of
// the Pall Mall framework. The endorsement document itself is published
// elsewhere; the entry commits to it by digest.
type Endorsement struct {
	Meta
	// Endorser is the public name of the endorsing state or organisation.
	Endorser string `json:"endorser"`
	// FrameworkVersion names the framework version endorsed.
	FrameworkVersion string `json:"framework_version"`
	// DocumentSHA256 is the lower-case hex SHA-256 of the endorsement
	// document (see Digest).
	DocumentSHA256 string `json:"document_sha256"`
}

// Withdrawal records that an endorser withdrew an earlier endorsement.
type Withdrawal struct {
	Meta
	Endorser string `json:"endorser"`
	// EndorsementID is the ID of the Endorsement entry withdrawn.
	EndorsementID string `json:"endorsement_id"`
	// Reason is an optional public statement, at most 1000 bytes.
	Reason string `json:"reason,omitempty"`
}

// Register change operations.
const (
	OpAdd    = "add"
	OpUpdate = "update"
	OpRemove = "remove"
)

// RegisterChange records a change to one of the platform's public registers.
type RegisterChange struct {
	Meta
	// Register names the register, e.g. "vendors".
	Register string `json:"register"`
	// Op is OpAdd, OpUpdate or OpRemove.
	Op string `json:"op"`
	// Subject is the identifier of the register item changed.
	Subject string `json:"subject"`
	// RecordSHA256 is the lower-case hex SHA-256 of the item's new canonical
	// record. It is required for OpAdd and OpUpdate and absent for OpRemove.
	RecordSHA256 string `json:"record_sha256,omitempty"`
}

// ConsultationReceipt records that a response to a consultation was
// received. It holds only a salted commitment to the response (see Commit),
// never its content or the respondent's identity.
type ConsultationReceipt struct {
	Meta
	// Consultation identifies the consultation.
	Consultation string `json:"consultation"`
	// Commitment is the value returned by Commit for the response.
	Commitment string `json:"commitment"`
}

// FrameworkVersion records the publication of a version of the framework.
type FrameworkVersion struct {
	Meta
	// Version names the framework version, e.g. "2025.1".
	Version string `json:"framework_version"`
	// DocumentSHA256 is the lower-case hex SHA-256 of the published text.
	DocumentSHA256 string `json:"document_sha256"`
}

// RecordType implements Record.
func (Endorsement) RecordType() string { return TypeEndorsement }

// RecordType implements Record.
func (Withdrawal) RecordType() string { return TypeWithdrawal }

// RecordType implements Record.
func (RegisterChange) RecordType() string { return TypeRegisterChange }

// RecordType implements Record.
func (ConsultationReceipt) RecordType() string { return TypeConsultationReceipt }

// RecordType implements Record.
func (FrameworkVersion) RecordType() string { return TypeFrameworkVersion }

// Validate implements Record.
func (e Endorsement) Validate() error {
	return firstError(e.Meta.Validate(), checkName("endorser", e.Endorser, 200),
		checkVersion(e.FrameworkVersion), checkDigest("document_sha256", e.DocumentSHA256))
}

// Validate implements Record.
func (w Withdrawal) Validate() error {
	err := firstError(w.Meta.Validate(), checkName("endorser", w.Endorser, 200), checkID("endorsement_id", w.EndorsementID))
	if err == nil && w.Reason != "" {
		err = checkName("reason", w.Reason, 1000)
	}
	return err
}

// Validate implements Record.
func (c RegisterChange) Validate() error {
	if err := firstError(c.Meta.Validate(), checkToken("register", c.Register), checkID("subject", c.Subject)); err != nil {
		return err
	}
	switch c.Op {
	case OpAdd, OpUpdate:
		return checkDigest("record_sha256", c.RecordSHA256)
	case OpRemove:
		if c.RecordSHA256 != "" {
			return fmt.Errorf("%w: record_sha256 must be empty for op %q", ErrInvalidEntry, c.Op)
		}
		return nil
	default:
		return fmt.Errorf("%w: op %q is not one of add, update, remove", ErrInvalidEntry, c.Op)
	}
}

// Validate implements Record.
func (c ConsultationReceipt) Validate() error {
	return firstError(c.Meta.Validate(), checkID("consultation", c.Consultation), checkDigest("commitment", c.Commitment))
}

// Validate implements Record.
func (f FrameworkVersion) Validate() error {
	return firstError(f.Meta.Validate(), checkVersion(f.Version), checkDigest("document_sha256", f.DocumentSHA256))
}

// Digest returns the lower-case hex SHA-256 of b, the form of the *_sha256
// fields.
func Digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// EncodeEntry validates r and returns its canonical JSON encoding with the
// "type" and "v" fields set. It returns ErrInvalidEntry if r is invalid or
// the encoding exceeds MaxEntrySize.
func EncodeEntry(r Record) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("encode %s entry: %w", r.RecordType(), err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode %s entry: %w", r.RecordType(), err)
	}
	v, err := parseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("encode %s entry: %w", r.RecordType(), err)
	}
	obj := v.(jsonObject)
	obj["type"] = r.RecordType()
	obj["v"] = int64(SchemaVersion)
	var buf bytes.Buffer
	writeJSON(&buf, obj)
	if buf.Len() > MaxEntrySize {
		return nil, fmt.Errorf("%w: %s entry is %d bytes, more than %d", ErrInvalidEntry, r.RecordType(), buf.Len(), MaxEntrySize)
	}
	return buf.Bytes(), nil
}

// DecodeEntry parses and validates an entry. It accepts exactly the bytes
// EncodeEntry produces: anything else (non-canonical JSON, unknown or
// misspelt fields, an unknown type or version, an invalid field) returns an
// error wrapping ErrInvalidEntry.
func DecodeEntry(b []byte) (Record, error) {
	if len(b) > MaxEntrySize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidEntry, len(b), MaxEntrySize)
	}
	c, err := Canonicalize(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	if !bytes.Equal(c, b) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrInvalidEntry)
	}
	var env struct {
		Type string `json:"type"`
		V    int64  `json:"v"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	if env.V != SchemaVersion {
		return nil, fmt.Errorf("%w: schema version %d, want %d", ErrInvalidEntry, env.V, SchemaVersion)
	}
	var r Record
	switch env.Type {
	case TypeEndorsement:
		r, err = decodeAs[Endorsement](b)
	case TypeWithdrawal:
		r, err = decodeAs[Withdrawal](b)
	case TypeRegisterChange:
		r, err = decodeAs[RegisterChange](b)
	case TypeConsultationReceipt:
		r, err = decodeAs[ConsultationReceipt](b)
	case TypeFrameworkVersion:
		r, err = decodeAs[FrameworkVersion](b)
	default:
		return nil, fmt.Errorf("%w: unknown type %q", ErrInvalidEntry, env.Type)
	}
	if err != nil {
		return nil, err
	}
	// Re-encoding must give back the input byte for byte. This rejects
	// unknown fields, keys matched case-insensitively by encoding/json, and
	// fields of the wrong JSON type that happened to decode.
	again, err := EncodeEntry(r)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: %s entry has unknown, misspelt or missing fields", ErrInvalidEntry, env.Type)
	}
	return r, nil
}

func decodeAs[T Record](b []byte) (Record, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	return v, nil
}

var (
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
	tokenPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	versionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	digestPattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func checkID(field, s string) error {
	if !idPattern.MatchString(s) {
		return fmt.Errorf("%w: %s %q must be 1-128 characters from A-Z a-z 0-9 . _ : -", ErrInvalidEntry, field, s)
	}
	return nil
}

func checkToken(field, s string) error {
	if !tokenPattern.MatchString(s) {
		return fmt.Errorf("%w: %s %q must be 1-64 characters from a-z 0-9 -", ErrInvalidEntry, field, s)
	}
	return nil
}

func checkVersion(s string) error {
	if !versionPattern.MatchString(s) {
		return fmt.Errorf("%w: framework_version %q must be 1-64 characters from A-Z a-z 0-9 . _ -", ErrInvalidEntry, s)
	}
	return nil
}

func checkDigest(field, s string) error {
	if !digestPattern.MatchString(s) {
		return fmt.Errorf("%w: %s must be 64 lower-case hex digits", ErrInvalidEntry, field)
	}
	return nil
}

// checkName accepts human-readable text: non-empty, at most max bytes, no
// control characters.
func checkName(field, s string, max int) error {
	if s == "" || len(s) > max {
		return fmt.Errorf("%w: %s must be 1-%d bytes", ErrInvalidEntry, field, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\uFFFD' {
			return fmt.Errorf("%w: %s contains control or invalid characters", ErrInvalidEntry, field)
		}
	}
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

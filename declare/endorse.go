package declare

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// Errors with a specific meaning for endorsements. They wrap the shared
// kinds, so the web and API layers map them without knowing them.
var (
	// ErrNoSigningAuthority: the actor may not commit the organisation.
	ErrNoSigningAuthority = fmt.Errorf("%w: no signing authority for this organisation", pallmall.ErrForbidden)
	// ErrAlreadyEndorsed: the organisation already endorses this version.
	ErrAlreadyEndorsed = fmt.Errorf("%w: the organisation already endorses this version", pallmall.ErrAlreadyExists)
	// ErrAlreadyWithdrawn: the endorsement was withdrawn before.
	ErrAlreadyWithdrawn = fmt.Errorf("%w: the endorsement is already withdrawn", pallmall.ErrConflict)
)

// Endorsement methods.
const (
	MethodBrowser   = "browser"   // a delegate with signing authority, signed in
	MethodSignature = "signature" // signed offline with the organisation's key
	MethodPaper     = "paper"     // on paper, recorded by the secretariat
)

// Endorsement is one organisation's endorsement of a framework version.
type Endorsement struct {
	ID               int64
	VersionID        int64
	FrameworkID      string
	Version          string
	Organisation     auth.Organisation
	Method           string
	Signature        string // base64, for MethodSignature
	PublicKey        string // the key that verifies it
	PaperReference   string // for MethodPaper
	Document         []byte // canonical JSON the log entry commits to
	DocumentSHA256   string
	EndorsedAt       time.Time
	Log              LogRef
	Withdrawn        bool
	WithdrawnAt      time.Time
	WithdrawalReason string
	WithdrawalLog    LogRef
}

// Label is the endorsed version's name in the log.
func (e Endorsement) Label() string { return Label(e.FrameworkID, e.Version) }

// EndorseInput is the input of Endorse.
type EndorseInput struct {
	FrameworkID string
	Version     string
	// OrganisationID is the endorsing organisation; 0 means the actor's.
	OrganisationID int64
	Method         string
	// Signature is the base64 Ed25519 signature of SignedMessage for
	// MethodSignature.
	Signature string
	// PaperReference identifies the signed paper document, for MethodPaper.
	PaperReference string
}

// endorsementDoc is the public record an endorsement's log entry commits to.
type endorsementDoc struct {
	Type            string `json:"type"`
	Framework       string `json:"framework"`
	Version         string `json:"version"`
	FrameworkSHA256 string `json:"framework_sha256"`
	OrganisationID  int64  `json:"organisation_id"`
	Organisation    string `json:"organisation"`
	Kind            string `json:"kind"`
	Method          string `json:"method"`
	Time            string `json:"time"`
	PublicKey       string `json:"public_key,omitempty"`
	Signature       string `json:"signature,omitempty"`
	Reference       string `json:"reference,omitempty"`
}

func invalid(field, key string) error {
	v := &pallmall.ValidationError{}
	v.Add(field, key)
	return v
}

// Endorse records an organisation's endorsement of a framework version and
// logs it. Who may:
//   - MethodBrowser: a delegate of the organisation with signing authority;
//   - MethodSignature: a delegate of the organisation or the secretariat,
//     uploading a signature that verifies with the organisation's
//     registered key;
//   - MethodPaper: the secretariat, with a reference to the paper document.
//
// Returns ErrNoSigningAuthority (ErrForbidden), ErrNotFound for an unknown
// framework version or organisation, ErrAlreadyEndorsed (ErrAlreadyExists)
// if the organisation already endorses the version, and a ValidationError
// for a bad signature, a missing key or a missing reference. Nothing is
// recorded or logged on error.
func (s *Service) Endorse(ctx context.Context, actor auth.Actor, in EndorseInput) (Endorsement, error) {
	if in.OrganisationID == 0 {
		in.OrganisationID = actor.OrganisationID
	}
	in.PaperReference = strings.TrimSpace(in.PaperReference)
	in.Signature = strings.TrimSpace(in.Signature)
	switch in.Method {
	case MethodBrowser:
		if !actor.Is(auth.Delegate) || actor.OrganisationID != in.OrganisationID || in.OrganisationID == 0 || !actor.SigningAuthority {
			return Endorsement{}, ErrNoSigningAuthority
		}
	case MethodSignature:
		if !actor.ActsFor(in.OrganisationID) {
			return Endorsement{}, ErrNoSigningAuthority
		}
		if in.Signature == "" {
			return Endorsement{}, invalid("signature", "error.required")
		}
	case MethodPaper:
		if !actor.Is(auth.Secretariat) {
			return Endorsement{}, pallmall.ErrForbidden
		}
		if in.PaperReference == "" {
			return Endorsement{}, invalid("reference", "error.required")
		}
		if len(in.PaperReference) > 300 {
			return Endorsement{}, invalid("reference", "error.too_long")
		}
	default:
		return Endorsement{}, invalid("method", "error.choose_one")
	}
	if in.OrganisationID == 0 {
		return Endorsement{}, invalid("organisation", "error.required")
	}
	v, err := s.Version(ctx, in.FrameworkID, in.Version)
	if err != nil {
		return Endorsement{}, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		org, err := organisation(ctx, tx, in.OrganisationID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM endorsements WHERE version_id = $1 AND organisation_id = $2 AND withdrawn_at IS NULL`, v.ID, org.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrAlreadyEndorsed
		}
		now := store.Now()
		doc := endorsementDoc{Type: "pallmall-endorsement", Framework: v.FrameworkID, Version: v.Version, FrameworkSHA256: v.DocumentSHA256,
			OrganisationID: org.ID, Organisation: org.NameEN, Kind: string(org.Kind), Method: in.Method, Time: now.Format(ledger.TimeLayout)}
		var keyID sql.NullInt64
		switch in.Method {
		case MethodSignature:
			key, err := s.ActiveKey(ctx, tx, org.ID)
			if errors.Is(err, pallmall.ErrNotFound) {
				return invalid("signature", "declare.error.no_key")
			}
			if err != nil {
				return err
			}
			pub, err := ParsePublicKey(key.PublicKey)
			if err != nil {
				return err
			}
			if !VerifySignature(pub, ActionEndorse, v.Label(), v.DocumentSHA256, in.Signature) {
				return invalid("signature", "declare.error.bad_signature")
			}
			doc.PublicKey, doc.Signature = key.PublicKey, in.Signature
			keyID = sql.NullInt64{Int64: key.ID, Valid: true}
		case MethodPaper:
			doc.Reference = in.PaperReference
		}
		raw, err := canonical(doc)
		if err != nil {
			return err
		}
		digest := ledger.Digest(raw)
		outbox, err := ledger.Enqueue(ctx, tx, ledger.Endorsement{Endorser: org.NameEN, FrameworkVersion: v.Label(), DocumentSHA256: digest})
		if err != nil {
			return err
		}
		var user sql.NullInt64
		if in.Method == MethodBrowser {
			user = nullID(actor.UserID)
		}
		err = tx.QueryRow(ctx, `INSERT INTO endorsements (version_id, organisation_id, method, user_id, signing_key_id, signature, paper_reference, document, document_sha256, endorsed_at, outbox_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			v.ID, org.ID, in.Method, user, keyID, in.Signature, in.PaperReference, string(raw), digest, now, outbox).Scan(&id)
		if errors.Is(err, pallmall.ErrAlreadyExists) {
			return ErrAlreadyEndorsed
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "endorsement.create", "endorsement", id, in.Method+" "+v.Label())
	})
	if err != nil {
		return Endorsement{}, err
	}
	return s.Endorsement(ctx, id)
}

// WithdrawInput is the input of Withdraw.
type WithdrawInput struct {
	EndorsementID int64
	// Reason is an optional public statement (at most 1000 bytes).
	Reason string
	// Signature, if set, is the organisation's base64 signature of
	// SignedMessage(ActionWithdraw, ...), uploaded by a delegate or the
	// secretariat.
	Signature string
}

// MayWithdraw reports whether actor may withdraw organisation orgID's
// endorsement in some way: the secretariat, or a delegate of the
// organisation (in the browser with signing authority, or by uploading a
// signed withdrawal). Withdraw checks again, per method.
func MayWithdraw(actor auth.Actor, orgID int64) bool { return actor.ActsFor(orgID) }

// MayEndorse reports whether actor may endorse in the browser or upload
// a signed endorsement: a delegate of an organisation. The secretariat
// records paper endorsements through its own page.
func MayEndorse(actor auth.Actor) bool { return actor.Is(auth.Delegate) && actor.OrganisationID != 0 }

// Withdraw records the withdrawal of an endorsement and logs it. A delegate
// of the organisation with signing authority may withdraw in the browser; a
// delegate of the organisation or the secretariat may upload a signed
// withdrawal; the secretariat may record a withdrawal made on paper (give
// the reference in Reason). Returns ErrNotFound, ErrNoSigningAuthority,
// ErrAlreadyWithdrawn or a ValidationError; nothing is recorded on error.
func (s *Service) Withdraw(ctx context.Context, actor auth.Actor, in WithdrawInput) (Endorsement, error) {
	e, err := s.Endorsement(ctx, in.EndorsementID)
	if err != nil {
		return Endorsement{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	in.Signature = strings.TrimSpace(in.Signature)
	// Who may withdraw is checked before the input, so that someone who
	// may not is refused the same way whatever they sent.
	switch {
	case in.Signature != "":
		if !actor.ActsFor(e.Organisation.ID) {
			return Endorsement{}, ErrNoSigningAuthority
		}
	case actor.Is(auth.Secretariat):
	case actor.Is(auth.Delegate) && actor.OrganisationID == e.Organisation.ID && actor.SigningAuthority:
	default:
		return Endorsement{}, ErrNoSigningAuthority
	}
	if len(in.Reason) > 1000 {
		return Endorsement{}, invalid("reason", "error.too_long")
	}
	if strings.ContainsFunc(in.Reason, func(r rune) bool { return r < 0x20 && r != '\n' }) {
		return Endorsement{}, invalid("reason", "declare.error.control")
	}
	in.Reason = strings.ReplaceAll(in.Reason, "\n", " ")
	if e.Withdrawn {
		return Endorsement{}, ErrAlreadyWithdrawn
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if in.Signature != "" {
			key, err := s.ActiveKey(ctx, tx, e.Organisation.ID)
			if errors.Is(err, pallmall.ErrNotFound) {
				return invalid("signature", "declare.error.no_key")
			}
			if err != nil {
				return err
			}
			pub, err := ParsePublicKey(key.PublicKey)
			if err != nil {
				return err
			}
			v, err := s.VersionByID(ctx, e.VersionID)
			if err != nil {
				return err
			}
			if !VerifySignature(pub, ActionWithdraw, v.Label(), v.DocumentSHA256, in.Signature) {
				return invalid("signature", "declare.error.bad_signature")
			}
		}
		outbox, err := ledger.Enqueue(ctx, tx, ledger.Withdrawal{Endorser: e.Organisation.NameEN, EndorsementID: e.Log.EntryID(), Reason: in.Reason})
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE endorsements SET withdrawn_at = $1, withdrawal_reason = $2, withdrawal_outbox_id = $3 WHERE id = $4 AND withdrawn_at IS NULL`,
			store.Now(), in.Reason, outbox, e.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrAlreadyWithdrawn
		}
		return audit.Record(ctx, tx, actor.UserID, "endorsement.withdraw", "endorsement", e.ID, "")
	})
	if err != nil {
		return Endorsement{}, err
	}
	return s.Endorsement(ctx, e.ID)
}

func canonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return ledger.Canonicalize(b)
}

func organisation(ctx context.Context, q store.Querier, id int64) (auth.Organisation, error) {
	var o auth.Organisation
	err := q.QueryRow(ctx, `SELECT id, name_en, name_fr, kind, country, created_at FROM organisations WHERE id = $1`, id).
		Scan(&o.ID, &o.NameEN, &o.NameFR, &o.Kind, &o.Country, &o.CreatedAt)
	if err != nil {
		return o, fmt.Errorf("organisation %d: %w", id, err)
	}
	return o, nil
}

const endorsementQuery = `SELECT e.id, e.version_id, v.framework_id, v.version, g.id, g.name_en, g.name_fr, g.kind, g.country, g.created_at,
	e.method, e.signature, COALESCE(k.public_key, ''), e.paper_reference, e.document, e.document_sha256, e.endorsed_at,
	e.outbox_id, o.log_index, e.withdrawn_at, e.withdrawal_reason, e.withdrawal_outbox_id, wo.log_index
FROM endorsements e
JOIN framework_versions v ON v.id = e.version_id
JOIN organisations g ON g.id = e.organisation_id
JOIN ledger_outbox o ON o.id = e.outbox_id
LEFT JOIN signing_keys k ON k.id = e.signing_key_id
LEFT JOIN ledger_outbox wo ON wo.id = e.withdrawal_outbox_id`

func scanEndorsement(r interface{ Scan(...any) error }) (Endorsement, error) {
	var e Endorsement
	var doc string
	var outbox int64
	var idx, wOutbox, wIdx sql.NullInt64
	var withdrawn sql.NullTime
	err := r.Scan(&e.ID, &e.VersionID, &e.FrameworkID, &e.Version, &e.Organisation.ID, &e.Organisation.NameEN, &e.Organisation.NameFR,
		&e.Organisation.Kind, &e.Organisation.Country, &e.Organisation.CreatedAt,
		&e.Method, &e.Signature, &e.PublicKey, &e.PaperReference, &doc, &e.DocumentSHA256, &e.EndorsedAt,
		&outbox, &idx, &withdrawn, &e.WithdrawalReason, &wOutbox, &wIdx)
	if err != nil {
		return e, err
	}
	e.Document = []byte(doc)
	e.EndorsedAt = e.EndorsedAt.UTC()
	e.Log.scan(outbox, idx)
	if withdrawn.Valid {
		e.Withdrawn, e.WithdrawnAt = true, withdrawn.Time.UTC()
		e.WithdrawalLog.scan(wOutbox.Int64, wIdx)
	}
	return e, nil
}

// Endorsement returns one endorsement (endorsements are public). Returns
// ErrNotFound if there is none.
func (s *Service) Endorsement(ctx context.Context, id int64) (Endorsement, error) {
	e, err := scanEndorsement(s.DB.QueryRow(ctx, endorsementQuery+` WHERE e.id = $1`, id))
	if err != nil {
		return e, fmt.Errorf("endorsement %d: %w", id, err)
	}
	return e, nil
}

// Filter narrows the signatory register. Zero fields match everything.
type Filter struct {
	FrameworkID string
	Version     string
	Kind        auth.OrgKind
	Method      string
	// Name matches organisations whose English or French name contains it.
	Name string
	// IncludeWithdrawn lists withdrawn endorsements too.
	IncludeWithdrawn bool
}

// Endorsements lists endorsements (the public signatory register), grouped
// by organisation type in auth.OrgKinds order, then oldest first.
func (s *Service) Endorsements(ctx context.Context, f Filter) ([]Endorsement, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.FrameworkID != "" {
		where = append(where, "v.framework_id = "+arg(f.FrameworkID))
	}
	if f.Version != "" {
		where = append(where, "v.version = "+arg(f.Version))
	}
	if f.Kind != "" {
		where = append(where, "g.kind = "+arg(string(f.Kind)))
	}
	if f.Method != "" {
		where = append(where, "e.method = "+arg(f.Method))
	}
	if n := strings.TrimSpace(f.Name); n != "" {
		p := arg("%" + strings.ToLower(n) + "%")
		where = append(where, "(lower(g.name_en) LIKE "+p+" OR lower(g.name_fr) LIKE "+p+")")
	}
	if !f.IncludeWithdrawn {
		where = append(where, "e.withdrawn_at IS NULL")
	}
	q := endorsementQuery
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY e.endorsed_at, e.id`
	rows, err := s.DB.Query(ctx, q, args...)
	list, err := store.ScanAll(rows, err, func(r *sql.Rows) (Endorsement, error) { return scanEndorsement(r) })
	if err != nil {
		return nil, err
	}
	// Group by organisation type, keeping time order within each group.
	var out []Endorsement
	for _, k := range auth.OrgKinds {
		for _, e := range list {
			if e.Organisation.Kind == k {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

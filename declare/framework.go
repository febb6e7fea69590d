// Package declare owns the Pall Mall frameworks (the 2024 Declaration, the
// 2025 Code of Practice for States, ...) as versioned bilingual documents,
// the endorsements organisations make of them, the signatory register, and
// the implementation reports states publish against their measures.
//
// Every published framework version, endorsement, withdrawal and report
// version is written with an outbox row in the same transaction (see
// ledger.Enqueue), so it appears in the public transparency log exactly once.
package declare

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// Service runs the declare operations against the database.
type Service struct {
	DB *store.DB
}

// Text is a string in English and French.
type Text struct {
	EN string `json:"en"`
	FR string `json:"fr"`
}

// In returns the text in lang ("en" or "fr"), falling back to English.
func (t Text) In(lang string) string {
	if lang == "fr" && t.FR != "" {
		return t.FR
	}
	return t.EN
}

// Roles a measure is addressed to.
const (
	RoleRegulator = "regulator" // states as regulators
	RoleCustomer  = "customer"  // states as customers
	RoleUser      = "user"      // states as users
	RoleIndustry  = "industry"
)

// MeasureRoles lists the roles in display order.
var MeasureRoles = []string{RoleRegulator, RoleCustomer, RoleUser, RoleIndustry}

// Measure is one numbered commitment of a framework.
type Measure struct {
	// Number is the measure's number, unique in the document, e.g. "3".
	Number string `json:"number"`
	// Role is who the measure is addressed to, or empty for everyone.
	Role string `json:"role,omitempty"`
	Text Text   `json:"text"`
}

// Pillar groups measures under one of the framework's principles.
type Pillar struct {
	Key      string    `json:"key"`
	Title    Text      `json:"title"`
	Summary  Text      `json:"summary"`
	Measures []Measure `json:"measures"`
}

// Document is the content of one framework version. Its canonical JSON is
// what the digest covers, what endorsers sign, and what the API serves.
type Document struct {
	Framework string   `json:"framework"`
	Version   string   `json:"version"`
	Title     Text     `json:"title"`
	Preamble  Text     `json:"preamble"`
	Pillars   []Pillar `json:"pillars"`
}

// Measures returns every measure of d in document order.
func (d Document) Measures() []Measure {
	var out []Measure
	for _, p := range d.Pillars {
		out = append(out, p.Measures...)
	}
	return out
}

// Measure returns the measure numbered n.
func (d Document) Measure(n string) (Measure, bool) {
	for _, m := range d.Measures() {
		if m.Number == n {
			return m, true
		}
	}
	return Measure{}, false
}

var (
	slugPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)
	versionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,14}$`)
	numberPattern  = regexp.MustCompile(`^[0-9A-Za-z.]{1,8}$`)
)

func checkText(v *pallmall.ValidationError, field string, t Text, max int) {
	switch {
	case strings.TrimSpace(t.EN) == "":
		v.Add(field+"_en", "error.required")
	case len(t.EN) > max:
		v.Add(field+"_en", "error.too_long")
	}
	switch {
	case strings.TrimSpace(t.FR) == "":
		v.Add(field+"_fr", "error.required")
	case len(t.FR) > max:
		v.Add(field+"_fr", "error.too_long")
	}
}

// Validate checks the document: both languages everywhere, at least one
// pillar, unique pillar keys and measure numbers, known roles.
func (d Document) Validate() error {
	var v pallmall.ValidationError
	if !slugPattern.MatchString(d.Framework) {
		v.Add("framework", "declare.error.slug")
	}
	if !versionPattern.MatchString(d.Version) {
		v.Add("version", "declare.error.version")
	}
	checkText(&v, "title", d.Title, 300)
	checkText(&v, "preamble", d.Preamble, 4000)
	if len(d.Pillars) == 0 {
		v.Add("pillars", "declare.error.no_pillars")
	}
	keys, numbers := map[string]bool{}, map[string]bool{}
	for i, p := range d.Pillars {
		f := fmt.Sprintf("pillars.%d", i)
		if !slugPattern.MatchString(p.Key) || keys[p.Key] {
			v.Add(f+".key", "declare.error.slug")
		}
		keys[p.Key] = true
		checkText(&v, f+".title", p.Title, 300)
		checkText(&v, f+".summary", p.Summary, 2000)
		for j, m := range p.Measures {
			mf := fmt.Sprintf("%s.measures.%d", f, j)
			if !numberPattern.MatchString(m.Number) || numbers[m.Number] {
				v.Add(mf+".number", "declare.error.measure_number")
			}
			numbers[m.Number] = true
			if m.Role != "" && !contains(MeasureRoles, m.Role) {
				v.Add(mf+".role", "error.choose_one")
			}
			checkText(&v, mf+".text", m.Text, 2000)
		}
	}
	return v.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Canonical returns the document's canonical JSON (see ledger.Canonicalize).
func (d Document) Canonical() ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return ledger.Canonicalize(b)
}

// Label names a framework version in the log: "<framework>.<version>",
// e.g. "declaration.2024".
func Label(frameworkID, version string) string { return frameworkID + "." + version }

// Framework is one of the process's documents, with its versions.
type Framework struct {
	ID       string
	Title    Text
	Summary  Text
	Position int
	Versions []Version // newest first
}

// Latest returns the newest version, with ok false if none is published.
func (f Framework) Latest() (Version, bool) {
	if len(f.Versions) == 0 {
		return Version{}, false
	}
	return f.Versions[0], true
}

// Version is a published version of a framework.
type Version struct {
	ID             int64
	FrameworkID    string
	Version        string
	Document       Document
	Raw            []byte // canonical JSON of Document
	DocumentSHA256 string
	PublishedAt    time.Time
	Log            LogRef
}

// Label is the version's name in the log.
func (v Version) Label() string { return Label(v.FrameworkID, v.Version) }

// LogRef is where a record's entry is in the transparency log.
type LogRef struct {
	OutboxID int64
	// Index is the entry's log index; Logged is false while it is pending.
	Index  uint64
	Logged bool
}

// EntryID is the "id" field of the record's log entry.
func (r LogRef) EntryID() string { return ledger.EntryID(r.OutboxID) }

func (r *LogRef) scan(outboxID int64, idx sql.NullInt64) {
	r.OutboxID = outboxID
	r.Logged = idx.Valid
	r.Index = uint64(idx.Int64)
}

// CreateFramework adds a framework (with no version yet). Secretariat only.
func (s *Service) CreateFramework(ctx context.Context, actor auth.Actor, id string, title, summary Text) error {
	if !actor.Is(auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	var v pallmall.ValidationError
	if !slugPattern.MatchString(id) {
		v.Add("id", "declare.error.slug")
	}
	checkText(&v, "title", title, 300)
	checkText(&v, "summary", summary, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var pos int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM frameworks`).Scan(&pos); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO frameworks (id, title_en, title_fr, summary_en, summary_fr, position, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			id, title.EN, title.FR, summary.EN, summary.FR, pos, store.Now()); err != nil {
			return fmt.Errorf("create framework %s: %w", id, err)
		}
		return audit.Record(ctx, tx, actor.UserID, "framework.create", "framework", id, "")
	})
}

// PublishVersion publishes doc as a new version of its framework and logs a
// framework-version entry with the digest of its canonical JSON. Secretariat
// only. Returns ErrNotFound if the framework does not exist and
// ErrAlreadyExists if the version does.
func (s *Service) PublishVersion(ctx context.Context, actor auth.Actor, doc Document) (Version, error) {
	if !actor.Is(auth.Secretariat) {
		return Version{}, pallmall.ErrForbidden
	}
	if err := doc.Validate(); err != nil {
		return Version{}, err
	}
	raw, err := doc.Canonical()
	if err != nil {
		return Version{}, fmt.Errorf("publish %s: %w", Label(doc.Framework, doc.Version), err)
	}
	digest := ledger.Digest(raw)
	now := store.Now()
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM frameworks WHERE id = $1`, doc.Framework).Scan(&one); err != nil {
			return fmt.Errorf("framework %s: %w", doc.Framework, err)
		}
		outbox, err := ledger.Enqueue(ctx, tx, ledger.FrameworkVersion{Version: Label(doc.Framework, doc.Version), DocumentSHA256: digest})
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO framework_versions (framework_id, version, document, document_sha256, published_at, outbox_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			doc.Framework, doc.Version, string(raw), digest, now, outbox).Scan(&id)
		if err != nil {
			return fmt.Errorf("publish %s: %w", Label(doc.Framework, doc.Version), err)
		}
		return audit.Record(ctx, tx, actor.UserID, "framework.publish", "framework_version", id, Label(doc.Framework, doc.Version))
	})
	if err != nil {
		return Version{}, err
	}
	return s.VersionByID(ctx, id)
}

const versionColumns = `v.id, v.framework_id, v.version, v.document, v.document_sha256, v.published_at, v.outbox_id, o.log_index`

func scanVersion(r interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var raw string
	var outbox int64
	var idx sql.NullInt64
	if err := r.Scan(&v.ID, &v.FrameworkID, &v.Version, &raw, &v.DocumentSHA256, &v.PublishedAt, &outbox, &idx); err != nil {
		return v, err
	}
	v.Raw = []byte(raw)
	v.PublishedAt = v.PublishedAt.UTC()
	v.Log.scan(outbox, idx)
	if err := json.Unmarshal(v.Raw, &v.Document); err != nil {
		return v, fmt.Errorf("framework version %d: %w", v.ID, err)
	}
	return v, nil
}

// VersionByID returns a published version. Returns ErrNotFound if there is
// none.
func (s *Service) VersionByID(ctx context.Context, id int64) (Version, error) {
	row := s.DB.QueryRow(ctx, `SELECT `+versionColumns+` FROM framework_versions v JOIN ledger_outbox o ON o.id = v.outbox_id WHERE v.id = $1`, id)
	return scanVersion(row)
}

// Version returns the version of a framework; an empty version means the
// newest. Returns ErrNotFound if there is none.
func (s *Service) Version(ctx context.Context, frameworkID, version string) (Version, error) {
	q := `SELECT ` + versionColumns + ` FROM framework_versions v JOIN ledger_outbox o ON o.id = v.outbox_id WHERE v.framework_id = $1`
	args := []any{frameworkID}
	if version != "" {
		q += ` AND v.version = $2`
		args = append(args, version)
	}
	v, err := scanVersion(s.DB.QueryRow(ctx, q+` ORDER BY v.published_at DESC, v.id DESC LIMIT 1`, args...))
	if err != nil {
		return v, fmt.Errorf("framework %s version %q: %w", frameworkID, version, err)
	}
	return v, nil
}

// Frameworks returns every framework with its versions, in display order.
func (s *Service) Frameworks(ctx context.Context) ([]Framework, error) {
	return s.frameworks(ctx, "")
}

// frameworks returns the framework id with its versions, or every
// framework when id is "".
func (s *Service) frameworks(ctx context.Context, id string) ([]Framework, error) {
	where, vwhere, args := "", "", []any{}
	if id != "" {
		where, vwhere, args = ` WHERE id = $1`, ` WHERE v.framework_id = $1`, []any{id}
	}
	rows, err := s.DB.Query(ctx, `SELECT id, title_en, title_fr, summary_en, summary_fr, position FROM frameworks`+where+` ORDER BY position, id`, args...)
	fws, err := store.ScanAll(rows, err, func(r *sql.Rows) (Framework, error) {
		var f Framework
		return f, r.Scan(&f.ID, &f.Title.EN, &f.Title.FR, &f.Summary.EN, &f.Summary.FR, &f.Position)
	})
	if err != nil {
		return nil, err
	}
	if len(fws) == 0 {
		return nil, nil
	}
	rows, err = s.DB.Query(ctx, `SELECT `+versionColumns+` FROM framework_versions v JOIN ledger_outbox o ON o.id = v.outbox_id`+vwhere+` ORDER BY v.published_at DESC, v.id DESC`, args...)
	versions, err := store.ScanAll(rows, err, func(r *sql.Rows) (Version, error) { return scanVersion(r) })
	if err != nil {
		return nil, err
	}
	for i := range fws {
		for _, v := range versions {
			if v.FrameworkID == fws[i].ID {
				fws[i].Versions = append(fws[i].Versions, v)
			}
		}
	}
	return fws, nil
}

// Framework returns one framework with its versions. Returns ErrNotFound if
// there is none.
func (s *Service) Framework(ctx context.Context, id string) (Framework, error) {
	if id == "" {
		return Framework{}, fmt.Errorf("framework %q: %w", id, pallmall.ErrNotFound)
	}
	fws, err := s.frameworks(ctx, id)
	if err != nil {
		return Framework{}, err
	}
	for _, f := range fws {
		if f.ID == id {
			return f, nil
		}
	}
	return Framework{}, fmt.Errorf("framework %q: %w", id, pallmall.ErrNotFound)
}

// ParseDocument decodes a framework document written by hand, refusing
// unknown fields. On a syntax or type error it returns the 1-based line of
// the error.
func ParseDocument(b []byte, doc *Document) (line int, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(doc)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the document")
	}
	if err == nil {
		return 0, nil
	}
	offset := dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		offset = se.Offset
	case errors.As(err, &te):
		offset = te.Offset
	}
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	return 1 + bytes.Count(b[:offset], []byte("\n")), fmt.Errorf("%w: line %d: %v", pallmall.ErrInvalid, 1+bytes.Count(b[:offset], []byte("\n")), err)
}

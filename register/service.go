// Package register keeps the market oversight register: who builds, sells,
// funds and misuses commercial cyber intrusion capabilities, each fact with
// its sources and a confidence level, and every record with its full
// history.
//
// Delegates propose records and changes; the secretariat accepts them,
// rejects them with a reason or asks for more evidence. An accepted change
// becomes a new version of a published record, and each version is a
// register-change entry in the transparency log. Published records are
// public; proposals are seen by the secretariat and the proposer's
// organisation, except that a takedown or correction request leaves a
// public trace whatever its outcome.
package register

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Service reads and changes the register.
type Service struct {
	DB *store.DB
}

const recordColumns = `id, kind, name, confidence, fields, sources, version, removed, record_sha256, created_at, updated_at`

func scanRecord(r interface{ Scan(...any) error }) (Record, error) {
	var rec Record
	var fields, sources string
	err := r.Scan(&rec.ID, &rec.Kind, &rec.Name, &rec.Confidence, &fields, &sources, &rec.Version, &rec.Removed, &rec.SHA256, &rec.CreatedAt, &rec.UpdatedAt)
	if err != nil {
		return rec, err
	}
	rec.CreatedAt, rec.UpdatedAt = rec.CreatedAt.UTC(), rec.UpdatedAt.UTC()
	return rec, decodeContent(&rec.Draft, fields, sources)
}

// encodeContent returns the JSON stored for a draft's fields (with the
// summaries) and sources.
func encodeContent(d Draft) (fields, sources string, err error) {
	m := make(map[string]string, len(d.Fields)+2)
	for k, v := range d.Fields {
		m[k] = v
	}
	if d.SummaryEN != "" {
		m["summary_en"], m["summary_fr"] = d.SummaryEN, d.SummaryFR
	}
	f, err := json.Marshal(m)
	if err != nil {
		return "", "", err
	}
	src := d.Sources
	if src == nil {
		src = []Source{}
	}
	s, err := json.Marshal(src)
	return string(f), string(s), err
}

func decodeContent(d *Draft, fields, sources string) error {
	m := map[string]string{}
	if err := json.Unmarshal([]byte(fields), &m); err != nil {
		return fmt.Errorf("decode register fields: %w", err)
	}
	d.SummaryEN, d.SummaryFR = m["summary_en"], m["summary_fr"]
	delete(m, "summary_en")
	delete(m, "summary_fr")
	d.Fields = m
	d.Sources = nil
	if err := json.Unmarshal([]byte(sources), &d.Sources); err != nil {
		return fmt.Errorf("decode register sources: %w", err)
	}
	return nil
}

// Record returns a record by id, including a removed one (whose page says
// it was removed). Returns ErrNotFound if there is no such record.
func (s *Service) Record(ctx context.Context, id int64) (Record, error) {
	return getRecord(ctx, s.DB, id)
}

func getRecord(ctx context.Context, q store.Querier, id int64) (Record, error) {
	rec, err := scanRecord(q.QueryRow(ctx, `SELECT `+recordColumns+` FROM register_records WHERE id = $1`, id))
	if err != nil {
		return rec, fmt.Errorf("register record %d: %w", id, err)
	}
	return rec, nil
}

// Records returns the published records with the given ids, by id; missing
// and removed ones are left out.
func (s *Service) Records(ctx context.Context, ids []int64) (map[int64]Record, error) {
	out := map[int64]Record{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		var ph []string
		var args []any
		for _, id := range chunk {
			args = append(args, id)
			ph = append(ph, "$"+strconv.Itoa(len(args)))
		}
		rows, err := s.DB.Query(ctx, `SELECT `+recordColumns+` FROM register_records WHERE NOT removed AND id IN (`+strings.Join(ph, ",")+`)`, args...)
		recs, err := store.ScanAll(rows, err, func(r *sql.Rows) (Record, error) { return scanRecord(r) })
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			out[r.ID] = r
		}
	}
	return out, nil
}

// Filter narrows a search of published records. Zero fields match
// everything.
type Filter struct {
	Query      string // in the name or any field, case-insensitive
	Kind       Kind
	Country    string
	Category   string // entity kind, product class, target group...
	Year       int
	Vector     string
	Confidence Confidence
	// Linked keeps records that refer to this record id.
	Linked int64
	// ByID orders by id and keeps records with an id larger than After
	// (the API's cursor); otherwise records are ordered by name and Offset
	// applies.
	ByID   bool
	After  int64
	Offset int
	Limit  int
}

// Search returns published records matching f, and whether there are more.
func (s *Service) Search(ctx context.Context, f Filter) ([]Record, bool, error) {
	where := []string{"NOT removed"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		p := arg("%" + escapeLike(q) + "%")
		where = append(where, "(lower(name) LIKE "+p+" ESCAPE '\\' OR lower(fields) LIKE "+p+" ESCAPE '\\')")
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(string(f.Kind)))
	}
	if f.Country != "" {
		where = append(where, "country LIKE "+arg("%;"+escapeLike(strings.ToUpper(f.Country))+";%")+" ESCAPE '\\'")
	}
	if f.Category != "" {
		where = append(where, "category = "+arg(f.Category))
	}
	if f.Year != 0 {
		where = append(where, "year = "+arg(f.Year))
	}
	if f.Vector != "" {
		where = append(where, "vectors LIKE "+arg("%;"+escapeLike(f.Vector)+";%")+" ESCAPE '\\'")
	}
	if f.Confidence != "" {
		where = append(where, "confidence = "+arg(string(f.Confidence)))
	}
	if f.Linked != 0 {
		p := arg(f.Linked)
		where = append(where, "(ref_a = "+p+" OR ref_b = "+p+")")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	var order string
	if f.ByID {
		where = append(where, "id > "+arg(f.After))
		order = " ORDER BY id LIMIT " + arg(limit+1)
	} else {
		order = " ORDER BY lower(name), id LIMIT " + arg(limit+1) + " OFFSET " + arg(max(f.Offset, 0))
	}
	rows, err := s.DB.Query(ctx, `SELECT `+recordColumns+` FROM register_records WHERE `+strings.Join(where, " AND ")+order, args...)
	recs, err := store.ScanAll(rows, err, func(r *sql.Rows) (Record, error) { return scanRecord(r) })
	if err != nil {
		return nil, false, err
	}
	more := len(recs) > limit
	if more {
		recs = recs[:limit]
	}
	return recs, more, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// All returns every published record of the given kinds (all kinds if
// none), by id, for exports.
func (s *Service) All(ctx context.Context, kinds ...Kind) ([]Record, error) {
	q := `SELECT ` + recordColumns + ` FROM register_records WHERE NOT removed`
	var args []any
	if len(kinds) > 0 {
		var ph []string
		for _, k := range kinds {
			args = append(args, string(k))
			ph = append(ph, "$"+strconv.Itoa(len(args)))
		}
		q += " AND kind IN (" + strings.Join(ph, ",") + ")"
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY id", args...)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Record, error) { return scanRecord(r) })
}

// Version is one published version of a record.
type Version struct {
	RecordID   int64
	Version    int
	Op         string // add, update or remove
	ProposalID int64  // 0 for an import
	Draft      Draft
	SHA256     string
	OutboxID   int64
	At         time.Time
	// LogIndex is the entry's index in the transparency log; Logged is
	// false while the entry waits in the outbox.
	LogIndex uint64
	Logged   bool
	// RecordRemoved says the record has since been removed: its content,
	// in every version, is no longer published.
	RecordRemoved bool
}

// History returns every version of a record, newest first.
func (s *Service) History(ctx context.Context, id int64) ([]Version, error) {
	rows, err := s.DB.Query(ctx, `SELECT v.record_id, v.version, v.op, v.proposal_id, r.kind, v.name, v.confidence, v.fields, v.sources, v.record_sha256, v.outbox_id, v.at, o.log_index, r.removed
		FROM register_versions v JOIN register_records r ON r.id = v.record_id LEFT JOIN ledger_outbox o ON o.id = v.outbox_id
		WHERE v.record_id = $1 ORDER BY v.version DESC`, id)
	return store.ScanAll(rows, err, scanVersion)
}

func scanVersion(r *sql.Rows) (Version, error) {
	var v Version
	var prop, idx sql.NullInt64
	var fields, sources string
	err := r.Scan(&v.RecordID, &v.Version, &v.Op, &prop, &v.Draft.Kind, &v.Draft.Name, &v.Draft.Confidence, &fields, &sources, &v.SHA256, &v.OutboxID, &v.At, &idx, &v.RecordRemoved)
	if err != nil {
		return v, err
	}
	v.ProposalID, v.At = prop.Int64, v.At.UTC()
	v.LogIndex, v.Logged = uint64(idx.Int64), idx.Valid
	if v.RecordRemoved {
		// A removed record's content is no longer published, in any version.
		v.Draft = Draft{Kind: v.Draft.Kind}
		return v, nil
	}
	return v, decodeContent(&v.Draft, fields, sources)
}

// Changes returns published versions of any record, newest first, for the
// public list of changes, paged by offset, and whether there are more.
func (s *Service) Changes(ctx context.Context, offset, limit int) ([]Version, bool, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT v.record_id, v.version, v.op, v.proposal_id, r.kind, v.name, v.confidence, v.fields, v.sources, v.record_sha256, v.outbox_id, v.at, o.log_index, r.removed
		FROM register_versions v JOIN register_records r ON r.id = v.record_id LEFT JOIN ledger_outbox o ON o.id = v.outbox_id
		ORDER BY v.at DESC, v.record_id DESC, v.version DESC LIMIT $1 OFFSET $2`, limit+1, max(offset, 0))
	vs, err := store.ScanAll(rows, err, scanVersion)
	more := len(vs) > limit
	if more {
		vs = vs[:limit]
	}
	return vs, more, err
}

// CanonicalVersion returns the canonical JSON of a published version, the
// bytes whose SHA-256 is the record_sha256 of its log entry, so anyone can
// check the log against the register. Returns ErrNotFound for a removal,
// which has no record, and for every version of a removed record, whose
// content is no longer published.
func (s *Service) CanonicalVersion(ctx context.Context, id int64, version int) ([]byte, error) {
	rows, err := s.DB.Query(ctx, `SELECT v.record_id, v.version, v.op, v.proposal_id, r.kind, v.name, v.confidence, v.fields, v.sources, v.record_sha256, v.outbox_id, v.at, o.log_index, r.removed
		FROM register_versions v JOIN register_records r ON r.id = v.record_id LEFT JOIN ledger_outbox o ON o.id = v.outbox_id
		WHERE v.record_id = $1 AND v.version = $2`, id, version)
	vs, err := store.ScanAll(rows, err, scanVersion)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 || vs[0].Op == "remove" || vs[0].RecordRemoved {
		return nil, fmt.Errorf("register record %d version %d: %w", id, version, pallmall.ErrNotFound)
	}
	return canonical(id, version, vs[0].Draft)
}

// mayPropose reports whether the actor may propose changes: delegates and
// the secretariat. The public is asked to sign in.
func mayPropose(actor auth.Actor) error {
	if !actor.SignedIn() && !actor.System {
		return pallmall.ErrUnauthenticated
	}
	if !actor.Is(auth.Delegate, auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	return nil
}

package register

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// LogRegister is the register name in the transparency log entries of
// this register's changes.
const LogRegister = "market"

// canonicalRecord is the public form of a version whose digest the log
// entry carries: only strings, integers and arrays, so it has one canonical
// JSON encoding.
type canonicalRecord struct {
	ID         int64             `json:"id"`
	Version    int               `json:"version"`
	Kind       string            `json:"kind"`
	Name       string            `json:"name"`
	Confidence string            `json:"confidence"`
	Fields     map[string]string `json:"fields"`
	Sources    []Source          `json:"sources"`
}

// canonical returns the canonical JSON of version v of record id.
func canonical(id int64, v int, d Draft) ([]byte, error) {
	fields := map[string]string{}
	for k, val := range d.Fields {
		fields[k] = val
	}
	if d.SummaryEN != "" {
		fields["summary_en"], fields["summary_fr"] = d.SummaryEN, d.SummaryFR
	}
	src := d.Sources
	if src == nil {
		src = []Source{}
	}
	return ledger.MarshalCanonical(canonicalRecord{ID: id, Version: v, Kind: string(d.Kind), Name: d.Name, Confidence: string(d.Confidence), Fields: fields, Sources: src})
}

// change is one change to publish.
type change struct {
	op         string // ledger.OpAdd, OpUpdate or OpRemove
	recordID   int64  // for update and remove
	draft      Draft  // validated, references resolved
	proposalID int64  // 0 for imports
	// imported marks a change from an import, whose references Import has
	// already checked and which is audited once for the whole file.
	imported bool
}

// apply publishes c inside tx: it writes the record and a new version,
// records an audit event and enqueues the register-change log entry, all in
// the same transaction. It returns the record's id.
func apply(ctx context.Context, tx store.Querier, actor auth.Actor, c change) (int64, error) {
	now := store.Now()
	d := c.draft
	if c.op != ledger.OpRemove && !c.imported {
		if err := checkRefs(ctx, tx, d); err != nil {
			return 0, err
		}
	}
	fields, sources, err := encodeContent(d)
	if err != nil {
		return 0, err
	}
	ix := indexOf(d)
	id, version := c.recordID, 1
	switch c.op {
	case ledger.OpAdd:
		err = tx.QueryRow(ctx, `INSERT INTO register_records (kind, name, confidence, country, category, year, vectors, ref_a, ref_b, fields, sources, version, removed, record_sha256, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, FALSE, '', $12, $12) RETURNING id`,
			string(d.Kind), d.Name, string(d.Confidence), ix.country, ix.category, ix.year, ix.vectors, ix.refA, ix.refB, fields, sources, now).Scan(&id)
	case ledger.OpUpdate:
		err = tx.QueryRow(ctx, `UPDATE register_records SET name = $1, confidence = $2, country = $3, category = $4, year = $5, vectors = $6, ref_a = $7, ref_b = $8,
			fields = $9, sources = $10, version = version + 1, updated_at = $11 WHERE id = $12 AND kind = $13 AND NOT removed RETURNING version`,
			d.Name, string(d.Confidence), ix.country, ix.category, ix.year, ix.vectors, ix.refA, ix.refB, fields, sources, now, id, string(d.Kind)).Scan(&version)
	case ledger.OpRemove:
		err = tx.QueryRow(ctx, `UPDATE register_records SET removed = TRUE, version = version + 1, updated_at = $1, record_sha256 = '' WHERE id = $2 AND NOT removed RETURNING version`, now, id).Scan(&version)
	default:
		return 0, fmt.Errorf("register: unknown op %q", c.op)
	}
	if errors.Is(err, pallmall.ErrNotFound) {
		return 0, fmt.Errorf("register record %d is removed or of another kind: %w", id, pallmall.ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("publish register %s: %w", c.op, err)
	}
	var sum string
	if c.op != ledger.OpRemove {
		b, err := canonical(id, version, d)
		if err != nil {
			return 0, err
		}
		sum = ledger.Digest(b)
		if _, err := tx.Exec(ctx, `UPDATE register_records SET record_sha256 = $1 WHERE id = $2`, sum, id); err != nil {
			return 0, err
		}
	}
	outboxID, err := ledger.Enqueue(ctx, tx, ledger.RegisterChange{Register: LogRegister, Op: c.op, Subject: strconv.FormatInt(id, 10), RecordSHA256: sum})
	if err != nil {
		return 0, err
	}
	var prop any
	if c.proposalID != 0 {
		prop = c.proposalID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO register_versions (record_id, version, op, proposal_id, name, confidence, fields, sources, record_sha256, outbox_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		id, version, c.op, prop, d.Name, string(d.Confidence), fields, sources, sum, outboxID, now); err != nil {
		return 0, fmt.Errorf("record register version: %w", err)
	}
	if c.imported {
		return id, nil
	}
	detail := "v" + strconv.Itoa(version)
	if c.proposalID != 0 {
		detail += " from proposal " + strconv.FormatInt(c.proposalID, 10)
	}
	if err := audit.Record(ctx, tx, actor.UserID, "register.publish."+c.op, "register_record", id, detail); err != nil {
		return 0, err
	}
	return id, nil
}

type indexCols struct {
	country, category, vectors string
	year                       int
	refA, refB                 any
}

// indexOf computes the search and statistics columns of a draft. Lists are
// stored between semicolons (";FR;GB;") so one LIKE finds any member.
func indexOf(d Draft) indexCols {
	ix := indexes[d.Kind]
	var c indexCols
	if ix.country != "" {
		if l := d.ListOf(ix.country); len(l) > 0 {
			c.country = ";" + strings.Join(l, ";") + ";"
		}
	}
	if ix.vectors != "" {
		if l := d.ListOf(ix.vectors); len(l) > 0 {
			c.vectors = ";" + strings.Join(l, ";") + ";"
		}
	}
	if ix.category != "" {
		c.category = d.Fields[ix.category]
	}
	if ix.year != "" {
		c.year = Year(d.Fields[ix.year])
	}
	if ix.refA != "" {
		if id := d.RefOf(ix.refA); id != 0 {
			c.refA = id
		}
	}
	if ix.refB != "" {
		if id := d.RefOf(ix.refB); id != 0 {
			c.refB = id
		}
	}
	return c
}

// checkRefs checks every reference of a draft points to a published record
// of an allowed kind. References must already be resolved to record ids.
func checkRefs(ctx context.Context, q store.Querier, d Draft) error {
	var v pallmall.ValidationError
	for _, f := range schemas[d.Kind] {
		if f.Type != Ref || d.Fields[f.Name] == "" {
			continue
		}
		id := d.RefOf(f.Name)
		if id == 0 {
			v.Add(f.Name, "register.error.ref_pending")
			continue
		}
		var kind Kind
		var removed bool
		err := q.QueryRow(ctx, `SELECT kind, removed FROM register_records WHERE id = $1`, id).Scan(&kind, &removed)
		switch {
		case errors.Is(err, pallmall.ErrNotFound) || err == nil && removed:
			v.Add(f.Name, "register.error.ref")
		case err != nil:
			return err
		case !slices.Contains(f.RefKinds, kind):
			v.Add(f.Name, "register.error.ref_kind")
		}
	}
	return v.Err()
}

// Publish publishes drafts directly, without proposals: for imports and
// demo content. Only the secretariat and the command line may. Each draft
// is validated first; the first invalid one stops everything.
func (s *Service) Publish(ctx context.Context, actor auth.Actor, drafts []Draft) ([]int64, error) {
	if !actor.Is(auth.Secretariat) {
		return nil, pallmall.ErrForbidden
	}
	var ids []int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		ids = ids[:0]
		for _, d := range drafts {
			if err := d.Validate(); err != nil {
				return err
			}
			id, err := apply(ctx, tx, actor, change{op: ledger.OpAdd, draft: d})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

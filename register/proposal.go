package register

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// Status is where a proposal is in review.
type Status string

// The proposal statuses.
const (
	Pending      Status = "pending"
	MoreEvidence Status = "more_evidence" // the secretariat asked the proposer for more
	Accepted     Status = "accepted"
	Rejected     Status = "rejected"
)

// Statuses lists the statuses in display order.
var Statuses = []Status{Pending, MoreEvidence, Accepted, Rejected}

// Open reports whether the proposal still awaits a decision.
func (s Status) Open() bool { return s == Pending || s == MoreEvidence }

// NewProposal is what a delegate submits.
type NewProposal struct {
	// Op is ledger.OpAdd, OpUpdate or OpRemove.
	Op string
	// RecordID is the record to update or remove; 0 to add one.
	RecordID int64
	// Draft is the proposed content. For a removal only its sources are
	// used (the evidence for removing); the content is the record's.
	Draft Draft
	// Note explains the proposal to the secretariat; required for removals.
	Note string
	// RequestedBy names the entity that asked for a takedown or correction,
	// when the proposal is one. Such proposals leave a public trace.
	RequestedBy string
}

// Proposal is a proposed addition, change or removal and its review.
type Proposal struct {
	ID       int64
	Op       string
	RecordID int64 // for an accepted add, the record it created
	Draft    Draft
	Note     string
	// RequestedBy is set for takedown and correction requests.
	RequestedBy        string
	Status             Status
	ReasonEN, ReasonFR string
	ProposerUserID     int64
	ProposerOrgID      int64
	DecidedBy          int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
	DecidedAt          time.Time
}

// Reason returns the secretariat's reason in lang.
func (p Proposal) Reason(lang string) string {
	if lang == "fr" && p.ReasonFR != "" {
		return p.ReasonFR
	}
	return p.ReasonEN
}

// IsRequest reports whether the proposal is a takedown or correction
// request from a named entity.
func (p Proposal) IsRequest() bool { return p.RequestedBy != "" }

const proposalColumns = `id, op, kind, record_id, name, confidence, fields, sources, note, requested_by, status, reason_en, reason_fr, proposer_user_id, proposer_org_id, decided_by, created_at, updated_at, decided_at`

func scanProposal(r interface{ Scan(...any) error }) (Proposal, error) {
	var p Proposal
	var rec, org, by sql.NullInt64
	var decided sql.NullTime
	var fields, sources string
	err := r.Scan(&p.ID, &p.Op, &p.Draft.Kind, &rec, &p.Draft.Name, &p.Draft.Confidence, &fields, &sources, &p.Note, &p.RequestedBy, &p.Status,
		&p.ReasonEN, &p.ReasonFR, &p.ProposerUserID, &org, &by, &p.CreatedAt, &p.UpdatedAt, &decided)
	if err != nil {
		return p, err
	}
	p.RecordID, p.ProposerOrgID, p.DecidedBy = rec.Int64, org.Int64, by.Int64
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if decided.Valid {
		p.DecidedAt = decided.Time.UTC()
	}
	return p, decodeContent(&p.Draft, fields, sources)
}

// mayRead reports whether actor may see proposal p in full.
func mayRead(actor auth.Actor, p Proposal) bool {
	return actor.Is(auth.Secretariat) || actor.SignedIn() && actor.UserID == p.ProposerUserID ||
		p.ProposerOrgID != 0 && actor.ActsFor(p.ProposerOrgID)
}

// Proposal returns a proposal the actor may see. Returns ErrNotFound if
// there is none or the actor may not see it.
func (s *Service) Proposal(ctx context.Context, actor auth.Actor, id int64) (Proposal, error) {
	p, err := scanProposal(s.DB.QueryRow(ctx, `SELECT `+proposalColumns+` FROM register_proposals WHERE id = $1`, id))
	if err != nil {
		return p, fmt.Errorf("register proposal %d: %w", id, err)
	}
	if !mayRead(actor, p) {
		return Proposal{}, fmt.Errorf("register proposal %d: %w", id, pallmall.ErrNotFound)
	}
	return p, nil
}

// Proposals lists the proposals the actor may see, newest first: all of
// them for the secretariat, their organisation's (or their own) for a
// delegate. An empty status means every status.
func (s *Service) Proposals(ctx context.Context, actor auth.Actor, status Status) ([]Proposal, error) {
	if err := mayPropose(actor); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if status != "" {
		args = append(args, string(status))
		where = append(where, "status = $"+strconv.Itoa(len(args)))
	}
	if !actor.Is(auth.Secretariat) {
		args = append(args, actor.UserID)
		w := "(proposer_user_id = $" + strconv.Itoa(len(args))
		if actor.OrganisationID != 0 {
			args = append(args, actor.OrganisationID)
			w += " OR proposer_org_id = $" + strconv.Itoa(len(args))
		}
		where = append(where, w+")")
	}
	q := `SELECT ` + proposalColumns + ` FROM register_proposals`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY id DESC LIMIT 500", args...)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Proposal, error) { return scanProposal(r) })
}

// Requests lists takedown and correction requests, newest first, for the
// public trace: whatever their status, without who filed them.
func (s *Service) Requests(ctx context.Context, recordID int64) ([]Proposal, error) {
	q := `SELECT ` + proposalColumns + ` FROM register_proposals WHERE requested_by <> ''`
	var args []any
	if recordID != 0 {
		q += " AND record_id = $1"
		args = append(args, recordID)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY id DESC LIMIT 500", args...)
	ps, err := store.ScanAll(rows, err, func(r *sql.Rows) (Proposal, error) { return scanProposal(r) })
	for i := range ps {
		ps[i].ProposerUserID, ps[i].ProposerOrgID, ps[i].Note = 0, 0, ""
	}
	return ps, err
}

// prepare validates a new proposal and returns the draft to store.
func (s *Service) prepare(ctx context.Context, q store.Querier, actor auth.Actor, n NewProposal) (Draft, error) {
	var v pallmall.ValidationError
	n.Note = strings.TrimSpace(n.Note)
	n.RequestedBy = strings.TrimSpace(n.RequestedBy)
	if len(n.Note) > 4000 {
		v.Add("note", "error.too_long")
	}
	if len(n.RequestedBy) > 300 || !cleanText(n.RequestedBy) {
		v.Add("requested_by", "error.too_long")
	}
	d := n.Draft
	switch n.Op {
	case ledger.OpAdd:
		if n.RecordID != 0 {
			return d, pallmall.ErrInvalid
		}
		if n.RequestedBy != "" {
			v.Add("requested_by", "register.error.request_needs_record")
		}
	case ledger.OpUpdate, ledger.OpRemove:
		rec, err := getRecord(ctx, q, n.RecordID)
		if err != nil {
			return d, err
		}
		if rec.Removed {
			return d, fmt.Errorf("register record %d is removed: %w", n.RecordID, pallmall.ErrConflict)
		}
		if n.Op == ledger.OpRemove {
			sources := d.Sources
			d = rec.Draft
			d.Sources = sources
			if n.Note == "" {
				v.Add("note", "register.error.removal_reason")
			}
			validateRemovalSources(&d, &v)
			return d, v.Err()
		}
		d.Kind = rec.Kind
	default:
		return d, pallmall.ErrInvalid
	}
	if err := d.Validate(); err != nil {
		var ve *pallmall.ValidationError
		if !errors.As(err, &ve) {
			return d, err
		}
		for f, k := range ve.Fields {
			v.Add(f, k)
		}
		return d, v.Err()
	}
	if err := checkProposalRefs(ctx, q, actor, d, &v); err != nil {
		return d, err
	}
	return d, v.Err()
}

// validateRemovalSources checks the optional sources of a removal.
func validateRemovalSources(d *Draft, v *pallmall.ValidationError) {
	var probe pallmall.ValidationError
	validateSources(d, &probe)
	for f, k := range probe.Fields {
		if k != "register.error.source_required" {
			v.Add(f, k)
		}
	}
}

// checkProposalRefs checks a proposal's references: a published record of
// an allowed kind, or "pN", an open or accepted add proposal N the actor
// may see, of an allowed kind.
func checkProposalRefs(ctx context.Context, q store.Querier, actor auth.Actor, d Draft, v *pallmall.ValidationError) error {
	for _, f := range schemas[d.Kind] {
		val := d.Fields[f.Name]
		if f.Type != Ref || val == "" {
			continue
		}
		if !strings.HasPrefix(val, "p") {
			var kind Kind
			var removed bool
			err := q.QueryRow(ctx, `SELECT kind, removed FROM register_records WHERE id = $1`, d.RefOf(f.Name)).Scan(&kind, &removed)
			switch {
			case errors.Is(err, pallmall.ErrNotFound) || err == nil && removed:
				v.Add(f.Name, "register.error.ref")
			case err != nil:
				return err
			case !slices.Contains(f.RefKinds, kind):
				v.Add(f.Name, "register.error.ref_kind")
			}
			continue
		}
		pid, _ := strconv.ParseInt(val[1:], 10, 64)
		p, err := scanProposal(q.QueryRow(ctx, `SELECT `+proposalColumns+` FROM register_proposals WHERE id = $1`, pid))
		switch {
		case errors.Is(err, pallmall.ErrNotFound) || err == nil && (!mayRead(actor, p) || p.Op != ledger.OpAdd || p.Status == Rejected):
			v.Add(f.Name, "register.error.ref")
		case err != nil:
			return err
		case !slices.Contains(f.RefKinds, p.Draft.Kind):
			v.Add(f.Name, "register.error.ref_kind")
		}
	}
	return nil
}

// Propose files a proposal for review. Only delegates and the secretariat
// may. Returns a ValidationError for bad input, ErrNotFound for an unknown
// record and ErrConflict for a removed one.
func (s *Service) Propose(ctx context.Context, actor auth.Actor, n NewProposal) (Proposal, error) {
	if err := mayPropose(actor); err != nil {
		return Proposal{}, err
	}
	if !actor.SignedIn() {
		// A proposal has a proposer; the command line publishes directly.
		return Proposal{}, pallmall.ErrForbidden
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		d, err := s.prepare(ctx, tx, actor, n)
		if err != nil {
			return err
		}
		fields, sources, err := encodeContent(d)
		if err != nil {
			return err
		}
		var rec, org, user any
		if n.RecordID != 0 {
			rec = n.RecordID
		}
		if actor.OrganisationID != 0 {
			org = actor.OrganisationID
		}
		user = actor.UserID
		now := store.Now()
		err = tx.QueryRow(ctx, `INSERT INTO register_proposals (op, kind, record_id, name, confidence, fields, sources, note, requested_by, status, proposer_user_id, proposer_org_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, $12) RETURNING id`,
			n.Op, string(d.Kind), rec, d.Name, string(d.Confidence), fields, sources, strings.TrimSpace(n.Note), strings.TrimSpace(n.RequestedBy), user, org, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert register proposal: %w", err)
		}
		return audit.Record(ctx, tx, actor.UserID, "register.propose."+n.Op, "register_proposal", id, "")
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, actor, id)
}

// Revise replaces the content of an open proposal, for a proposer who was
// asked for more evidence (or spotted a mistake); it goes back to pending.
// Only the proposer and their organisation's delegates may.
func (s *Service) Revise(ctx context.Context, actor auth.Actor, id int64, n NewProposal) (Proposal, error) {
	if err := mayPropose(actor); err != nil {
		return Proposal{}, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := scanProposal(tx.QueryRow(ctx, `SELECT `+proposalColumns+` FROM register_proposals WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if !mayRead(actor, p) {
			return pallmall.ErrNotFound
		}
		if !(actor.UserID == p.ProposerUserID || p.ProposerOrgID != 0 && actor.ActsFor(p.ProposerOrgID)) {
			return pallmall.ErrForbidden
		}
		if !p.Status.Open() {
			return fmt.Errorf("register proposal %d is %s: %w", id, p.Status, pallmall.ErrConflict)
		}
		n.Op, n.RecordID = p.Op, p.RecordID
		if p.Op == ledger.OpAdd {
			n.Draft.Kind = p.Draft.Kind
		}
		d, err := s.prepare(ctx, tx, actor, n)
		if err != nil {
			return err
		}
		fields, sources, err := encodeContent(d)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE register_proposals SET name = $1, confidence = $2, fields = $3, sources = $4, note = $5, requested_by = $6, status = 'pending', updated_at = $7
			WHERE id = $8 AND status IN ('pending', 'more_evidence')`,
			d.Name, string(d.Confidence), fields, sources, strings.TrimSpace(n.Note), strings.TrimSpace(n.RequestedBy), store.Now(), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("register proposal %d was decided meanwhile: %w", id, pallmall.ErrConflict)
		}
		return audit.Record(ctx, tx, actor.UserID, "register.revise", "register_proposal", id, "")
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, actor, id)
}

// Decision is the secretariat's answer to a proposal.
type Decision struct {
	// Status is Accepted, Rejected or MoreEvidence.
	Status Status
	// ReasonEN and ReasonFR explain the decision in both languages; both
	// are required to reject or to ask for more evidence.
	ReasonEN, ReasonFR string
}

// Decide records the secretariat's decision on an open proposal. Accepting
// publishes the change, as a new version and a register-change log entry,
// in the same transaction. Returns ErrForbidden for anyone but the
// secretariat, ErrConflict if the proposal is already decided, and a
// ValidationError if reasons are missing or a reference cannot be resolved.
func (s *Service) Decide(ctx context.Context, actor auth.Actor, id int64, dec Decision) (Proposal, error) {
	if !actor.SignedIn() {
		return Proposal{}, pallmall.ErrUnauthenticated
	}
	if !actor.Is(auth.Secretariat) {
		return Proposal{}, pallmall.ErrForbidden
	}
	var v pallmall.ValidationError
	dec.ReasonEN, dec.ReasonFR = strings.TrimSpace(dec.ReasonEN), strings.TrimSpace(dec.ReasonFR)
	switch dec.Status {
	case Accepted, Rejected, MoreEvidence:
	default:
		v.Add("decision", "error.choose_one")
	}
	needReason := dec.Status == Rejected || dec.Status == MoreEvidence
	if dec.ReasonEN == "" && (needReason || dec.ReasonFR != "") {
		v.Add("reason_en", "register.error.reason_required")
	}
	if dec.ReasonFR == "" && (needReason || dec.ReasonEN != "") {
		v.Add("reason_fr", "register.error.reason_required")
	}
	if len(dec.ReasonEN) > 4000 {
		v.Add("reason_en", "error.too_long")
	}
	if len(dec.ReasonFR) > 4000 {
		v.Add("reason_fr", "error.too_long")
	}
	if err := v.Err(); err != nil {
		return Proposal{}, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := scanProposal(tx.QueryRow(ctx, `SELECT `+proposalColumns+` FROM register_proposals WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if !p.Status.Open() {
			return fmt.Errorf("register proposal %d is %s: %w", id, p.Status, pallmall.ErrConflict)
		}
		recordID := p.RecordID
		if dec.Status == Accepted {
			d := p.Draft
			if err := resolveProposalRefs(ctx, tx, &d); err != nil {
				return err
			}
			if recordID, err = apply(ctx, tx, actor, change{op: p.Op, recordID: p.RecordID, draft: d, proposalID: p.ID}); err != nil {
				return err
			}
		}
		var rec any
		if recordID != 0 {
			rec = recordID
		}
		now := store.Now()
		// The status condition makes a concurrent decision on the same
		// proposal fail here, rolling back anything published above.
		res, err := tx.Exec(ctx, `UPDATE register_proposals SET status = $1, reason_en = $2, reason_fr = $3, decided_by = $4, decided_at = $5, updated_at = $5, record_id = $6
			WHERE id = $7 AND status IN ('pending', 'more_evidence')`,
			string(dec.Status), dec.ReasonEN, dec.ReasonFR, actor.UserID, now, rec, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("register proposal %d was decided meanwhile: %w", id, pallmall.ErrConflict)
		}
		return audit.Record(ctx, tx, actor.UserID, "register.decide."+string(dec.Status), "register_proposal", id, "")
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, actor, id)
}

// resolveProposalRefs replaces "pN" references with the record that
// accepted proposal N created. A reference to a proposal not yet accepted
// is a validation error on that field.
func resolveProposalRefs(ctx context.Context, q store.Querier, d *Draft) error {
	var v pallmall.ValidationError
	for _, f := range schemas[d.Kind] {
		val := d.Fields[f.Name]
		if f.Type != Ref || !strings.HasPrefix(val, "p") {
			continue
		}
		var status Status
		var rec sql.NullInt64
		pid, _ := strconv.ParseInt(val[1:], 10, 64)
		err := q.QueryRow(ctx, `SELECT status, record_id FROM register_proposals WHERE id = $1 AND op = 'add'`, pid).Scan(&status, &rec)
		if err != nil && !errors.Is(err, pallmall.ErrNotFound) {
			return err
		}
		if err != nil || status != Accepted || !rec.Valid {
			v.Add(f.Name, "register.error.ref_pending")
			continue
		}
		d.Fields[f.Name] = strconv.FormatInt(rec.Int64, 10)
	}
	return v.Err()
}

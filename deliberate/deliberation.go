// Package deliberate runs deliberations in the platform: the secretariat
// seeds bilingual statements, anonymous participants vote agree, disagree
// or pass on them one at a time and may add their own, and a background
// runner analyses the votes into opinion groups with deliberate/analysis.
//
// Participants have no account. Each is known by the SHA-256 of a random
// 256-bit token kept in their browser (or sent by an API client); the
// package never sees an address or a user agent.
package deliberate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Moderation says when participants' statements are shown to others.
type Moderation string

// The moderation settings.
const (
	// PreModeration holds participants' statements until the secretariat
	// accepts them.
	PreModeration Moderation = "pre"
	// PostModeration shows participants' statements at once; the
	// secretariat may reject them later.
	PostModeration Moderation = "post"
)

// Status is where a deliberation is in its life.
type Status string

// The statuses.
const (
	Draft  Status = "draft"  // seen and edited by the secretariat only
	Open   Status = "open"   // public, accepting votes and statements
	Closed Status = "closed" // public, read-only, with its final report
)

// Deliberation is a conversation of short statements, with its settings.
type Deliberation struct {
	ID            int64
	TitleEN       string
	TitleFR       string
	DescriptionEN string
	DescriptionFR string
	// ConsultationID links the deliberation to a consultation it belongs
	// to; 0 for none.
	ConsultationID int64
	Moderation     Moderation
	// RequireStakeholder makes participants declare a stakeholder type
	// (one of auth.OrgKinds) before they vote.
	RequireStakeholder bool
	Status             Status
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Title returns the title in lang ("en" or "fr").
func (d Deliberation) Title(lang string) string { return pick(lang, d.TitleEN, d.TitleFR) }

// Description returns the description in lang.
func (d Deliberation) Description(lang string) string {
	return pick(lang, d.DescriptionEN, d.DescriptionFR)
}

// Accepting reports whether the deliberation takes votes and statements.
func (d Deliberation) Accepting() bool { return d.Status == Open }

func pick(lang, en, fr string) string {
	if lang == "fr" && fr != "" {
		return fr
	}
	if en == "" {
		return fr
	}
	return en
}

// Validate checks d and normalises its fields. Messages are catalogue keys.
func (d *Deliberation) Validate() error {
	var v pallmall.ValidationError
	d.TitleEN = strings.TrimSpace(d.TitleEN)
	d.TitleFR = strings.TrimSpace(d.TitleFR)
	d.DescriptionEN = strings.TrimSpace(d.DescriptionEN)
	d.DescriptionFR = strings.TrimSpace(d.DescriptionFR)
	for _, f := range []struct {
		name, val string
		max       int
	}{{"title_en", d.TitleEN, 200}, {"title_fr", d.TitleFR, 200}} {
		switch {
		case f.val == "":
			v.Add(f.name, "error.required")
		case len(f.val) > f.max:
			v.Add(f.name, "error.too_long")
		}
	}
	if len(d.DescriptionEN) > 5000 {
		v.Add("description_en", "error.too_long")
	}
	if len(d.DescriptionFR) > 5000 {
		v.Add("description_fr", "error.too_long")
	}
	if d.Moderation != PreModeration && d.Moderation != PostModeration {
		v.Add("moderation", "error.choose_one")
	}
	if d.Status == "" {
		d.Status = Draft
	}
	if d.Status != Draft && d.Status != Open && d.Status != Closed {
		v.Add("status", "error.choose_one")
	}
	if d.ConsultationID < 0 {
		v.Add("consultation_id", "deliberate.error.consultation")
	}
	return v.Err()
}

// Service is the deliberations service over a database.
type Service struct {
	DB *store.DB
	// Now, when not nil, replaces the clock (tests).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return store.Now()
}

// CanManage reports whether actor may create, edit and moderate
// deliberations: the secretariat only.
func CanManage(a auth.Actor) bool { return a.Is(auth.Secretariat) }

const deliberationColumns = `id, title_en, title_fr, description_en, description_fr, COALESCE(consultation_id, 0), moderation, require_stakeholder, status, created_at, updated_at`

func scanDeliberation(r interface{ Scan(...any) error }) (Deliberation, error) {
	var d Deliberation
	err := r.Scan(&d.ID, &d.TitleEN, &d.TitleFR, &d.DescriptionEN, &d.DescriptionFR, &d.ConsultationID, &d.Moderation,
		&d.RequireStakeholder, &d.Status, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Create validates and stores d. Returns ErrForbidden unless actor is the
// secretariat, a ValidationError for bad fields, and a ValidationError on
// consultation_id when that consultation does not exist.
func (s *Service) Create(ctx context.Context, actor auth.Actor, d Deliberation) (Deliberation, error) {
	if !CanManage(actor) {
		return d, pallmall.ErrForbidden
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	d.CreatedAt = s.now()
	d.UpdatedAt = d.CreatedAt
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO deliberations (title_en, title_fr, description_en, description_fr, consultation_id, moderation, require_stakeholder, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			d.TitleEN, d.TitleFR, d.DescriptionEN, d.DescriptionFR, nullID(d.ConsultationID), d.Moderation, d.RequireStakeholder, d.Status, d.CreatedAt).Scan(&d.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "deliberation.create", "deliberation", d.ID, "")
	})
	return d, consultationErr(err, "create deliberation")
}

// consultationErr turns a foreign-key failure on consultation_id into a
// field error.
func consultationErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pallmall.ErrConflict) {
		v := &pallmall.ValidationError{}
		v.Add("consultation_id", "deliberate.error.consultation")
		return v
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Update stores new fields and settings for an existing deliberation.
// Returns ErrForbidden, ErrNotFound, or a ValidationError.
func (s *Service) Update(ctx context.Context, actor auth.Actor, d Deliberation) (Deliberation, error) {
	if !CanManage(actor) {
		return d, pallmall.ErrForbidden
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	d.UpdatedAt = s.now()
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE deliberations SET title_en = $1, title_fr = $2, description_en = $3, description_fr = $4, consultation_id = $5,
			moderation = $6, require_stakeholder = $7, status = $8, updated_at = $9, changes = changes + 1 WHERE id = $10`,
			d.TitleEN, d.TitleFR, d.DescriptionEN, d.DescriptionFR, nullID(d.ConsultationID), d.Moderation, d.RequireStakeholder, d.Status, d.UpdatedAt, d.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		return audit.Record(ctx, tx, actor.UserID, "deliberation.update", "deliberation", d.ID, string(d.Status))
	})
	if err != nil {
		return d, consultationErr(err, "update deliberation")
	}
	return s.Get(ctx, actor, d.ID)
}

// Get returns a deliberation. Drafts exist only for the secretariat:
// others get ErrNotFound.
func (s *Service) Get(ctx context.Context, actor auth.Actor, id int64) (Deliberation, error) {
	return s.get(ctx, s.DB, actor, id)
}

func (s *Service) get(ctx context.Context, q store.Querier, actor auth.Actor, id int64) (Deliberation, error) {
	d, err := scanDeliberation(q.QueryRow(ctx, `SELECT `+deliberationColumns+` FROM deliberations WHERE id = $1`, id))
	if err != nil {
		return d, err
	}
	if d.Status == Draft && !CanManage(actor) {
		return Deliberation{}, pallmall.ErrNotFound
	}
	return d, nil
}

// List returns the deliberations actor may see, newest first.
func (s *Service) List(ctx context.Context, actor auth.Actor) ([]Deliberation, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+deliberationColumns+` FROM deliberations WHERE status <> 'draft' OR $1 ORDER BY created_at DESC, id DESC`, CanManage(actor))
	return store.ScanAll(rows, err, func(r *sql.Rows) (Deliberation, error) { return scanDeliberation(r) })
}

// ForConsultation lists the public deliberations linked to a consultation.
func (s *Service) ForConsultation(ctx context.Context, actor auth.Actor, consultationID int64) ([]Deliberation, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+deliberationColumns+` FROM deliberations WHERE consultation_id = $1 AND (status <> 'draft' OR $2) ORDER BY id`, consultationID, CanManage(actor))
	return store.ScanAll(rows, err, func(r *sql.Rows) (Deliberation, error) { return scanDeliberation(r) })
}

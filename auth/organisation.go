package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/store"
)

// OrgKind is the type of an organisation taking part in the process.
type OrgKind string

// The organisation types.
const (
	State         OrgKind = "state"
	International OrgKind = "international"
	Industry      OrgKind = "industry"
	CivilSociety  OrgKind = "civil_society"
	Academia      OrgKind = "academia"
)

// OrgKinds lists every organisation type in display order.
var OrgKinds = []OrgKind{State, International, Industry, CivilSociety, Academia}

// Valid reports whether k is one of OrgKinds.
func (k OrgKind) Valid() bool {
	for _, v := range OrgKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Organisation is a state, international organisation, company, civil
// society group or academic body taking part in the process. Its name is
// written in English and French.
type Organisation struct {
	ID        int64
	NameEN    string
	NameFR    string
	Kind      OrgKind
	Country   string // ISO 3166-1 alpha-2 code, required for states
	CreatedAt time.Time
}

// Name returns the organisation's name in lang ("en" or "fr").
func (o Organisation) Name(lang string) string {
	if lang == "fr" && o.NameFR != "" {
		return o.NameFR
	}
	return o.NameEN
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// Validate checks o and normalises its fields. Message keys name the
// problem in the message catalogues.
func (o *Organisation) Validate() error {
	var v pallmall.ValidationError
	o.NameEN = strings.TrimSpace(o.NameEN)
	o.NameFR = strings.TrimSpace(o.NameFR)
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	switch {
	case o.NameEN == "":
		v.Add("name_en", "error.required")
	case len(o.NameEN) > 200:
		v.Add("name_en", "error.too_long")
	}
	switch {
	case o.NameFR == "":
		v.Add("name_fr", "error.required")
	case len(o.NameFR) > 200:
		v.Add("name_fr", "error.too_long")
	}
	if !o.Kind.Valid() {
		v.Add("kind", "error.choose_one")
	}
	switch {
	case o.Country != "" && !countryCode.MatchString(o.Country):
		v.Add("country", "error.country_code")
	case o.Kind == State && o.Country == "":
		v.Add("country", "error.country_required")
	}
	return v.Err()
}

// CreateOrganisation validates and stores o, recording the action in the
// audit log. Returns ErrForbidden unless actor may manage organisations,
// ErrInvalid (a ValidationError) for bad fields, and a ValidationError on
// name_en if the name is taken.
func (s *Service) CreateOrganisation(ctx context.Context, actor Actor, o Organisation) (Organisation, error) {
	if !actor.Can(ManageOrganisations) {
		return Organisation{}, pallmall.ErrForbidden
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	o.CreatedAt = store.Now()
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO organisations (name_en, name_fr, kind, country, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			o.NameEN, o.NameFR, o.Kind, o.Country, o.CreatedAt).Scan(&o.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "organisation.create", "organisation", o.ID, "")
	})
	if errors.Is(err, pallmall.ErrAlreadyExists) {
		v := pallmall.ValidationError{}
		v.Add("name_en", "error.name_taken")
		return o, &v
	}
	if err != nil {
		return o, fmt.Errorf("create organisation: %w", err)
	}
	return o, nil
}

// Organisation returns the organisation with the given id. Organisations
// taking part in the process are public. Returns ErrNotFound.
func (s *Service) Organisation(ctx context.Context, id int64) (Organisation, error) {
	row := s.DB.QueryRow(ctx, `SELECT id, name_en, name_fr, kind, country, created_at FROM organisations WHERE id = $1`, id)
	var o Organisation
	err := row.Scan(&o.ID, &o.NameEN, &o.NameFR, &o.Kind, &o.Country, &o.CreatedAt)
	return o, err
}

// OrganisationByName finds an organisation by its English or French name,
// ignoring case. Returns ErrNotFound.
func (s *Service) OrganisationByName(ctx context.Context, name string) (Organisation, error) {
	row := s.DB.QueryRow(ctx, `SELECT id, name_en, name_fr, kind, country, created_at FROM organisations WHERE lower(name_en) = lower($1) OR lower(name_fr) = lower($1) ORDER BY id LIMIT 1`, strings.TrimSpace(name))
	var o Organisation
	err := row.Scan(&o.ID, &o.NameEN, &o.NameFR, &o.Kind, &o.Country, &o.CreatedAt)
	return o, err
}

// Organisations lists organisations ordered by English name, optionally of
// one kind, after the cursor id given by after (0 for the first page).
func (s *Service) Organisations(ctx context.Context, kind OrgKind, after int64, limit int) ([]Organisation, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.DB.Query(ctx, `SELECT id, name_en, name_fr, kind, country, created_at FROM organisations
		WHERE ($1 = '' OR kind = $1) AND id > $2 ORDER BY id LIMIT $3`, string(kind), after, limit)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Organisation, error) {
		var o Organisation
		err := r.Scan(&o.ID, &o.NameEN, &o.NameFR, &o.Kind, &o.Country, &o.CreatedAt)
		return o, err
	})
}

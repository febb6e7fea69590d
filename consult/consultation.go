// Package consult runs the process's consultations: bilingual questionnaires
// built by the secretariat, answered without an account by states, industry
// and civil society, with recorded consent, save-and-return, receipts that
// commit to exactly what was submitted, and analysis that never shows a
// respondent's identity beyond what they consented to.
//
// Every exported operation takes the auth.Actor asking, or for respondents
// the private resume token, and checks access itself.
package consult

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// Service stores consultations and responses.
type Service struct {
	DB *store.DB
	// Keys seals respondents' names, organisations and email addresses
	// (see package vault). Nil means a random in-memory keyring, for tests:
	// what it sealed cannot be read after the process ends.
	Keys *vault.Keyring
	// Now returns the current time; nil means store.Now. Tests move it.
	Now func() time.Time

	// beforeDirectTx, set only by tests (hooks_export_test.go), runs
	// between SubmitDirect's checks and its transaction.
	beforeDirectTx func()
}

var ephemeralKeys = sync.OnceValue(vault.Ephemeral)

func (s *Service) keys() *vault.Keyring {
	if s.Keys != nil {
		return s.Keys
	}
	return ephemeralKeys()
}

// Contexts for sealing respondents' identity fields.
const (
	sealName         = "consult_responses.name"
	sealOrganisation = "consult_responses.organisation_name"
	sealEmail        = "consult_responses.email"
)

// sealAbout returns a's identity fields sealed for storage.
func sealAbout(k *vault.Keyring, a About) (name, org, email string) {
	return k.Seal(sealName, a.Name), k.Seal(sealOrganisation, a.OrganisationName), k.Seal(sealEmail, a.Email)
}

// openIdentity opens sealed identity fields in place.
func openIdentity(k *vault.Keyring, name, org, email *string) error {
	var err error
	for _, f := range []struct {
		ctx string
		p   *string
	}{{sealName, name}, {sealOrganisation, org}, {sealEmail, email}} {
		if *f.p, err = k.Open(f.ctx, *f.p); err != nil {
			return fmt.Errorf("open respondent identity: %w", err)
		}
	}
	return nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return store.Now()
}

// Status is a consultation's place in its lifecycle.
type Status string

// The lifecycle: a draft is seen only by the secretariat; an open
// consultation takes responses between its opening and closing times; a
// closed one takes none; a published one shows its summary.
const (
	Draft     Status = "draft"
	Open      Status = "open"
	Closed    Status = "closed"
	Published Status = "published"
)

// Stakeholder is the type of respondent, which decides the questions shown.
type Stakeholder string

// The stakeholder types.
const (
	State         Stakeholder = "state"
	International Stakeholder = "international"
	Industry      Stakeholder = "industry"
	CivilSociety  Stakeholder = "civil_society"
	Academia      Stakeholder = "academia"
	Individual    Stakeholder = "individual"
)

// Stakeholders lists every stakeholder type in display order.
var Stakeholders = []Stakeholder{State, International, Industry, CivilSociety, Academia, Individual}

// Valid reports whether k is one of Stakeholders.
func (k Stakeholder) Valid() bool { return slices.Contains(Stakeholders, k) }

// Consultation is a questionnaire with its bilingual texts and timetable.
// Times are stored in UTC; pages show them in Europe/London and Europe/Paris.
type Consultation struct {
	ID                   int64
	TitleEN, TitleFR     string
	SummaryEN, SummaryFR string
	BodyEN, BodyFR       string
	Audiences            []Stakeholder
	// PartnerEN and PartnerFR name the partner government with which
	// respondents may agree to share their details.
	PartnerEN, PartnerFR string
	// PartnerKey is the partner's age public key for the partner export.
	PartnerKey   string
	RequireEmail bool
	Status       Status
	OpensAt      time.Time
	ClosesAt     time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// RetentionMonths is how long respondents' identities are kept after
	// the consultation closes (see RetentionEnds); 0 means the default.
	RetentionMonths int
	// IdentitiesErasedAt is when the retention job erased them; zero
	// until then.
	IdentitiesErasedAt time.Time
}

// Title returns the title in lang.
func (c Consultation) Title(lang string) string { return pick(lang, c.TitleEN, c.TitleFR) }

// Summary returns the summary in lang.
func (c Consultation) Summary(lang string) string { return pick(lang, c.SummaryEN, c.SummaryFR) }

// Body returns the body text in lang.
func (c Consultation) Body(lang string) string { return pick(lang, c.BodyEN, c.BodyFR) }

// Partner returns the partner government's name in lang.
func (c Consultation) Partner(lang string) string { return pick(lang, c.PartnerEN, c.PartnerFR) }

// HasAudience reports whether k is one of the intended audiences (all are,
// when none is named).
func (c Consultation) HasAudience(k Stakeholder) bool {
	return len(c.Audiences) == 0 || slices.Contains(c.Audiences, k)
}

// State returns the status as it stands at now: an open consultation whose
// closing time has passed is closed, and one not yet at its opening time is
// not accepting responses ("open" but Accepting false).
func (c Consultation) State(now time.Time) Status {
	if c.Status == Open && !now.Before(c.ClosesAt) {
		return Closed
	}
	return c.Status
}

// Accepting reports whether responses may be started, changed or submitted
// at now.
func (c Consultation) Accepting(now time.Time) bool {
	return c.Status == Open && !now.Before(c.OpensAt) && now.Before(c.ClosesAt)
}

func pick(lang, en, fr string) string {
	if lang == "fr" && fr != "" {
		return fr
	}
	return en
}

// Validate checks c's fields and normalises them. Message keys name the
// problem in the message catalogues.
func (c *Consultation) Validate() error {
	var v pallmall.ValidationError
	for _, f := range []struct {
		name string
		p    *string
		max  int
		req  bool
	}{
		{"title_en", &c.TitleEN, 200, true}, {"title_fr", &c.TitleFR, 200, true},
		{"summary_en", &c.SummaryEN, 1000, true}, {"summary_fr", &c.SummaryFR, 1000, true},
		{"body_en", &c.BodyEN, 20000, false}, {"body_fr", &c.BodyFR, 20000, false},
		{"partner_en", &c.PartnerEN, 200, false}, {"partner_fr", &c.PartnerFR, 200, false},
		{"partner_key", &c.PartnerKey, 200, false},
	} {
		*f.p = strings.TrimSpace(*f.p)
		switch {
		case f.req && *f.p == "":
			v.Add(f.name, "error.required")
		case len(*f.p) > f.max:
			v.Add(f.name, "error.too_long")
		}
	}
	if (c.PartnerEN == "") != (c.PartnerFR == "") {
		if c.PartnerEN == "" {
			v.Add("partner_en", "consult.error.partner_both")
		} else {
			v.Add("partner_fr", "consult.error.partner_both")
		}
	}
	if c.PartnerKey != "" && !strings.HasPrefix(c.PartnerKey, "age1") {
		v.Add("partner_key", "consult.error.partner_key")
	}
	for _, a := range c.Audiences {
		if !a.Valid() {
			v.Add("audiences", "error.choose_one")
		}
	}
	if len(c.Audiences) == 0 {
		v.Add("audiences", "consult.error.audiences")
	}
	switch {
	case c.OpensAt.IsZero():
		v.Add("opens_at", "consult.error.date")
	case c.ClosesAt.IsZero():
		v.Add("closes_at", "consult.error.date")
	case !c.ClosesAt.After(c.OpensAt):
		v.Add("closes_at", "consult.error.closes_before_opens")
	}
	if c.RetentionMonths < 0 || c.RetentionMonths > MaxRetentionMonths {
		v.Add("retention_months", "consult.error.retention")
	}
	c.OpensAt, c.ClosesAt = c.OpensAt.UTC(), c.ClosesAt.UTC()
	return v.Err()
}

const consultationCols = `id, title_en, title_fr, summary_en, summary_fr, body_en, body_fr, audiences, partner_en, partner_fr, partner_key, require_email, status, opens_at, closes_at, created_at, updated_at, retention_months, identities_erased_at`

func scanConsultation(r interface{ Scan(...any) error }) (Consultation, error) {
	var c Consultation
	var aud string
	var erased sql.NullTime
	err := r.Scan(&c.ID, &c.TitleEN, &c.TitleFR, &c.SummaryEN, &c.SummaryFR, &c.BodyEN, &c.BodyFR, &aud, &c.PartnerEN, &c.PartnerFR, &c.PartnerKey,
		&c.RequireEmail, &c.Status, &c.OpensAt, &c.ClosesAt, &c.CreatedAt, &c.UpdatedAt, &c.RetentionMonths, &erased)
	c.IdentitiesErasedAt = erased.Time.UTC()
	if !erased.Valid {
		c.IdentitiesErasedAt = time.Time{}
	}
	c.Audiences = splitStakeholders(aud)
	c.OpensAt, c.ClosesAt, c.CreatedAt, c.UpdatedAt = c.OpensAt.UTC(), c.ClosesAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func splitStakeholders(s string) []Stakeholder {
	var out []Stakeholder
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, Stakeholder(p))
		}
	}
	return out
}

func joinStakeholders(ks []Stakeholder) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}

// canManage reports whether the actor may build and run consultations.
func canManage(a auth.Actor) bool { return a.Is(auth.Secretariat) }

// Create stores a new draft consultation.
// Returns ErrForbidden unless the actor is the secretariat, and a
// ValidationError for bad fields.
func (s *Service) Create(ctx context.Context, actor auth.Actor, c Consultation) (Consultation, error) {
	if !canManage(actor) {
		return Consultation{}, pallmall.ErrForbidden
	}
	if err := c.Validate(); err != nil {
		return Consultation{}, err
	}
	if c.RetentionMonths == 0 {
		c.RetentionMonths = DefaultRetentionMonths
	}
	now := s.now()
	c.Status, c.CreatedAt, c.UpdatedAt = Draft, now, now
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO consultations (title_en, title_fr, summary_en, summary_fr, body_en, body_fr, audiences, partner_en, partner_fr, partner_key, require_email, status, opens_at, closes_at, created_at, updated_at, retention_months)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16) RETURNING id`,
			c.TitleEN, c.TitleFR, c.SummaryEN, c.SummaryFR, c.BodyEN, c.BodyFR, joinStakeholders(c.Audiences), c.PartnerEN, c.PartnerFR, c.PartnerKey,
			c.RequireEmail, c.Status, c.OpensAt, c.ClosesAt, now, c.RetentionMonths).Scan(&c.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.create", "consultation", c.ID, "")
	})
	return c, err
}

// Get returns a consultation. Drafts exist only for the secretariat: others
// get ErrNotFound.
func (s *Service) Get(ctx context.Context, actor auth.Actor, id int64) (Consultation, error) {
	return s.get(ctx, s.DB, actor, id)
}

func (s *Service) get(ctx context.Context, q store.Querier, actor auth.Actor, id int64) (Consultation, error) {
	c, err := scanConsultation(q.QueryRow(ctx, `SELECT `+consultationCols+` FROM consultations WHERE id = $1`, id))
	if err != nil {
		return Consultation{}, err
	}
	if c.Status == Draft && !canManage(actor) {
		return Consultation{}, pallmall.ErrNotFound
	}
	return c, nil
}

// List returns the consultations the actor may see, newest first: every
// one for the secretariat, the others' drafts excluded.
func (s *Service) List(ctx context.Context, actor auth.Actor) ([]Consultation, error) {
	q := `SELECT ` + consultationCols + ` FROM consultations`
	if !canManage(actor) {
		q += ` WHERE status <> 'draft'`
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY opens_at DESC, id DESC`)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Consultation, error) { return scanConsultation(r) })
}

// hasResponses reports whether anyone has started responding, after which
// changes to questions, audiences and closing time need a reason.
func hasResponses(ctx context.Context, q store.Querier, id int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE consultation_id = $1`, id).Scan(&n)
	return n > 0, err
}

// HasResponses reports whether the consultation has any response, draft or
// submitted; from then on changes need a reason.
func (s *Service) HasResponses(ctx context.Context, actor auth.Actor, id int64) (bool, error) {
	if !canManage(actor) {
		return false, pallmall.ErrForbidden
	}
	return hasResponses(ctx, s.DB, id)
}

// Update changes a consultation's texts, audiences and timetable. Once a
// response exists, changing the audiences or the closing time needs a
// reason, which is written to the audit log and shown to respondents.
func (s *Service) Update(ctx context.Context, actor auth.Actor, c Consultation, reason string) (Consultation, error) {
	if !canManage(actor) {
		return Consultation{}, pallmall.ErrForbidden
	}
	if err := c.Validate(); err != nil {
		return Consultation{}, err
	}
	reason = strings.TrimSpace(reason)
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := s.get(ctx, tx, actor, c.ID)
		if err != nil {
			return err
		}
		if c.RetentionMonths == 0 {
			c.RetentionMonths = old.RetentionMonths
		}
		var what []string
		if !slices.Equal(old.Audiences, c.Audiences) {
			what = append(what, "audiences")
		}
		if !old.ClosesAt.Equal(c.ClosesAt) {
			what = append(what, "closes_at")
		}
		if !old.OpensAt.Equal(c.OpensAt) {
			what = append(what, "opens_at")
		}
		if old.RetentionMonths != c.RetentionMonths {
			what = append(what, "retention_months")
		}
		if err := s.noteChange(ctx, tx, actor, c.ID, what, reason); err != nil {
			return err
		}
		now := s.now()
		_, err = tx.Exec(ctx, `UPDATE consultations SET title_en = $1, title_fr = $2, summary_en = $3, summary_fr = $4, body_en = $5, body_fr = $6, audiences = $7,
			partner_en = $8, partner_fr = $9, partner_key = $10, require_email = $11, opens_at = $12, closes_at = $13, updated_at = $14, retention_months = $16 WHERE id = $15`,
			c.TitleEN, c.TitleFR, c.SummaryEN, c.SummaryFR, c.BodyEN, c.BodyFR, joinStakeholders(c.Audiences), c.PartnerEN, c.PartnerFR, c.PartnerKey,
			c.RequireEmail, c.OpensAt, c.ClosesAt, now, c.ID, c.RetentionMonths)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.update", "consultation", c.ID, reason)
	})
	if err != nil {
		return Consultation{}, err
	}
	return s.Get(ctx, actor, c.ID)
}

// Change is a change made after responses began, shown to respondents.
type Change struct {
	ID     int64
	At     time.Time
	What   string // comma-separated field names: audiences, closes_at, questions...
	Reason string
}

// Fields returns the names of the fields changed, for pages to translate
// (message keys consult.what.NAME).
func (c Change) Fields() []string { return strings.Split(c.What, ",") }

// noteChange records a change to what (field names) after responses exist,
// requiring a reason; with no responses yet, or nothing that matters
// changed, it does nothing.
func (s *Service) noteChange(ctx context.Context, q store.Querier, actor auth.Actor, id int64, what []string, reason string) error {
	if len(what) == 0 {
		return nil
	}
	started, err := hasResponses(ctx, q, id)
	if err != nil || !started {
		return err
	}
	if reason == "" {
		var v pallmall.ValidationError
		v.Add("reason", "consult.error.reason_required")
		return &v
	}
	if len(reason) > 1000 {
		var v pallmall.ValidationError
		v.Add("reason", "error.too_long")
		return &v
	}
	var actorID any
	if actor.UserID != 0 {
		actorID = actor.UserID
	}
	_, err = q.Exec(ctx, `INSERT INTO consult_changes (consultation_id, at, actor_user_id, what, reason) VALUES ($1, $2, $3, $4, $5)`,
		id, s.now(), actorID, strings.Join(what, ","), reason)
	if err != nil {
		return err
	}
	return audit.Record(ctx, q, actor.UserID, "consultation.change", "consultation", id, strings.Join(what, ",")+": "+reason)
}

// Changes lists the changes made after responses began, oldest first. They
// are public for a consultation that is not a draft.
func (s *Service) Changes(ctx context.Context, actor auth.Actor, id int64) ([]Change, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.changes(ctx, id)
}

// Overview returns what a consultation's page shows: the consultation as
// actor may see it, its questionnaire and its changes, with one access
// check (Get) for the three instead of one each.
func (s *Service) Overview(ctx context.Context, actor auth.Actor, id int64) (Consultation, Questionnaire, []Change, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return Consultation{}, Questionnaire{}, nil, err
	}
	qn, err := loadQuestionnaire(ctx, s.DB, id)
	if err != nil {
		return Consultation{}, Questionnaire{}, nil, err
	}
	changes, err := s.changes(ctx, id)
	if err != nil {
		return Consultation{}, Questionnaire{}, nil, err
	}
	return c, qn, changes, nil
}

func (s *Service) changes(ctx context.Context, id int64) ([]Change, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, at, what, reason FROM consult_changes WHERE consultation_id = $1 ORDER BY id`, id)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Change, error) {
		var c Change
		err := r.Scan(&c.ID, &c.At, &c.What, &c.Reason)
		c.At = c.At.UTC()
		return c, err
	})
}

// SetStatus moves a consultation through its lifecycle: draft to open
// (which needs at least one question), open to closed, closed to
// published. Closing early is allowed; reopening is not.
// Returns ErrConflict for any other move.
func (s *Service) SetStatus(ctx context.Context, actor auth.Actor, id int64, to Status) error {
	if !canManage(actor) {
		return pallmall.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.get(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		from := c.State(s.now())
		ok := (from == Draft && to == Open) || (from == Open && to == Closed) || (from == Closed && to == Published)
		if !ok {
			return fmt.Errorf("%w: cannot move consultation %d from %s to %s", pallmall.ErrConflict, id, from, to)
		}
		if to == Open {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM consult_questions WHERE consultation_id = $1`, id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				var v pallmall.ValidationError
				v.Add("status", "consult.error.no_questions")
				return &v
			}
		}
		now := s.now()
		closes := c.ClosesAt
		if to == Closed && now.Before(closes) {
			closes = now // closing early: the resume links expire now
		}
		if _, err := tx.Exec(ctx, `UPDATE consultations SET status = $1, closes_at = $2, updated_at = $3 WHERE id = $4`, to, closes, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation."+string(to), "consultation", id, "")
	})
}

// Clock returns the service's current time, for pages that show a
// consultation's state.
func (s *Service) Clock() time.Time { return s.now() }

// Counts are a consultation's response totals.
type Counts struct {
	Started   int // every response, whatever its status
	Drafts    int
	Submitted int
	Withdrawn int
}

// Counts returns the response totals of a consultation, for the
// secretariat and analysts.
func (s *Service) Counts(ctx context.Context, actor auth.Actor, id int64) (Counts, error) {
	if !actor.Can(auth.ReadResponses) {
		return Counts{}, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, id); err != nil {
		return Counts{}, err
	}
	return counts(ctx, s.DB, id)
}

func counts(ctx context.Context, q store.Querier, id int64) (Counts, error) {
	rows, err := q.Query(ctx, `SELECT status, COUNT(*) FROM consult_responses WHERE consultation_id = $1 GROUP BY status`, id)
	if err != nil {
		return Counts{}, err
	}
	defer rows.Close()
	var c Counts
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return c, err
		}
		c.Started += n
		switch st {
		case "draft":
			c.Drafts = n
		case "submitted":
			c.Submitted = n
		case "withdrawn":
			c.Withdrawn = n
		}
	}
	return c, rows.Err()
}

package consult

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// Response status.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusWithdrawn = "withdrawn"
)

// Respondent kinds.
const (
	AsIndividual   = "individual"
	AsOrganisation = "organisation"
)

// About says who is responding.
type About struct {
	Kind             string // AsIndividual or AsOrganisation
	Stakeholder      Stakeholder
	Name             string
	OrganisationName string
	Country          string // ISO 3166-1 alpha-2, required for states
	Email            string
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// Validate checks a against the consultation's rules and normalises it.
func (a *About) Validate(c Consultation) error {
	var v pallmall.ValidationError
	a.Name, a.OrganisationName = cleanText(a.Name), cleanText(a.OrganisationName)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.Email = strings.TrimSpace(a.Email)
	if a.Kind != AsIndividual && a.Kind != AsOrganisation {
		v.Add("kind", "consult.error.kind")
	}
	if !a.Stakeholder.Valid() {
		v.Add("stakeholder", "consult.error.stakeholder")
	}
	switch {
	case a.Name == "":
		v.Add("name", "consult.error.name")
	case len(a.Name) > 200:
		v.Add("name", "error.too_long")
	}
	if a.Kind == AsOrganisation {
		switch {
		case a.OrganisationName == "":
			v.Add("organisation_name", "consult.error.organisation_name")
		case len(a.OrganisationName) > 200:
			v.Add("organisation_name", "error.too_long")
		}
		if a.Stakeholder == Individual {
			v.Add("stakeholder", "consult.error.stakeholder_org")
		}
	} else {
		a.OrganisationName = ""
	}
	switch {
	case a.Stakeholder == State && a.Country == "":
		v.Add("country", "error.country_required")
	case a.Country != "" && !countryCode.MatchString(a.Country):
		v.Add("country", "error.country_code")
	}
	switch {
	case a.Email == "" && c.RequireEmail:
		v.Add("email", "consult.error.email_required")
	case a.Email != "":
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email || len(a.Email) > 254 {
			v.Add("email", "error.email")
		}
	}
	return v.Err()
}

// Response is one respondent's response, draft or submitted.
type Response struct {
	ID             int64
	ConsultationID int64
	Reference      string
	Status         string
	About
	Consent     Consent
	Answers     map[int64]Answer
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt time.Time
	WithdrawnAt time.Time
	Commitment  string
	// LedgerOutboxID is the transparency-log outbox row of the receipt.
	LedgerOutboxID int64
	salt           string
	submittedJSON  string
}

const responseCols = `id, consultation_id, reference, status, respondent_kind, stakeholder, name, organisation_name, country, email,
	consent_set, consent_share, consent_publish, consent_contact, consent_wording, consent_at, created_at, updated_at, submitted_at, withdrawn_at,
	salt, submitted_json, commitment, ledger_outbox_id`

func scanResponse(r interface{ Scan(...any) error }) (Response, error) {
	var x Response
	var consentAt, submittedAt, withdrawnAt sql.NullTime
	var outbox sql.NullInt64
	err := r.Scan(&x.ID, &x.ConsultationID, &x.Reference, &x.Status, &x.Kind, &x.Stakeholder, &x.Name, &x.OrganisationName, &x.Country, &x.Email,
		&x.Consent.Set, &x.Consent.Share, &x.Consent.Publish, &x.Consent.Contact, &x.Consent.Wording, &consentAt, &x.CreatedAt, &x.UpdatedAt,
		&submittedAt, &withdrawnAt, &x.salt, &x.submittedJSON, &x.Commitment, &outbox)
	x.Consent.At, x.SubmittedAt, x.WithdrawnAt = consentAt.Time.UTC(), submittedAt.Time.UTC(), withdrawnAt.Time.UTC()
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	x.LedgerOutboxID = outbox.Int64
	return x, err
}

// newReference returns a short reference a respondent can quote, such as
// PM-7KQ2-M4XD: 40 random bits, unique by a database constraint.
func newReference() string {
	b := make([]byte, 5)
	rand.Read(b)
	s := base32.StdEncoding.EncodeToString(b)
	return "PM-" + s[:4] + "-" + s[4:8]
}

// Start begins a response to an open consultation and returns it with its
// private resume token (256 random bits; only its hash is stored). The
// token is the respondent's only key to the response.
// Returns ErrConflict if the consultation is not accepting responses, and a
// ValidationError for bad details.
func (s *Service) Start(ctx context.Context, consultationID int64, about About) (Response, string, error) {
	c, err := s.get(ctx, s.DB, auth.Actor{}, consultationID)
	if err != nil {
		return Response{}, "", err
	}
	if !c.Accepting(s.now()) {
		return Response{}, "", fmt.Errorf("%w: consultation %d is not accepting responses", ErrClosed, c.ID)
	}
	if err := about.Validate(c); err != nil {
		return Response{}, "", err
	}
	token := auth.NewToken()
	now := s.now()
	r := Response{ConsultationID: c.ID, Status: StatusDraft, About: about, CreatedAt: now, UpdatedAt: now, Answers: map[int64]Answer{}}
	r.Consent.Publish = PublishNone
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		return s.insertDraft(ctx, tx, &r, token)
	})
	if err != nil {
		return Response{}, "", err
	}
	return r, token, nil
}

// insertDraft stores r, a new draft of r.ConsultationID opened by token,
// giving it its reference and id. The caller has checked the consultation
// accepts responses and r.About is valid.
func (s *Service) insertDraft(ctx context.Context, tx *store.Tx, r *Response, token string) error {
	name, org, email := sealAbout(s.keys(), r.About)
	for range 5 {
		r.Reference = newReference()
		err := tx.QueryRow(ctx, `INSERT INTO consult_responses (consultation_id, token_hash, reference, status, respondent_kind, stakeholder, name, organisation_name, country, email, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			r.ConsultationID, auth.HashToken(token), r.Reference, r.Status, r.About.Kind, r.About.Stakeholder, name, org, r.About.Country, email, r.CreatedAt).Scan(&r.ID)
		if !errors.Is(err, pallmall.ErrAlreadyExists) {
			return err
		}
	}
	return errors.New("could not find a free response reference")
}

// ErrClosed is returned (wrapping pallmall.ErrConflict) when a consultation
// does not accept responses: not yet open, closed or published.
var ErrClosed = fmt.Errorf("%w: consultation not accepting responses", pallmall.ErrConflict)

// ByToken returns the response a resume token opens, with its answers.
// A token opens only its own response, and only for its consultation:
// anything else is ErrNotFound.
func (s *Service) ByToken(ctx context.Context, consultationID int64, token string) (Response, error) {
	r, err := byToken(ctx, s.DB, consultationID, token)
	if err != nil {
		return r, err
	}
	return r, openIdentity(s.keys(), &r.Name, &r.OrganisationName, &r.Email)
}

func byToken(ctx context.Context, q store.Querier, consultationID int64, token string) (Response, error) {
	if token == "" {
		return Response{}, pallmall.ErrNotFound
	}
	r, err := scanResponse(q.QueryRow(ctx, `SELECT `+responseCols+` FROM consult_responses WHERE token_hash = $1 AND consultation_id = $2`, auth.HashToken(token), consultationID))
	if err != nil {
		return Response{}, err
	}
	r.Answers, err = loadAnswers(ctx, q, r.ID)
	return r, err
}

func loadAnswers(ctx context.Context, q store.Querier, responseID int64) (map[int64]Answer, error) {
	rows, err := q.Query(ctx, `SELECT question_id, value FROM consult_answers WHERE response_id = $1`, responseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]Answer{}
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		var a Answer
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			return nil, fmt.Errorf("answer %d/%d: %w", responseID, id, err)
		}
		out[id] = a
	}
	return out, rows.Err()
}

// editable loads the response a token opens, checking it may still change:
// the consultation accepts responses and the response is a draft (or, with
// allowSubmitted, submitted: consent can change until close).
func (s *Service) editable(ctx context.Context, tx store.Querier, consultationID int64, token string, allowSubmitted bool) (Consultation, Response, error) {
	r, err := byToken(ctx, tx, consultationID, token)
	if err != nil {
		return Consultation{}, Response{}, err
	}
	c, err := s.mayChange(ctx, tx, r, allowSubmitted)
	return c, r, err
}

// mayChange is editable's check for a response already loaded: it returns
// the response's consultation, and an error if the response may not change.
func (s *Service) mayChange(ctx context.Context, tx store.Querier, r Response, allowSubmitted bool) (Consultation, error) {
	c, err := s.get(ctx, tx, auth.Actor{}, r.ConsultationID)
	if err != nil {
		return Consultation{}, err
	}
	if !c.Accepting(s.now()) {
		return c, fmt.Errorf("%w: consultation %d", ErrClosed, c.ID)
	}
	if r.Status == StatusWithdrawn || (r.Status == StatusSubmitted && !allowSubmitted) {
		return c, fmt.Errorf("%w: response already %s", pallmall.ErrConflict, r.Status)
	}
	return c, nil
}

// SaveAbout changes who the respondent says they are, while the response
// is a draft. Answers to questions no longer shown to them are kept in the
// draft but not submitted.
func (s *Service) SaveAbout(ctx context.Context, consultationID int64, token string, about About) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, r, err := s.editable(ctx, tx, consultationID, token, false)
		if err != nil {
			return err
		}
		if err := about.Validate(c); err != nil {
			return err
		}
		name, org, email := sealAbout(s.keys(), about)
		_, err = tx.Exec(ctx, `UPDATE consult_responses SET respondent_kind = $1, stakeholder = $2, name = $3, organisation_name = $4, country = $5, email = $6, updated_at = $7 WHERE id = $8`,
			about.Kind, about.Stakeholder, name, org, about.Country, email, s.now(), r.ID)
		return err
	})
}

// SaveAnswers stores the answers to one section of a draft. Each answer is
// checked against its question; field names in the ValidationError are
// "q" followed by the question id. With complete, required questions shown
// to the respondent must be answered ("Save and continue"); without it the
// draft keeps whatever is valid so far ("Save and come back later"). Either
// way nothing is stored if any answer is invalid, so the form can be shown
// again with everything typed.
func (s *Service) SaveAnswers(ctx context.Context, consultationID int64, token string, sectionID int64, answers map[int64]Answer, complete bool) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, r, err := s.editable(ctx, tx, consultationID, token, false)
		if err != nil {
			return err
		}
		qn, err := loadQuestionnaire(ctx, tx, consultationID)
		if err != nil {
			return err
		}
		var sec *Section
		for i := range qn.Sections {
			if qn.Sections[i].ID == sectionID {
				sec = &qn.Sections[i]
			}
		}
		if sec == nil {
			return pallmall.ErrNotFound
		}
		// Later questions may depend on earlier ones in this section: judge
		// visibility with the new answers.
		merged := map[int64]Answer{}
		for k, v := range r.Answers {
			merged[k] = v
		}
		var v pallmall.ValidationError
		for _, q := range sec.Questions {
			if q.Kind == File {
				continue // attachments are stored by SaveFile
			}
			a, key := q.Normalise(answers[q.ID])
			if key != "" {
				v.Add(fieldName(q.ID), key)
			}
			merged[q.ID] = a
		}
		now := s.now()
		for _, q := range sec.Questions {
			if q.Kind == File {
				continue
			}
			a := merged[q.ID]
			if complete && q.Required && a.Empty() && qn.Visible(q, r.Stakeholder, merged) {
				v.Add(fieldName(q.ID), "consult.error.answer_required")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		for _, q := range sec.Questions {
			if q.Kind == File {
				continue
			}
			if err := putAnswer(ctx, tx, r.ID, q.ID, merged[q.ID]); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE consult_responses SET updated_at = $1 WHERE id = $2`, now, r.ID)
		return err
	})
}

func fieldName(questionID int64) string { return "q" + strconv.FormatInt(questionID, 10) }

func putAnswer(ctx context.Context, q store.Querier, responseID, questionID int64, a Answer) error {
	if a.Empty() {
		_, err := q.Exec(ctx, `DELETE FROM consult_answers WHERE response_id = $1 AND question_id = $2`, responseID, questionID)
		return err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body) VALUES ($1, $2, $3, $4)
		ON CONFLICT (response_id, question_id) DO UPDATE SET value = excluded.value, body = excluded.body`,
		responseID, questionID, string(b), a.body())
	return err
}

// SetConsent records the respondent's three choices with the exact wording
// shown in lang and the time. It can change until the consultation closes,
// even after submission.
func (s *Service) SetConsent(ctx context.Context, consultationID int64, token, lang string, share, contact *bool, publish Publish) error {
	var v pallmall.ValidationError
	if share == nil {
		v.Add("share", "consult.error.consent_share")
	}
	if !publish.Valid() {
		v.Add("publish", "consult.error.consent_publish")
	}
	if contact == nil {
		v.Add("contact", "consult.error.consent_contact")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		return s.setConsent(ctx, tx, consultationID, token, lang, *share, *contact, publish)
	})
}

// setConsent records the consent of the draft token opens, in tx; the
// caller has checked publish is valid.
func (s *Service) setConsent(ctx context.Context, tx *store.Tx, consultationID int64, token, lang string, share, contact bool, publish Publish) error {
	c, r, err := s.editable(ctx, tx, consultationID, token, true)
	if err != nil {
		return err
	}
	if contact && r.Email == "" {
		var v pallmall.ValidationError
		v.Add("contact", "consult.error.contact_needs_email")
		return &v
	}
	now := s.now()
	_, err = tx.Exec(ctx, `UPDATE consult_responses SET consent_set = TRUE, consent_share = $1, consent_publish = $2, consent_contact = $3, consent_wording = $4, consent_at = $5, updated_at = $5 WHERE id = $6`,
		share, publish, contact, c.Wording(lang).json(), now, r.ID)
	return err
}

// Receipt is what a respondent keeps to prove what they submitted:
// Commitment = ledger.Commit(salt, Response), where Response is the
// canonical JSON of the answers (never the identity).
type Receipt struct {
	Reference    string          `json:"reference"`
	Consultation int64           `json:"consultation"`
	SubmittedAt  time.Time       `json:"submitted_at"`
	Commitment   string          `json:"commitment"`
	Salt         string          `json:"salt"`
	Response     json.RawMessage `json:"response"`
	// LogEntryID is the transparency log entry's id, for finding it there.
	LogEntryID string `json:"log_entry_id,omitempty"`
}

// Receipt returns the receipt of a submitted response.
func (r Response) Receipt() (Receipt, bool) {
	if r.Commitment == "" {
		return Receipt{}, false
	}
	rc := Receipt{Reference: r.Reference, Consultation: r.ConsultationID, SubmittedAt: r.SubmittedAt, Commitment: r.Commitment, Salt: r.salt, Response: json.RawMessage(r.submittedJSON)}
	if r.LedgerOutboxID != 0 {
		rc.LogEntryID = ledger.EntryID(r.LedgerOutboxID)
	}
	return rc, true
}

// Verify checks that the receipt's commitment matches its response and salt.
func (rc Receipt) Verify() error {
	salt, err := hex.DecodeString(rc.Salt)
	if err != nil {
		return fmt.Errorf("receipt salt: %w", err)
	}
	got, err := ledger.Commit(salt, rc.Response)
	if err != nil {
		return err
	}
	if got != rc.Commitment {
		return errors.New("receipt commitment does not match its response")
	}
	return nil
}

// submission is the document a receipt commits to.
type submission struct {
	Consultation string            `json:"consultation"`
	Answers      map[string]Answer `json:"answers"`
}

// consultationLogID names a consultation in the transparency log.
func consultationLogID(id int64) string { return "consultation-" + strconv.FormatInt(id, 10) }

// Problems lists what stops a draft being submitted, as field name to
// message key: "about", "consent", or "q<ID>" for a required question
// that is shown and unanswered.
func (qn Questionnaire) Problems(r Response) map[string]string {
	out := map[string]string{}
	if !r.Consent.Set {
		out["consent"] = "consult.error.consent_required"
	}
	for _, q := range qn.Questions() {
		if q.Required && qn.Visible(q, r.Stakeholder, r.Answers) && r.Answers[q.ID].Empty() {
			out[fieldName(q.ID)] = "consult.error.answer_required"
		}
	}
	return out
}

// Submit submits a draft and returns its receipt. Submitting again (two
// tabs, a resubmitted form) returns the same receipt and stores nothing
// more. Answers to questions not shown to the respondent are dropped.
// Returns ErrClosed (ErrConflict) with the consultation closed, and a
// ValidationError listing what is missing (see Problems).
func (s *Service) Submit(ctx context.Context, consultationID int64, token string) (Receipt, error) {
	var rc Receipt
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		rc, err = s.submit(ctx, tx, consultationID, token)
		return err
	})
	return rc, err
}

// submit submits the response token opens, in tx (see Submit).
func (s *Service) submit(ctx context.Context, tx *store.Tx, consultationID int64, token string) (Receipt, error) {
	var rc Receipt
	r, err := byToken(ctx, tx, consultationID, token)
	if err != nil {
		return rc, err
	}
	if r.Status == StatusSubmitted {
		rc, _ = r.Receipt()
		return rc, nil
	}
	if _, err := s.mayChange(ctx, tx, r, false); err != nil {
		return rc, err
	}
	qn, err := loadQuestionnaire(ctx, tx, consultationID)
	if err != nil {
		return rc, err
	}
	if p := qn.Problems(r); len(p) > 0 {
		return rc, &pallmall.ValidationError{Fields: p}
	}
	sl, err := sealSubmission(consultationID, qn, r)
	if err != nil {
		return rc, err
	}
	for _, id := range sl.hidden {
		if _, err := tx.Exec(ctx, `DELETE FROM consult_answers WHERE response_id = $1 AND question_id = $2`, r.ID, id); err != nil {
			return rc, err
		}
	}
	salt, canon, commitment := sl.salt, sl.canon, sl.commitment
	outboxID, err := ledger.Enqueue(ctx, tx, ledger.ConsultationReceipt{Consultation: consultationLogID(consultationID), Commitment: commitment})
	if err != nil {
		return rc, err
	}
	now := s.now()
	res, err := tx.Exec(ctx, `UPDATE consult_responses SET status = $1, submitted_at = $2, updated_at = $2, salt = $3, submitted_json = $4, commitment = $5, ledger_outbox_id = $6,
		answers = $9 WHERE id = $7 AND status = $8`, StatusSubmitted, now, hex.EncodeToString(salt), string(canon), commitment, outboxID, r.ID, StatusDraft, string(sl.answers))
	if err != nil {
		return rc, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return rc, fmt.Errorf("%w: response %d changed while submitting", pallmall.ErrConflict, r.ID)
	}
	if err := matchCampaigns(ctx, tx, r.ID, sl.matches, now); err != nil {
		return rc, err
	}
	if err := audit.Record(ctx, tx, 0, "consult_response.submit", "consultation", consultationID, r.Reference); err != nil {
		return rc, err
	}
	rc = Receipt{Reference: r.Reference, Consultation: consultationID, SubmittedAt: now, Commitment: commitment, Salt: hex.EncodeToString(salt),
		Response: canon, LogEntryID: ledger.EntryID(outboxID)}
	return rc, nil
}

// sealed is what submitting a response computes from its answers: the
// canonical document its receipt commits to, with the salt and the
// commitment; the answers as stored, for exports; the free texts, for
// campaign matching; and the questions answered but no longer shown to the
// respondent, whose answers are not submitted.
type sealed struct {
	canon      []byte
	salt       []byte
	commitment string
	answers    []byte
	matches    []textMatch // the free texts, for campaign matching
	order      []int64     // the questions whose answers are submitted, in questionnaire order
	hidden     []int64
}

// sealSubmission computes what submitting r to consultation consultationID
// with questionnaire qn stores. It reads nothing and writes nothing, so
// both ways of submitting (the forms' submit and SubmitDirect) seal a
// response the same way.
func sealSubmission(consultationID int64, qn Questionnaire, r Response) (sealed, error) {
	var sl sealed
	texts := map[int64]string{}
	doc := submission{Consultation: consultationLogID(consultationID), Answers: map[string]Answer{}}
	kept := map[string]Answer{} // the answers as stored, file names included, for exports
	for _, q := range qn.Questions() {
		a, ok := r.Answers[q.ID]
		if !ok || a.Empty() {
			continue
		}
		if !qn.Visible(q, r.Stakeholder, r.Answers) {
			sl.hidden = append(sl.hidden, q.ID)
			continue
		}
		key := strconv.FormatInt(q.ID, 10)
		kept[key] = a
		sl.order = append(sl.order, q.ID)
		if a.File != nil {
			a.File = &FileInfo{SHA256: a.File.SHA256, Size: a.File.Size, Type: a.File.Type}
		}
		doc.Answers[key] = a
		if b := a.body(); b != "" {
			texts[q.ID] = b
		}
	}
	sl.matches = textMatches(texts)
	var err error
	if sl.answers, err = json.Marshal(kept); err != nil {
		return sl, err
	}
	if sl.canon, err = ledger.MarshalCanonical(doc); err != nil {
		return sl, err
	}
	if sl.salt, err = ledger.NewSalt(); err != nil {
		return sl, err
	}
	sl.commitment, err = ledger.Commit(sl.salt, sl.canon)
	return sl, err
}

// Withdraw withdraws a submitted response, at any time before the
// consultation is published, including after it closes. Its answers and
// the respondent's details are deleted; only the fact of a withdrawal
// remains, counted in the totals.
func (s *Service) Withdraw(ctx context.Context, consultationID int64, token string) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		r, err := byToken(ctx, tx, consultationID, token)
		if err != nil {
			return err
		}
		c, err := s.get(ctx, tx, auth.Actor{}, consultationID)
		if err != nil {
			return err
		}
		if c.Status == Published {
			return fmt.Errorf("%w: consultation %d is published", pallmall.ErrConflict, c.ID)
		}
		if r.Status != StatusSubmitted {
			return fmt.Errorf("%w: response is %s", pallmall.ErrConflict, r.Status)
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `DELETE FROM consult_answers WHERE response_id = $1`, r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM consult_files WHERE response_id = $1`, r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM consult_mail_outbox WHERE response_id = $1`, r.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE consult_responses SET status = $1, withdrawn_at = $2, updated_at = $2, name = '', organisation_name = '', country = '', email = '', answers = '',
			consent_share = FALSE, consent_publish = 'none', consent_contact = FALSE WHERE id = $3`, StatusWithdrawn, now, r.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "consult_response.withdraw", "consultation", consultationID, r.Reference)
	})
}

// ChangesSince returns the changes made to a consultation after t, which
// a respondent who started at t is shown.
func (s *Service) ChangesSince(ctx context.Context, consultationID int64, t time.Time) ([]Change, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, at, what, reason FROM consult_changes WHERE consultation_id = $1 AND at > $2 ORDER BY id`, consultationID, t)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Change, error) {
		var c Change
		err := r.Scan(&c.ID, &c.At, &c.What, &c.Reason)
		c.At = c.At.UTC()
		return c, err
	})
}

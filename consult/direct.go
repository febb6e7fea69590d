package consult

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// Direct is a whole response given at once, as an organisation's system
// submits it through the API.
type Direct struct {
	About   About
	Answers map[int64]Answer
	Share   *bool
	Contact *bool
	Publish Publish
	Lang    string // the language of the consent wording accepted
}

// SubmitDirect checks a whole response and submits it in one go, for a
// delegate acting for their organisation (or the secretariat). Everything
// is checked before anything is stored: a ValidationError names each bad
// field ("about.name", "answers.q12", "consent.share"...).
func (s *Service) SubmitDirect(ctx context.Context, actor auth.Actor, consultationID int64, d Direct) (Receipt, error) {
	if !actor.Is(auth.Delegate, auth.Secretariat) || (actor.Is(auth.Delegate) && !actor.System && actor.OrganisationID == 0) {
		return Receipt{}, pallmall.ErrForbidden
	}
	// The consult generation, read before the consultation and its
	// questions, tells the transaction below whether they changed since.
	gen, err := consultGeneration(ctx, s.DB)
	if err != nil {
		return Receipt{}, err
	}
	c, err := s.Get(ctx, actor, consultationID)
	if err != nil {
		return Receipt{}, err
	}
	if !c.Accepting(s.now()) {
		return Receipt{}, ErrClosed
	}
	var v pallmall.ValidationError
	if err := d.About.Validate(c); err != nil {
		for k, m := range err.(*pallmall.ValidationError).Fields {
			v.Add("about."+k, m)
		}
	}
	qn, err := loadQuestionnaire(ctx, s.DB, consultationID)
	if err != nil {
		return Receipt{}, err
	}
	clean := map[int64]Answer{}
	for id, a := range d.Answers {
		q, ok := qn.Question(id)
		if !ok || q.Kind == File {
			v.Add("answers.q"+strconv.FormatInt(id, 10), "consult.error.no_such_question")
			continue
		}
		a, key := q.Normalise(a)
		if key != "" {
			v.Add("answers.q"+strconv.FormatInt(id, 10), key)
		}
		clean[id] = a
	}
	r := Response{About: d.About, Answers: clean}
	r.Consent.Set = true
	for k, m := range qn.Problems(r) {
		v.Add("answers."+k, m)
	}
	if d.Share == nil {
		v.Add("consent.share", "consult.error.consent_share")
	}
	if d.Contact == nil {
		v.Add("consent.contact", "consult.error.consent_contact")
	}
	if !d.Publish.Valid() {
		v.Add("consent.publish", "consult.error.consent_publish")
	}
	if d.Contact != nil && *d.Contact && d.About.Email == "" {
		v.Add("consent.contact", "consult.error.contact_needs_email")
	}
	if err := v.Err(); err != nil {
		return Receipt{}, err
	}
	// One transaction, so one commit: the response, its answers, its
	// consent and its log entry are stored together or not at all, and the
	// receipt is returned only once they are durable. The transaction holds
	// SQLite's single writer, so it does only what must be atomic: the
	// identity is sealed, the answers checked and the receipt's document
	// sealed before it, and it writes the submitted response at once
	// rather than as a draft changed four times. Inside it, the consult
	// generation (bumped by any change to a consultation or its questions,
	// store/generations.go) shows whether what was checked is still
	// current; if not, the consultation and its questions are read again
	// and the answers checked and sealed again, inside the transaction.
	name, org, email := sealAbout(s.keys(), d.About)
	tokenHash := auth.HashToken(auth.NewToken())
	sl, err := sealSubmission(consultationID, qn, r)
	if err != nil {
		return Receipt{}, err
	}
	if s.beforeDirectTx != nil {
		s.beforeDirectTx()
	}
	var rc Receipt
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		current, err := consultGeneration(ctx, tx)
		if err != nil {
			return err
		}
		sl := sl
		if current != gen {
			if c, err = s.get(ctx, tx, auth.Actor{}, consultationID); err != nil {
				return err
			}
			qn, err := loadQuestionnaire(ctx, tx, consultationID)
			if err != nil {
				return err
			}
			var v pallmall.ValidationError
			for k, m := range qn.Problems(r) {
				v.Add("answers."+k, m)
			}
			if err := v.Err(); err != nil {
				return err
			}
			if sl, err = sealSubmission(consultationID, qn, r); err != nil {
				return err
			}
		}
		if !c.Accepting(now) {
			return ErrClosed
		}
		outboxID, err := ledger.Enqueue(ctx, tx, ledger.ConsultationReceipt{Consultation: consultationLogID(consultationID), Commitment: sl.commitment})
		if err != nil {
			return err
		}
		// api_user_id marks a response given whole rather than typed
		// through the forms, so its timing means nothing (the campaign
		// detection's fast-typing check skips it): the user whose token
		// sent it, or 0 for the platform itself (the demo, imports).
		var id int64
		var ref string
		for range 5 {
			ref = newReference()
			err = tx.QueryRow(ctx, `INSERT INTO consult_responses (consultation_id, token_hash, reference, status, respondent_kind, stakeholder, name, organisation_name, country, email,
				consent_set, consent_share, consent_publish, consent_contact, consent_wording, consent_at, api_user_id,
				created_at, updated_at, submitted_at, salt, submitted_json, commitment, ledger_outbox_id, answers)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, TRUE, $11, $12, $13, $14, $15, $16, $15, $15, $15, $17, $18, $19, $20, $21)
				ON CONFLICT (reference) DO NOTHING RETURNING id`,
				consultationID, tokenHash, ref, StatusSubmitted, d.About.Kind, d.About.Stakeholder, name, org, d.About.Country, email,
				*d.Share, d.Publish, *d.Contact, c.Wording(d.Lang).json(), now, actor.UserID,
				hex.EncodeToString(sl.salt), string(sl.canon), sl.commitment, outboxID, string(sl.answers)).Scan(&id)
			if !errors.Is(err, pallmall.ErrNotFound) {
				break // stored, or failed; ErrNotFound: the reference was taken
			}
		}
		if err != nil {
			return err
		}
		if err := insertAnswers(ctx, tx, id, sl.order, r.Answers); err != nil {
			return err
		}
		if err := matchCampaigns(ctx, tx, id, sl.matches, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, 0, "consult_response.submit", "consultation", consultationID, ref); err != nil {
			return err
		}
		rc = Receipt{Reference: ref, Consultation: consultationID, SubmittedAt: now, Commitment: sl.commitment, Salt: hex.EncodeToString(sl.salt),
			Response: sl.canon, LogEntryID: ledger.EntryID(outboxID)}
		return nil
	})
	return rc, err
}

// consultGeneration reads the consult data generation: it changes with any
// change to a consultation, its sections or its questions.
func consultGeneration(ctx context.Context, q store.Querier) (int64, error) {
	var g int64
	err := q.QueryRow(ctx, `SELECT `+store.GenerationSQL(store.GenConsult)).Scan(&g)
	return g, err
}

// insertAnswers stores the answers to the questions ids of a new response
// in one statement.
func insertAnswers(ctx context.Context, tx *store.Tx, responseID int64, ids []int64, answers map[int64]Answer) error {
	if len(ids) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO consult_answers (response_id, question_id, value, body) VALUES `)
	args := []any{responseID}
	for i, qid := range ids {
		a := answers[qid]
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if i > 0 {
			q.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&q, "($1, $%d, $%d, $%d)", n+1, n+2, n+3)
		args = append(args, qid, string(b), a.body())
	}
	_, err := tx.Exec(ctx, q.String(), args...)
	return err
}

package consult

import (
	"context"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
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
	// One transaction, so one commit: the draft, its answers, the consent
	// and the submission are stored together or not at all, and the
	// receipt is returned only once they are durable.
	token := auth.NewToken()
	now := s.now()
	draft := Response{ConsultationID: c.ID, Status: StatusDraft, About: d.About, CreatedAt: now, UpdatedAt: now, Answers: map[int64]Answer{}}
	var rc Receipt
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := s.insertDraft(ctx, tx, &draft, token); err != nil {
			return err
		}
		for id, a := range clean {
			if err := putAnswer(ctx, tx, draft.ID, id, a); err != nil {
				return err
			}
		}
		// api_user_id marks a response given whole rather than typed
		// through the forms, so its timing means nothing (the campaign
		// detection's fast-typing check skips it): the user whose token
		// sent it, or 0 for the platform itself (the demo, imports).
		if _, err := tx.Exec(ctx, `UPDATE consult_responses SET api_user_id = $1 WHERE id = $2`, actor.UserID, draft.ID); err != nil {
			return err
		}
		if err := s.setConsent(ctx, tx, consultationID, token, d.Lang, *d.Share, *d.Contact, d.Publish); err != nil {
			return err
		}
		var err error
		rc, err = s.submit(ctx, tx, consultationID, token)
		return err
	})
	return rc, err
}

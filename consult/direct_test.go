package consult_test

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestSubmitDirectStoresEverythingTogether checks the one-transaction
// SubmitDirect: the response it acknowledges is stored submitted, with its
// answers, consent, API marker and outbox row, and the receipt checks out;
// a refused response leaves no row behind.
func TestSubmitDirectStoresEverythingTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		delegate := auth.Actor{UserID: 7, Name: "Del", Role: auth.Delegate, OrganisationID: 3}
		responses := func() int {
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE consultation_id = $1`, f.c.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Refused: a required answer is missing. Nothing is stored.
		_, err := f.svc.SubmitDirect(ctx, delegate, f.c.ID, consult.Direct{About: civil(), Answers: map[int64]consult.Answer{f.q["yesno"].ID: {Choices: []string{"no"}}},
			Share: yes(), Contact: no(), Publish: consult.PublishAnonymous, Lang: "fr"})
		if fieldErrors(err) == nil {
			t.Fatalf("SubmitDirect(missing required answer) = %v, want a validation error", err)
		}
		if n := responses(); n != 0 {
			t.Fatalf("a refused SubmitDirect left %d responses", n)
		}

		rc, err := f.svc.SubmitDirect(ctx, delegate, f.c.ID, consult.Direct{About: civil(),
			Answers: map[int64]consult.Answer{f.q["short"].ID: {Text: "Licensing regimes"}, f.q["yesno"].ID: {Choices: []string{"no"}}},
			Share:   yes(), Contact: no(), Publish: consult.PublishAnonymous, Lang: "fr"})
		if err != nil {
			t.Fatalf("SubmitDirect: %v", err)
		}
		salt, err := hex.DecodeString(rc.Salt)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := ledger.Commit(salt, rc.Response); err != nil || c != rc.Commitment {
			t.Errorf("receipt commitment %s, recomputed %s (%v)", rc.Commitment, c, err)
		}
		if n := responses(); n != 1 {
			t.Fatalf("SubmitDirect left %d responses, want 1", n)
		}
		var status, publish, wording string
		var consentSet, share bool
		var apiUser, outbox int64
		var answers int
		if err := db.QueryRow(ctx, `SELECT r.status, r.consent_set, r.consent_share, r.consent_publish, r.consent_wording, r.api_user_id, r.ledger_outbox_id,
				(SELECT COUNT(*) FROM consult_answers a WHERE a.response_id = r.id)
			FROM consult_responses r WHERE r.reference = $1`, rc.Reference).Scan(&status, &consentSet, &share, &publish, &wording, &apiUser, &outbox, &answers); err != nil {
			t.Fatal(err)
		}
		if status != consult.StatusSubmitted || !consentSet || !share || publish != string(consult.PublishAnonymous) || wording == "" || apiUser != 7 || answers != 2 {
			t.Errorf("stored response: status %s, consent %v share %v publish %s wording %q, api user %d, %d answers; want submitted, consent given to publish anonymously in a wording, api user 7, 2 answers",
				status, consentSet, share, publish, wording, apiUser, answers)
		}
		if ledger.EntryID(outbox) != rc.LogEntryID {
			t.Errorf("outbox row %d, receipt's log entry %s", outbox, rc.LogEntryID)
		}
		if _, err := ledger.OutboxEntry(ctx, db, outbox); err != nil {
			t.Errorf("outbox entry %d: %v", outbox, err)
		}
	})
}

// TestOverviewChecksAccessOnce checks Overview returns what Get,
// Questionnaire and Changes return, and refuses as Get does: the public
// see a draft consultation as not found.
func TestOverviewChecksAccessOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c, qn, changes, err := f.svc.Overview(ctx, public, f.c.ID)
		if err != nil {
			t.Fatalf("Overview(open, public): %v", err)
		}
		wantQn, _ := f.svc.Questionnaire(ctx, public, f.c.ID)
		wantChanges, _ := f.svc.Changes(ctx, public, f.c.ID)
		if c.ID != f.c.ID || c.TitleEN != f.c.TitleEN || len(qn.Sections) != len(wantQn.Sections) || len(qn.Questions()) != len(f.q) || len(changes) != len(wantChanges) {
			t.Errorf("Overview = consultation %d, %d sections, %d questions, %d changes; want %d, %d, %d, %d",
				c.ID, len(qn.Sections), len(qn.Questions()), len(changes), f.c.ID, len(wantQn.Sections), len(f.q), len(wantChanges))
		}
		draft, err := f.svc.Create(ctx, secretariat, consult.Consultation{TitleEN: "Draft", TitleFR: "Brouillon", SummaryEN: "s", SummaryFR: "s",
			Audiences: []consult.Stakeholder{consult.State}, OpensAt: base(), ClosesAt: base().AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.svc.Overview(ctx, public, draft.ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Overview(draft, public) err = %v, want ErrNotFound", err)
		}
		if _, _, _, err := f.svc.Overview(ctx, secretariat, draft.ID); err != nil {
			t.Errorf("Overview(draft, secretariat): %v", err)
		}
	})
}

// TestSubmitDirectMatchesTheForms submits the same answers through the
// forms (Start, SaveAnswers, SetConsent, Submit) and through SubmitDirect:
// the two seal the same canonical document, store the same answers (an
// answer to a question the respondent is not shown is dropped by both) and
// the same consent.
func TestSubmitDirectMatchesTheForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		answers := map[int64]consult.Answer{
			f.q["short"].ID:  {Text: "Licensing regimes"},
			f.q["single"].ID: {Choices: []string{f.q["single"].Options[1].Value}},
			f.q["yesno"].ID:  {Choices: []string{"no"}},
			f.q["ifyes"].ID:  {Text: "shown only after a yes"}, // hidden: dropped
			f.q["long"].ID:   {Text: "Due diligence"},
		}
		_, token, err := f.svc.Start(ctx, f.c.ID, civil())
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, answers, true); err != nil {
			t.Fatalf("SaveAnswers: %v", err)
		}
		if err := f.svc.SetConsent(ctx, f.c.ID, token, "fr", yes(), no(), consult.PublishNamed); err != nil {
			t.Fatal(err)
		}
		forms, err := f.svc.Submit(ctx, f.c.ID, token)
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		direct, err := f.svc.SubmitDirect(ctx, auth.Actor{UserID: 7, Role: auth.Delegate, OrganisationID: 3}, f.c.ID, consult.Direct{
			About: civil(), Answers: answers, Share: yes(), Contact: no(), Publish: consult.PublishNamed, Lang: "fr"})
		if err != nil {
			t.Fatalf("SubmitDirect: %v", err)
		}
		if string(forms.Response) != string(direct.Response) {
			t.Errorf("sealed documents differ:\nforms  %s\ndirect %s", forms.Response, direct.Response)
		}
		if forms.Salt == direct.Salt || forms.Commitment == direct.Commitment {
			t.Error("two submissions share a salt or a commitment")
		}
		type stored struct {
			status, stakeholder, publish, wording, answersCopy string
			share, contact                                     bool
			submitted                                          bool
			answers                                            string
		}
		load := func(ref string) stored {
			var s stored
			var at *time.Time
			if err := db.QueryRow(ctx, `SELECT status, stakeholder, consent_publish, consent_wording, answers, consent_share, consent_contact, submitted_at,
					(SELECT COUNT(*) || ':' || COALESCE(MIN(question_id), 0) || ':' || COALESCE(MAX(question_id), 0) FROM consult_answers a WHERE a.response_id = r.id)
				FROM consult_responses r WHERE reference = $1`, ref).Scan(&s.status, &s.stakeholder, &s.publish, &s.wording, &s.answersCopy, &s.share, &s.contact, &at, &s.answers); err != nil {
				t.Fatal(err)
			}
			s.submitted = at != nil
			return s
		}
		if a, b := load(forms.Reference), load(direct.Reference); a != b {
			t.Errorf("stored responses differ:\nforms  %+v\ndirect %+v", a, b)
		}
		var hidden int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_answers WHERE question_id = $1`, f.q["ifyes"].ID).Scan(&hidden); err != nil || hidden != 0 {
			t.Errorf("answers to the hidden question stored: %d (%v)", hidden, err)
		}
	})
}

// TestSubmitDirectSeesChangesMadeWhileItChecked changes the consultation
// between SubmitDirect's checks (outside its transaction) and its
// transaction: a question made required, then the consultation closed.
// The transaction sees each change (the consult generation moved) and
// refuses; with no change in between, the response is stored.
func TestSubmitDirectSeesChangesMadeWhileItChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		delegate := auth.Actor{UserID: 7, Role: auth.Delegate, OrganisationID: 3}
		d := consult.Direct{About: civil(), Answers: map[int64]consult.Answer{f.q["short"].ID: {Text: "Licensing"}, f.q["yesno"].ID: {Choices: []string{"no"}}},
			Share: yes(), Contact: no(), Publish: consult.PublishAnonymous, Lang: "en"}
		count := func() int {
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE consultation_id = $1`, f.c.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		long := f.q["long"]
		f.svc.SetBeforeDirectTx(func() {
			long.Required = true
			if _, err := f.svc.SaveQuestion(ctx, secretariat, long, ""); err != nil {
				t.Errorf("make a question required: %v", err)
			}
		})
		_, err := f.svc.SubmitDirect(ctx, delegate, f.c.ID, d)
		if fe := fieldErrors(err); fe == nil || fe["answers.q"+strconv.FormatInt(long.ID, 10)] == "" {
			t.Errorf("SubmitDirect with a question made required meanwhile = %v, want a validation error on it", err)
		}
		if n := count(); n != 0 {
			t.Fatalf("a refused submission left %d responses", n)
		}

		d.Answers[long.ID] = consult.Answer{Text: "Due diligence"}
		f.svc.SetBeforeDirectTx(nil)
		if _, err := f.svc.SubmitDirect(ctx, delegate, f.c.ID, d); err != nil {
			t.Errorf("SubmitDirect with nothing changed meanwhile: %v", err)
		}
		if n := count(); n != 1 {
			t.Errorf("%d responses stored, want 1", n)
		}

		f.svc.SetBeforeDirectTx(func() {
			if err := f.svc.SetStatus(ctx, secretariat, f.c.ID, consult.Closed); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		if _, err := f.svc.SubmitDirect(ctx, delegate, f.c.ID, d); !errors.Is(err, consult.ErrClosed) {
			t.Errorf("SubmitDirect to a consultation closed meanwhile = %v, want ErrClosed", err)
		}
		if n := count(); n != 1 {
			t.Errorf("after a refused submission %d responses, want 1", n)
		}
	})
}

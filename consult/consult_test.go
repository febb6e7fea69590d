package consult_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var (
	secretariat = auth.Actor{UserID: 1, Name: "Sec", Role: auth.Secretariat}
	analyst     = auth.Actor{UserID: 2, Name: "Ana", Role: auth.Analyst}
	public      = auth.Actor{}
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func base() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }

// fixture is an open consultation with a section of each kind of
// question, one shown only to states and one that depends on a yes/no.
type fixture struct {
	svc   *consult.Service
	clock *clock
	c     consult.Consultation
	sec   consult.Section
	q     map[string]consult.Question
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clock: &clock{base()}, q: map[string]consult.Question{}}
	f.svc = &consult.Service{DB: db, Now: f.clock.now}
	c, err := f.svc.Create(ctx, secretariat, consult.Consultation{
		TitleEN: "Good practice", TitleFR: "Bonnes pratiques", SummaryEN: "What should states do?", SummaryFR: "Que doivent faire les États ?",
		Audiences: []consult.Stakeholder{consult.State, consult.CivilSociety}, PartnerEN: "France", PartnerFR: "la France",
		OpensAt: base(), ClosesAt: base().Add(30 * 24 * time.Hour),
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	f.c = c
	f.sec, err = f.svc.AddSection(ctx, secretariat, consult.Section{ConsultationID: c.ID, TitleEN: "Practice", TitleFR: "Pratique"}, "")
	if err != nil {
		t.Fatalf("AddSection: %v", err)
	}
	add := func(label string, q consult.Question) {
		t.Helper()
		q.ConsultationID, q.SectionID = c.ID, f.sec.ID
		if q.TextEN == "" {
			q.TextEN, q.TextFR = label+"?", label+" ?"
		}
		saved, err := f.svc.SaveQuestion(ctx, secretariat, q, "")
		if err != nil {
			t.Fatalf("SaveQuestion %s: %v", label, err)
		}
		f.q[label] = saved
	}
	opts := []consult.Option{{EN: "Licensing", FR: "Licences"}, {EN: "Export controls", FR: "Contrôles à l’export"}, {EN: "Procurement", FR: "Marchés publics"}}
	add("short", consult.Question{Kind: consult.ShortText, Required: true})
	add("long", consult.Question{Kind: consult.LongText, MaxChars: 20})
	add("single", consult.Question{Kind: consult.Single, Options: opts})
	add("multiple", consult.Question{Kind: consult.Multiple, Options: opts, AllowOther: true})
	add("likert", consult.Question{Kind: consult.Likert})
	add("ranking", consult.Question{Kind: consult.Ranking, Options: opts})
	add("yesno", consult.Question{Kind: consult.YesNo})
	add("states", consult.Question{Kind: consult.ShortText, Required: true, Audiences: []consult.Stakeholder{consult.State}})
	add("ifyes", consult.Question{Kind: consult.LongText, Required: true, CondQuestionID: f.q["yesno"].ID, CondValues: []string{"yes"}})
	if err := f.svc.SetStatus(ctx, secretariat, c.ID, consult.Open); err != nil {
		t.Fatalf("SetStatus open: %v", err)
	}
	f.c, _ = f.svc.Get(ctx, secretariat, c.ID)
	return f
}

func civil() consult.About {
	return consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.CivilSociety, Name: "Ada", OrganisationName: "Digital Defenders", Email: "ada@example.org"}
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func fieldErrors(err error) map[string]string {
	var v *pallmall.ValidationError
	if errors.As(err, &v) {
		return v.Fields
	}
	return nil
}

func TestConsultationValidation(t *testing.T) {
	good := consult.Consultation{TitleEN: "T", TitleFR: "T", SummaryEN: "S", SummaryFR: "S", Audiences: []consult.Stakeholder{consult.State},
		OpensAt: base(), ClosesAt: base().Add(time.Hour)}
	tests := []struct {
		name  string
		edit  func(*consult.Consultation)
		field string
		key   string
	}{
		{"no title", func(c *consult.Consultation) { c.TitleFR = " " }, "title_fr", "error.required"},
		{"closes before opens", func(c *consult.Consultation) { c.ClosesAt = c.OpensAt.Add(-time.Minute) }, "closes_at", "consult.error.closes_before_opens"},
		{"no audience", func(c *consult.Consultation) { c.Audiences = nil }, "audiences", "consult.error.audiences"},
		{"bad audience", func(c *consult.Consultation) { c.Audiences = []consult.Stakeholder{"spies"} }, "audiences", "error.choose_one"},
		{"partner in one language", func(c *consult.Consultation) { c.PartnerEN = "France" }, "partner_fr", "consult.error.partner_both"},
		{"bad partner key", func(c *consult.Consultation) { c.PartnerKey = "ssh-rsa AAA" }, "partner_key", "consult.error.partner_key"},
	}
	for _, tt := range tests {
		c := good
		tt.edit(&c)
		got := fieldErrors(c.Validate())
		if got[tt.field] != tt.key {
			t.Errorf("%s: Validate() fields = %v, want %s: %s", tt.name, got, tt.field, tt.key)
		}
	}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(good) = %v, want nil", err)
	}
}

func TestOnlySecretariatManages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if _, err := f.svc.Create(ctx, analyst, f.c); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Create as analyst = %v, want ErrForbidden", err)
		}
		if err := f.svc.SetStatus(ctx, public, f.c.ID, consult.Closed); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("SetStatus as public = %v, want ErrForbidden", err)
		}
		draft, err := f.svc.Create(ctx, secretariat, consult.Consultation{TitleEN: "D", TitleFR: "D", SummaryEN: "S", SummaryFR: "S",
			Audiences: []consult.Stakeholder{consult.Industry}, OpensAt: base(), ClosesAt: base().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(ctx, public, draft.ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Get(draft) as public = %v, want ErrNotFound", err)
		}
		list, _ := f.svc.List(ctx, public)
		if len(list) != 1 || list[0].ID != f.c.ID {
			t.Errorf("List as public = %d consultations, want only the open one", len(list))
		}
		if err := f.svc.SetStatus(ctx, secretariat, draft.ID, consult.Open); fieldErrors(err)["status"] != "consult.error.no_questions" {
			t.Errorf("SetStatus(open) with no questions = %v, want consult.error.no_questions", err)
		}
		if err := f.svc.SetStatus(ctx, secretariat, f.c.ID, consult.Published); !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("SetStatus(open → published) = %v, want ErrConflict", err)
		}
	})
}

func TestVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		qn, err := f.svc.Questionnaire(context.Background(), public, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		yesAns := map[int64]consult.Answer{f.q["yesno"].ID: {Choices: []string{"yes"}}}
		noAns := map[int64]consult.Answer{f.q["yesno"].ID: {Choices: []string{"no"}}}
		tests := []struct {
			q       string
			k       consult.Stakeholder
			answers map[int64]consult.Answer
			want    bool
		}{
			{"states", consult.State, nil, true},
			{"states", consult.Industry, nil, false},
			{"ifyes", consult.Industry, yesAns, true},
			{"ifyes", consult.Industry, noAns, false},
			{"ifyes", consult.Industry, nil, false},
			{"short", consult.Individual, nil, true},
		}
		for _, tt := range tests {
			if got := qn.Visible(f.q[tt.q], tt.k, tt.answers); got != tt.want {
				t.Errorf("Visible(%s, %s, %v) = %v, want %v", tt.q, tt.k, tt.answers, got, tt.want)
			}
		}
	})
}

func TestNormaliseAnswers(t *testing.T) {
	opts := []consult.Option{{Value: "1", EN: "A", FR: "A"}, {Value: "2", EN: "B", FR: "B"}}
	tests := []struct {
		name string
		q    consult.Question
		a    consult.Answer
		key  string
	}{
		{"long text over limit", consult.Question{Kind: consult.LongText, MaxChars: 5}, consult.Answer{Text: "123456"}, "consult.error.too_long"},
		{"long text at limit", consult.Question{Kind: consult.LongText, MaxChars: 5}, consult.Answer{Text: "1234é"}, ""},
		{"unknown choice", consult.Question{Kind: consult.Single, Options: opts}, consult.Answer{Choices: []string{"9"}}, "consult.error.bad_choice"},
		{"two choices for single", consult.Question{Kind: consult.Single, Options: opts}, consult.Answer{Choices: []string{"1", "2"}}, "consult.error.one_choice"},
		{"other without text", consult.Question{Kind: consult.Multiple, Options: opts, AllowOther: true}, consult.Answer{Choices: []string{"other"}}, "consult.error.other_required"},
		{"other not allowed", consult.Question{Kind: consult.Multiple, Options: opts}, consult.Answer{Choices: []string{"other"}, Other: "x"}, "consult.error.bad_choice"},
		{"other with text", consult.Question{Kind: consult.Multiple, Options: opts, AllowOther: true}, consult.Answer{Choices: []string{"1", "other"}, Other: "x"}, ""},
		{"ranking with a tie", consult.Question{Kind: consult.Ranking, Options: opts}, consult.Answer{Choices: []string{"1", "1"}}, "consult.error.ranking"},
		{"ranking incomplete", consult.Question{Kind: consult.Ranking, Options: opts}, consult.Answer{Choices: []string{"2"}}, "consult.error.ranking"},
		{"ranking complete", consult.Question{Kind: consult.Ranking, Options: opts}, consult.Answer{Choices: []string{"2", "1"}}, ""},
		{"likert default scale", consult.Question{Kind: consult.Likert}, consult.Answer{Choices: []string{"5"}}, ""},
		{"yes/no", consult.Question{Kind: consult.YesNo}, consult.Answer{Choices: []string{"maybe"}}, "consult.error.bad_choice"},
	}
	for _, tt := range tests {
		if _, key := tt.q.Normalise(tt.a); key != tt.key {
			t.Errorf("%s: Normalise(%+v) = %q, want %q", tt.name, tt.a, key, tt.key)
		}
	}
}

func TestRespondSubmitAndReceipt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r, token, err := f.svc.Start(ctx, f.c.ID, civil())
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		if len(token) < 22 {
			t.Errorf("token %q has fewer than 128 bits", token)
		}
		// An invalid answer stores nothing and names the field.
		bad := map[int64]consult.Answer{f.q["short"].ID: {Text: "kept?"}, f.q["long"].ID: {Text: "this is far longer than twenty characters"}}
		err = f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, bad, false)
		if got := fieldErrors(err)[fieldName(f.q["long"])]; got != "consult.error.too_long" {
			t.Errorf("SaveAnswers(too long) = %v, want consult.error.too_long", err)
		}
		// Save and continue needs required answers, including the one
		// revealed by answering yes.
		answers := map[int64]consult.Answer{
			f.q["short"].ID:    {Text: "Licensing regimes"},
			f.q["multiple"].ID: {Choices: []string{"1", "other"}, Other: "Transparency"},
			f.q["yesno"].ID:    {Choices: []string{"yes"}},
			f.q["ranking"].ID:  {Choices: []string{"3", "1", "2"}},
		}
		err = f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, answers, true)
		if got := fieldErrors(err)[fieldName(f.q["ifyes"])]; got != "consult.error.answer_required" {
			t.Errorf("SaveAnswers(complete, missing conditional) = %v, want it required", err)
		}
		if got := fieldErrors(err)[fieldName(f.q["states"])]; got != "" {
			t.Errorf("a question for states only was required of civil society: %v", err)
		}
		if err := f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, answers, false); err != nil {
			t.Fatalf("SaveAnswers(draft): %v", err)
		}
		// Resume: the draft keeps every answer.
		back, err := f.svc.ByToken(ctx, f.c.ID, token)
		if err != nil {
			t.Fatal(err)
		}
		if back.ID != r.ID || back.Answers[f.q["multiple"].ID].Other != "Transparency" || back.Answers[f.q["ranking"].ID].Rank("3") != 1 {
			t.Errorf("ByToken answers = %+v, want the saved draft", back.Answers)
		}
		// Submitting without consent and the conditional answer lists both.
		_, err = f.svc.Submit(ctx, f.c.ID, token)
		fe := fieldErrors(err)
		if fe["consent"] == "" || fe[fieldName(f.q["ifyes"])] == "" {
			t.Errorf("Submit(incomplete) = %v, want consent and ifyes problems", err)
		}
		answers[f.q["ifyes"].ID] = consult.Answer{Text: "Yes, audit"}
		if err := f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, answers, true); err != nil {
			t.Fatalf("SaveAnswers(complete): %v", err)
		}
		if err := f.svc.SetConsent(ctx, f.c.ID, token, "fr", no(), no(), consult.PublishAnonymous); err != nil {
			t.Fatalf("SetConsent: %v", err)
		}
		rc, err := f.svc.Submit(ctx, f.c.ID, token)
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		if err := rc.Verify(); err != nil {
			t.Errorf("receipt Verify() = %v", err)
		}
		var doc map[string]any
		json.Unmarshal(rc.Response, &doc)
		raw := string(rc.Response)
		for _, secret := range []string{"Ada", "Digital Defenders", "ada@example.org"} {
			if contains(raw, secret) {
				t.Errorf("receipt response %s contains identity %q", raw, secret)
			}
		}
		// A double submit returns the same receipt.
		again, err := f.svc.Submit(ctx, f.c.ID, token)
		if err != nil || again.Commitment != rc.Commitment || again.Reference != rc.Reference {
			t.Errorf("second Submit = %+v, %v; want the same receipt", again, err)
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE status = 'submitted'`).Scan(&n)
		if n != 1 {
			t.Errorf("submitted responses = %d, want 1", n)
		}
		// The receipt is queued for the transparency log with the same commitment.
		back, _ = f.svc.ByToken(ctx, f.c.ID, token)
		entry, err := ledger.OutboxEntry(ctx, db, back.LedgerOutboxID)
		if err != nil || !contains(string(entry), rc.Commitment) {
			t.Errorf("outbox entry = %s, %v; want the commitment %s", entry, err, rc.Commitment)
		}
		// The consent wording recorded is the French text shown.
		if !contains(back.Consent.Wording, "la France") || back.Consent.At.IsZero() {
			t.Errorf("consent = %+v, want French wording naming the partner, with a time", back.Consent)
		}
		// Drafts cannot change once submitted.
		if err := f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, answers, false); !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("SaveAnswers after submit = %v, want ErrConflict", err)
		}
	})
}

func TestTokenOpensOnlyItsOwnResponse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, tokA, _ := f.svc.Start(ctx, f.c.ID, civil())
		b, tokB, _ := f.svc.Start(ctx, f.c.ID, consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: "Bo"})
		got, err := f.svc.ByToken(ctx, f.c.ID, tokB)
		if err != nil || got.ID != b.ID {
			t.Fatalf("ByToken(B) = %d, %v", got.ID, err)
		}
		for _, tt := range []struct {
			name  string
			id    int64
			token string
		}{{"empty", f.c.ID, ""}, {"unknown", f.c.ID, auth.NewToken()}, {"other consultation", f.c.ID + 1, tokA}} {
			if _, err := f.svc.ByToken(ctx, tt.id, tt.token); !errors.Is(err, pallmall.ErrNotFound) {
				t.Errorf("ByToken(%s) = %v, want ErrNotFound", tt.name, err)
			}
		}
		var stored int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE token_hash = $1 OR token_hash = $2`, tokA, tokB).Scan(&stored)
		if stored != 0 {
			t.Errorf("a token is stored in clear")
		}
		var name, org, email string
		db.QueryRow(ctx, `SELECT name, organisation_name, email FROM consult_responses WHERE id = $1`, b.ID-1).Scan(&name, &org, &email)
		if strings.Contains(name+org+email, "Ada") || strings.Contains(name+org+email, "Digital Defenders") || strings.Contains(email, "@") {
			t.Errorf("identity stored in clear: %q %q %q", name, org, email)
		}
	})
}

func TestClosedRefusesAndWithdrawAfterClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, token, _ := f.svc.Start(ctx, f.c.ID, civil())
		f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, map[int64]consult.Answer{f.q["short"].ID: {Text: "x"}}, true)
		f.svc.SetConsent(ctx, f.c.ID, token, "en", yes(), yes(), consult.PublishNamed)
		if _, err := f.svc.Submit(ctx, f.c.ID, token); err != nil {
			t.Fatal(err)
		}
		_, late, _ := f.svc.Start(ctx, f.c.ID, civil())
		f.clock.t = f.c.ClosesAt // closing time reached
		if _, _, err := f.svc.Start(ctx, f.c.ID, civil()); !errors.Is(err, consult.ErrClosed) {
			t.Errorf("Start after close = %v, want ErrClosed", err)
		}
		if _, err := f.svc.Submit(ctx, f.c.ID, late); !errors.Is(err, consult.ErrClosed) {
			t.Errorf("Submit after close = %v, want ErrClosed", err)
		}
		if err := f.svc.SetConsent(ctx, f.c.ID, token, "en", no(), no(), consult.PublishNone); !errors.Is(err, consult.ErrClosed) {
			t.Errorf("SetConsent after close = %v, want ErrClosed", err)
		}
		if err := f.svc.Withdraw(ctx, f.c.ID, late); !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("Withdraw(draft) = %v, want ErrConflict", err)
		}
		if err := f.svc.Withdraw(ctx, f.c.ID, token); err != nil {
			t.Fatalf("Withdraw after close: %v", err)
		}
		r, _ := f.svc.ByToken(ctx, f.c.ID, token)
		if r.Status != consult.StatusWithdrawn || r.Name != "" || len(r.Answers) != 0 {
			t.Errorf("withdrawn response = %+v, want status withdrawn and nothing kept", r)
		}
	})
}

func TestChangesAfterFirstResponseNeedAReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		// Before any response, changes need no reason.
		c := f.c
		c.ClosesAt = c.ClosesAt.Add(24 * time.Hour)
		if _, err := f.svc.Update(ctx, secretariat, c, ""); err != nil {
			t.Fatalf("Update before responses: %v", err)
		}
		f.svc.Start(ctx, f.c.ID, civil())
		c.ClosesAt = c.ClosesAt.Add(24 * time.Hour)
		if _, err := f.svc.Update(ctx, secretariat, c, " "); fieldErrors(err)["reason"] != "consult.error.reason_required" {
			t.Errorf("Update(closes_at) without reason = %v, want reason required", err)
		}
		q := f.q["short"]
		q.TextEN = "Changed?"
		if _, err := f.svc.SaveQuestion(ctx, secretariat, q, ""); fieldErrors(err)["reason"] != "consult.error.reason_required" {
			t.Errorf("SaveQuestion without reason = %v, want reason required", err)
		}
		// Changing only the wording of the title needs no reason.
		c2 := f.c
		c2.ClosesAt = c.ClosesAt.Add(-24 * time.Hour)
		c2.TitleEN = "Good practice (revised)"
		if _, err := f.svc.Update(ctx, secretariat, c2, ""); err != nil {
			t.Errorf("Update(title only) = %v, want nil", err)
		}
		if _, err := f.svc.Update(ctx, secretariat, c, "Extended by two days at the request of several states"); err != nil {
			t.Fatalf("Update with reason: %v", err)
		}
		if _, err := f.svc.SaveQuestion(ctx, secretariat, q, "Clarified wording"); err != nil {
			t.Fatalf("SaveQuestion with reason: %v", err)
		}
		changes, err := f.svc.ChangesSince(ctx, f.c.ID, base().Add(-time.Hour))
		if err != nil || len(changes) != 2 || changes[0].What != "closes_at" || changes[1].What != "questions" {
			t.Errorf("ChangesSince = %+v, %v; want closes_at then questions", changes, err)
		}
		events, _ := audit.List(ctx, db, audit.Filter{Action: "consultation.change"})
		if len(events) != 2 || !contains(events[0].Detail, "Clarified wording") {
			t.Errorf("audit change events = %+v, want 2 with the reasons", events)
		}
	})
}

func fieldName(q consult.Question) string { return "q" + strconv.FormatInt(q.ID, 10) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestEditingOptionsKeepsAnswersPointingAtTheSameOption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		q := f.q["single"] // Licensing=1, Export controls=2, Procurement=3
		q.Options = []consult.Option{{EN: "Procurement", FR: "Marchés publics"}, {EN: "Audits", FR: "Audits"}, {EN: "Licensing", FR: "Licences"}}
		saved, err := f.svc.SaveQuestion(ctx, secretariat, q, "")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, o := range saved.Options {
			got[o.EN] = o.Value
		}
		if got["Licensing"] != "1" || got["Procurement"] != "3" || got["Audits"] == "1" || got["Audits"] == "2" || got["Audits"] == "3" {
			t.Errorf("option values after edit = %v, want Licensing 1, Procurement 3, Audits a new value", got)
		}
	})
}

func TestMoveQuestionAndDeleteSection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if err := f.svc.MoveQuestion(ctx, secretariat, f.c.ID, f.q["long"].ID, -1, ""); err != nil {
			t.Fatal(err)
		}
		qn, _ := f.svc.Questionnaire(ctx, secretariat, f.c.ID)
		if qs := qn.Sections[0].Questions; qs[0].ID != f.q["long"].ID || qs[1].ID != f.q["short"].ID {
			t.Errorf("after moving long up: first two = %d, %d; want long then short", qs[0].ID, qs[1].ID)
		}
		if err := f.svc.MoveQuestion(ctx, analyst, f.c.ID, f.q["long"].ID, 1, ""); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("MoveQuestion as analyst = %v, want ErrForbidden", err)
		}
		f.svc.Start(ctx, f.c.ID, civil())
		if err := f.svc.DeleteSection(ctx, secretariat, f.c.ID, f.sec.ID, ""); fieldErrors(err)["reason"] == "" {
			t.Errorf("DeleteSection after a response without reason = %v, want reason required", err)
		}
		if err := f.svc.DeleteSection(ctx, secretariat, f.c.ID, f.sec.ID, "Merged into the next consultation"); err != nil {
			t.Fatal(err)
		}
		qn, _ = f.svc.Questionnaire(ctx, secretariat, f.c.ID)
		if len(qn.Sections) != 0 {
			t.Errorf("sections after delete = %d, want 0", len(qn.Sections))
		}
	})
}

// Package consulttest generates consultation data in bulk, for benchmarks
// (`go test ./consult -bench Export`, `pallmall bench`) and load tests.
package consulttest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
)

// chunk is how many responses Seed inserts per transaction.
var chunk = 100_000

// Seeded describes what Seed created.
type Seeded struct {
	ConsultationID int64
	// Text and Likert are the two questions every response answers.
	Text, Likert consult.Question
}

// respondents are the identities seeded responses take in turn: every
// response has a sealed name, as a real one does; organisations and
// states also an organisation name, and some an email, so exports open
// one to three sealed fields per response.
var respondents = []consult.About{
	{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: "Amal Haddad"},
	{Kind: consult.AsOrganisation, Stakeholder: consult.Industry, Name: "Jonas Weber", OrganisationName: "Intrusion Solutions GmbH", Email: "compliance@intrusion.example"},
	{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Claire Martin", OrganisationName: "Ministère des Affaires étrangères", Country: "FR", Email: "claire.martin@diplomatie.example"},
	{Kind: consult.AsIndividual, Stakeholder: consult.Academia, Name: "Wei Zhang", Email: "wei@uni.example"},
}

// Seed creates an open consultation with a long-text and a Likert question
// and n submitted responses answering both, and returns it. Responses are
// written with SQL in transactions of 100,000 responses (a recursive CTE on
// SQLite, generate_series on PostgreSQL), not through Submit: they have no
// receipts and are not in the transparency log, but everything an export,
// the analysis or a search reads is as Submit leaves it (the answers both
// in consult_answers and in the response's answers column, identities
// sealed with svc's keyring, consent recorded). Each text answer differs.
// The identities are sealed once each by svc.Start and copied, so seeding
// costs no encryption per response; exporting still opens every copy.
func Seed(ctx context.Context, svc *consult.Service, n int) (Seeded, error) {
	db := svc.DB
	now := store.Now()
	var out Seeded
	c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: "Seeded consultation", TitleFR: "Consultation générée",
		SummaryEN: "Generated for benchmarks.", SummaryFR: "Générée pour les mesures de performance.",
		Audiences: []consult.Stakeholder{consult.State, consult.Industry, consult.CivilSociety, consult.Academia},
		OpensAt:   now.Add(-time.Hour), ClosesAt: now.Add(30 * 24 * time.Hour)})
	if err != nil {
		return out, err
	}
	out.ConsultationID = c.ID
	sec, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "Practice", TitleFR: "Pratique"}, "")
	if err != nil {
		return out, err
	}
	if out.Text, err = svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.LongText,
		TextEN: "What should states require of spyware vendors?", TextFR: "Qu’exiger des vendeurs de logiciels espions ?"}, ""); err != nil {
		return out, err
	}
	if out.Likert, err = svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.Likert,
		TextEN: "Licensing should be mandatory.", TextFR: "Les licences devraient être obligatoires."}, ""); err != nil {
		return out, err
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
		return out, err
	}
	// Seal each identity once, through the domain, and keep the sealed
	// columns to copy.
	var sealed []any
	for _, about := range respondents {
		r, _, err := svc.Start(ctx, c.ID, about)
		if err != nil {
			return out, fmt.Errorf("seed respondent: %w", err)
		}
		var name, org, email string
		if err := db.QueryRow(ctx, `SELECT name, organisation_name, email FROM consult_responses WHERE id = $1`, r.ID).Scan(&name, &org, &email); err != nil {
			return out, err
		}
		if _, err := db.Exec(ctx, `DELETE FROM consult_responses WHERE id = $1`, r.ID); err != nil {
			return out, err
		}
		sealed = append(sealed, name, org, email)
	}
	pick := func(col int) string { // CASE over the respondents for one column, from parameter $5 on
		s := "CASE i % " + strconv.Itoa(len(respondents))
		for k := range respondents {
			s += fmt.Sprintf(" WHEN %d THEN $%d", k, 5+3*k+col)
		}
		return s + " END"
	}
	lit := func(col func(consult.About) string) string {
		s := "CASE i % " + strconv.Itoa(len(respondents))
		for k, a := range respondents {
			s += fmt.Sprintf(" WHEN %d THEN '%s'", k, col(a))
		}
		return s + " END"
	}
	seq := `WITH RECURSIVE seq(i) AS (SELECT $3 UNION ALL SELECT i + 1 FROM seq WHERE i < $4)`
	at := "$" + strconv.Itoa(5+len(sealed))
	if db.Dialect() == store.Postgres {
		seq = `WITH seq(i) AS (SELECT generate_series($3::bigint, $4::bigint))`
		at += "::timestamptz"
	}
	text, likert := strconv.FormatInt(out.Text.ID, 10), strconv.FormatInt(out.Likert.ID, 10)
	body := `'Vendors should be licensed, audited and transparent about their customers (respondent ' || i || ').'`
	insertResponses := seq + `
		INSERT INTO consult_responses (consultation_id, token_hash, reference, status, respondent_kind, stakeholder, name, organisation_name, country, email,
			consent_set, consent_share, consent_publish, consent_contact, consent_wording, consent_at, created_at, updated_at, submitted_at, answers)
		SELECT $1, 'seed-' || $2 || '-' || i, 'PM-' || $2 || '-' || i, 'submitted',
			` + lit(func(a consult.About) string { return a.Kind }) + `, ` + lit(func(a consult.About) string { return string(a.Stakeholder) }) + `,
			` + pick(0) + `, ` + pick(1) + `, ` + lit(func(a consult.About) string { return a.Country }) + `, ` + pick(2) + `,
			TRUE, i % 2 = 0, CASE i % 3 WHEN 0 THEN 'named' WHEN 1 THEN 'anonymous' ELSE 'none' END, FALSE,
			'{"lang":"en","version":1}', ` + at + `, ` + at + `, ` + at + `, ` + at + `,
			'{"` + text + `":{"text":"' || ` + body + ` || '"},"` + likert + `":{"choices":["' || (1 + i % 5) || '"]}}'
		FROM seq`
	insertAnswers := `INSERT INTO consult_answers (response_id, question_id, value, body)
		SELECT id, $2, '{"text":"' || b || '"}', b FROM (SELECT id, ` + body + ` AS b FROM (SELECT id, CAST(substr(reference, length($4) + 1) AS INTEGER) AS i
			FROM consult_responses WHERE consultation_id = $1 AND id > $3) x) y`
	insertLikert := `INSERT INTO consult_answers (response_id, question_id, value, body)
		SELECT id, $2, '{"choices":["' || (1 + CAST(substr(reference, length($4) + 1) AS INTEGER) % 5) || '"]}', '' FROM consult_responses WHERE consultation_id = $1 AND id > $3`
	prefix := strconv.FormatInt(c.ID, 10)
	for lo := 1; lo <= n; lo += chunk {
		hi := min(lo+chunk-1, n)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var last int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM consult_responses`).Scan(&last); err != nil {
				return err
			}
			args := append([]any{c.ID, prefix, lo, hi}, sealed...)
			if _, err := tx.Exec(ctx, insertResponses, append(args, now)...); err != nil {
				return fmt.Errorf("seed responses: %w", err)
			}
			if _, err := tx.Exec(ctx, insertAnswers, c.ID, out.Text.ID, last, "PM-"+prefix+"-"); err != nil {
				return fmt.Errorf("seed text answers: %w", err)
			}
			if _, err := tx.Exec(ctx, insertLikert, c.ID, out.Likert.ID, last, "PM-"+prefix+"-"); err != nil {
				return fmt.Errorf("seed Likert answers: %w", err)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

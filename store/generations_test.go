package store_test

import (
	"context"
	"maps"
	"testing"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestGenerationsCountChanges writes to every table behind a cached public
// page and checks that its domain's generation moved and no other did;
// then writes to the tables that take a crowd's writes (responses,
// answers, campaigns, votes, sessions, the audit log, the ledger) and
// checks that no generation moved, so those writers never queue on one.
func TestGenerationsCountChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := store.Now()
		gens := func() map[string]int64 {
			t.Helper()
			rows, err := db.Query(ctx, `SELECT domain, generation FROM data_generations`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[string]int64{}
			for rows.Next() {
				var d string
				var g int64
				if err := rows.Scan(&d, &g); err != nil {
					t.Fatal(err)
				}
				out[d] = g
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if want := []string{store.GenConsult, store.GenDeliberate, store.GenDeclare, store.GenRegister, store.GenOrganisations}; len(gens()) != len(want) {
			t.Fatalf("domains %v, want %v", gens(), want)
		}
		// write runs one statement, returning the id it inserted when it
		// says RETURNING id, and checks that it moved domain's generation
		// (none: "") and no other.
		write := func(domain, query string, args ...any) int64 {
			t.Helper()
			before := gens()
			var id int64
			var err error
			if len(query) > 12 && query[len(query)-12:] == "RETURNING id" {
				err = db.Writer().QueryRow(ctx, query, args...).Scan(&id)
			} else {
				_, err = db.Exec(ctx, query, args...)
			}
			if err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			after := gens()
			want := maps.Clone(before)
			if domain != "" {
				if after[domain] <= before[domain] {
					t.Errorf("%s: %s generation %d, want above %d", query, domain, after[domain], before[domain])
				}
				want[domain] = after[domain]
			}
			if !maps.Equal(after, want) {
				t.Errorf("%s: generations %v, want %v", query, after, want)
			}
			return id
		}
		const (
			cons, delib, decl, reg, orgs, none = store.GenConsult, store.GenDeliberate, store.GenDeclare, store.GenRegister, store.GenOrganisations, ""
		)

		org := write(orgs, `INSERT INTO organisations (name_en, name_fr, kind, country, created_at) VALUES ('Ruritania', 'Ruritanie', 'state', 'RR', $1) RETURNING id`, now)
		write(orgs, `UPDATE organisations SET name_en = 'Ruritanian Republic' WHERE id = $1`, org)
		spare := write(orgs, `INSERT INTO organisations (name_en, name_fr, kind, created_at) VALUES ('Spare', 'Spare', 'academia', $1) RETURNING id`, now)
		write(orgs, `DELETE FROM organisations WHERE id = $1`, spare)
		user := write(none, `INSERT INTO users (email_index, email, name, role, organisation_id, created_at) VALUES ('i', 'e', 'n', 'delegate', $1, $2) RETURNING id`, org, now)
		write(none, `INSERT INTO sessions (token_hash, user_id, mfa_ok, created_at, last_seen_at, expires_at) VALUES ('t', $1, TRUE, $2, $2, $2)`, user, now)
		write(none, `UPDATE sessions SET last_seen_at = $1`, now)
		write(none, `INSERT INTO audit_events (at, action, object_type, object_id) VALUES ($1, 'a', 'o', '1')`, now)

		// Consultations: the texts and questionnaire count; responses,
		// answers and campaigns, written by respondents, do not.
		c := write(cons, `INSERT INTO consultations (title_en, title_fr, summary_en, summary_fr, status, opens_at, closes_at, created_at, updated_at)
			VALUES ('T', 'T', 'S', 'S', 'open', $1, $1, $1, $1) RETURNING id`, now)
		write(cons, `UPDATE consultations SET title_en = 'New title' WHERE id = $1`, c)
		sec := write(cons, `INSERT INTO consult_sections (consultation_id, position, title_en, title_fr) VALUES ($1, 1, 'S', 'S') RETURNING id`, c)
		write(cons, `UPDATE consult_sections SET title_en = 'New section' WHERE id = $1`, sec)
		q := write(cons, `INSERT INTO consult_questions (consultation_id, section_id, position, kind, text_en, text_fr) VALUES ($1, $2, 1, 'long_text', 'Q', 'Q') RETURNING id`, c, sec)
		write(cons, `UPDATE consult_questions SET text_en = 'New question' WHERE id = $1`, q)
		change := write(cons, `INSERT INTO consult_changes (consultation_id, at, what, reason) VALUES ($1, $2, 'closes_at', 'More time') RETURNING id`, c, now)
		write(cons, `DELETE FROM consult_changes WHERE id = $1`, change)
		r := write(none, `INSERT INTO consult_responses (consultation_id, token_hash, reference, status, respondent_kind, stakeholder, created_at, updated_at)
			VALUES ($1, 'h', 'R-1', 'draft', 'individual', 'civil_society', $2, $2) RETURNING id`, c, now)
		write(none, `UPDATE consult_responses SET name = 'sealed', updated_at = $2 WHERE id = $1`, r, now)
		write(none, `INSERT INTO consult_answers (response_id, question_id, value, body) VALUES ($1, $2, '"x"', 'x')`, r, q)
		write(none, `UPDATE consult_responses SET status = 'submitted', submitted_at = $2, answers = '{}' WHERE id = $1`, r, now)
		camp := write(none, `INSERT INTO consult_campaigns (consultation_id, question_id, rep_response_id, rep_digest, size, distinct_texts, created_at, updated_at)
			VALUES ($1, $2, $3, 'd', 10, 1, $4, $4) RETURNING id`, c, q, r, now)
		write(none, `UPDATE consult_campaigns SET size = size + 1, updated_at = $2 WHERE id = $1`, camp, now)
		red := write(cons, `INSERT INTO consult_redactions (response_id, question_id, passage, reason, at) VALUES ($1, $2, 'x', 'identifying', $3) RETURNING id`, r, q, now)
		write(cons, `DELETE FROM consult_redactions WHERE id = $1`, red)

		// The ledger: its outbox and position are written for every
		// submission; pages see the position instead.
		outbox := write(none, `INSERT INTO ledger_outbox (entry, created_at) VALUES ('{}', $1) RETURNING id`, now)
		write(none, `UPDATE ledger_outbox SET log_index = 0, logged_at = $2 WHERE id = $1`, outbox, now)
		write(none, `UPDATE ledger_worker SET logged_up_to = 1 WHERE id = 1`)

		// Deliberations: their settings count, not votes and statements.
		d := write(delib, `INSERT INTO deliberations (title_en, title_fr, moderation, status, consultation_id, created_at, updated_at)
			VALUES ('D', 'D', 'post', 'open', $1, $2, $2) RETURNING id`, c, now)
		write(delib, `UPDATE deliberations SET title_en = 'New deliberation', updated_at = $2 WHERE id = $1`, d, now)
		write(delib, `UPDATE deliberations SET status = 'closed' WHERE id = $1`, d)
		p := write(none, `INSERT INTO deliberation_participants (deliberation_id, token_hash, created_at) VALUES ($1, 'p', $2) RETURNING id`, d, now)
		s := write(none, `INSERT INTO deliberation_statements (deliberation_id, text_en, origin, participant_id, status, created_at, updated_at)
			VALUES ($1, 'S', 'participant', $2, 'accepted', $3, $3) RETURNING id`, d, p, now)
		write(none, `INSERT INTO deliberation_votes (participant_id, statement_id, deliberation_id, value, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4)`, p, s, d, now)
		write(none, `UPDATE deliberations SET changes = changes + 1 WHERE id = $1`, d)
		spareDelib := write(delib, `INSERT INTO deliberations (title_en, title_fr, moderation, status, created_at, updated_at) VALUES ('D', 'D', 'pre', 'draft', $1, $1) RETURNING id`, now)
		write(delib, `DELETE FROM deliberations WHERE id = $1`, spareDelib)

		// Frameworks and endorsements.
		write(decl, `INSERT INTO frameworks (id, title_en, title_fr, created_at) VALUES ('declaration', 'D', 'D', $1)`, now)
		write(decl, `UPDATE frameworks SET title_en = 'The Declaration' WHERE id = 'declaration'`)
		v := write(decl, `INSERT INTO framework_versions (framework_id, version, document, document_sha256, published_at, outbox_id) VALUES ('declaration', '2024', '{}', 'h', $1, $2) RETURNING id`, now, outbox)
		write(decl, `INSERT INTO signing_keys (organisation_id, public_key, created_at) VALUES ($1, 'k', $2) RETURNING id`, org, now)
		e := write(decl, `INSERT INTO endorsements (version_id, organisation_id, method, document, document_sha256, endorsed_at, outbox_id) VALUES ($1, $2, 'paper', '{}', 'h', $3, $4) RETURNING id`, v, org, now, outbox)
		write(decl, `UPDATE endorsements SET withdrawn_at = $2, withdrawal_outbox_id = $3 WHERE id = $1`, e, now, outbox)
		rep := write(decl, `INSERT INTO implementation_reports (version_id, organisation_id, revision, document, document_sha256, published_at, outbox_id) VALUES ($1, $2, 1, '{}', 'h', $3, $4) RETURNING id`, v, org, now, outbox)
		write(decl, `INSERT INTO report_items (report_id, measure, status) VALUES ($1, '1', 'implemented')`, rep)
		round := write(decl, `INSERT INTO reporting_rounds (version_id, title_en, title_fr, opens_at, deadline, created_at) VALUES ($1, 'R', 'R', $2, $2, $2) RETURNING id`, v, now)
		write(decl, `DELETE FROM reporting_rounds WHERE id = $1`, round)

		// The register.
		rec := write(reg, `INSERT INTO register_records (kind, name, confidence, fields, sources, version, record_sha256, created_at, updated_at)
			VALUES ('entity', 'Vendor', 'reported', '{}', '[]', 1, 'h', $1, $1) RETURNING id`, now)
		write(reg, `UPDATE register_records SET name = 'Vendor Holdings' WHERE id = $1`, rec)
		write(reg, `INSERT INTO register_versions (record_id, version, op, name, confidence, fields, sources, outbox_id, at) VALUES ($1, 1, 'add', 'Vendor', 'reported', '{}', '[]', $2, $3)`, rec, outbox, now)
		prop := write(reg, `INSERT INTO register_proposals (op, kind, record_id, name, confidence, fields, sources, requested_by, status, proposer_user_id, created_at, updated_at)
			VALUES ('remove', 'entity', $1, 'Vendor', 'reported', '{}', '[]', 'Counsel', 'pending', $2, $3, $3) RETURNING id`, rec, user, now)
		write(reg, `UPDATE register_proposals SET status = 'rejected' WHERE id = $1`, prop)
		write(reg, `DELETE FROM register_proposals WHERE id = $1`, prop)
	})
}

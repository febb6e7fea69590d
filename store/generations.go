package store

// Data generations (migration 00013): the data_generations table holds one
// counter per domain, bumped by triggers in the same transaction as any
// change to the tables behind that domain's public pages, on both
// databases. A reader that sees a change sees its new generation, and a
// reader that sees a generation sees every change it counts, whichever
// instance made it. Reading a generation is one primary-key lookup, so a
// cache can check before every use that what it holds is still current
// (web/pagecache.go does, for the public pages it keeps).
//
// Only tables written rarely (by the secretariat, analysts, reviewers or
// delegates) have triggers. Responses, answers, files, campaigns, votes,
// participants, sessions, the audit log, the ledger outbox and the
// outboxes of emails do not: on PostgreSQL a generation row is locked
// until its writer commits, and high-rate writers must not queue on it.
// What those tables show is checked another way (consult.SummaryStamp for
// a published summary; ledger_worker.logged_up_to for the log indices
// shown next to endorsements and register versions).
//
// On PostgreSQL the triggers run once per statement; a domain's writers
// wait for one another's commit on its row, which is fine for the rare
// writes counted here. No transaction today changes two domains in
// opposite orders (deleting a consultation reaches its deliberations
// after it), so they cannot deadlock on the rows; PostgreSQL would abort
// one if a future one did. On SQLite the triggers run once per row: a
// 10,000-record register import took 1.47 to 1.52 s with them and 1.41
// to 1.48 s without (two runs each).
//
// A new table or column shown on a cached page needs a trigger in a
// migration of its own, on both databases, and a line in
// TestGenerationsCountChanges.
const (
	// GenConsult counts changes to consultations, their sections,
	// questions, reasoned changes and redactions.
	GenConsult = "consult"
	// GenDeliberate counts changes to deliberations (not to their
	// "changes" column, which votes increment), so not to statements or
	// votes.
	GenDeliberate = "deliberate"
	// GenDeclare counts changes to frameworks, their versions,
	// endorsements, signing keys, implementation reports and reporting
	// rounds.
	GenDeclare = "declare"
	// GenRegister counts changes to the register's records, versions and
	// proposals.
	GenRegister = "register"
	// GenOrganisations counts changes to organisations.
	GenOrganisations = "organisations"
)

// GenerationSQL returns a scalar subquery giving domain's generation, for
// the select list of a query that reads it with other values. domain must
// be one of the Gen constants.
func GenerationSQL(domain string) string {
	return "(SELECT generation FROM data_generations WHERE domain = '" + domain + "')"
}

package consult_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/consult/consulttest"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// exportFixture submits a state's response with every kind of answer (a
// file too) and a civil society one, withdraws a third, leaves a draft,
// codes one answer and redacts a passage of another.
type exportFixture struct {
	*fixture
	file                  consult.Question
	stateRef, civilRef    string
	withdrawnRef          string
	stateText, civilText  string
	fileCell, submittedAt string
}

func newExportFixture(t *testing.T, db *store.DB) *exportFixture {
	t.Helper()
	ctx := context.Background()
	f := &exportFixture{fixture: newFixture(t, db)}
	var err error
	f.file, err = f.svc.SaveQuestion(ctx, secretariat, consult.Question{ConsultationID: f.c.ID, SectionID: f.sec.ID, Kind: consult.File,
		TextEN: "Attach a document", TextFR: "Joindre un document"}, "")
	if err != nil {
		t.Fatal(err)
	}
	state := consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Rudolf", OrganisationName: "Ruritania", Country: "RR", Email: "r@rr.example"}
	f.stateText = "Licensing, \"audits\" and\nexport controls — <déjà> & 日本"
	_, token, err := f.svc.Start(ctx, f.c.ID, state)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[int64]consult.Answer{f.q["short"].ID: {Text: "=HYPERLINK(1)"}, f.q["long"].ID: {Text: "Yes"}, f.q["states"].ID: {Text: "We license"},
		f.q["multiple"].ID: {Choices: []string{"1", "other"}, Other: "Bans"}, f.q["ranking"].ID: {Choices: []string{"3", "1", "2"}},
		f.q["yesno"].ID: {Choices: []string{"yes"}}, f.q["ifyes"].ID: {Text: f.stateText}, f.q["likert"].ID: {Choices: []string{"4"}}}
	if err := f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, answers, true); err != nil {
		t.Fatalf("SaveAnswers: %v", err)
	}
	var pic bytes.Buffer
	png.Encode(&pic, image.NewGray(image.Rect(0, 0, 2, 2)))
	info, err := f.svc.SaveFile(ctx, f.c.ID, token, f.file.ID, "evidence.png", pic.Bytes())
	if err != nil {
		t.Fatalf("SaveFile: %v", err)
	}
	f.fileCell = "evidence.png sha256:" + info.SHA256
	if err := f.svc.SetConsent(ctx, f.c.ID, token, "en", yes(), no(), consult.PublishNamed); err != nil {
		t.Fatal(err)
	}
	rc, err := f.svc.Submit(ctx, f.c.ID, token)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	f.stateRef, f.submittedAt = rc.Reference, rc.SubmittedAt.UTC().Format(time.RFC3339)

	f.civilText = "Spyware hurts journalists; call Ada on 0123"
	civilToken := f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: f.civilText}, f.q["single"].ID: {Choices: []string{"2"}}}, false, consult.PublishAnonymous)
	civilResp, _ := f.svc.ByToken(ctx, f.c.ID, civilToken)
	f.civilRef = civilResp.Reference
	gone := f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "Withdrawn later"}}, true, consult.PublishNamed)
	goneResp, _ := f.svc.ByToken(ctx, f.c.ID, gone)
	f.withdrawnRef = goneResp.Reference
	if err := f.svc.Withdraw(ctx, f.c.ID, gone); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Start(ctx, f.c.ID, civil()); err != nil { // a draft, never exported
		t.Fatal(err)
	}
	stateResp, _ := f.svc.ByToken(ctx, f.c.ID, token)
	code, err := f.svc.AddCode(ctx, analyst, f.c.ID, "Licensing", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetCodes(ctx, analyst, f.c.ID, stateResp.ID, f.q["states"].ID, []int64{code.ID}); err != nil {
		t.Fatalf("SetCodes: %v", err)
	}
	if err := f.svc.Redact(ctx, analyst, f.c.ID, civilResp.ID, f.q["short"].ID, "call Ada on 0123", "personal data"); err != nil {
		t.Fatalf("Redact: %v", err)
	}
	return f
}

// rowsByReference reads a CSV export: each row by reference, as column
// name to cell.
func rowsByReference(t *testing.T, b []byte) map[string]map[string]string {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	out := map[string]map[string]string{}
	for _, r := range records[1:] {
		row := map[string]string{}
		for i, v := range r {
			row[records[0][i]] = v
		}
		out[r[0]] = row
	}
	return out
}

func (f *exportFixture) col(label string) string {
	q := f.q[label]
	if label == "file" {
		q = f.file
	}
	return "q" + strconv.FormatInt(q.ID, 10) + " " + q.TextEN
}

func TestExportFromSubmittedAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newExportFixture(t, db)
		csvOf := func(a auth.Actor, opt consult.ExportOptions) map[string]map[string]string {
			t.Helper()
			var buf bytes.Buffer
			if err := f.svc.Export(ctx, a, f.c.ID, opt, &buf); err != nil {
				t.Fatalf("Export: %v", err)
			}
			return rowsByReference(t, buf.Bytes())
		}
		all := csvOf(secretariat, consult.ExportOptions{Format: consult.CSV})
		if len(all) != 2 || all[f.withdrawnRef] != nil {
			t.Fatalf("secretariat export has rows %v, want %s and %s only (not the withdrawn %s nor the draft)", keys(all), f.stateRef, f.civilRef, f.withdrawnRef)
		}
		state, civ := all[f.stateRef], all[f.civilRef]
		want := map[string]string{
			"reference": f.stateRef, "submitted_at": f.submittedAt, "respondent_kind": "organisation", "stakeholder": "state", "country": "RR",
			"name": "Rudolf", "organisation": "Ruritania", "email": "r@rr.example", "consent_share": "true", "consent_publish": "named", "consent_contact": "false",
			f.col("short"): "'=HYPERLINK(1)", f.col("states"): "We license", f.col("ifyes"): f.stateText, f.col("multiple"): "Licensing; Other: Bans",
			f.col("ranking"): "Procurement; Licensing; Export controls", f.col("yesno"): "Yes", f.col("likert"): "Agree", f.col("file"): f.fileCell,
			f.col("single"): "", "codes": "Licensing",
		}
		for k, v := range want {
			if state[k] != v {
				t.Errorf("secretariat export, state's %q = %q, want %q", k, state[k], v)
			}
		}
		if civ[f.col("short")] != f.civilText || civ["name"] != "Ada" || civ[f.col("single")] != "Export controls" || civ["codes"] != "" {
			t.Errorf("secretariat export, civil society row = %v", civ)
		}
		if _, err := time.Parse(time.RFC3339, state["consent_at"]); err != nil {
			t.Errorf("consent_at = %q, want RFC 3339: %v", state["consent_at"], err)
		}

		ana := csvOf(analyst, consult.ExportOptions{Format: consult.CSV})
		if ana[f.civilRef][f.col("short")] != "Spyware hurts journalists; [redacted]" {
			t.Errorf("analyst export shows %q, want the passage redacted", ana[f.civilRef][f.col("short")])
		}
		for ref, row := range ana {
			if row["name"] != "" || row["organisation"] != "" || row["email"] != "" {
				t.Errorf("analyst export shows the identity of %s: %v", ref, row)
			}
		}
		if ana[f.stateRef]["country"] != "RR" || ana[f.civilRef]["country"] != "" {
			t.Errorf("analyst export countries = %q, %q; want the state's only", ana[f.stateRef]["country"], ana[f.civilRef]["country"])
		}

		partner := csvOf(secretariat, consult.ExportOptions{Format: consult.CSV, Partner: true})
		if partner[f.stateRef]["name"] != "Rudolf" || partner[f.civilRef]["name"] != "" || partner[f.civilRef]["email"] != "" {
			t.Errorf("partner export identities: state %q, civil society %q %q; want only the consenting state's", partner[f.stateRef]["name"], partner[f.civilRef]["name"], partner[f.civilRef]["email"])
		}
		if partner[f.civilRef][f.col("short")] != "Spyware hurts journalists; [redacted]" {
			t.Errorf("partner export shows %q, want the passage redacted", partner[f.civilRef][f.col("short")])
		}

		// JSON carries the same cells.
		var buf bytes.Buffer
		if err := f.svc.Export(ctx, secretariat, f.c.ID, consult.ExportOptions{Format: consult.JSON}, &buf); err != nil {
			t.Fatal(err)
		}
		var rows []map[string]string
		if err := json.Unmarshal(buf.Bytes(), &rows); err != nil || len(rows) != 2 {
			t.Fatalf("JSON export = %d rows, %v", len(rows), err)
		}
		for _, r := range rows {
			for k, v := range all[r["reference"]] {
				if k == f.col("short") && strings.HasPrefix(v, "'") {
					v = v[1:] // the apostrophe guards CSV only
				}
				if r[k] != v {
					t.Errorf("JSON export %s %q = %q, CSV has %q", r["reference"], k, r[k], v)
				}
			}
		}
	})
}

// The migration copies the answers of responses submitted before it into
// consult_responses.answers, as Submit writes them; and a response that
// lacks the copy (written without Submit) still exports its answers,
// gathered from consult_answers.
func TestExportAnswersBackfill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newExportFixture(t, db)
		copies := func() map[int64]map[string]consult.Answer {
			t.Helper()
			rows, err := db.Query(ctx, `SELECT id, answers FROM consult_responses WHERE status = 'submitted'`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[int64]map[string]consult.Answer{}
			for rows.Next() {
				var id int64
				var v string
				if err := rows.Scan(&id, &v); err != nil {
					t.Fatal(err)
				}
				if v == "" {
					continue
				}
				var m map[string]consult.Answer
				if err := json.Unmarshal([]byte(v), &m); err != nil {
					t.Fatalf("response %d answers %q: %v", id, v, err)
				}
				out[id] = m
			}
			return out
		}
		export := func() string {
			var buf bytes.Buffer
			if err := f.svc.Export(ctx, secretariat, f.c.ID, consult.ExportOptions{Format: consult.CSV}, &buf); err != nil {
				t.Fatal(err)
			}
			return buf.String()
		}
		written, before := copies(), export()
		if len(written) != 2 {
			t.Fatalf("Submit wrote %d copies of answers, want 2", len(written))
		}
		if _, err := db.Exec(ctx, `UPDATE consult_responses SET answers = ''`); err != nil {
			t.Fatal(err)
		}
		if got := copies(); len(got) != 0 {
			t.Fatalf("%d copies left after emptying them", len(got))
		}
		if got := export(); got != before {
			t.Errorf("export without the copies:\n%s\nwant\n%s", got, before)
		}
		migration, err := os.ReadFile("../store/migrations/" + string(db.Dialect()) + "/00012_export.sql")
		if err != nil {
			t.Fatal(err)
		}
		backfill := regexp.MustCompile(`(?m)^UPDATE consult_responses[^;]*;`).Find(migration)
		if backfill == nil {
			t.Fatal("no backfill UPDATE in the migration")
		}
		if _, err := db.Exec(ctx, string(backfill)); err != nil {
			t.Fatalf("backfill: %v", err)
		}
		if diff := cmp.Diff(written, copies()); diff != "" {
			t.Errorf("backfilled answers differ from Submit's (-Submit +backfill):\n%s", diff)
		}
		if got := export(); got != before {
			t.Errorf("export after the backfill:\n%s\nwant\n%s", got, before)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE status <> 'submitted' AND answers <> ''`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d unsubmitted responses have answers copied (%v), want 0", n, err)
		}
	})
}

// An export that fails part way, because the writer fails or the context
// ends, returns that error and leaves nothing running: the next export of
// the same database works.
func TestExportStopsCleanly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &consult.Service{DB: db}
		const n = 3000 // several batches of the reading goroutine
		s, err := consulttest.Seed(ctx, svc, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{consult.CSV, consult.JSON, consult.XLSX} {
			if err := svc.Export(ctx, secretariat, s.ConsultationID, consult.ExportOptions{Format: format}, &failingWriter{left: 50_000}); !errors.Is(err, errWriterFull) {
				t.Errorf("%s export to a failing writer = %v, want errWriterFull", format, err)
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		err = svc.Export(cctx, secretariat, s.ConsultationID, consult.ExportOptions{Format: consult.CSV, Progress: func(done, total int) {
			if done == 1500 {
				cancel()
			}
		}}, io.Discard)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("export cancelled part way = %v, want context.Canceled", err)
		}
		var buf bytes.Buffer
		if err := svc.Export(ctx, secretariat, s.ConsultationID, consult.ExportOptions{Format: consult.CSV}, &buf); err != nil {
			t.Fatalf("export after the failures: %v", err)
		}
		if got := len(rowsByReference(t, buf.Bytes())); got != n {
			t.Errorf("export after the failures has %d rows, want %d", got, n)
		}
	})
}

var errWriterFull = errors.New("writer full")

type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, errWriterFull
	}
	w.left -= len(p)
	return len(p), nil
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

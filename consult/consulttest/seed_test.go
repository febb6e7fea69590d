package consulttest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		defer func(n int) { chunk = n }(chunk)
		chunk = 7 // several transactions, the last one short
		svc := &consult.Service{DB: db}
		const n = 30
		s, err := Seed(ctx, svc, n)
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if _, err := Seed(ctx, svc, 3); err != nil { // a second consultation in the same database
			t.Fatalf("Seed again: %v", err)
		}
		cnt, err := svc.Counts(ctx, auth.System, s.ConsultationID)
		if err != nil || cnt.Submitted != n || cnt.Started != n {
			t.Fatalf("seeded consultation counts %+v (%v), want %d submitted and nothing else", cnt, err, n)
		}
		// The answers column and consult_answers say the same.
		rows, err := db.Query(ctx, `SELECT id, answers FROM consult_responses WHERE consultation_id = $1`, s.ConsultationID)
		if err != nil {
			t.Fatal(err)
		}
		copies := map[int64]map[string]consult.Answer{}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				t.Fatal(err)
			}
			var m map[string]consult.Answer
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				t.Fatalf("response %d answers %q: %v", id, v, err)
			}
			copies[id] = m
		}
		rows.Close()
		rows, err = db.Query(ctx, `SELECT a.response_id, a.question_id, a.value FROM consult_answers a JOIN consult_responses r ON r.id = a.response_id
			WHERE r.consultation_id = $1`, s.ConsultationID)
		if err != nil {
			t.Fatal(err)
		}
		rowsOf := map[int64]map[string]consult.Answer{}
		for rows.Next() {
			var id, q int64
			var v string
			if err := rows.Scan(&id, &q, &v); err != nil {
				t.Fatal(err)
			}
			var a consult.Answer
			if err := json.Unmarshal([]byte(v), &a); err != nil {
				t.Fatalf("answer %d/%d %q: %v", id, q, v, err)
			}
			if rowsOf[id] == nil {
				rowsOf[id] = map[string]consult.Answer{}
			}
			rowsOf[id][strconv.FormatInt(q, 10)] = a
		}
		rows.Close()
		if len(copies) != n {
			t.Errorf("%d responses, want %d", len(copies), n)
		}
		if diff := cmp.Diff(rowsOf, copies); diff != "" {
			t.Errorf("answers column differs from consult_answers (-rows +column):\n%s", diff)
		}
		// The export opens the sealed identities and reads every answer.
		var buf bytes.Buffer
		if err := svc.Export(ctx, auth.System, s.ConsultationID, consult.ExportOptions{Format: consult.CSV}, &buf); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(records) != n+1 {
			t.Fatalf("export = %d records (%v), want %d", len(records), err, n+1)
		}
		names := map[string]int{}
		refs := map[string]bool{}
		for _, r := range records[1:] {
			names[r[5]]++
			refs[r[0]] = true
			if r[12] == "" || r[13] == "" {
				t.Errorf("row %v lacks an answer", r)
			}
		}
		if len(refs) != n || len(names) != len(respondents) || names["Claire Martin"] == 0 {
			t.Errorf("export has %d distinct references and names %v, want %d and the %d respondents", len(refs), names, n, len(respondents))
		}
	})
}

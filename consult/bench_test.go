package consult_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// BenchmarkExportCSV exports PALLMALL_BENCH_RESPONSES submitted responses
// (default 1,000,000) with a text and a choice answer each to CSV, on
// SQLite, and reports the peak Go heap during the export. Seeding uses SQL
// directly (a recursive CTE), so only the export is measured:
//
//	go test ./consult -run '^$' -bench ExportCSV -benchtime 1x
func BenchmarkExportCSV(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("PALLMALL_BENCH_RESPONSES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	db := storetest.SQLite(b)
	ctx := context.Background()
	start := time.Now()
	id := seedBulk(b, db, n)
	b.Logf("seeded %d responses in %v", n, time.Since(start).Round(time.Millisecond))
	svc := &consult.Service{DB: db}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				mu.Lock()
				peak = max(peak, m.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	b.ResetTimer()
	var written int64
	for range b.N {
		cw := &countingWriter{}
		if err := svc.Export(ctx, auth.System, id, consult.ExportOptions{Format: consult.CSV}, cw); err != nil {
			b.Fatal(err)
		}
		written = cw.n
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(n), "responses")
	b.ReportMetric(float64(written)/1e6, "MB-written")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(base.HeapInuse)/(1<<20), "heap-before-MiB")
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// seedBulk creates an open consultation with a text and a choice question
// and n submitted responses, generated in SQL.
func seedBulk(b *testing.B, db *store.DB, n int) int64 {
	b.Helper()
	ctx := context.Background()
	svc := &consult.Service{DB: db}
	now := time.Now()
	c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: "Bench", TitleFR: "Bench", SummaryEN: "S", SummaryFR: "S",
		Audiences: []consult.Stakeholder{consult.CivilSociety}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	sec, _ := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "S", TitleFR: "S"}, "")
	text, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.LongText, TextEN: "Why?", TextFR: "Pourquoi ?"}, "")
	if err != nil {
		b.Fatal(err)
	}
	choice, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.Likert, TextEN: "Agree?", TextFR: "D’accord ?"}, "")
	if err != nil {
		b.Fatal(err)
	}
	ts := store.Now()
	err = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, fmt.Sprintf(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %d)
			INSERT INTO consult_responses (consultation_id, token_hash, reference, status, respondent_kind, stakeholder, name, email,
				consent_set, consent_share, consent_publish, consent_contact, consent_wording, consent_at, created_at, updated_at, submitted_at, salt, submitted_json, commitment)
			SELECT $1, 'hash' || i, 'PM-' || i, 'submitted', 'individual', CASE i %% 3 WHEN 0 THEN 'state' WHEN 1 THEN 'industry' ELSE 'civil_society' END,
				'', '', TRUE, i %% 2 = 0, 'anonymous', FALSE, '{}', $2, $2, $2, $2, '', '', ''
			FROM seq`, n), c.ID, ts)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body)
			SELECT id, $2, '{"text":"Licensing and transparency matter, says respondent ' || id || '"}', 'Licensing and transparency matter, says respondent ' || id
			FROM consult_responses WHERE consultation_id = $1`, c.ID, text.ID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body)
			SELECT id, $2, '{"choices":["' || (1 + id % 5) || '"]}', '' FROM consult_responses WHERE consultation_id = $1`, c.ID, choice.ID)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
		b.Fatal(err)
	}
	return c.ID
}

package bench

import (
	"context"
	"errors"
	"math"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/consult"
)

// TestSeedResponsesAsSubmitLeavesThem checks the export's data: each
// seeded response's copy of its answers (what the export reads) is the
// JSON its consult_answers rows gather to, as Submit and migration 00012
// write it, and the text answers are in the full-text index.
func TestSeedResponsesAsSubmitLeavesThem(t *testing.T) {
	ctx := context.Background()
	env := &Env{Dir: t.TempDir(), Result: &Measurement{}}
	db, closeDB, err := env.openDB(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	c, err := createConsultation(ctx, &consult.Service{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	if err := seedResponses(ctx, db, c, n); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(ctx, `SELECT r.reference, r.answers,
		(SELECT json_group_object(CAST(a.question_id AS TEXT), json(a.value)) FROM consult_answers a WHERE a.response_id = r.id)
		FROM consult_responses r WHERE r.consultation_id = $1 AND r.status = 'submitted' ORDER BY r.id`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var ref, copied, gathered string
		if err := rows.Scan(&ref, &copied, &gathered); err != nil {
			t.Fatal(err)
		}
		got++
		if copied != gathered {
			t.Errorf("%s: answers column %s, its answers gather to %s", ref, copied, gathered)
		}
		if want := "respondent " + strings.TrimPrefix(ref, "PM-B") + `"`; !strings.Contains(copied, want) {
			t.Errorf("%s: answers %s do not name it (%s)", ref, copied, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Errorf("%d submitted responses, want %d", got, n)
	}
	var indexed int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM consult_answers_fts WHERE consult_answers_fts MATCH 'licensing'`).Scan(&indexed); err != nil {
		t.Fatal(err)
	}
	if indexed != n {
		t.Errorf("%d text answers in the full-text index, want %d", indexed, n)
	}
}

// TestSkipsAreReportedNotFailed checks the two ways a scale is skipped:
// a memory estimate over what is available, and a run returning skip;
// both say why and neither counts as completed for the growth fit.
func TestSkipsAreReportedNotFailed(t *testing.T) {
	ctx := context.Background()
	ran := 0
	c := Case{Name: "fake", Unit: "things",
		Memory: func(n int) (uint64, string) { return uint64(n) << 30, "a GiB a thing" },
		run: func(ctx context.Context, env *Env, n int) error {
			ran++
			if _, err := env.Measure("", func() error { return nil }); err != nil {
				return err
			}
			if n > 2 {
				return skip("too many things for the format")
			}
			return nil
		}}
	cfg := Config{OutDir: t.TempDir()}
	if memAvailable() == 0 {
		t.Log("no /proc/meminfo: the memory estimate cannot be checked here")
	} else {
		r := runOne(ctx, cfg, c, 1, 1<<20)
		if ran != 0 || r.Error != "" || !strings.Contains(r.Skipped, "a GiB a thing") || !strings.Contains(r.Skipped, "available") {
			t.Errorf("a run needing a PiB: ran %d times, skipped %q, error %q; want skipped with both figures", ran, r.Skipped, r.Error)
		}
	}
	c.Memory = nil
	r := runOne(ctx, cfg, c, 10, 3)
	if r.Skipped != "too many things for the format" || r.Error != "" {
		t.Errorf("run returning skip: skipped %q, error %q", r.Skipped, r.Error)
	}
	cr := CaseReport{Runs: []*Measurement{runOne(ctx, cfg, c, 1, 1), runOne(ctx, cfg, c, 2, 2), r}}
	cr.fitGrowth()
	if len(cr.Growth) != 1 || cr.Growth[0].ToN != 2 {
		t.Errorf("growth %+v; want one step, 1 → 2, the skipped run left out", cr.Growth)
	}
	c.run = func(ctx context.Context, env *Env, n int) error { return errors.New("broken") }
	if r := runOne(ctx, cfg, c, 1, 1); r.Error != "broken" || r.Skipped != "" {
		t.Errorf("failing run: skipped %q, error %q; want the error", r.Skipped, r.Error)
	}
}

// TestMeasureApartLeavesTheCost checks that work measured apart (XLSX,
// which does not run at every scale) is not in the run's cost or peaks.
func TestMeasureApartLeavesTheCost(t *testing.T) {
	env := &Env{Dir: t.TempDir(), Result: &Measurement{}}
	var keep []byte
	s, err := env.MeasureApart("xlsx", func() error {
		keep = make([]byte, 64<<20)
		for i := range keep {
			keep[i] = byte(i)
		}
		return nil
	})
	if err != nil || s.Elapsed <= 0 || s.PeakHeap < 32<<20 {
		t.Fatalf("MeasureApart: %+v, %v; want a time and the 64 MiB", s, err)
	}
	keep = nil
	if env.Result.Seconds != 0 || env.Result.PeakHeapBytes != 0 {
		t.Errorf("after MeasureApart the run's cost is %g s and its peak heap %d; want neither counted", env.Result.Seconds, env.Result.PeakHeapBytes)
	}
	s, err = env.Measure("csv", func() error { return nil })
	if err != nil || math.Abs(env.Result.Seconds-s.Elapsed.Seconds()) > 1e-12 {
		t.Errorf("after Measure the run's cost is %g s, want %g", env.Result.Seconds, s.Elapsed.Seconds())
	}
}

func TestLimitMemory(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	limit, restore := limitMemory()
	if avail := memAvailable(); avail > 0 && (limit < avail/10*9 || debug.SetMemoryLimit(-1) != int64(limit)) {
		t.Errorf("limit %d (runtime's %d) with %d available; want it set, over 90 %% of that", limit, debug.SetMemoryLimit(-1), avail)
	}
	restore()
	if after := debug.SetMemoryLimit(-1); after != before {
		t.Errorf("limit after restore %d, want %d", after, before)
	}
}

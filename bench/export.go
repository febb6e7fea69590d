package bench

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/consult/consulttest"
	"github.com/pallmall/pallmall/vault"
)

// xlsxMaxRows is the most rows a worksheet holds (Excel's limit, less the
// header).
const xlsxMaxRows = 1<<20 - 1

func exportCase() Case {
	return Case{
		Name: "export", Title: "Export of responses to CSV, JSON and XLSX (consult.Service.Export)", Unit: "responses",
		Baseline: "writing the same number of rows as CSV lines of pre-built strings (reference, status, time, stakeholder, the text and choice answers) through a plain bufio.Writer; every export goes to a writer that counts and discards, so disks do not enter",
		Target:   "CSV of 1,000,000 responses in < 10 s; memory flat as responses grow",
		Cost:     "time of the CSV and JSON exports",
		Base:     1_000_000, Min: 1000,
		run: runExport,
	}
}

// exportDisk bounds the disk n seeded responses take: consulttest.Seed's
// SQLite database held 1.14 GB at 1,000,000 responses (the response with
// its sealed identity, its two answers, their full-text index and the
// indexes), and its write-ahead log 135 MB for one transaction.
func exportDisk(n int) uint64 { return uint64(n)*1300 + 300<<20 }

func runExport(ctx context.Context, env *Env, n int) error {
	need := exportDisk(n)
	if free := diskFree(env.Dir); free > 0 && need > free {
		return skip(fmt.Sprintf("the database of %d responses needs about %s of disk, %s free in %s", n, bytesIEC(need), bytesIEC(free), env.Dir))
	}
	db, closeDB, err := env.openDB(ctx, false)
	if err != nil {
		return err
	}
	defer closeDB()
	keys, err := vault.LoadOrCreate(filepath.Join(env.Dir, "keys"))
	if err != nil {
		return err
	}
	svc := &consult.Service{DB: db, Keys: keys}
	start := time.Now()
	c, err := consulttest.Seed(ctx, svc, n)
	if err != nil {
		return err
	}
	seeded := time.Since(start).Round(time.Second / 10)
	env.Logf("seeded %d responses in %v", n, seeded)
	env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("%d responses from consulttest.Seed (a text and a Likert answer each, a sealed name, most a sealed organisation and email), exported as the secretariat, so every identity is opened; seeding them (setup, not timed) took %v", n, seeded))

	base, err := baselineCSV(n)
	if err != nil {
		return err
	}
	var csvSeconds float64
	for _, format := range []string{consult.CSV, consult.JSON, consult.XLSX} {
		if format == consult.XLSX && n > xlsxMaxRows {
			env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("XLSX skipped: %d responses are more rows than a worksheet's %d (1,048,576 less the header); the cost and peaks are CSV's and JSON's, as at every scale", n, xlsxMaxRows))
			continue
		}
		measure := env.Measure
		if format == consult.XLSX {
			measure = env.MeasureApart
		}
		w := &countingWriter{}
		s, err := measure(format, func() error {
			return svc.Export(ctx, auth.System, c.ConsultationID, consult.ExportOptions{Format: format}, w)
		})
		if err != nil {
			return fmt.Errorf("export %s: %w", format, err)
		}
		if w.n == 0 {
			return fmt.Errorf("export %s wrote nothing", format)
		}
		if format == consult.CSV {
			csvSeconds = s.Elapsed.Seconds()
		}
		f := figure(format+" time", "s", s.Elapsed.Seconds(), false, base.Seconds())
		if format == consult.CSV && n == 1_000_000 { // the target is for this size
			f = f.withTarget("< 10 s", s.Elapsed < 10*time.Second)
		}
		env.Result.Figures = append(env.Result.Figures, f,
			figure(format+" peak heap growth", "MiB", float64(s.PeakHeap)/(1<<20), false, 0),
			figure(format+" peak RSS growth", "MiB", float64(s.PeakRSS)/(1<<20), false, 0),
			figure(format+" output", "MB", float64(w.n)/1e6, false, 0),
		)
	}
	if csvSeconds > 0 {
		env.Result.Figures = append(env.Result.Figures, figure("CSV responses/s", "responses/s", float64(n)/csvSeconds, true, 0))
	}
	return nil
}

// baselineCSV writes n CSV lines built from strings made beforehand (so
// only the writing is timed) and returns how long the writing took.
func baselineCSV(n int) (time.Duration, error) {
	rows := make([]string, n)
	stake := []string{"state", "industry", "civil_society"}
	ts := time.Now().UTC().Format(time.RFC3339)
	for i := range rows {
		rows[i] = "PM-B" + strconv.Itoa(i) + ",submitted," + ts + "," + stake[i%3] +
			",\"Licensing and transparency matter, says respondent " + strconv.Itoa(i) + "\"," + strconv.Itoa(1+i%5) + "\n"
	}
	w := &countingWriter{}
	start := time.Now()
	bw := bufio.NewWriter(w)
	bw.WriteString("reference,status,submitted_at,stakeholder,q1,q2\n")
	for _, r := range rows {
		if _, err := bw.WriteString(r); err != nil {
			return 0, err
		}
	}
	err := bw.Flush()
	return time.Since(start), err
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

package bench

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuickRunReportsEveryCase runs every case at tiny sizes, as
// `pallmall bench --quick` does in CI, and checks the report: every case
// at both scales, figures with baselines and ratios, a growth exponent,
// and JSON that reads back. With PALLMALL_TEST_DATABASE_URL set the
// submission case also runs on PostgreSQL.
func TestQuickRunReportsEveryCase(t *testing.T) {
	out := t.TempDir()
	cfg := Config{Size: 0.001, Scales: []float64{1, 2}, OutDir: out, Quick: true, DatabaseURL: os.Getenv("PALLMALL_TEST_DATABASE_URL")}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report.json is not valid JSON: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Cases) != len(Cases()) {
		t.Fatalf("report has %d cases, want %d", len(rep.Cases), len(Cases()))
	}
	for i, c := range rep.Cases {
		if want := Cases()[i].Name; c.Name != want {
			t.Errorf("case %d = %q, want %q", i, c.Name, want)
		}
		if !strings.Contains(string(md), "(`"+c.Name+"`)") {
			t.Errorf("report.md has no section for %s", c.Name)
		}
		if len(c.Runs) != 2 {
			t.Fatalf("%s: %d runs, want 2", c.Name, len(c.Runs))
		}
		for _, r := range c.Runs {
			if r.Error != "" || r.Skipped != "" {
				t.Errorf("%s ×%g: error %q, skipped %q", c.Name, r.Scale, r.Error, r.Skipped)
				continue
			}
			if r.Seconds <= 0 || len(r.Figures) == 0 {
				t.Errorf("%s ×%g: %g seconds, %d figures; want both > 0", c.Name, r.Scale, r.Seconds, len(r.Figures))
			}
			withBaseline := 0
			for _, f := range r.Figures {
				if f.Baseline != nil {
					withBaseline++
					if f.Ratio == nil || math.Abs(*f.Ratio - f.Value / *f.Baseline) > 1e-9 {
						t.Errorf("%s ×%g %s: ratio %v, want %g / %g", c.Name, r.Scale, f.Name, f.Ratio, f.Value, *f.Baseline)
					}
				} else if f.BaselineMissing != "" {
					withBaseline++ // e.g. no scikit-learn: said, not faked
				}
			}
			if withBaseline == 0 {
				t.Errorf("%s ×%g: no figure has a baseline", c.Name, r.Scale)
			}
		}
		if c.TimeExponent == nil || len(c.Growth) != 1 {
			t.Errorf("%s: time exponent %v, growth %v; want an exponent from two scales", c.Name, c.TimeExponent, c.Growth)
		}
	}
}

func TestSlope(t *testing.T) {
	for _, tc := range []struct {
		xs, ys []float64
		want   float64
	}{
		{[]float64{1, 10, 100}, []float64{2, 20, 200}, 1},
		{[]float64{1, 10}, []float64{3, 300}, 2},
		{[]float64{1, 4, 16}, []float64{5, 5, 5}, 0},
	} {
		if got := slope(tc.xs, tc.ys); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("slope(%v, %v) = %g, want %g", tc.xs, tc.ys, got, tc.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	var l Latencies
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := l.Percentile(p); got != want {
			t.Errorf("Percentile(%g) = %v, want %v", p, got, want)
		}
	}
}

func TestSelectCasesRefusesUnknown(t *testing.T) {
	if _, err := selectCases([]string{"ledger", "nope"}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf(`selectCases(ledger, nope) error = %v, want one naming "nope"`, err)
	}
	got, err := selectCases([]string{"ledger"})
	if err != nil || len(got) != 1 || got[0].Name != "ledger" {
		t.Errorf("selectCases(ledger) = %v, %v; want the ledger case", got, err)
	}
}

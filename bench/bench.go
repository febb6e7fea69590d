// Package bench is pallmall's benchmark harness: it runs each benchmark
// case on generated data at several sizes, measures a baseline for every
// figure in the same run, and writes a report (Markdown and JSON) in which
// figures are given as ratios to their baselines, so reports from noisy or
// different machines can be compared. `pallmall bench` and `make bench`
// run it; docs/performance.md explains the report.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/pallmall/pallmall/web"
)

// Config is what Run needs.
type Config struct {
	// Size multiplies every case's base size (1 is the sizes:
	// 1,000,000 exported responses, 1,000,000 votes...).
	Size float64
	// Scales are the multiples of Size each case runs at; cost growth is
	// fitted across them. Empty means 0.1, 1 and 10.
	Scales []float64
	// Only names the cases to run; empty runs all.
	Only []string
	// OutDir receives report.md, report.json and any profiles.
	OutDir string
	// DatabaseURL is a PostgreSQL server URL: cases that run on both
	// databases create a database of their own on it and drop it after.
	// Empty runs those cases on SQLite only.
	DatabaseURL string
	// CPUProfile and MemProfile write a CPU and a heap profile of each
	// measured section to OutDir/profiles/CASE-xSCALE.{cpu,heap}.pprof.
	CPUProfile, MemProfile bool
	// Python is the interpreter for the scikit-learn baseline; empty
	// means python3 on the PATH.
	Python string
	// Quick shortens the load phases (fewer requests, shorter windows)
	// for a smoke run; its figures only show the harness works.
	Quick bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// DefaultScales are the multiples each case runs at unless told otherwise.
var DefaultScales = []float64{0.1, 1, 10}

// Case is one benchmark.
type Case struct {
	Name  string // short name for --only
	Title string
	// Unit names what N counts ("responses", "votes"...).
	Unit string
	// Baseline says what the figures are compared with.
	Baseline string
	// Target is the target, in words.
	Target string
	// Cost names what the growth exponent is fitted on (the run's
	// Seconds), such as "time to export N responses".
	Cost string
	// Base is N at size 1, scale 1.
	Base int
	// Min is the smallest N worth running at scale 1 (tiny sizes are
	// clamped up, and scaled from there).
	Min int
	// Max is the largest N the case runs by default (memory, time, or a
	// format's limit); larger scales are reported as skipped with MaxWhy.
	Max    int
	MaxWhy string
	// Memory estimates the memory a run at N needs (the data it holds and
	// the peak of its measured work, from measured runs) and says what it
	// counts; a scale whose estimate is over 90 % of the memory available
	// is reported as skipped, with both figures. Nil means the case's
	// memory is small.
	Memory func(n int) (bytes uint64, what string)
	// run measures the case at size n, filling env.Result.
	run func(ctx context.Context, env *Env, n int) error
}

// Cases lists every benchmark case, in report order.
func Cases() []Case {
	return []Case{submitCase(), pagesCase(), exportCase(), deliberationCase(), campaignCase(), ledgerCase()}
}

// Env is what a case's run may use: a scratch directory, the
// configuration, and the profiling and measuring helpers.
type Env struct {
	cfg   Config
	Dir   string // scratch, removed after the run
	label string // CASE-xSCALE, for profile file names
	// Result is the run being measured: the case adds its figures.
	Result *Measurement
}

// Logf prints a progress line.
func (e *Env) Logf(format string, args ...any) {
	if e.cfg.Log != nil {
		fmt.Fprintf(e.cfg.Log, "  "+format+"\n", args...)
	}
}

// Report is what Run writes.
type Report struct {
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	Machine  Machine      `json:"machine"`
	Size     float64      `json:"size"`
	Scales   []float64    `json:"scales"`
	Cases    []CaseReport `json:"cases"`
}

// Machine describes where the report was measured.
type Machine struct {
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	CPUs       int    `json:"cpus"`
	GoVersion  string `json:"go_version"`
	GCPercent  int    `json:"gogc"`                  // the collector's target, as serve sets it (web.TuneGC) unless GOGC did
	LoadBefore string `json:"load_before,omitempty"` // /proc/loadavg at the start
	LoadAfter  string `json:"load_after,omitempty"`
}

// CaseReport is one case's runs at every scale and how its cost grows.
type CaseReport struct {
	Name     string         `json:"name"`
	Title    string         `json:"title"`
	Unit     string         `json:"unit"`
	Baseline string         `json:"baseline"`
	Target   string         `json:"target"`
	Cost     string         `json:"cost"`
	Runs     []*Measurement `json:"runs"`
	Growth   []Growth       `json:"growth,omitempty"`
	// TimeExponent is the least-squares slope of log(time) against log(N)
	// over every completed run: time grows ~ N^TimeExponent.
	TimeExponent *float64 `json:"time_exponent,omitempty"`
	// MemExponent is the same for peak memory growth.
	MemExponent *float64 `json:"mem_exponent,omitempty"`
}

// Measurement is one case at one scale.
type Measurement struct {
	Scale float64 `json:"scale"`
	N     int     `json:"n"`
	// Seconds is the cost growth is fitted on: the wall time of the
	// measured work (not the setup) unless the case's Cost says otherwise.
	Seconds float64 `json:"seconds"`
	// PeakHeapBytes and PeakRSSBytes are the highest Go heap and process
	// resident size during the measured work, above their level before it.
	PeakHeapBytes uint64   `json:"peak_heap_bytes"`
	PeakRSSBytes  uint64   `json:"peak_rss_bytes"`
	Figures       []Figure `json:"figures"`
	Notes         []string `json:"notes,omitempty"`
	Profiles      []string `json:"profiles,omitempty"`
	Skipped       string   `json:"skipped,omitempty"`
	Error         string   `json:"error,omitempty"`
	// MemoryLimitBytes is the Go runtime's soft memory limit during the
	// run (see limitMemory); 0 when GOMEMLIMIT set it instead.
	MemoryLimitBytes uint64 `json:"memory_limit_bytes,omitempty"`
}

// skip is what a case's run returns to report its scale as skipped rather
// than failed: the data would not fit on the disk, a format's limit...
type skip string

func (s skip) Error() string { return string(s) }

// Figure is one measured number beside its baseline from the same run.
type Figure struct {
	Name  string  `json:"name"`
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
	// HigherIsBetter says which way the figure improves.
	HigherIsBetter bool `json:"higher_is_better"`
	// Baseline is the same figure for the baseline; nil when the figure
	// has none or the baseline could not run (BaselineMissing says why).
	Baseline        *float64 `json:"baseline,omitempty"`
	BaselineMissing string   `json:"baseline_missing,omitempty"`
	// Ratio is Value / Baseline.
	Ratio *float64 `json:"ratio,omitempty"`
	// Target is the goal in words and Met whether this run reached it.
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
}

// Growth is the cost exponent between two consecutive completed scales.
type Growth struct {
	FromN        int      `json:"from_n"`
	ToN          int      `json:"to_n"`
	TimeExponent float64  `json:"time_exponent"`
	MemExponent  *float64 `json:"mem_exponent,omitempty"`
}

// figure returns a figure with its ratio to baseline.
func figure(name, unit string, value float64, higherIsBetter bool, baseline float64) Figure {
	f := Figure{Name: name, Unit: unit, Value: value, HigherIsBetter: higherIsBetter}
	if baseline > 0 {
		f.Baseline = ptr(baseline)
		f.Ratio = ptr(value / baseline)
	}
	return f
}

// withTarget records whether the figure met its target.
func (f Figure) withTarget(target string, met bool) Figure {
	f.Target, f.Met = target, &met
	return f
}

func ptr[T any](v T) *T { return &v }

// Run runs the cases, writes OutDir/report.md and OutDir/report.json and
// returns the report. A case that fails is recorded with its error and
// the others still run; Run returns an error only when the report cannot
// be written or ctx is cancelled.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Size <= 0 {
		cfg.Size = 1
	}
	if len(cfg.Scales) == 0 {
		cfg.Scales = DefaultScales
	}
	cases, err := selectCases(cfg.Only)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, err
	}
	// The collector runs as serve runs it (web.TuneGC); each case's run
	// then sets its own memory limit (limitMemory).
	gcPercent, _ := web.TuneGC(os.Getenv)
	rep := &Report{Started: time.Now().UTC(), Size: cfg.Size, Scales: cfg.Scales, Machine: Machine{
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), LoadBefore: loadAvg(),
		GCPercent: gcPercent,
	}}
	for _, c := range cases {
		cr := CaseReport{Name: c.Name, Title: c.Title, Unit: c.Unit, Baseline: c.Baseline, Target: c.Target, Cost: c.Cost}
		for _, scale := range cfg.Scales {
			n := int(math.Round(max(float64(c.Min), float64(c.Base)*cfg.Size) * scale))
			if cfg.Log != nil {
				fmt.Fprintf(cfg.Log, "%s ×%g: N = %d %s\n", c.Name, scale, n, c.Unit)
			}
			r := runOne(ctx, cfg, c, scale, n)
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if cfg.Log != nil {
				switch {
				case r.Skipped != "":
					fmt.Fprintf(cfg.Log, "  skipped: %s\n", r.Skipped)
				case r.Error != "":
					fmt.Fprintf(cfg.Log, "  error: %s\n", r.Error)
				default:
					fmt.Fprintf(cfg.Log, "  %.3fs\n", r.Seconds)
				}
			}
			cr.Runs = append(cr.Runs, r)
		}
		cr.fitGrowth()
		rep.Cases = append(rep.Cases, cr)
		// Written after every case, so a long run stopped part-way still
		// leaves the cases it finished.
		rep.Finished = time.Now().UTC()
		if err := rep.write(cfg.OutDir); err != nil {
			return rep, err
		}
	}
	rep.Finished = time.Now().UTC()
	rep.Machine.LoadAfter = loadAvg()
	if err := rep.write(cfg.OutDir); err != nil {
		return rep, err
	}
	return rep, nil
}

func selectCases(only []string) ([]Case, error) {
	all := Cases()
	if len(only) == 0 {
		return all, nil
	}
	var out []Case
	for _, c := range all {
		if slices.Contains(only, c.Name) {
			out = append(out, c)
		}
	}
	for _, name := range only {
		if !slices.ContainsFunc(all, func(c Case) bool { return c.Name == name }) {
			var names []string
			for _, c := range all {
				names = append(names, c.Name)
			}
			return nil, fmt.Errorf("no benchmark case %q (cases: %s)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

func runOne(ctx context.Context, cfg Config, c Case, scale float64, n int) *Measurement {
	r := &Measurement{Scale: scale, N: n}
	if c.Max > 0 && n > c.Max {
		r.Skipped = fmt.Sprintf("%d %s is over this case's limit of %d (%s)", n, c.Unit, c.Max, c.MaxWhy)
		return r
	}
	debug.FreeOSMemory() // what earlier runs freed counts as available
	if c.Memory != nil {
		need, what := c.Memory(n)
		if avail := memAvailable(); avail > 0 && need > avail/10*9 {
			r.Skipped = fmt.Sprintf("needs about %s (%s), over 90 %% of the %s of memory available", bytesIEC(need), what, bytesIEC(avail))
			return r
		}
	}
	limit, restore := limitMemory()
	defer restore()
	r.MemoryLimitBytes = limit
	dir, err := os.MkdirTemp("", "pallmall-bench-")
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer os.RemoveAll(dir)
	env := &Env{cfg: cfg, Dir: dir, label: fmt.Sprintf("%s-x%g", c.Name, scale), Result: r}
	if err := c.run(ctx, env, n); err != nil {
		var sk skip
		if errors.As(err, &sk) {
			r.Skipped = string(sk)
		} else {
			r.Error = err.Error()
		}
	}
	runtime.GC()
	return r
}

// fitGrowth fills the exponents from the completed runs.
func (cr *CaseReport) fitGrowth() {
	var done []*Measurement
	for _, r := range cr.Runs {
		if r.Skipped == "" && r.Error == "" && r.Seconds > 0 {
			done = append(done, r)
		}
	}
	for i := 1; i < len(done); i++ {
		a, b := done[i-1], done[i]
		if a.N == b.N {
			continue
		}
		g := Growth{FromN: a.N, ToN: b.N, TimeExponent: slope([]float64{float64(a.N), float64(b.N)}, []float64{a.Seconds, b.Seconds})}
		g.MemExponent = ptr(slope([]float64{float64(a.N), float64(b.N)}, []float64{float64(memOf(a)), float64(memOf(b))}))
		cr.Growth = append(cr.Growth, g)
	}
	if len(done) >= 2 {
		var ns, ts, ms []float64
		for _, r := range done {
			ns, ts = append(ns, float64(r.N)), append(ts, r.Seconds)
			ms = append(ms, float64(memOf(r)))
		}
		if e := slope(ns, ts); !math.IsNaN(e) {
			cr.TimeExponent = ptr(e)
		}
		if e := slope(ns, ms); !math.IsNaN(e) {
			cr.MemExponent = ptr(e)
		}
	}
}

// memOf is the memory figure growth is fitted on: the larger of heap and
// RSS growth, at least 1 MiB so that noise around zero does not read as a
// steep exponent.
func memOf(r *Measurement) uint64 { return max(r.PeakHeapBytes, r.PeakRSSBytes, 1<<20) }

// slope is the least-squares slope of log(y) against log(x).
func slope(xs, ys []float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(xs))
	for i := range xs {
		x, y := math.Log(xs[i]), math.Log(ys[i])
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return math.NaN()
	}
	return (n*sxy - sx*sy) / d
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// profilePath is where a profile of kind ("cpu", "heap") for this run goes.
func (e *Env) profilePath(kind string) (string, error) {
	dir := filepath.Join(e.cfg.OutDir, "profiles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, e.label+"."+kind+".pprof")
	e.Result.Profiles = append(e.Result.Profiles, p)
	return p, nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"

	"k8s.io/klog/v2"

	"github.com/pallmall/pallmall/bench"
)

// runBench runs the benchmark cases and writes the report:
// pallmall bench [--size 1] [--scales 0.1,1,10] [--only a,b] [--out DIR]
// [--database URL] [--quick] [--cpuprofile] [--memprofile].
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("bench", stderr)
	size := fs.Float64("size", 1, "multiplies every case's size (1 = the issue's sizes: 1,000,000 exported responses, 1,000,000 votes...)")
	scales := fs.String("scales", "0.1,1,10", "the multiples of --size each case runs at; cost growth is fitted across them")
	only := fs.String("only", "", "comma-separated cases to run (submit, pages, export, deliberation, campaign, ledger); empty runs all")
	out := fs.String("out", "bench-report", "directory for report.md, report.json and profiles")
	database := fs.String("database", "", "PostgreSQL server URL (postgres://...): the submit case also runs there, in a database of its own that is dropped after; empty for SQLite only")
	quick := fs.Bool("quick", false, "a smoke run for CI: tiny sizes (--size 0.001) at scales 1 and 2")
	cpuProfile := fs.Bool("cpuprofile", false, "write a CPU profile of each measured section to DIR/profiles")
	memProfile := fs.Bool("memprofile", false, "write an allocation profile after each measured section to DIR/profiles")
	python := fs.String("python", "", "Python interpreter with scikit-learn, for the deliberation baseline (default python3 on the PATH, else /usr/bin/python3)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := bench.Config{Size: *size, OutDir: *out, DatabaseURL: *database, CPUProfile: *cpuProfile, MemProfile: *memProfile, Python: *python, Log: stderr}
	if *database != "" && !strings.HasPrefix(*database, "postgres://") && !strings.HasPrefix(*database, "postgresql://") {
		return usageError{"--database must be a postgres:// URL"}
	}
	var err error
	if cfg.Scales, err = parseScales(*scales); err != nil {
		return usageError{"--scales: " + err.Error()}
	}
	if *quick {
		cfg.Size, cfg.Scales, cfg.Quick = 0.001, []float64{1, 2}, true
	}
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}
	// The transparency log's library logs through klog; its start-up
	// lines are noise here.
	klog.SetSlogLogger(slog.New(slog.DiscardHandler))
	if _, err := bench.Run(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Report written to %s and %s\n", filepath.Join(*out, "report.md"), filepath.Join(*out, "report.json"))
	return nil
}

func parseScales(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

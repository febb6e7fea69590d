package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/pallmall/pallmall/deliberate/analysis"
	"github.com/pallmall/pallmall/deliberate/polis"
)

// runAnalyse analyses a Pol.is open-data export without any database:
// pallmall analyse DIR [--format json|text] [--seed N].
func runAnalyse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("analyse", stderr)
	format := fs.String("format", "json", "output format: json or text")
	seed := fs.Int64("seed", 1, "random seed; the same export and seed give the same result")
	// The directory may come before or after the flags.
	var dir string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		dir, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if dir == "" && fs.NArg() == 1 {
		dir = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if dir == "" {
		return usageError{"usage: pallmall analyse DIR [--format json|text] [--seed N]"}
	}
	if *format != polis.FormatJSON && *format != polis.FormatText {
		return usageError{"--format must be json or text"}
	}
	exp, err := polis.Load(dir)
	if err != nil {
		return err
	}
	res, _, err := analysis.Analyse(exp.Input(), analysis.Options{Seed: *seed}, nil)
	if err != nil {
		return err
	}
	return polis.WriteReport(stdout, exp, res, *format)
}

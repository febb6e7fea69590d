package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/register"
	"github.com/pallmall/pallmall/web"
)

// runRegisterImport imports a CSV or JSON file into the market oversight
// register as the operator. Every bad line is printed; a file with errors
// imports nothing unless --skip-bad. It exits 1 if any line was bad.
func runRegisterImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("register import", stderr)
	var d dbFlags
	d.register(fs)
	file := fs.String("file", "", "CSV or JSON file to import (required; the format follows the extension)")
	skip := fs.Bool("skip-bad", false, "import the good lines of a file with bad ones")
	dry := fs.Bool("dry-run", false, "only check the file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usageError{"--file is required"}
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(*file)), ".")
	if format != "csv" && format != "json" {
		return usageError{"--file must end in .csv or .json"}
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	cat, err := web.LoadCatalog()
	if err != nil {
		return err
	}
	rep, err := (&register.Service{DB: db}).Import(ctx, auth.System, f, register.ImportOptions{Format: format, SkipBad: *skip, DryRun: *dry})
	if err != nil {
		return err
	}
	for _, e := range rep.Errors {
		col := ""
		if e.Field != "" {
			col = ", column " + e.Field
		}
		fmt.Fprintf(stdout, "%s:%d%s: %s\n", *file, e.Line, col, cat.T("en", e.Key))
	}
	switch {
	case *dry:
		fmt.Fprintf(stdout, "Checked %d lines: %d bad.\n", rep.Rows, len(rep.BadLines))
	case len(rep.Errors) > 0 && !*skip:
		fmt.Fprintf(stdout, "%d of %d lines are bad; nothing was imported (use --skip-bad to import the others).\n", len(rep.BadLines), rep.Rows)
	default:
		fmt.Fprintf(stdout, "Imported %d records; %d lines skipped.\n", rep.Imported, len(rep.BadLines))
	}
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d bad lines in %s", len(rep.BadLines), *file)
	}
	return nil
}

// runRegisterExport writes the published register as CSV or JSON, or its
// incidents as a STIX 2.1 bundle.
func runRegisterExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("register export", stderr)
	var d dbFlags
	d.register(fs)
	format := fs.String("format", "csv", "csv, json or stix (incidents only)")
	out := fs.String("out", "", "file to write; empty for standard output")
	publicURL := fs.String("public-url", "http://127.0.0.1:8080", "URL the platform is reached at, for links in STIX")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "csv" && *format != "json" && *format != "stix" {
		return usageError{"--format must be csv, json or stix"}
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	svc := &register.Service{DB: db}
	switch *format {
	case "json":
		return svc.ExportJSON(ctx, w)
	case "stix":
		return svc.ExportSTIX(ctx, w, *publicURL)
	}
	return svc.ExportCSV(ctx, w)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand of pallmall.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the web platform", runServe},
		{"migrate", "apply database migrations and report the schema version", runMigrate},
		{"user create", "create an account and print a one-time set-password link", runUserCreate},
		{"user list", "list accounts", runUserList},
		{"token create", "create an API token for an account (shown once)", runTokenCreate},
		{"consult export", "export a consultation's responses to standard output, with a progress bar on standard error (--id ID --format csv|json|xlsx|partner)", runConsultExport},
		{"consult campaigns", "look for campaigns of near-identical answers in a consultation (a full recomputation that keeps analysts' decisions) and list them (--id ID [--min-size N] [--format json|text])", runConsultCampaigns},
		{"consult retention", "erase respondents' identities in consultations whose retention period has ended, and delegation members' dietary and access needs 30 days after their meeting (--now; serve runs it hourly)", runConsultRetention},
		{"analyse", "analyse a Pol.is export: opinion groups, consensus, bridging (DIR [--format json|text] [--seed N])", runAnalyse},
		{"log key", "print the transparency log's verifier key (creating the key if needed)", runLogKey},
		{"log verify", "verify a transparency log: signature, consistency, receipt inclusion (--url --key [--state] [--receipt] [--audit])", runLogVerify},
		{"sign keygen", "generate an organisation's Ed25519 key pair for offline endorsements (--out FILE)", runSignKeygen},
		{"sign", "sign a framework version offline to endorse or withdraw (--key --framework --version --url|--document [--withdraw])", runSign},
		{"meetings send-mail", "deliver the meetings' email outbox through an SMTP server (--smtp-addr --smtp-from [--every 1m])", runMeetingsSendMail},

		{"register import", "import CSV or JSON records into the market oversight register, reporting every bad line (--file [--skip-bad] [--dry-run])", runRegisterImport},
		{"register export", "export the published register as CSV or JSON, or its incidents as STIX 2.1 (--format csv|json|stix [--out FILE])", runRegisterExport},
		{"keys rotate", "add a new identity key and re-seal names and emails with it", runKeysRotate},
		{"backup", "write a consistent backup of the database, the transparency log and the keys (--out FILE)", runBackup},
		{"restore", "restore a backup into a new data directory (and database) (--in FILE)", runRestore},
		{"bench", "run the benchmarks on generated data and write a report with baselines (--size --scales --only --out --database --quick)", runBench},
		{"version", "print the version", runVersion},
		{"help", "list commands and their flags", nil},
	}
}

// usageError is a mistake in how the command was called; it exits with 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return printHelp(ctx, stdout)
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if c.run != nil && len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			err := c.run(ctx, args[len(words):], stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	return usageError{fmt.Sprintf("unknown command %q; run 'pallmall help'", strings.Join(args, " "))}
}

func printHelp(ctx context.Context, w io.Writer) error {
	fmt.Fprintf(w, "pallmall %s: the Pall Mall Process platform.\n\nUsage: pallmall COMMAND [flags]\n\nCommands:\n", version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nFlags (each can also be set with the environment variable shown):")
	for _, c := range commands() {
		if c.run == nil || c.name == "help" {
			continue
		}
		// Running a command with -h makes it print its flags and stop.
		var buf strings.Builder
		c.run(ctx, []string{"-h"}, io.Discard, &buf)
		if s := strings.TrimSpace(buf.String()); s != "" {
			fmt.Fprintf(w, "\n%s\n", s)
		}
	}
	return nil
}

// flagSet returns a flag set whose usage lists every flag with its
// PALLMALL_* environment variable.
func flagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "pallmall %s:\n", name)
		var lines []string
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			lines = append(lines, fmt.Sprintf("  --%-16s %s%s [%s]", f.Name, f.Usage, def, envName(f.Name)))
		})
		sort.Strings(lines)
		fmt.Fprintln(out, strings.Join(lines, "\n"))
	}
	return fs
}

func envName(flagName string) string {
	return "PALLMALL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, then fills every flag not given on the command line
// from its PALLMALL_* environment variable.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, usageError{fmt.Sprintf("%s: %v", envName(f.Name), err)})
			}
		}
	})
	if fs.NArg() > 0 {
		errs = append(errs, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))})
	}
	return errors.Join(errs...)
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("version", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pallmall %s\n", version)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pallmall/pallmall/ledger"
)

// ledgerWorker is the running outbox worker of an App.
type ledgerWorker struct {
	stop context.CancelFunc
	done chan struct{}
}

// Paths of the transparency log inside the data directory.
func keyDir(dataDir string) string { return filepath.Join(dataDir, "keys") }
func logDir(dataDir string) string { return filepath.Join(dataDir, "log") }

// logOrigin chooses the log's origin: the configured one; else derived from
// an explicitly given public URL; else the origin of the existing key (so a
// server started on a random port keeps its log); else derived from the
// public URL the server made up from its address.
func logOrigin(dataDir, configured, publicURL string, publicURLGiven bool) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if !publicURLGiven {
		stored, ok, err := ledger.StoredOrigin(keyDir(dataDir))
		if err != nil {
			return "", err
		}
		if ok {
			return stored, nil
		}
	}
	return ledger.OriginFromURL(publicURL)
}

// openLedger loads (or creates) the log key and opens the log in the data
// directory.
func (a *App) openLedger(ctx context.Context, publicURLGiven bool) error {
	origin, err := logOrigin(a.DB.dataDir, a.LogOrigin, a.PublicURL, publicURLGiven)
	if err != nil {
		return err
	}
	key, err := ledger.LoadOrCreateKey(keyDir(a.DB.dataDir), origin)
	if err != nil {
		return err
	}
	opts := ledger.Options{Dir: logDir(a.DB.dataDir), Key: key, WitnessFailOpen: a.LogWitnessFailOpen}
	if a.LogWitnessPolicy != "" {
		if opts.WitnessPolicy, err = os.ReadFile(a.LogWitnessPolicy); err != nil {
			return fmt.Errorf("witness policy: %w", err)
		}
	}
	a.ledger, err = ledger.Open(ctx, opts)
	return err
}

// startLedgerWorker runs the outbox worker until closeLedger.
func (a *App) startLedgerWorker(ctx context.Context) {
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.worker = ledgerWorker{stop: stop, done: make(chan struct{})}
	w := ledger.NewWorker(a.db, a.ledger, ledger.WorkerOptions{Logger: a.Logger})
	go func() {
		defer close(a.worker.done)
		w.Run(wctx)
	}()
}

// closeLedger stops the worker, then closes the log once every appended
// entry is in a published checkpoint (at most 10 seconds).
func (a *App) closeLedger() {
	if a.worker.stop != nil {
		a.worker.stop()
		<-a.worker.done
		a.worker = ledgerWorker{}
	}
	if a.ledger != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.ledger.Close(ctx); err != nil && a.Logger != nil {
			a.Logger.Warn("close transparency log", "error", err.Error())
		}
		a.ledger = nil
	}
}

func runLogKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("log key", stderr)
	dataDir := fs.String("data", "./pallmall-data", "data directory (holds keys/log.key)")
	origin := fs.String("log-origin", "", "transparency log origin (default derived from --public-url)")
	publicURL := fs.String("public-url", "", "URL people reach the platform at")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *origin == "" && *publicURL == "" {
		if _, ok, err := ledger.StoredOrigin(keyDir(*dataDir)); err != nil {
			return err
		} else if !ok {
			return usageError{"no key yet in " + keyDir(*dataDir) + ": give --public-url or --log-origin to create one"}
		}
	}
	o, err := logOrigin(*dataDir, *origin, *publicURL, *publicURL != "")
	if err != nil {
		return err
	}
	key, err := ledger.LoadOrCreateKey(keyDir(*dataDir), o)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, key.VerifierKey)
	return nil
}

func runLogVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("log verify", stderr)
	u := fs.String("url", "", "the log's URL, e.g. https://pallmall.example.org/log/ (required)")
	keyArg := fs.String("key", "", "file holding the log's verifier key, or the key itself (required)")
	state := fs.String("state", "", "file keeping the last checkpoint this verifier accepted")
	receipt := fs.String("receipt", "", "receipt file (JSON) to check inclusion of")
	audit := fs.Bool("audit", false, "re-derive every tile from the entries (reads the whole log)")
	witnesses := fs.String("witness-policy", "", "witness policy file: require the checkpoint to be cosigned by these witnesses")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *u == "" || *keyArg == "" {
		return usageError{"log verify needs --url and --key"}
	}
	vkey := *keyArg
	if b, err := os.ReadFile(*keyArg); err == nil {
		vkey = strings.TrimSpace(string(b))
	} else if !strings.Contains(vkey, "+") {
		return usageError{fmt.Sprintf("--key: %v", err)}
	}
	opts := ledger.VerifyOptions{URL: strings.TrimSuffix(*u, "/") + "/", VerifierKey: vkey, StatePath: *state, Audit: *audit}
	if *witnesses != "" {
		b, err := os.ReadFile(*witnesses)
		if err != nil {
			return err
		}
		opts.WitnessPolicy = b
	}
	if *receipt != "" {
		b, err := os.ReadFile(*receipt)
		if err != nil {
			return err
		}
		if opts.Receipt, err = ledger.ParseReceipt(b); err != nil {
			return fmt.Errorf("LOG NOT VERIFIED: receipt %s: %w", *receipt, err)
		}
	}
	rep, err := ledger.Verify(ctx, opts)
	if err != nil {
		var re *ledger.ResourceError
		if errors.As(err, &re) {
			return fmt.Errorf("LOG NOT VERIFIED: %s: %w", re.Path, re.Err)
		}
		return fmt.Errorf("LOG NOT VERIFIED: %w", err)
	}
	fmt.Fprintf(stdout, "OK: %s\n", rep)
	return nil
}

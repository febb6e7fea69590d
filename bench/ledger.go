package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pallmall/pallmall/ledger"
)

// ledgerWriters is how many concurrent writers append to the log: the
// log batches appends, so throughput is bound by writers ÷ the time to a
// published checkpoint, as on a busy server where every submission waits
// for its receipt.
const ledgerWriters = 256

func ledgerCase() Case {
	return Case{
		Name: "ledger", Title: "Transparency log appends with receipts", Unit: "entries",
		Baseline: "the same entry bytes written one file each with fsync of the file and its directory (the ledger package's BenchmarkBaselineWriteFsync), sequentially",
		Target:   "sustained entries/s and time to a published checkpoint (no numeric target in the issue)",
		Cost:     "time to append N entries with receipts",
		Base:     5000, Min: 200,
		run: runLedger,
	}
}

func runLedger(ctx context.Context, env *Env, n int) error {
	key, err := ledger.LoadOrCreateKey(filepath.Join(env.Dir, "key"), "bench.pallmall.example/log")
	if err != nil {
		return err
	}
	l, err := ledger.Open(ctx, ledger.Options{Dir: filepath.Join(env.Dir, "log"), Key: key})
	if err != nil {
		return err
	}
	defer l.Close(context.WithoutCancel(ctx))
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	entries := make([][]byte, n)
	for i := range entries {
		if entries[i], err = ledger.EncodeEntry(ledger.ConsultationReceipt{
			Meta:         ledger.NewMeta(fmt.Sprintf("bench-%d", i), at),
			Consultation: "consultation-1",
			Commitment:   ledger.Digest(fmt.Appendf(nil, "bench/%d", i)),
		}); err != nil {
			return err
		}
	}
	var res Load
	if _, err := env.Measure("", func() error {
		res = load(ctx, ledgerWriters, n, 0, func(ctx context.Context, i int) error {
			r, err := l.AppendWithReceipt(ctx, entries[i])
			if err == nil && r.Index >= uint64(n) {
				err = fmt.Errorf("receipt index %d beyond %d entries", r.Index, n)
			}
			return err
		})
		return res.FirstErr
	}); err != nil {
		return err
	}

	// Baseline: fsync per file, one entry at a time, for a tenth of the
	// entries at most (the rate is what matters, and it is slow).
	dir := filepath.Join(env.Dir, "fsync")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	baseN := max(min(n/10, 2000), min(n, 100))
	start := time.Now()
	if err := fsyncEach(dir, entries[:baseN]); err != nil {
		return err
	}
	baseRate := float64(baseN) / time.Since(start).Seconds()
	baseLat := time.Since(start) / time.Duration(baseN)

	env.Result.Figures = append(env.Result.Figures,
		figure("entries/s with receipts", "entries/s", res.Rate(), true, baseRate),
		figure("p50 append→published checkpoint", "ms", ms(res.Latencies.Percentile(50)), false, ms(baseLat)),
		figure("p99 append→published checkpoint", "ms", ms(res.Latencies.Percentile(99)), false, ms(baseLat)),
	)
	env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("%d concurrent writers, each waiting for its receipt; the baseline's latency is one fsynced write (%d files written)", ledgerWriters, baseN))
	return nil
}

func fsyncEach(dir string, entries [][]byte) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	for i, e := range entries {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprint(i)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = f.Write(e)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = d.Sync()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

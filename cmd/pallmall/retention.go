package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
)

// runConsultRetention erases respondents' identities in consultations
// whose retention period has ended, once, for cron. serve runs the same
// job every hour.
func runConsultRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("consult retention", stderr)
	var d dbFlags
	d.register(fs)
	now := fs.Bool("now", false, "run the retention job now (required: it erases identities)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*now {
		return usageError{"--now is required: the job erases respondents' identities whose retention has ended"}
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := d.keys()
	if err != nil {
		return err
	}
	e, err := runRetention(ctx, db, &consult.Service{DB: db, Keys: keys}, store.NewLeaseOwner())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Erased the identities of %d responses in %d consultations %v.\n", e.Responses, len(e.Consultations), e.Consultations)
	return nil
}

// retentionLease is how long one run of the retention job holds its lease.
const retentionLease = 10 * time.Minute

// runRetention runs the retention job under its lease, so that of several
// instances (or an instance and cron) only one erases at a time. Holding
// no lease is not an error: another instance is doing the work.
func runRetention(ctx context.Context, db *store.DB, svc *consult.Service, owner string) (consult.Erasure, error) {
	ok, err := db.TryLease(ctx, consult.RetentionLease, owner, retentionLease)
	if err != nil || !ok {
		return consult.Erasure{}, err
	}
	defer db.ReleaseLease(context.WithoutCancel(ctx), consult.RetentionLease, owner)
	return svc.EraseExpiredIdentities(ctx)
}

// retentionEvery is how often serve runs the retention job.
const retentionEvery = time.Hour

// sweepRetention runs the retention job at start and then every hour
// until ctx ends.
func (a *App) sweepRetention(ctx context.Context) {
	svc := &consult.Service{DB: a.db, Keys: a.auth.Keys}
	owner := store.NewLeaseOwner()
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		e, err := runRetention(ctx, a.db, svc, owner)
		switch {
		case err != nil && ctx.Err() == nil:
			a.Logger.Warn("retention job", "error", err.Error())
		case len(e.Consultations) > 0:
			a.Logger.Info("retention job erased identities", "consultations", len(e.Consultations), "responses", e.Responses)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
)

// runConsultRetention runs the retention job once, for cron: it erases
// respondents' identities in consultations whose retention period has
// ended, and delegation members' dietary and access needs for meetings
// that ended meet.NeedsRetention ago. serve runs the same job every hour.
func runConsultRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("consult retention", stderr)
	var d dbFlags
	d.register(fs)
	now := fs.Bool("now", false, "run the retention job now (required: it erases identities and delegation members' needs)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*now {
		return usageError{"--now is required: the job erases respondents' identities whose retention has ended, and delegation members' needs 30 days after their meeting"}
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
	e, err := runRetention(ctx, db, &consult.Service{DB: db, Keys: keys}, &meet.Service{DB: db, Keys: keys}, store.NewLeaseOwner())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Erased the identities of %d responses in %d consultations %v.\n", e.identities.Responses, len(e.identities.Consultations), e.identities.Consultations)
	fmt.Fprintf(stdout, "Erased the dietary and access needs of %d delegation members in %d meetings %v.\n", e.needs.Members, len(e.needs.Meetings), e.needs.Meetings)
	return nil
}

// retentionLease is how long one run of the retention job holds its lease.
const retentionLease = 10 * time.Minute

// retention is what one run of the retention job erased.
type retention struct {
	identities consult.Erasure
	needs      meet.NeedsErasure
}

// runRetention runs the retention job under its lease, so that of several
// instances (or an instance and cron) only one erases at a time. Holding
// no lease is not an error: another instance is doing the work.
func runRetention(ctx context.Context, db *store.DB, svc *consult.Service, msvc *meet.Service, owner string) (retention, error) {
	var e retention
	ok, err := db.TryLease(ctx, consult.RetentionLease, owner, retentionLease)
	if err != nil || !ok {
		return e, err
	}
	defer db.ReleaseLease(context.WithoutCancel(ctx), consult.RetentionLease, owner)
	if e.identities, err = svc.EraseExpiredIdentities(ctx); err != nil {
		return e, err
	}
	e.needs, err = msvc.EraseExpiredNeeds(ctx)
	return e, err
}

// retentionEvery is how often serve runs the retention job.
const retentionEvery = time.Hour

// sweepRetention runs the retention job at start and then every hour
// until ctx ends.
func (a *App) sweepRetention(ctx context.Context) {
	svc := &consult.Service{DB: a.db, Keys: a.auth.Keys}
	msvc := &meet.Service{DB: a.db, Keys: a.auth.Keys}
	owner := store.NewLeaseOwner()
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		e, err := runRetention(ctx, a.db, svc, msvc, owner)
		if err != nil && ctx.Err() == nil {
			a.Logger.Warn("retention job", "error", err.Error())
		}
		if len(e.identities.Consultations) > 0 {
			a.Logger.Info("retention job erased identities", "consultations", len(e.identities.Consultations), "responses", e.identities.Responses)
		}
		if len(e.needs.Meetings) > 0 {
			a.Logger.Info("retention job erased delegation members' needs", "meetings", len(e.needs.Meetings), "members", e.needs.Members)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

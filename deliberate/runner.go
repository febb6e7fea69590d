package deliberate

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/pallmall/pallmall/store"
)

// Runner re-analyses deliberations in the background as votes arrive.
// It polls the deliberations' change counts (one cheap query), and once a
// deliberation's count has been still for Quiet, or MaxWait has passed
// since it first changed, runs Analyse for it in a goroutine of its own,
// warm-started from the stored state. Voting never waits for it: votes
// only bump the change count.
type Runner struct {
	Service *Service
	Logger  *slog.Logger
	// Poll is how often change counts are read; default 1s.
	Poll time.Duration
	// Quiet is how long a deliberation must go without changes before it
	// is re-analysed (the debounce); default 2s.
	Quiet time.Duration
	// MaxWait bounds the wait under a steady stream of votes; default 15s.
	MaxWait time.Duration
	// Parallel bounds how many analyses run at once; default 1, since an
	// analysis already uses every core.
	Parallel int
	// Owner names this instance in leases; empty means a random name.
	// Instances sharing a database analyse each deliberation on one of
	// them at a time: the one that takes the deliberation's lease (see
	// store.TryLease); the others skip it.
	Owner string
	// Lease is how long a claim on a deliberation lasts without renewal;
	// default 15s. The runner renews it while the analysis runs.
	Lease time.Duration
}

// leaseName is the lease under which one instance analyses deliberation id.
func leaseName(id int64) string { return "deliberation-analysis:" + strconv.FormatInt(id, 10) }

type pending struct {
	changes         int64
	first, lastSeen time.Time
}

// Run polls until ctx is cancelled, then waits for running analyses.
func (r *Runner) Run(ctx context.Context) {
	poll, quiet, maxWait := r.Poll, r.Quiet, r.MaxWait
	if poll <= 0 {
		poll = time.Second
	}
	if quiet <= 0 {
		quiet = 2 * time.Second
	}
	if maxWait <= 0 {
		maxWait = 15 * time.Second
	}
	par := r.Parallel
	if par <= 0 {
		par = 1
	}
	logger := r.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	owner, lease := r.Owner, r.Lease
	if owner == "" {
		owner = store.NewLeaseOwner()
	}
	if lease <= 0 {
		lease = 15 * time.Second
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	defer wg.Wait()
	var mu sync.Mutex
	running := map[int64]bool{}
	waiting := map[int64]*pending{}
	// A deliberation whose analysis failed waits a minute before the next
	// try, so a persistent error does not fill the log every second.
	failed := map[int64]time.Time{}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		stale, err := r.stale(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Warn("deliberation analysis: read change counts", "error", err.Error())
		}
		now := time.Now()
		for id, changes := range stale {
			p := waiting[id]
			if p == nil {
				p = &pending{changes: changes, first: now, lastSeen: now}
				waiting[id] = p
			} else if p.changes != changes {
				p.changes, p.lastSeen = changes, now
			}
			mu.Lock()
			busy, retry := running[id], failed[id]
			mu.Unlock()
			if busy || now.Before(retry) || (now.Sub(p.lastSeen) < quiet && now.Sub(p.first) < maxWait) {
				continue
			}
			delete(waiting, id)
			mu.Lock()
			running[id] = true
			mu.Unlock()
			wg.Add(1)
			go func(id int64) {
				defer wg.Done()
				defer func() { mu.Lock(); delete(running, id); mu.Unlock() }()
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				defer func() { <-sem }()
				held, err := r.claim(ctx, id, owner, lease)
				if err != nil || !held {
					if err != nil && ctx.Err() == nil {
						logger.Warn("deliberation analysis: lease", "deliberation", id, "error", err.Error())
					}
					return
				}
				defer r.release(id, owner)
				actx, stop := context.WithCancel(ctx)
				renewed := r.renew(actx, stop, id, owner, lease)
				a, err := r.Service.Analyse(actx, id)
				stop()
				<-renewed
				if err != nil {
					if ctx.Err() == nil && errors.Is(err, context.Canceled) {
						return // another instance took the lease over
					}
					if ctx.Err() == nil {
						logger.Warn("deliberation analysis failed", "deliberation", id, "error", err.Error())
						mu.Lock()
						failed[id] = time.Now().Add(time.Minute)
						mu.Unlock()
					}
					return
				}
				mu.Lock()
				delete(failed, id)
				mu.Unlock()
				logger.Info("deliberation analysed", "deliberation", id, "votes", a.Votes, "k", a.Result.K, "duration", a.Duration)
			}(id)
		}
		for id := range waiting {
			if _, ok := stale[id]; !ok {
				delete(waiting, id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// claim takes the lease on deliberation id and reports whether this
// instance should analyse it: it holds the lease and the deliberation is
// still stale (another instance may have analysed it since the poll).
func (r *Runner) claim(ctx context.Context, id int64, owner string, lease time.Duration) (bool, error) {
	held, err := r.Service.DB.TryLease(ctx, leaseName(id), owner, lease)
	if err != nil || !held {
		return false, err
	}
	var n int
	err = r.Service.DB.Writer().QueryRow(ctx, `SELECT count(*) FROM deliberations d
		LEFT JOIN deliberation_analyses a ON a.deliberation_id = d.id
		WHERE d.id = $1 AND (a.changes IS NULL OR a.changes < d.changes)`, id).Scan(&n)
	if err != nil || n == 0 {
		r.release(id, owner)
		return false, err
	}
	return true, nil
}

// renew keeps the lease on deliberation id while ctx lasts, and cancels
// the analysis (through stop) if another instance took it over. The
// returned channel is closed when it has stopped.
func (r *Runner) renew(ctx context.Context, stop context.CancelFunc, id int64, owner string, lease time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if held, err := r.Service.DB.TryLease(ctx, leaseName(id), owner, lease); err == nil && !held {
				stop()
				return
			}
		}
	}()
	return done
}

func (r *Runner) release(id int64, owner string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.Service.DB.ReleaseLease(ctx, leaseName(id), owner)
}

// stale returns the change counts of deliberations whose stored analysis
// is missing or older than their current count.
func (r *Runner) stale(ctx context.Context) (map[int64]int64, error) {
	rows, err := r.Service.DB.Query(ctx, `SELECT d.id, d.changes FROM deliberations d
		LEFT JOIN deliberation_analyses a ON a.deliberation_id = d.id
		WHERE d.status <> 'draft' AND (a.changes IS NULL OR a.changes < d.changes)`)
	type idc struct{ id, changes int64 }
	list, err := store.ScanAll(rows, err, func(r *sql.Rows) (idc, error) {
		var x idc
		err := r.Scan(&x.id, &x.changes)
		return x, err
	})
	out := make(map[int64]int64, len(list))
	for _, x := range list {
		out[x.id] = x.changes
	}
	return out, err
}

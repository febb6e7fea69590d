package consult

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Export job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// ExportJob is a consultation export running in the background. Its row in
// export_jobs is the truth, so any instance can show its progress; its file
// lies in the jobs directory, which instances share.
type ExportJob struct {
	ID           string // 128 random bits, hex
	UserID       int64  // the requester, the only person who may see it
	Consultation int64
	Format       string
	State        string
	Done, Total  int
	// Error is a short, fixed description of why the job failed; details
	// go to the server log.
	Error     string
	Attempts  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ExportJobs runs consultation exports as background jobs that any instance
// sharing the database and the jobs directory can run, resume and serve.
// A job is run by one instance at a time, under a lease in its row that the
// runner renews (with the progress) every LeaseRenew; if the instance dies,
// the lease expires and another instance's Run loop restarts the job from
// the beginning, up to MaxAttempts times.
type ExportJobs struct {
	Service *Service
	// Dir holds one folder per job. In a deployment of several instances
	// it must be shared storage (it is the data directory's jobs/ folder).
	Dir string
	// ActorOf returns the requester as an actor when their job runs, so
	// that the export sees what they may see at that moment.
	ActorOf func(ctx context.Context, userID int64) (auth.Actor, error)
	Logger  *slog.Logger
	// Owner names this instance in leases; empty means a random name.
	Owner string
	// Lease is how long a claim lasts without renewal (default 15s);
	// Poll is how often Run looks for orphaned jobs (default 2s); TTL is
	// how long a job and its file are kept (default one hour);
	// MaxAttempts bounds restarts (default 3).
	Lease, Poll, TTL time.Duration
	MaxAttempts      int

	once sync.Once
}

var jobIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (j *ExportJobs) init() {
	j.once.Do(func() {
		if j.Owner == "" {
			j.Owner = store.NewLeaseOwner()
		}
		if j.Lease <= 0 {
			j.Lease = 15 * time.Second
		}
		if j.Poll <= 0 {
			j.Poll = 2 * time.Second
		}
		if j.TTL <= 0 {
			j.TTL = time.Hour
		}
		if j.MaxAttempts <= 0 {
			j.MaxAttempts = 3
		}
		if j.Logger == nil {
			j.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

const jobColumns = `id, user_id, consultation_id, format, state, done, total, error, attempts, created_at, updated_at`

func scanJob(row interface{ Scan(...any) error }) (ExportJob, error) {
	var x ExportJob
	err := row.Scan(&x.ID, &x.UserID, &x.Consultation, &x.Format, &x.State, &x.Done, &x.Total, &x.Error, &x.Attempts, &x.CreatedAt, &x.UpdatedAt)
	return x, err
}

// Start queues an export of consultation id in format for actor, who must
// be allowed to export it, and returns the job. Run it with RunJob (on this
// instance, at once) or leave it to any instance's Run loop.
func (j *ExportJobs) Start(ctx context.Context, actor auth.Actor, id int64, format string) (ExportJob, error) {
	j.init()
	if !actor.SignedIn() || !actor.Is(auth.Secretariat, auth.Analyst) {
		return ExportJob{}, pallmall.ErrForbidden
	}
	switch format {
	case CSV, JSON, XLSX:
	default:
		return ExportJob{}, pallmall.ErrInvalid
	}
	if _, err := j.Service.Get(ctx, actor, id); err != nil {
		return ExportJob{}, err
	}
	b := make([]byte, 16)
	rand.Read(b)
	now := store.Now()
	job := ExportJob{ID: hex.EncodeToString(b), UserID: actor.UserID, Consultation: id, Format: format, State: JobQueued, CreatedAt: now, UpdatedAt: now}
	_, err := j.Service.DB.Exec(ctx, `INSERT INTO export_jobs (id, user_id, consultation_id, format, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		job.ID, job.UserID, job.Consultation, job.Format, job.State, now)
	if err != nil {
		return ExportJob{}, fmt.Errorf("start export job: %w", err)
	}
	return job, nil
}

// Get returns the job for its requester only: anyone else, and any other
// consultation, gets ErrNotFound.
func (j *ExportJobs) Get(ctx context.Context, actor auth.Actor, consultation int64, id string) (ExportJob, error) {
	if !actor.SignedIn() || !jobIDPattern.MatchString(id) {
		return ExportJob{}, pallmall.ErrNotFound
	}
	job, err := scanJob(j.Service.DB.QueryRow(ctx, `SELECT `+jobColumns+` FROM export_jobs WHERE id = $1`, id))
	if err != nil {
		return ExportJob{}, err
	}
	if job.UserID != actor.UserID || job.Consultation != consultation {
		return ExportJob{}, pallmall.ErrNotFound
	}
	return job, nil
}

// Open opens a finished job's file for its requester. Returns ErrNotFound
// as Get does, and for a job not done.
func (j *ExportJobs) Open(ctx context.Context, actor auth.Actor, consultation int64, id string) (ExportJob, *os.File, error) {
	job, err := j.Get(ctx, actor, consultation, id)
	if err != nil {
		return job, nil, err
	}
	if job.State != JobDone {
		return job, nil, pallmall.ErrNotFound
	}
	f, err := os.Open(j.file(job.ID))
	if errors.Is(err, os.ErrNotExist) {
		return job, nil, pallmall.ErrNotFound
	}
	return job, f, err
}

func (j *ExportJobs) dir(id string) string  { return filepath.Join(j.Dir, id) }
func (j *ExportJobs) file(id string) string { return filepath.Join(j.Dir, id, "export") }

// Run runs queued and orphaned jobs (whose instance stopped renewing their
// lease) and sweeps old ones, until ctx is done.
func (j *ExportJobs) Run(ctx context.Context) {
	j.init()
	t := time.NewTicker(j.Poll)
	defer t.Stop()
	var swept time.Time
	for {
		if time.Since(swept) > time.Minute {
			if err := j.Sweep(ctx); err != nil && ctx.Err() == nil {
				j.Logger.Warn("sweep export jobs", "error", err.Error())
			}
			swept = time.Now()
		}
		for {
			ran, err := j.Step(ctx)
			if err != nil && ctx.Err() == nil {
				j.Logger.Warn("export jobs", "error", err.Error())
			}
			if !ran || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step claims one claimable job (queued, or running under an expired
// lease), runs it to the end and reports whether it found one.
func (j *ExportJobs) Step(ctx context.Context) (bool, error) {
	j.init()
	rows, err := j.Service.DB.Query(ctx, `SELECT id FROM export_jobs WHERE state IN ('queued', 'running') AND lease_until < $1 ORDER BY created_at LIMIT 10`, time.Now().UnixMilli())
	ids, err := store.ScanAll(rows, err, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return false, fmt.Errorf("list export jobs: %w", err)
	}
	for _, id := range ids {
		ok, err := j.RunJob(ctx, id)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// RunJob claims job id, if it is claimable, and runs it to the end. It
// reports whether this instance ran it; false means another instance holds
// it or it is finished.
func (j *ExportJobs) RunJob(ctx context.Context, id string) (bool, error) {
	j.init()
	now := time.Now()
	res, err := j.Service.DB.Exec(ctx, `UPDATE export_jobs SET state = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
		WHERE id = $4 AND state IN ('queued', 'running') AND lease_until < $5`,
		j.Owner, now.Add(j.Lease).UnixMilli(), store.Now(), id, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("claim export job: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	job, err := scanJob(j.Service.DB.QueryRow(ctx, `SELECT `+jobColumns+` FROM export_jobs WHERE id = $1`, id))
	if err != nil {
		return true, fmt.Errorf("read export job: %w", err)
	}
	if job.Attempts > j.MaxAttempts {
		return true, j.finish(ctx, job.ID, JobFailed, "too many attempts")
	}
	j.run(ctx, job)
	return true, nil
}

// run exports job into a file of this attempt's own, renaming it into
// place when complete, while a goroutine renews the lease and records
// progress. Losing the lease cancels the export.
func (j *ExportJobs) run(parent context.Context, job ExportJob) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var done, total atomic.Int64
	progress := func(d, t int) { done.Store(int64(d)); total.Store(int64(t)) }
	renewed := make(chan struct{})
	var lost atomic.Bool
	go func() {
		defer close(renewed)
		t := time.NewTicker(min(j.Lease/3, 500*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			res, err := j.Service.DB.Exec(ctx, `UPDATE export_jobs SET lease_until = $1, done = $2, total = $3, updated_at = $4 WHERE id = $5 AND lease_owner = $6`,
				time.Now().Add(j.Lease).UnixMilli(), done.Load(), total.Load(), store.Now(), job.ID, j.Owner)
			if err != nil {
				continue // the lease may still hold; try again
			}
			if n, _ := res.RowsAffected(); n != 1 {
				lost.Store(true)
				cancel()
				return
			}
		}
	}()
	err := j.export(ctx, job, progress)
	cancel()
	<-renewed
	// Finishing uses a fresh context: the job's own may be cancelled.
	fin, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer stop()
	switch {
	case lost.Load():
		j.Logger.Warn("export job lease lost to another instance", "job", job.ID)
	case err == nil:
		if _, ferr := j.Service.DB.Exec(fin, `UPDATE export_jobs SET done = $1, total = $2 WHERE id = $3 AND lease_owner = $4`, done.Load(), total.Load(), job.ID, j.Owner); ferr != nil {
			j.Logger.Warn("export job progress", "job", job.ID, "error", ferr.Error())
		}
		if ferr := j.finish(fin, job.ID, JobDone, ""); ferr != nil {
			j.Logger.Warn("export job finish", "job", job.ID, "error", ferr.Error())
		}
	case parent.Err() != nil:
		// This instance is stopping: hand the job over at once.
		j.Service.DB.Exec(fin, `UPDATE export_jobs SET lease_until = 0 WHERE id = $1 AND lease_owner = $2`, job.ID, j.Owner)
	default:
		j.Logger.Error("consultation export job failed", "job", job.ID, "error", err.Error())
		reason := "export failed"
		if errors.Is(err, pallmall.ErrForbidden) || errors.Is(err, pallmall.ErrNotFound) {
			reason = "not allowed"
		}
		if ferr := j.finish(fin, job.ID, JobFailed, reason); ferr != nil {
			j.Logger.Warn("export job finish", "job", job.ID, "error", ferr.Error())
		}
	}
}

func (j *ExportJobs) export(ctx context.Context, job ExportJob, progress func(int, int)) error {
	actor, err := j.ActorOf(ctx, job.UserID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(j.dir(job.ID), 0o700); err != nil {
		return err
	}
	part := filepath.Join(j.dir(job.ID), "export."+j.Owner+".part")
	f, err := os.OpenFile(part, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(part)
	defer f.Close()
	if err := j.Service.Export(ctx, actor, job.Consultation, ExportOptions{Format: job.Format, Progress: progress}, f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(part, j.file(job.ID))
}

// finish records a job's end, if this instance still holds it.
func (j *ExportJobs) finish(ctx context.Context, id, state, reason string) error {
	_, err := j.Service.DB.Exec(ctx, `UPDATE export_jobs SET state = $1, error = $2, lease_owner = '', lease_until = 0, updated_at = $3 WHERE id = $4 AND lease_owner = $5`,
		state, reason, store.Now(), id, j.Owner)
	return err
}

// Sweep deletes jobs, and their files, older than TTL, and any folder in
// Dir older than TTL that names no job.
func (j *ExportJobs) Sweep(ctx context.Context) error {
	j.init()
	cutoff := store.Now().Add(-j.TTL)
	rows, err := j.Service.DB.Query(ctx, `SELECT id FROM export_jobs WHERE created_at < $1`, cutoff)
	ids, err := store.ScanAll(rows, err, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := os.RemoveAll(j.dir(id)); err != nil {
			return err
		}
		if _, err := j.Service.DB.Exec(ctx, `DELETE FROM export_jobs WHERE id = $1`, id); err != nil {
			return err
		}
	}
	entries, _ := os.ReadDir(j.Dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) && jobIDPattern.MatchString(e.Name()) {
			var n int
			if err := j.Service.DB.QueryRow(ctx, `SELECT count(*) FROM export_jobs WHERE id = $1`, e.Name()).Scan(&n); err == nil && n == 0 {
				os.RemoveAll(j.dir(e.Name()))
			}
		}
	}
	return nil
}

package consult_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// jobsFixture is a consultation with one response, two analysts with
// accounts, and two runners (two instances) sharing a jobs directory.
type jobsFixture struct {
	*fixture
	db         *store.DB
	ana, other auth.Actor
	a, b       *consult.ExportJobs
}

func newJobsFixture(t *testing.T, db *store.DB) *jobsFixture {
	t.Helper()
	ctx := context.Background()
	f := &jobsFixture{fixture: newFixture(t, db), db: db}
	f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "Journalists"}}, false, consult.PublishAnonymous)
	accounts := &auth.Service{DB: db}
	for i, email := range []string{"ana@example.org", "bob@example.org"} {
		u, _, err := accounts.CreateUser(ctx, auth.System, auth.NewUser{Email: email, Name: email, Role: auth.Analyst}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.ana = u.Actor()
		} else {
			f.other = u.Actor()
		}
	}
	dir := t.TempDir()
	f.a = &consult.ExportJobs{Service: f.svc, Dir: dir, ActorOf: accounts.ActorOf, Owner: "instance-a", Lease: time.Minute}
	f.b = &consult.ExportJobs{Service: f.svc, Dir: dir, ActorOf: accounts.ActorOf, Owner: "instance-b", Lease: time.Minute}
	return f
}

func (f *jobsFixture) download(t *testing.T, jobs *consult.ExportJobs, id string) string {
	t.Helper()
	_, file, err := jobs.Open(context.Background(), f.ana, f.c.ID, id)
	if err != nil {
		t.Fatalf("Open(%s) = %v", id, err)
	}
	defer file.Close()
	b, _ := io.ReadAll(file)
	return string(b)
}

func TestExportJobRunsOnceAndOnlyItsRequesterSeesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newJobsFixture(t, db)
		if _, err := f.a.Start(ctx, public, f.c.ID, "csv"); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Start signed out = %v, want ErrForbidden", err)
		}
		if _, err := f.a.Start(ctx, f.ana, f.c.ID, "pdf"); !errors.Is(err, pallmall.ErrInvalid) {
			t.Errorf("Start pdf = %v, want ErrInvalid", err)
		}
		job, err := f.a.Start(ctx, f.ana, f.c.ID, "csv")
		if err != nil {
			t.Fatal(err)
		}
		if len(job.ID) != 32 || job.State != consult.JobQueued {
			t.Errorf("Start = %+v, want a 32-hex-digit id, queued", job)
		}
		if ran, err := f.a.RunJob(ctx, job.ID); !ran || err != nil {
			t.Fatalf("RunJob on a = %v, %v; want true, nil", ran, err)
		}
		if ran, err := f.b.RunJob(ctx, job.ID); ran || err != nil {
			t.Errorf("RunJob of a finished job on b = %v, %v; want false, nil", ran, err)
		}
		// Instance b sees the progress and serves the file.
		got, err := f.b.Get(ctx, f.ana, f.c.ID, job.ID)
		if err != nil || got.State != consult.JobDone || got.Done != 1 || got.Total != 1 || got.Attempts != 1 {
			t.Errorf("Get on b = %+v, %v; want done 1 of 1 after 1 attempt", got, err)
		}
		if body := f.download(t, f.b, job.ID); !strings.Contains(body, "Journalists") {
			t.Errorf("export file lacks the answer:\n%s", body)
		}
		for _, c := range []struct {
			name  string
			actor auth.Actor
			cons  int64
			id    string
		}{
			{"another analyst", f.other, f.c.ID, job.ID},
			{"signed out", public, f.c.ID, job.ID},
			{"another consultation", f.ana, f.c.ID + 1, job.ID},
			{"malformed id", f.ana, f.c.ID, "../" + job.ID},
		} {
			if _, err := f.b.Get(ctx, c.actor, c.cons, c.id); !errors.Is(err, pallmall.ErrNotFound) {
				t.Errorf("Get as %s = %v, want ErrNotFound", c.name, err)
			}
			if _, _, err := f.b.Open(ctx, c.actor, c.cons, c.id); !errors.Is(err, pallmall.ErrNotFound) {
				t.Errorf("Open as %s = %v, want ErrNotFound", c.name, err)
			}
		}
		if matches, _ := filepath.Glob(filepath.Join(f.a.Dir, job.ID, "*.part")); len(matches) != 0 {
			t.Errorf("partial files left behind: %v", matches)
		}
	})
}

func TestExportJobResumedAfterItsInstanceDies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newJobsFixture(t, db)
		job, err := f.a.Start(ctx, f.ana, f.c.ID, "json")
		if err != nil {
			t.Fatal(err)
		}
		// Instance a claimed it and is still alive: b leaves it alone.
		claim := func(until time.Time, attempts int) {
			t.Helper()
			if _, err := db.Exec(ctx, `UPDATE export_jobs SET state = 'running', lease_owner = 'instance-a', lease_until = $1, attempts = $2 WHERE id = $3`,
				until.UnixMilli(), attempts, job.ID); err != nil {
				t.Fatal(err)
			}
		}
		claim(time.Now().Add(time.Minute), 1)
		if ran, err := f.b.Step(ctx); ran || err != nil {
			t.Errorf("Step on b while a holds the job = %v, %v; want false, nil", ran, err)
		}
		// a died: its lease ran out, so b takes the job over.
		claim(time.Now().Add(-time.Second), 1)
		if ran, err := f.b.Step(ctx); !ran || err != nil {
			t.Fatalf("Step on b after a's lease expired = %v, %v; want true, nil", ran, err)
		}
		got, _ := f.a.Get(ctx, f.ana, f.c.ID, job.ID)
		if got.State != consult.JobDone || got.Attempts != 2 {
			t.Errorf("job after takeover = %+v, want done after 2 attempts", got)
		}
		if body := f.download(t, f.a, job.ID); !strings.Contains(body, "Journalists") {
			t.Errorf("export file lacks the answer:\n%s", body)
		}
		// A job that keeps killing its instance is given up.
		job2, _ := f.a.Start(ctx, f.ana, f.c.ID, "csv")
		job, job2 = job2, job
		claim(time.Now().Add(-time.Second), 3)
		if ran, err := f.b.Step(ctx); !ran || err != nil {
			t.Fatalf("Step on b = %v, %v", ran, err)
		}
		if got, _ := f.a.Get(ctx, f.ana, f.c.ID, job.ID); got.State != consult.JobFailed || got.Error != "too many attempts" {
			t.Errorf("job after 3 lost attempts = %+v, want failed", got)
		}
		// Sweeping removes old jobs and their files, and keeps new ones.
		if _, err := db.Exec(ctx, `UPDATE export_jobs SET created_at = $1 WHERE id = $2`, store.Now().Add(-2*time.Hour), job2.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.b.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Get(ctx, f.ana, f.c.ID, job2.ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Get of a swept job = %v, want ErrNotFound", err)
		}
		if _, err := os.Stat(filepath.Join(f.a.Dir, job2.ID)); !os.IsNotExist(err) {
			t.Errorf("swept job's folder remains: %v", err)
		}
		if _, err := f.a.Get(ctx, f.ana, f.c.ID, job.ID); err != nil {
			t.Errorf("Get of a recent job after sweep = %v", err)
		}
	})
}

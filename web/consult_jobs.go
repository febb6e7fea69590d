package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
)

// Long exports run as background jobs. A job lives in a directory of its
// own under the system's temporary directory (owner-only), holding
// job.json (who asked, progress, state) and the export; its page shows
// the progress and, when done, a download link that only the requester,
// signed in, can use. Jobs are removed an hour after they start.

const exportJobTTL = time.Hour

type exportJob struct {
	ID           string    `json:"id"`
	UserID       int64     `json:"user_id"`
	Consultation int64     `json:"consultation"`
	Format       string    `json:"format"`
	Done         int       `json:"done"`
	Total        int       `json:"total"`
	State        string    `json:"state"` // running, done, failed
	Started      time.Time `json:"started"`
}

var jobID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func exportJobsDir() string { return filepath.Join(os.TempDir(), "pallmall-consult-exports") }

func (j *exportJob) dir() string { return filepath.Join(exportJobsDir(), j.ID) }

func (j *exportJob) save() error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := filepath.Join(j.dir(), "job.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(j.dir(), "job.json"))
}

func loadExportJob(id string) (*exportJob, error) {
	if !jobID.MatchString(id) {
		return nil, pallmall.ErrNotFound
	}
	b, err := os.ReadFile(filepath.Join(exportJobsDir(), id, "job.json"))
	if err != nil {
		return nil, pallmall.ErrNotFound
	}
	var j exportJob
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// sweepExportJobs removes jobs older than exportJobTTL.
func sweepExportJobs() {
	entries, _ := os.ReadDir(exportJobsDir())
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > exportJobTTL && jobID.MatchString(e.Name()) {
			os.RemoveAll(filepath.Join(exportJobsDir(), e.Name()))
		}
	}
}

func (s *Server) consultStartExport(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireAnalysis(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	format := r.PostForm.Get("format")
	if _, ok := exportTypes[format]; !ok {
		return pallmall.ErrInvalid
	}
	sweepExportJobs()
	b := make([]byte, 16)
	rand.Read(b)
	j := &exportJob{ID: hex.EncodeToString(b), UserID: actor.UserID, Consultation: c.ID, Format: format, State: "running", Started: time.Now().UTC()}
	if err := os.MkdirAll(exportJobsDir(), 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(j.dir(), 0o700); err != nil {
		return err
	}
	if err := j.save(); err != nil {
		return err
	}
	svc := s.consultations()
	logger := s.Logger
	ctx := context.WithoutCancel(r.Context())
	go func() {
		var mu sync.Mutex
		last := time.Time{}
		progress := func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			j.Done, j.Total = done, total
			if time.Since(last) > 200*time.Millisecond {
				last = time.Now()
				j.save()
			}
		}
		err := func() error {
			f, err := os.OpenFile(filepath.Join(j.dir(), "export.part"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := svc.Export(ctx, actor, j.Consultation, consult.ExportOptions{Format: j.Format, Progress: progress}, f); err != nil {
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			return os.Rename(filepath.Join(j.dir(), "export.part"), filepath.Join(j.dir(), "export"))
		}()
		mu.Lock()
		defer mu.Unlock()
		j.State = "done"
		if err != nil {
			j.State = "failed"
			logger.LogAttrs(ctx, slog.LevelError, "consultation export job failed", slog.String("job", j.ID), slog.String("error", err.Error()))
		}
		j.save()
	}()
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"/exports/"+j.ID, http.StatusSeeOther)
	return nil
}

// requesterJob loads a job for its requester only: anyone else, signed in
// or not, gets ErrNotFound.
func requesterJob(r *http.Request) (*exportJob, error) {
	actor, err := requireAnalysis(r)
	if err != nil {
		return nil, err
	}
	id, err := pathInt(r, "id")
	if err != nil {
		return nil, err
	}
	j, err := loadExportJob(r.PathValue("job"))
	if err != nil {
		return nil, err
	}
	if j.UserID != actor.UserID || j.Consultation != id {
		return nil, pallmall.ErrNotFound
	}
	return j, nil
}

func (s *Server) consultExportJob(w http.ResponseWriter, r *http.Request) error {
	j, err := requesterJob(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	if j.State == "running" {
		// Browsers reload the page by themselves, without JavaScript.
		w.Header().Set("Refresh", "2")
	}
	pct := 0
	if j.Total > 0 {
		pct = j.Done * 100 / j.Total
	}
	if j.State == "done" {
		pct = 100
	}
	return s.render(w, r, http.StatusOK, "consult-export-job", "consult.job.title", nil, map[string]any{
		"C": c, "J": j, "Percent": pct, "Upper": strings.ToUpper(j.Format),
	})
}

func (s *Server) consultExportJobDownload(w http.ResponseWriter, r *http.Request) error {
	j, err := requesterJob(r)
	if err != nil {
		return err
	}
	if j.State != "done" {
		return pallmall.ErrNotFound
	}
	f, err := os.Open(filepath.Join(j.dir(), "export"))
	if errors.Is(err, os.ErrNotExist) {
		return pallmall.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", exportTypes[j.Format])
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportFile(c, "responses", j.Format)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
)

// Long exports run as background jobs (consult.ExportJobs): the job's row
// in the database holds who asked, the progress and the state, so any
// instance can show it; the file lies in the shared jobs directory. The
// instance that takes the request starts the job at once; if it dies, any
// instance's runner resumes it. The job's page shows the progress and, when
// done, a download link that only the requester, signed in, can use.

// exportJobs returns the server's export jobs, making one for a server
// built without (tests): its files go under the data directory or, with
// none, the system's temporary directory.
func (s *Server) exportJobs() *consult.ExportJobs {
	s.jobsOnce.Do(func() {
		if s.ExportJobs != nil {
			return
		}
		dir := filepath.Join(os.TempDir(), "pallmall-consult-exports")
		if s.DataDir != "" {
			dir = filepath.Join(s.DataDir, "jobs")
		}
		s.ExportJobs = &consult.ExportJobs{Service: s.consultations(), Dir: dir, ActorOf: s.Auth.ActorOf, Logger: s.Logger}
	})
	return s.ExportJobs
}

func (s *Server) consultStartExport(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
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
	jobs := s.exportJobs()
	j, err := jobs.Start(r.Context(), actor, c.ID, format)
	if err != nil {
		return err
	}
	// Run it here and now; should this instance stop, another resumes it.
	go func() {
		if _, err := jobs.RunJob(context.WithoutCancel(r.Context()), j.ID); err != nil {
			s.Logger.Warn("export job", "job", j.ID, "error", err.Error())
		}
	}()
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"/exports/"+j.ID, http.StatusSeeOther)
	return nil
}

// requesterJob loads a job for its requester only: anyone else, signed in
// or not, gets ErrNotFound.
func (s *Server) requesterJob(r *http.Request) (consult.ExportJob, error) {
	actor, err := requireAnalysis(r)
	if err != nil {
		return consult.ExportJob{}, err
	}
	id, err := pathInt(r, "id")
	if err != nil {
		return consult.ExportJob{}, err
	}
	return s.exportJobs().Get(r.Context(), actor, id, r.PathValue("job"))
}

func (s *Server) consultExportJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.requesterJob(r)
	if err != nil {
		return err
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	if j.State == consult.JobQueued || j.State == consult.JobRunning {
		// Browsers reload the page by themselves, without JavaScript.
		w.Header().Set("Refresh", "2")
	}
	pct := 0
	if j.Total > 0 {
		pct = j.Done * 100 / j.Total
	}
	if j.State == consult.JobDone {
		pct = 100
	}
	return s.render(w, r, http.StatusOK, "consult-export-job", "consult.job.title", nil, map[string]any{
		"C": c, "J": j, "Percent": pct, "Upper": strings.ToUpper(j.Format),
	})
}

func (s *Server) consultExportJobDownload(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireAnalysis(r)
	if err != nil {
		return err
	}
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	j, f, err := s.exportJobs().Open(r.Context(), actor, id, r.PathValue("job"))
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

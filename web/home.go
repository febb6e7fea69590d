package web

import (
	"context"
	"net/http"
	"time"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "home", "home.title", nil, nil)
}

// staticPage serves a page whose words all come from the catalogue.
func (s *Server) staticPage(name string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.render(w, r, http.StatusOK, name, name+".title", nil, nil)
	}
}

// favicon answers browsers that ask for /favicon.ico whatever the page says.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.assets.URL("images/favicon.svg"), http.StatusMovedPermanently)
}

func (s *Server) accessibility(w http.ResponseWriter, r *http.Request) error {
	contact := s.ContactEmail
	if contact == "" {
		contact = "secretariat@pallmall.example"
	}
	return s.render(w, r, http.StatusOK, "accessibility", "accessibility.title", nil, map[string]string{"Contact": contact})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.DB.Ping(ctx); err != nil {
		s.Logger.Error("readiness check failed", "error", err.Error())
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	// A read replica that does not answer leaves the instance ready: its
	// reads go to the primary meanwhile (store.DB.Replica; the metric
	// pallmall_db_replica_up says so too).
	rctx, rcancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer rcancel()
	if err := s.DB.PingReplica(rctx); err != nil {
		s.Logger.Warn("read replica unreachable; reading from the primary", "error", err.Error())
		w.Write([]byte("ready; read replica unreachable, reading from the primary\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

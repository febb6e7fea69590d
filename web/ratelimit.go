package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall/auth"
)

// DefaultWriteLimit allows each client 600 state-changing requests in ten
// minutes, one a second sustained: more than any person answering a
// consultation, voting or proposing a change needs, even many people behind
// one address (a newsroom, a Tor exit), and a brake on a script flooding
// them. Campaign detection, not this limit, deals with slower floods.
func DefaultWriteLimit() *auth.Limiter { return auth.NewLimiter(600, 10*time.Minute) }

// withWriteLimit refuses POST, PUT, PATCH and DELETE requests beyond the
// limit. Signed-in people are counted by account, everyone else by client
// address; the limiter keeps only a keyed hash of either, in memory, for
// the length of its window.
func (s *Server) withWriteLimit(next http.Handler) http.Handler {
	if s.Writes == nil {
		s.Writes = DefaultWriteLimit()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		key := "client:" + s.clientKey(r)
		if a := Actor(r); a.SignedIn() {
			key = "user:" + strconv.FormatInt(a.UserID, 10)
		} else if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			key = "token:" + auth.HashToken(strings.TrimSpace(tok))
		}
		if s.Writes.Allow(key) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "600")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"code":"rate_limited","message":"too many requests; try again later"}}` + "\n"))
			return
		}
		s.errorPage(w, r, http.StatusTooManyRequests, "error.rate_limited")
	})
}

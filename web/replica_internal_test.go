package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/store"
)

// TestReplicaRoutingRule: a page's reads are marked for the replica only
// for a GET or HEAD of a listed public page carrying no credential.
func TestReplicaRoutingRule(t *testing.T) {
	cases := []struct {
		name    string
		method  string
		path    string
		cookie  string
		header  [2]string
		replica bool
	}{
		{"anonymous GET of a public page", "GET", "/organisations", "", [2]string{}, true},
		{"anonymous HEAD", "HEAD", "/organisations", "", [2]string{}, true},
		{"the language cookie is no credential", "GET", "/organisations", langCookie + "=fr", [2]string{}, true},
		{"an unrelated cookie is no credential", "GET", "/organisations", "other=1", [2]string{}, true},
		{"session cookie", "GET", "/organisations", sessionCookie + "=x", [2]string{}, false},
		{"session cookie among others", "GET", "/organisations", langCookie + "=fr; " + sessionCookie + "=x", [2]string{}, false},
		{"respondent's resume cookie", "GET", "/organisations", "__Host-pallmall_response_7=x", [2]string{}, false},
		{"participant's cookie", "GET", "/organisations", "__Host-pallmall_delib_3=x", [2]string{}, false},
		{"Authorization header", "GET", "/organisations", "", [2]string{"Authorization", "Bearer x"}, false},
		{"a POST", "POST", "/organisations", "", [2]string{}, false},
		{"a page not listed", "GET", "/account", "", [2]string{}, false},
		{"a resume link, not listed", "GET", "/consultations/1/resume/tok", "", [2]string{}, false},
	}
	s := &Server{}
	var saw bool
	record := s.page(func(w http.ResponseWriter, r *http.Request) error {
		saw = store.ReplicaReads(r.Context())
		return nil
	})
	mux := http.NewServeMux()
	for _, p := range []string{"GET /organisations", "POST /organisations", "GET /account", "GET /consultations/{id}/resume/{token}"} {
		mux.Handle(p, record)
	}
	for _, c := range cases {
		saw = false
		req := httptest.NewRequest(c.method, c.path, nil)
		if c.cookie != "" {
			req.Header.Set("Cookie", c.cookie)
		}
		if c.header[0] != "" {
			req.Header.Set(c.header[0], c.header[1])
		}
		mux.ServeHTTP(httptest.NewRecorder(), req)
		if saw != c.replica {
			t.Errorf("%s: %s %s marked for the replica = %v, want %v", c.name, c.method, c.path, saw, c.replica)
		}
	}
}

// TestReplicaRoutesAreRegisteredReads: every listed pattern is a GET route
// of the site, so a typo cannot leave the list out of step with the
// routes.
func TestReplicaRoutesAreRegisteredReads(t *testing.T) {
	s := &Server{}
	mux := http.NewServeMux()
	s.routes(mux)
	wildcard := regexp.MustCompile(`\{[^}]*\}`)
	for pattern := range replicaRoutes {
		method, path, _ := strings.Cut(pattern, " ")
		if method != http.MethodGet {
			t.Errorf("%s: only GET routes may read from the replica", pattern)
		}
		req := httptest.NewRequest(method, wildcard.ReplaceAllString(path, "1"), nil)
		if _, got := mux.Handler(req); got != pattern {
			t.Errorf("%s is not a route (the path matches %q)", pattern, got)
		}
	}
}

package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// TestReplicaRoutingRule: an API request's reads are marked for the
// replica only for a GET or HEAD of a listed public list carrying no
// credential and no cookie.
func TestReplicaRoutingRule(t *testing.T) {
	cases := []struct {
		name          string
		method, path  string
		header, value string
		replica       bool
	}{
		{"anonymous list", "GET", "/api/v1/organisations", "", "", true},
		{"anonymous HEAD", "HEAD", "/api/v1/register/entities", "", "", true},
		{"a participant's token", "GET", "/api/v1/deliberations", ParticipantTokenHeader, "tok", false},
		{"any cookie", "GET", "/api/v1/organisations", "Cookie", "__Host-pallmall_lang=fr", false},
		{"one item, not a list", "GET", "/api/v1/organisations/1", "", "", false},
		{"a write", "POST", "/api/v1/organisations", "", "", false},
		{"the caller's own account", "GET", "/api/v1/me", "", "", false},
	}
	var saw bool
	s := &Server{}
	mux := http.NewServeMux()
	for _, rt := range Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.adapt(func(_ *Server, w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
			saw = store.ReplicaReads(r.Context())
			return nil
		}))
	}
	for _, c := range cases {
		saw = false
		req := httptest.NewRequest(c.method, c.path, nil)
		if c.header != "" {
			req.Header.Set(c.header, c.value)
		}
		mux.ServeHTTP(httptest.NewRecorder(), req)
		if saw != c.replica {
			t.Errorf("%s: %s %s marked for the replica = %v, want %v", c.name, c.method, c.path, saw, c.replica)
		}
	}
	// A bearer token is refused before any read when it does not
	// authenticate; one that does is a credential (see the web package's
	// replica test, which runs a real token against PostgreSQL).
	if !replicaSafe(httptest.NewRequest("GET", "/api/v1/organisations", nil)) {
		t.Error("an anonymous GET is not replica-safe")
	}
	req := httptest.NewRequest("GET", "/api/v1/organisations", nil)
	req.Header.Set("Authorization", "Bearer x")
	if replicaSafe(req) {
		t.Error("a request with Authorization is replica-safe")
	}
}

// TestReplicaRoutesAreListReads: every listed pattern is a GET route of
// the API.
func TestReplicaRoutesAreListReads(t *testing.T) {
	routes := map[string]bool{}
	for _, rt := range Routes() {
		routes[rt.Method+" "+rt.Pattern] = true
	}
	for p := range replicaRoutes {
		if !routes[p] || p[:4] != "GET " {
			t.Errorf("%s is not a GET route of the API", p)
		}
	}
}

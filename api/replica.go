package api

import (
	"net/http"

	"github.com/pallmall/pallmall/store"
)

// replicaRoutes are the public list endpoints whose anonymous reads may
// come from a PostgreSQL read replica (serve --database-replica;
// docs/scaling.md, "Read replicas"): published lists that may be a moment
// stale, served by handlers that write nothing. Every other endpoint reads
// the primary.
var replicaRoutes = map[string]bool{
	"GET /api/v1/organisations":                true,
	"GET /api/v1/consultations":                true,
	"GET /api/v1/frameworks":                   true,
	"GET /api/v1/frameworks/{id}/endorsements": true,
	"GET /api/v1/frameworks/{id}/reports":      true,
	"GET /api/v1/meetings":                     true,
	"GET /api/v1/register/entities":            true,
	"GET /api/v1/register/incidents":           true,
	"GET /api/v1/deliberations":                true,
}

// replicaSafe reports whether an API request may read from a replica as
// far as the request itself goes: a GET or HEAD with no credential of the
// API's (no Authorization, no participant token) and no cookie at all, so
// that a browser's session, resume or participant cookie keeps it on the
// primary as on the site's pages.
func replicaSafe(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		r.Header.Get("Authorization") == "" && r.Header.Get(ParticipantTokenHeader) == "" && r.Header.Get("Cookie") == ""
}

// withReplicaReads marks the request's context for replica reads
// (store.WithReplicaReads) when its route is in replicaRoutes and the
// request is replicaSafe; otherwise it returns r as it is.
func withReplicaReads(r *http.Request) *http.Request {
	if !replicaRoutes[r.Pattern] || !replicaSafe(r) {
		return r
	}
	return r.WithContext(store.WithReplicaReads(r.Context()))
}

package web

import (
	"net/http"

	"github.com/pallmall/pallmall/store"
)

// replicaRoutes are the public pages whose anonymous reads may come from a
// PostgreSQL read replica (serve --database-replica; docs/scaling.md, "Read
// replicas"): published content that may be a moment stale, read by
// handlers that write nothing. Pages showing a receipt or a log entry, a
// secret link's target, or anything checked before a change are not here,
// and neither is any page of a signed-in person, respondent or participant
// (replicaSafe). A route missing from this list reads the primary, which
// is always correct; a route wrongly added fails loudly if it writes,
// since the store refuses writes under the mark.
var replicaRoutes = map[string]bool{
	"GET /organisations":      true,
	"GET /organisations/{id}": true,

	"GET /consultations":              true,
	"GET /consultations/{id}":         true,
	"GET /consultations/{id}/summary": true,

	"GET /register":                     true,
	"GET /register/records/{id}":        true,
	"GET /register/stats":               true,
	"GET /register/changes":             true,
	"GET /register/export.csv":          true,
	"GET /register/export.json":         true,
	"GET /register/incidents.stix.json": true,

	"GET /frameworks":                       true,
	"GET /frameworks/{id}":                  true,
	"GET /frameworks/{id}/signatories":      true,
	"GET /frameworks/{id}/signatories.csv":  true,
	"GET /frameworks/{id}/signatories.json": true,
	"GET /frameworks/{id}/signatories.atom": true,
	"GET /frameworks/{id}/reports":          true,

	"GET /deliberations":                    true,
	"GET /deliberations/{id}/report":        true,
	"GET /deliberations/{id}/analysis.json": true,
	"GET /deliberations/{id}/analysis.csv":  true,

	"GET /meetings":                   true,
	"GET /meetings/{id}":              true,
	"GET /meetings/{id}/calendar.ics": true,
}

// replicaSafe reports whether a request may read from a replica as far as
// the request itself goes: a GET or HEAD carrying no credential (no
// Authorization header, no session, resume or participant cookie). A
// signed-in person's or respondent's request always reads the primary, so
// the page they are redirected to after a change shows it at once.
func replicaSafe(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if r.Header.Get("Authorization") != "" {
		return false
	}
	for _, c := range r.Cookies() {
		if credentialCookie(c.Name) {
			return false
		}
	}
	return true
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

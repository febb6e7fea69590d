// Package api serves the versioned JSON API under /api/v1/: bearer-token
// authentication, one error shape, cursor pagination, and an OpenAPI 3.1
// document that a test keeps in step with the routes.
package api

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Server serves the JSON API.
type Server struct {
	DB     *store.DB
	Auth   *auth.Service
	Logger *slog.Logger
}

// Route is one operation of the API.
type Route struct {
	Method, Pattern string
	handler         func(*Server, http.ResponseWriter, *http.Request, auth.Actor) error
}

// Routes lists every operation of the API in one place.
func Routes() []Route {
	return []Route{
		{"GET", "/api/v1/openapi.json", (*Server).openAPI},
		{"GET", "/api/v1/me", (*Server).me},
		{"GET", "/api/v1/organisations", (*Server).listOrganisations},
		{"POST", "/api/v1/organisations", (*Server).createOrganisation},
		{"GET", "/api/v1/organisations/{id}", (*Server).getOrganisation},
		{"GET", "/api/v1/users", (*Server).listUsers},
		{"GET", "/api/v1/audit", (*Server).listAudit},
		// Consultations (issue 3): reads of open consultations need no
		// token; a delegate's token submits for their organisation.
		{"GET", "/api/v1/consultations", (*Server).listConsultations},
		{"POST", "/api/v1/consultations", (*Server).createConsultation},
		{"GET", "/api/v1/consultations/{id}", (*Server).getConsultation},
		{"POST", "/api/v1/consultations/{id}/responses", (*Server).createConsultationResponse},
		{"GET", "/api/v1/consultations/{id}/export", (*Server).exportConsultation},
		{"GET", "/api/v1/consultations/{id}/summary", (*Server).consultationSummary},
		// Campaigns (issue 8): the secretariat's and analysts' tokens only.
		{"GET", "/api/v1/consultations/{id}/campaigns", (*Server).listCampaigns},
		{"POST", "/api/v1/consultations/{id}/campaigns/{cid}/decision", (*Server).decideCampaign},
		{"GET", "/api/v1/consultations/{id}/flags", (*Server).listFlags},
		{"POST", "/api/v1/consultations/{id}/flags/{fid}/decision", (*Server).decideFlag},
		// end consultations
		// Frameworks and endorsements (issue 4): reads need no token.
		{"GET", "/api/v1/frameworks", (*Server).listFrameworks},
		{"GET", "/api/v1/frameworks/{id}", (*Server).getFramework},
		{"GET", "/api/v1/frameworks/{id}/endorsements", (*Server).listEndorsements},
		{"POST", "/api/v1/frameworks/{id}/endorsements", (*Server).createEndorsement},
		{"GET", "/api/v1/frameworks/{id}/reports", (*Server).listReports},
		// Meetings (issue 7): public meetings need no token.
		{"GET", "/api/v1/meetings", (*Server).listMeetings},
		{"GET", "/api/v1/meetings/{id}", (*Server).getMeeting},
		{"POST", "/api/v1/meetings/{id}/registrations", (*Server).createRegistration},
		{"GET", "/api/v1/register/entities", (*Server).listRegisterEntities},
		{"GET", "/api/v1/register/entities/{id}", (*Server).getRegisterEntity},
		{"GET", "/api/v1/register/incidents", (*Server).listRegisterIncidents},
		{"POST", "/api/v1/register/proposals", (*Server).createRegisterProposal},
		// Deliberations (issue 5): anonymous participants vote with the
		// token in X-Participant-Token; the analysis is public.
		{"GET", "/api/v1/deliberations", (*Server).listDeliberations},
		{"GET", "/api/v1/deliberations/{id}", (*Server).getDeliberation},
		{"POST", "/api/v1/deliberations/{id}/participants", (*Server).createParticipant},
		{"POST", "/api/v1/deliberations/{id}/votes", (*Server).castVote},
		{"GET", "/api/v1/deliberations/{id}/analysis", (*Server).getDeliberationAnalysis},
	}
}

// Handler returns the API's handler, to be mounted at /api/.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	for _, rt := range Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.adapt(rt.handler))
	}
	mux.Handle("/api/", s.adapt(func(*Server, http.ResponseWriter, *http.Request, auth.Actor) error { return pallmall.ErrNotFound }))
	return mux
}

// adapt authenticates the bearer token, if any, runs h and writes its
// error in the one JSON shape. An anonymous read of a list in
// replicaRoutes may read from the read replica (withReplicaReads).
func (s *Server) adapt(h func(*Server, http.ResponseWriter, *http.Request, auth.Actor) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		var actor auth.Actor
		if authz := r.Header.Get("Authorization"); authz != "" {
			tok, ok := strings.CutPrefix(authz, "Bearer ")
			a, err := s.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(tok))
			if !ok || err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="pallmall"`)
				s.writeError(w, r, pallmall.ErrUnauthenticated)
				return
			}
			actor = a
		}
		r = withReplicaReads(r)
		if err := h(s, w, r, actor); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// Error is the body of every error response.
type Error struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody says what went wrong.
type ErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"` // field -> message key, for code "invalid"
	Ref     string            `json:"ref,omitempty"`    // for code "internal": quote it to the operator
}

// errorTable maps error kinds to status, code and a fixed message, so that
// nothing internal ever reaches a client.
var errorTable = []struct {
	err     error
	status  int
	code    string
	message string
}{
	{pallmall.ErrNotFound, http.StatusNotFound, "not_found", "no such resource"},
	{pallmall.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", "a valid bearer token is required"},
	{pallmall.ErrForbidden, http.StatusForbidden, "forbidden", "this token may not do that"},
	{pallmall.ErrInvalid, http.StatusUnprocessableEntity, "invalid", "the request is invalid"},
	{pallmall.ErrAlreadyExists, http.StatusConflict, "already_exists", "it already exists"},
	{pallmall.ErrConflict, http.StatusConflict, "conflict", "it conflicts with the current state"},
	{pallmall.ErrRateLimited, http.StatusTooManyRequests, "rate_limited", "too many requests; try again later"},
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			body := ErrorBody{Code: e.code, Message: e.message}
			var v *pallmall.ValidationError
			if errors.As(err, &v) {
				body.Fields = v.Fields
			}
			writeJSON(w, e.status, Error{body})
			return
		}
	}
	ref := newRef()
	s.Logger.Error("internal error", "ref", ref, "route", r.Pattern, "error", err.Error())
	writeJSON(w, http.StatusInternalServerError, Error{ErrorBody{Code: "internal", Message: "something went wrong", Ref: ref}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// decode reads a JSON body of at most 1 MiB into v, refusing unknown
// fields so typos are reported instead of ignored.
//
// A string holding a NUL character ("\u0000") is refused as well: no field
// needs one, and PostgreSQL cannot store it in text.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err == nil && holdsNUL(body) {
		ve := &pallmall.ValidationError{}
		ve.Add("body", "error.nul")
		return ve
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err != nil || dec.Decode(v) != nil {
		ve := &pallmall.ValidationError{}
		ve.Add("body", "error.json")
		return ve
	}
	return nil
}

// holdsNUL reports whether any string of a JSON document, key or value,
// holds a NUL character, escaped or not. A document that does not parse
// is left to the decoder to refuse.
func holdsNUL(body []byte) bool {
	if bytes.IndexByte(body, 0) >= 0 {
		return true
	}
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if s, ok := tok.(string); ok && strings.IndexByte(s, 0) >= 0 {
			return true
		}
	}
}

func newRef() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Page is a page of a list, with the cursor for the next page if any.
type Page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// cursor encodes an id as an opaque string; clients must not parse it.
func cursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(id, 10)))
}

func parseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), "id:"); ok {
			if id, err := strconv.ParseInt(n, 10, 64); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	ve := &pallmall.ValidationError{}
	ve.Add("cursor", "error.cursor")
	return 0, ve
}

func parseLimit(r *http.Request, def, max int) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		ve := &pallmall.ValidationError{}
		ve.Add("limit", "error.limit")
		return 0, ve
	}
	return n, nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, pallmall.ErrNotFound
	}
	return id, nil
}

package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pallmall/pallmall/auth"
)

// request carries what the middleware learned about a request. It is
// stored once in the request's context.
type request struct {
	ref         string // short random id tying an error page to its log line
	lang        string
	actor       auth.Actor
	token       string // the session token, if any
	pending     bool   // signed in with a password, second factor still due
	pendingUser auth.User
}

type ctxKey struct{}

func info(r *http.Request) *request {
	if v, ok := r.Context().Value(ctxKey{}).(*request); ok {
		return v
	}
	return &request{lang: "en"}
}

// Actor returns who is making the request; the zero Actor is the public.
func Actor(r *http.Request) auth.Actor { return info(r).actor }

func newRef() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter remembers the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRequestLog logs one line per request: method, route pattern, status,
// duration and reference. Never the client address, user agent, query
// string or raw path, which may carry a private resume link or token.
func (s *Server) withRequestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &request{ref: newRef(), lang: "en"}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		d := time.Since(start)
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("route", pattern),
			slog.Int("status", sw.status), slog.Duration("duration", d), slog.String("ref", ri.ref))
		if s.Metrics != nil {
			s.Metrics.observe(r.Method, pattern, sw.status, d)
		}
	})
}

// contentSecurityPolicy allows nothing from another origin and no inline
// script or style.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// credentialCookie reports whether a cookie carries a credential: the
// session, a respondent's resume token or a deliberation participant's
// token. The language cookie is not one.
func credentialCookie(name string) bool {
	return name == sessionCookie || strings.HasPrefix(name, "__Host-pallmall_response_") || strings.HasPrefix(name, "__Host-pallmall_delib_")
}

// withPrivateCaching applies the caching rule: no browser or proxy may
// store a response to a request that carries a credential (a session, a
// respondent's or participant's cookie, a bearer token), nor a response
// that sets or clears one. Such responses may show personal data, or are
// tied to one person even when they show none. Only the content-hashed
// static assets, the same for everyone, stay cacheable. Handlers set
// no-store themselves on other pages that hold personal data, such as
// forms holding typed values and pages reached through a secret link.
func withPrivateCaching(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/assets/") {
			next.ServeHTTP(w, r)
			return
		}
		private := r.Header.Get("Authorization") != ""
		for _, c := range r.Cookies() {
			private = private || credentialCookie(c.Name)
		}
		next.ServeHTTP(&privateCacheWriter{ResponseWriter: w, private: private}, r)
	})
}

// privateCacheWriter sets Cache-Control just before the header is sent,
// when the handler can no longer change it.
type privateCacheWriter struct {
	http.ResponseWriter
	private bool
	done    bool
}

func (w *privateCacheWriter) WriteHeader(code int) {
	if !w.done {
		w.done = true
		h := w.Header()
		private := w.private
		for _, line := range h.Values("Set-Cookie") {
			name, _, _ := strings.Cut(line, "=")
			private = private || credentialCookie(strings.TrimSpace(name))
		}
		if private {
			h.Set("Cache-Control", "no-store")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *privateCacheWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *privateCacheWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRecovery turns a panic into a 500 page with a reference, logged.
func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

const langCookie = "__Host-pallmall_lang"

// withLanguage picks English or French: ?lang= wins and is remembered in a
// cookie; otherwise the cookie; otherwise English.
func (s *Server) withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		if q := r.URL.Query().Get("lang"); q == "en" || q == "fr" {
			ri.lang = q
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
				Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		} else if c, err := r.Cookie(langCookie); err == nil && (c.Value == "en" || c.Value == "fr") {
			ri.lang = c.Value
		}
		w.Header().Add("Vary", "Cookie")
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "__Host-pallmall_session"

// withSession loads the signed-in user from the session cookie. API routes
// authenticate with bearer tokens instead and are left alone.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		ri := info(r)
		sess, u, err := s.Auth.Session(r.Context(), c.Value)
		if err != nil {
			clearSessionCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		ri.token = c.Value
		if sess.MFAOK {
			ri.actor = u.Actor()
		} else {
			ri.pending = true
			ri.pendingUser = u
		}
		next.ServeHTTP(w, r)
	})
}

func setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// clientKey identifies a client for rate limiting only. The address goes no
// further than the limiter, which keeps a keyed hash of it in memory for a
// few minutes. A request from a trusted proxy (TrustedProxies) is counted
// by the nearest address in its X-Forwarded-For header that is not itself
// a trusted proxy; anyone else's header is ignored, since a client could
// write anything there to dodge its limit.
func (s *Server) clientKey(r *http.Request) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if len(s.TrustedProxies) == 0 {
		return host
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a.Unmap()) {
			return a.Unmap().String()
		}
	}
	return host
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// withWellFormedQuery refuses a request whose query string, or whose
// URL-encoded form body, holds a NUL byte or text that is not UTF-8, in a
// name or a value, before any handler sees it: PostgreSQL refuses such
// text as a query parameter, so a filter holding one answered 500 (found
// by TestHostileFilterValuesAreNotExecuted). No filter, cursor or form
// field of the platform has a use for either. The refusal is the same
// whatever the route and whoever asks, so it tells nothing about objects.
// Multipart bodies (uploads, imports) are left to their handlers, which
// limit and check them, and the API's bodies (JSON, whatever their
// declared type) to the API. Pages get the 400 page, the API its 422.
func (s *Server) withWellFormedQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok := wellFormedQuery(r.URL.RawQuery)
		if ok && r.Method == http.MethodPost && !strings.HasPrefix(r.URL.Path, "/api/") &&
			strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			// Parsed once here; handlers' ParseForm reuses r.PostForm.
			ok = r.ParseForm() == nil && wellFormedValues(r.PostForm)
		}
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"error":{"code":"invalid","message":"the request holds a NUL byte or text that is not UTF-8"}}` + "\n"))
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "error.bad_request")
	})
}

// wellFormedQuery reports whether every name and value of a raw query
// string is UTF-8 without NUL bytes. A query that does not parse is left
// to the handlers, which read what parses, as they always have.
func wellFormedQuery(raw string) bool {
	if raw == "" {
		return true
	}
	q, _ := url.ParseQuery(raw)
	return wellFormedValues(q)
}

// wellFormedValues reports whether every name and value is UTF-8 without
// NUL bytes.
func wellFormedValues(q url.Values) bool {
	for k, vs := range q {
		if !utf8.ValidString(k) || strings.ContainsRune(k, 0) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return false
			}
		}
	}
	return true
}

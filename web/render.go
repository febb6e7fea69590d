package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

//go:embed templates/*.html
var templateFiles embed.FS

type templates struct {
	pages map[string]*template.Template
}

// parseTemplates parses layout.html and the partials once, then each page
// template on a clone of them, so every page can define "content".
func parseTemplates(assets *assetSet, cat *Catalog) (*templates, error) {
	funcs := template.FuncMap{
		"asset": assets.URL,
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"list": func(v ...string) []string { return v },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/_*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t.pages[name], err = clone.ParseFS(templateFiles, n); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Page is what every template receives.
type Page struct {
	Lang    string
	Title   string
	Actor   auth.Actor
	Pending bool // password given, second factor due
	Form    *Form
	Data    any
	Ref     string
	Version string

	cat *Catalog
	url *url.URL
}

// T translates a message key into the page's language.
func (p *Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// LangURL returns this page's URL in the other language.
func (p *Page) LangURL(lang string) string {
	q := p.url.Query()
	q.Set("lang", lang)
	return p.url.Path + "?" + q.Encode()
}

// OtherLang returns the language the switch offers.
func (p *Page) OtherLang() string {
	if p.Lang == "fr" {
		return "en"
	}
	return "fr"
}

// Path is the current path, for highlighting navigation.
func (p *Page) Path() string { return p.url.Path }

// Date formats t for people: in Europe/London for English and Europe/Paris
// for French, with the zone's abbreviation so nobody has to guess.
func (p *Page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	// london and paris are loaded once (web/consult.go): time.LoadLocation
	// reads and parses the zone file on every call.
	loc, layout := london, "2 January 2006, 15:04 MST"
	if p.Lang == "fr" {
		loc, layout = paris, "2/01/2006 15:04 MST"
	}
	return t.In(loc).Format(layout)
}

// Form is a submitted or blank form: the values typed, kept to redisplay,
// and any errors by field, as message keys.
type Form struct {
	Values url.Values
	Errors map[string]string
	// Order lists the fields in page order, for the error summary.
	Order []string
}

// NewForm returns a form holding the request's posted values.
func NewForm(r *http.Request, order ...string) *Form {
	return &Form{Values: cloneValues(r.PostForm), Errors: map[string]string{}, Order: order}
}

// Get returns a field's value as typed.
func (f *Form) Get(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Error returns the message key for a field's error, or "".
func (f *Form) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Summary lists the errors in page order for the GOV.UK error summary.
func (f *Form) Summary() []FieldError {
	if f == nil {
		return nil
	}
	var out []FieldError
	seen := map[string]bool{}
	for _, name := range f.Order {
		if k, ok := f.Errors[name]; ok {
			out = append(out, FieldError{Field: name, Key: k})
			seen[name] = true
		}
	}
	for name, k := range f.Errors {
		if !seen[name] {
			out = append(out, FieldError{Field: name, Key: k})
		}
	}
	return out
}

// FieldError is one line of an error summary.
type FieldError struct{ Field, Key string }

// AddErrors copies a domain ValidationError into the form; it reports false
// if err is some other error, which the caller should return.
func (f *Form) AddErrors(err error) bool {
	var v *pallmall.ValidationError
	if !errors.As(err, &v) {
		return false
	}
	for k, msg := range v.Fields {
		f.Errors[k] = msg
	}
	return true
}

// render writes a page with status code. Rendering goes to a buffer first
// so a template error becomes a clean 500, never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, form *Form, data any) error {
	t, ok := s.tmpl.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	ri := info(r)
	p := &Page{Lang: ri.lang, Actor: ri.actor, Pending: ri.pending, Form: form, Data: data, Ref: ri.ref, Version: s.Version, cat: s.catalog, url: r.URL}
	p.Title = p.T(titleKey)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if ri.actor.SignedIn() || ri.pending || form != nil || strings.Contains(r.Pattern, "{token}") {
		// Pages for signed-in people, forms holding what someone typed,
		// and pages reached through a secret link (whether or not the
		// link still works) must not be kept by browsers or proxies.
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

var errNotFound = pallmall.ErrNotFound

// page adapts a handler that returns an error into an http.Handler. Errors
// map to pages in one table; anything unexpected is a 500 with a reference
// that matches the log line. An anonymous read of a page listed in
// replicaRoutes may read from the read replica (withReplicaReads).
func (s *Server) page(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = withReplicaReads(r)
		err := h(w, r)
		if err == nil {
			return
		}
		switch {
		case errors.Is(err, pallmall.ErrUnauthenticated):
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.errorPage(w, r, http.StatusUnauthorized, "error.unauthenticated")
		case errors.Is(err, pallmall.ErrForbidden):
			s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		case errors.Is(err, pallmall.ErrNotFound):
			s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		case errors.Is(err, pallmall.ErrRateLimited):
			w.Header().Set("Retry-After", "60")
			s.errorPage(w, r, http.StatusTooManyRequests, "error.rate_limited")
		case errors.Is(err, pallmall.ErrConflict), errors.Is(err, pallmall.ErrAlreadyExists):
			s.errorPage(w, r, http.StatusConflict, "error.conflict")
		case errors.Is(err, pallmall.ErrInvalid):
			s.errorPage(w, r, http.StatusBadRequest, "error.bad_request")
		default:
			s.serverError(w, r, err)
		}
	})
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, key string) {
	if err := s.render(w, r, status, "error", key+".title", nil, map[string]any{"Key": key, "Status": status}); err != nil {
		s.serverError(w, r, err)
	}
}

// serverError logs err with the request's reference and shows a page that
// gives the reference and nothing of the error itself.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	ri := info(r)
	s.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error", slog.String("ref", ri.ref), slog.String("route", r.Pattern), slog.String("error", err.Error()))
	if s.tmpl != nil {
		var buf bytes.Buffer
		p := &Page{Lang: ri.lang, Ref: ri.ref, cat: s.catalog, url: r.URL, Data: map[string]any{"Key": "error.internal", "Status": 500}}
		p.Title = p.T("error.internal.title")
		if t, ok := s.tmpl.pages["error"]; ok && t.ExecuteTemplate(&buf, "layout.html", p) == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write(buf.Bytes())
			return
		}
	}
	http.Error(w, "Something went wrong. Reference: "+ri.ref, http.StatusInternalServerError)
}

// Can reports whether the viewer holds a permission, for showing links.
// The handlers check again; hiding a link is never the access control.
func (p *Page) Can(perm string) bool { return p.Actor.Can(auth.Permission(perm)) }

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

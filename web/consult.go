package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
)

// consultations returns the consultations service over the site's database.
func (s *Server) consultations() *consult.Service {
	return &consult.Service{DB: s.DB, Keys: s.Auth.Keys}
}

var (
	london = mustZone("Europe/London")
	paris  = mustZone("Europe/Paris")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// bothZones shows a time in Europe/London and Europe/Paris, the page's own
// language first, so respondents in either country read it without doing
// sums: "1 March 2026, 09:00 GMT (10:00 CET in Paris)".
func bothZones(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	l, p := t.In(london), t.In(paris)
	if lang == "fr" {
		return fmt.Sprintf("%s (%s à Londres)", p.Format("2/01/2006 15:04 MST"), l.Format("15:04 MST"))
	}
	return fmt.Sprintf("%s (%s in Paris)", l.Format("2 January 2006, 15:04 MST"), p.Format("15:04 MST"))
}

// localInput is the value of a datetime-local input, in London time.
func localInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2006-01-02T15:04")
}

// parseLocal reads a datetime-local value (or "2026-03-01 09:00") as
// London time.
func parseLocal(s string) (time.Time, bool) {
	s = strings.TrimSpace(strings.Replace(s, " ", "T", 1))
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, london); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func pathInt(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, pallmall.ErrNotFound
	}
	return id, nil
}

// consultationFor loads the consultation named in the path as the viewer.
func (s *Server) consultationFor(r *http.Request) (consult.Consultation, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return consult.Consultation{}, err
	}
	return s.consultations().Get(r.Context(), Actor(r), id)
}

// closedPage tells a respondent the consultation does not take responses,
// with its closing time.
func (s *Server) closedPage(w http.ResponseWriter, r *http.Request, c consult.Consultation) error {
	return s.render(w, r, http.StatusConflict, "consult-closed", "consult.closed.title", nil, map[string]any{
		"C": c, "Closes": bothZones(c.ClosesAt, info(r).lang), "Opens": bothZones(c.OpensAt, info(r).lang),
		"NotYet": c.Status == consult.Open && time.Now().Before(c.OpensAt),
	})
}

func isClosed(err error) bool { return errors.Is(err, consult.ErrClosed) }

// paragraphs splits text written with blank lines between paragraphs.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

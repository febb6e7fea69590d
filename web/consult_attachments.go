package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
)

// Attachments that respondents uploaded are read by the secretariat and
// analysts only, through these handlers: the list under a consultation's
// analysis, and each file as a download (never shown inline) with a
// sandboxing CSP, so a file that got past the content checks still cannot
// run anything in the platform's origin.

type attachmentRow struct {
	ID          int64
	Question    string
	Stakeholder string
	Name        string
	Type        string
	Size        string
	SHA256      string
}

func (s *Server) consultAttachments(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	svc := s.consultations()
	list, err := svc.Attachments(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	qn, err := svc.Questionnaire(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	lang := info(r).lang
	questions := map[int64]string{}
	for _, q := range qn.Questions() {
		questions[q.ID] = q.Text(lang)
	}
	rows := make([]attachmentRow, 0, len(list))
	for _, a := range list {
		rows = append(rows, attachmentRow{ID: a.ID, Question: questions[a.QuestionID], Stakeholder: string(a.Stakeholder),
			Name: a.Name, Type: a.Type, Size: byteSize(a.Size), SHA256: a.SHA256})
	}
	return s.render(w, r, http.StatusOK, "consult-attachments", "consult.attachments.title", nil, map[string]any{"C": c, "Rows": rows})
}

func (s *Server) consultAttachment(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil {
		return pallmall.ErrNotFound
	}
	a, data, err := s.consultations().OpenAttachment(r.Context(), actor, c.ID, id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", a.Type)
	h.Set("Content-Disposition", contentDisposition(a.Name))
	h.Set("Content-Security-Policy", contentSecurityPolicy+"; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(data)
	return err
}

// contentDisposition names a download: an ASCII fallback and the UTF-8
// name (RFC 6266), always as an attachment.
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

// byteSize writes a size for people: 812 B, 14 KB, 3.2 MB.
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000_000:
		return fmt.Sprintf("%d KB", (n+500)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
}

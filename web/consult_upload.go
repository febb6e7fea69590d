package web

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
)

// parseSectionForm reads a section's answers, from a multipart form when
// the section has a file question. The body is limited to the largest
// attachment plus room for the text answers.
func (s *Server) parseSectionForm(r *http.Request) error {
	r.Body = http.MaxBytesReader(nil, r.Body, consult.MaxFileSize+2<<20)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return pallmall.ErrInvalid
		}
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	return nil
}

// saveUploads stores the attachments posted for sec's file questions, or
// removes those the respondent asked to remove, recording refusals in
// form. It reports whether any was refused.
func (s *Server) saveUploads(r *http.Request, c consult.Consultation, token string, sec consult.Section, form *Form) bool {
	refused := false
	for _, q := range sec.Questions {
		if q.Kind != consult.File {
			continue
		}
		f, h, err := r.FormFile(qName(q.ID))
		if err != nil {
			// Nothing chosen: keep any earlier file, unless asked to remove it.
			if r.PostForm.Get(qName(q.ID)+"_remove") == "yes" {
				if err := s.consultations().RemoveFile(r.Context(), c.ID, token, q.ID); err != nil {
					form.Errors[qName(q.ID)] = "consult.error.file_type"
					refused = true
				}
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, consult.MaxFileSize+1))
		f.Close()
		if err != nil {
			form.Errors[qName(q.ID)] = "consult.error.file_type"
			refused = true
			continue
		}
		if len(data) == 0 && h.Filename == "" {
			continue
		}
		_, err = s.consultations().SaveFile(r.Context(), c.ID, token, q.ID, strings.TrimSpace(h.Filename), data)
		if form.AddErrors(err) {
			refused = true
		} else if err != nil {
			form.Errors[qName(q.ID)] = "consult.error.file_type"
			refused = true
		}
	}
	return refused
}

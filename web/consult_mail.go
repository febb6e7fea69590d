package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
)

// consultEmailLinkForm asks for an address to email the resume link to.
func (s *Server) consultEmailLinkForm(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	return s.render(w, r, http.StatusOK, "consult-email-link", "consult.email_link.title", &Form{Values: url.Values{}, Errors: map[string]string{}}, map[string]any{"C": c})
}

// consultEmailLink queues the resume link for the address typed. The
// address is sealed in the outbox and deleted once the email is sent.
func (s *Server) consultEmailLink(w http.ResponseWriter, r *http.Request, c consult.Consultation, resp consult.Response, token string) error {
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	link := s.PublicURL + "/consultations/" + strconv.FormatInt(c.ID, 10) + "/resume/" + token
	err := s.consultations().EmailResumeLink(r.Context(), c.ID, token, r.PostForm.Get("email"), info(r).lang, link)
	if isClosed(err) {
		return s.closedPage(w, r, c)
	}
	form := NewForm(r, "email")
	if form.AddErrors(err) {
		return s.render(w, r, http.StatusUnprocessableEntity, "consult-email-link", "consult.email_link.title", form, map[string]any{"C": c})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, respondPath(c, "?emailed=1"), http.StatusSeeOther)
	return nil
}

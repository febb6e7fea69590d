package web

import (
	"net/http"

	"github.com/pallmall/pallmall"
)

// twoStepForm shows a fresh TOTP secret to add to an authenticator app.
func (s *Server) twoStepForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSignIn(r)
	if err != nil {
		return err
	}
	u, err := s.Auth.User(r.Context(), actor.UserID)
	if err != nil {
		return err
	}
	u.TwoFactor = false // always offer a new secret: this page replaces the old one
	return s.render(w, r, http.StatusOK, "account-two-step", "account_two_step.title", &Form{Errors: map[string]string{}}, s.secondFactorData(u, ""))
}

func (s *Server) setTwoStep(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSignIn(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "code")
	secret := r.PostForm.Get("secret")
	if secret == "" {
		// The form always carries the secret it shows; without one,
		// SetTOTP would turn the second factor off instead of on.
		return pallmall.ErrInvalid
	}
	err = s.Auth.SetTOTP(r.Context(), actor, actor.UserID, secret, r.PostForm.Get("code"))
	if form.AddErrors(err) {
		form.Values.Del("code")
		u, _ := s.Auth.User(r.Context(), actor.UserID)
		u.TwoFactor = false
		return s.render(w, r, http.StatusUnprocessableEntity, "account-two-step", "account_two_step.title", form, s.secondFactorData(u, secret))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// removeTwoStep turns the second factor off, for roles that may go without.
func (s *Server) removeTwoStep(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSignIn(r)
	if err != nil {
		return err
	}
	if actor.Role.RequiresTwoFactor() {
		return pallmall.ErrForbidden
	}
	if err := s.Auth.SetTOTP(r.Context(), actor, actor.UserID, "", ""); err != nil {
		return err
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

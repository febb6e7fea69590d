package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

// safeNext returns next if it is a path on this site, and fallback
// otherwise, so the sign-in page cannot be used to redirect elsewhere.
func safeNext(next, fallback string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return fallback
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) error {
	if Actor(r).SignedIn() {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	form := &Form{Values: r.URL.Query(), Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "sign-in", "sign_in.title", form, nil)
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "email", "password")
	form.Values.Del("password") // never sent back to the browser
	email, password := r.PostForm.Get("email"), r.PostForm.Get("password")
	if strings.TrimSpace(email) == "" {
		form.Errors["email"] = "error.email_required"
	}
	if password == "" {
		form.Errors["password"] = "error.password_required"
	}
	if len(form.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "sign-in", "sign_in.title", form, nil)
	}
	res, err := s.Auth.SignIn(r.Context(), email, password, s.clientKey(r))
	switch {
	case errors.Is(err, pallmall.ErrUnauthenticated):
		form.Errors["email"] = "error.sign_in_failed"
		return s.render(w, r, http.StatusUnprocessableEntity, "sign-in", "sign_in.title", form, nil)
	case errors.Is(err, pallmall.ErrRateLimited):
		form.Errors["email"] = "error.sign_in_throttled"
		w.Header().Set("Retry-After", "60")
		return s.render(w, r, http.StatusTooManyRequests, "sign-in", "sign_in.title", form, nil)
	case err != nil:
		return err
	}
	// A session this browser already had ends: one browser, one session.
	if old := info(r).token; old != "" {
		s.Auth.SignOut(r.Context(), old)
	}
	setSessionCookie(w, res.Token)
	next := safeNext(r.PostForm.Get("next"), "/account")
	if res.Next != auth.NextDone {
		http.Redirect(w, r, "/sign-in/code?next="+urlQueryEscape(next), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

type secondFactorData struct {
	Setup  bool
	Secret string
	URI    string
}

func (s *Server) secondFactorForm(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if !ri.pending {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return nil
	}
	form := &Form{Values: r.URL.Query(), Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "sign-in-code", "sign_in_code.title", form, s.secondFactorData(ri.pendingUser, ""))
}

func (s *Server) secondFactorData(u auth.User, secret string) secondFactorData {
	if u.TwoFactor {
		return secondFactorData{}
	}
	if secret == "" {
		secret = auth.NewTOTPSecret()
	}
	return secondFactorData{Setup: true, Secret: secret, URI: auth.TOTPURI(secret, "Pall Mall Process", u.Email)}
}

func (s *Server) secondFactor(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if !ri.pending {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "code")
	secret := ""
	if !ri.pendingUser.TwoFactor {
		secret = r.PostForm.Get("secret")
	}
	token, err := s.Auth.SecondFactor(r.Context(), ri.token, secret, r.PostForm.Get("code"), s.clientKey(r))
	if errors.Is(err, pallmall.ErrRateLimited) {
		form.Errors["code"] = "error.sign_in_throttled"
		return s.render(w, r, http.StatusTooManyRequests, "sign-in-code", "sign_in_code.title", form, s.secondFactorData(ri.pendingUser, secret))
	}
	if form.AddErrors(err) {
		form.Values.Del("code")
		return s.render(w, r, http.StatusUnprocessableEntity, "sign-in-code", "sign_in_code.title", form, s.secondFactorData(ri.pendingUser, secret))
	}
	if err != nil {
		return err
	}
	setSessionCookie(w, token)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next"), "/account"), http.StatusSeeOther)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if t := info(r).token; t != "" {
		if err := s.Auth.SignOut(r.Context(), t); err != nil {
			return err
		}
	}
	clearSessionCookie(w)
	http.Redirect(w, r, "/?signed_out=1", http.StatusSeeOther)
	return nil
}

func (s *Server) setPasswordForm(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Auth.CheckPasswordLink(r.Context(), r.PathValue("token"))
	if err != nil {
		return s.render(w, r, http.StatusNotFound, "set-password-expired", "set_password.expired_title", nil, nil)
	}
	return s.render(w, r, http.StatusOK, "set-password", "set_password.title", &Form{Errors: map[string]string{}}, u)
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	u, err := s.Auth.CheckPasswordLink(r.Context(), token)
	if err != nil {
		return s.render(w, r, http.StatusNotFound, "set-password-expired", "set_password.expired_title", nil, nil)
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "password", "confirm")
	_, err = s.Auth.SetPassword(r.Context(), token, r.PostForm.Get("password"), r.PostForm.Get("confirm"))
	if form.AddErrors(err) {
		form.Values = nil // passwords are never echoed back
		return s.render(w, r, http.StatusUnprocessableEntity, "set-password", "set_password.title", form, u)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/sign-in?password_set=1", http.StatusSeeOther)
	return nil
}

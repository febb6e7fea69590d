package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/pallmall/pallmall"
)

// The passkey endpoints speak JSON to web/assets/src/passkey.js; the pages
// that offer passkeys work without them.

type passkeyBegin struct {
	Options json.RawMessage `json:"options"`
	Token   string          `json:"token"`
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// passkeyError answers the script with a message in the page's language.
func (s *Server) passkeyError(w http.ResponseWriter, r *http.Request, err error) {
	key, status := "error.passkey_failed", http.StatusBadRequest
	switch {
	case errors.Is(err, pallmall.ErrRateLimited):
		key, status = "error.sign_in_throttled", http.StatusTooManyRequests
	case errors.Is(err, pallmall.ErrUnauthenticated):
		key, status = "error.passkey_unknown", http.StatusUnauthorized
	case errors.Is(err, pallmall.ErrInvalid), errors.Is(err, pallmall.ErrConflict):
	default:
		s.Logger.Error("passkey", "ref", info(r).ref, "error", err.Error())
		status = http.StatusInternalServerError
	}
	s.writeJSON(w, status, map[string]string{"message": s.catalog.T(info(r).lang, key)})
}

func (s *Server) passkeySignInOptions(w http.ResponseWriter, r *http.Request) {
	opts, token, err := s.Auth.BeginPasskeySignIn(r.Context())
	if err != nil {
		s.passkeyError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, passkeyBegin{Options: opts, Token: token})
}

func (s *Server) passkeySignIn(w http.ResponseWriter, r *http.Request) {
	res, err := s.Auth.FinishPasskeySignIn(r.Context(), r.Header.Get("X-Passkey-Token"), r.Body, s.clientKey(r))
	if err != nil {
		s.passkeyError(w, r, err)
		return
	}
	if old := info(r).token; old != "" {
		s.Auth.SignOut(r.Context(), old)
	}
	setSessionCookie(w, res.Token)
	s.writeJSON(w, http.StatusOK, map[string]string{"redirect": "/account"})
}

func (s *Server) passkeyAddOptions(w http.ResponseWriter, r *http.Request) {
	opts, token, err := s.Auth.BeginPasskeyRegistration(r.Context(), Actor(r))
	if err != nil {
		s.passkeyError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, passkeyBegin{Options: opts, Token: token})
}

func (s *Server) passkeyAdd(w http.ResponseWriter, r *http.Request) {
	if !Actor(r).SignedIn() {
		// Before reading anything sent: a refusal says nothing of the body.
		s.passkeyError(w, r, pallmall.ErrUnauthenticated)
		return
	}
	name, _ := url.QueryUnescape(r.Header.Get("X-Passkey-Name"))
	if _, err := s.Auth.FinishPasskeyRegistration(r.Context(), Actor(r), r.Header.Get("X-Passkey-Token"), name, r.Body); err != nil {
		s.passkeyError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"redirect": "/account?passkey=added#passkeys"})
}

func (s *Server) passkeyDelete(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSignIn(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Auth.DeletePasskey(r.Context(), actor, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/account#passkeys", http.StatusSeeOther)
	return nil
}

func (s *Server) recoveryCodes(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSignIn(r)
	if err != nil {
		return err
	}
	codes, err := s.Auth.NewRecoveryCodes(r.Context(), actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "account-recovery-codes", "account_recovery.title", nil, codes)
}

package web

import (
	"net/http"
	"net/url"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// requireSignIn returns the actor, or ErrUnauthenticated for the public.
func requireSignIn(r *http.Request) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	return a, nil
}

type accountData struct {
	User          auth.User
	Org           *auth.Organisation
	Tokens        []auth.APIToken
	NewToken      string
	Passkeys      []auth.Passkey
	RecoveryLeft  int
	PasskeysReady bool // the server is configured for passkeys
}

func (s *Server) accountData(r *http.Request, actor auth.Actor) (accountData, error) {
	ctx := r.Context()
	u, err := s.Auth.User(ctx, actor.UserID)
	if err != nil {
		return accountData{}, err
	}
	d := accountData{User: u}
	if u.OrganisationID != 0 {
		o, err := s.Auth.Organisation(ctx, u.OrganisationID)
		if err != nil {
			return d, err
		}
		d.Org = &o
	}
	if d.Tokens, err = s.Auth.APITokens(ctx, actor, actor.UserID); err != nil {
		return d, err
	}
	if d.Passkeys, err = s.Auth.Passkeys(ctx, actor); err != nil {
		return d, err
	}
	d.PasskeysReady = s.Auth.WebAuthn != nil
	d.RecoveryLeft, err = s.Auth.RecoveryCodesLeft(ctx, actor)
	return d, err
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSignIn(r)
	if err != nil {
		return err
	}
	d, err := s.accountData(r, actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "account", "account.title", &Form{Errors: map[string]string{}}, d)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSignIn(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	tok, err := s.Auth.CreateAPIToken(r.Context(), actor, actor.UserID, r.PostForm.Get("name"))
	if err != nil {
		return err
	}
	d, err := s.accountData(r, actor)
	if err != nil {
		return err
	}
	// The token is shown once, on this response, which is never cached.
	d.NewToken = tok
	return s.render(w, r, http.StatusOK, "account", "account.title", &Form{Errors: map[string]string{}}, d)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	actor, err := requireSignIn(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Auth.RevokeAPIToken(r.Context(), actor, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

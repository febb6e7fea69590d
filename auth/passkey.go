package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/store"
)

// Passkeys (WebAuthn) give staff a phishing-resistant way to sign in: the
// browser signs a challenge with a key bound to this site's origin, after
// the person unlocks it (user verification), so a passkey is both factors
// at once. Password and TOTP remain, and work without JavaScript.

// NewWebAuthn configures the relying party from the platform's public URL.
// Browsers accept WebAuthn only on https:// origins and on localhost.
func NewWebAuthn(publicURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("public URL %q: not an absolute URL", publicURL)
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Pall Mall Process",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
	})
}

// Passkey is a registered passkey, without its key material.
type Passkey struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// ErrPasskeysUnavailable means the server has no WebAuthn configuration.
var ErrPasskeysUnavailable = fmt.Errorf("%w: passkeys are not configured", pallmall.ErrConflict)

const ceremonyTTL = 5 * time.Minute

// passkeyUser adapts a User to webauthn.User.
type passkeyUser struct {
	u      User
	handle []byte
	creds  []webauthn.Credential
}

func (p *passkeyUser) WebAuthnID() []byte                         { return p.handle }
func (p *passkeyUser) WebAuthnName() string                       { return p.u.Email }
func (p *passkeyUser) WebAuthnDisplayName() string                { return p.u.Name }
func (p *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

// passkeyUser loads a user with their WebAuthn handle (created on first
// use: 32 random bytes that identify nobody) and credentials.
func (s *Service) passkeyUser(ctx context.Context, userID int64) (*passkeyUser, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	var handle string
	if err := s.DB.QueryRow(ctx, `SELECT webauthn_handle FROM users WHERE id = $1`, userID).Scan(&handle); err != nil {
		return nil, err
	}
	if handle == "" {
		b := make([]byte, 32)
		rand.Read(b)
		handle = base64.RawURLEncoding.EncodeToString(b)
		if _, err := s.DB.Exec(ctx, `UPDATE users SET webauthn_handle = $1 WHERE id = $2 AND webauthn_handle = ''`, handle, userID); err != nil {
			return nil, err
		}
		if err := s.DB.QueryRow(ctx, `SELECT webauthn_handle FROM users WHERE id = $1`, userID).Scan(&handle); err != nil {
			return nil, err
		}
	}
	raw, _ := base64.RawURLEncoding.DecodeString(handle)
	p := &passkeyUser{u: u, handle: raw}
	rows, err := s.DB.Query(ctx, `SELECT credential FROM passkeys WHERE user_id = $1 ORDER BY id`, userID)
	p.creds, err = store.ScanAll(rows, err, func(r *sql.Rows) (webauthn.Credential, error) {
		var j string
		var c webauthn.Credential
		if err := r.Scan(&j); err != nil {
			return c, err
		}
		return c, json.Unmarshal([]byte(j), &c)
	})
	return p, err
}

// saveCeremony keeps the server's half of a ceremony for five minutes and
// returns the token that finds it again.
func (s *Service) saveCeremony(ctx context.Context, kind string, userID int64, session *webauthn.SessionData) (string, error) {
	b, err := json.Marshal(session)
	if err != nil {
		return "", err
	}
	token := NewToken()
	var uid any
	if userID != 0 {
		uid = userID
	}
	now := s.now()
	if _, err := s.DB.Exec(ctx, `DELETE FROM webauthn_ceremonies WHERE expires_at < $1`, now); err != nil {
		return "", err
	}
	_, err = s.DB.Exec(ctx, `INSERT INTO webauthn_ceremonies (token_hash, kind, user_id, data, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		HashToken(token), kind, uid, string(b), now.Add(ceremonyTTL))
	return token, err
}

// takeCeremony removes and returns a ceremony: each challenge is answered
// at most once.
func (s *Service) takeCeremony(ctx context.Context, token, kind string) (int64, webauthn.SessionData, error) {
	var session webauthn.SessionData
	var uid sql.NullInt64
	var data string
	var expires time.Time
	err := s.DB.Writer().QueryRow(ctx, `DELETE FROM webauthn_ceremonies WHERE token_hash = $1 AND kind = $2 RETURNING user_id, data, expires_at`,
		HashToken(token), kind).Scan(&uid, &data, &expires)
	if err != nil || s.now().After(expires) {
		return 0, session, fmt.Errorf("%w: the passkey request expired; try again", pallmall.ErrConflict)
	}
	return uid.Int64, session, json.Unmarshal([]byte(data), &session)
}

// BeginPasskeyRegistration starts adding a passkey to the actor's account.
// It returns the options for navigator.credentials.create, as JSON, and a
// token for FinishPasskeyRegistration.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, actor Actor) ([]byte, string, error) {
	if s.WebAuthn == nil {
		return nil, "", ErrPasskeysUnavailable
	}
	if !actor.SignedIn() {
		return nil, "", pallmall.ErrUnauthenticated
	}
	p, err := s.passkeyUser(ctx, actor.UserID)
	if err != nil {
		return nil, "", err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range p.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, session, err := s.WebAuthn.BeginRegistration(p,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationRequired,
		}),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, "", fmt.Errorf("begin passkey registration: %w", err)
	}
	token, err := s.saveCeremony(ctx, "register", actor.UserID, session)
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(creation)
	return b, token, err
}

// FinishPasskeyRegistration checks the browser's answer (the JSON of the
// new PublicKeyCredential) and stores the passkey under name.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, actor Actor, token, name string, body io.Reader) (Passkey, error) {
	if s.WebAuthn == nil {
		return Passkey{}, ErrPasskeysUnavailable
	}
	uid, session, err := s.takeCeremony(ctx, token, "register")
	if err != nil {
		return Passkey{}, err
	}
	if uid != actor.UserID || !actor.SignedIn() {
		return Passkey{}, pallmall.ErrForbidden
	}
	p, err := s.passkeyUser(ctx, actor.UserID)
	if err != nil {
		return Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(io.LimitReader(body, 64<<10))
	if err != nil {
		return Passkey{}, invalidPasskey(err)
	}
	cred, err := s.WebAuthn.CreateCredential(p, session, parsed)
	if err != nil {
		return Passkey{}, invalidPasskey(err)
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		name = "Passkey"
	}
	j, _ := json.Marshal(cred)
	pk := Passkey{Name: name, CreatedAt: s.now()}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO passkeys (user_id, credential_id, credential, name, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			actor.UserID, base64.RawURLEncoding.EncodeToString(cred.ID), string(j), name, pk.CreatedAt).Scan(&pk.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "user.passkey.add", "passkey", pk.ID, "")
	})
	return pk, err
}

func invalidPasskey(err error) error {
	v := &pallmall.ValidationError{}
	v.Add("passkey", "error.passkey_invalid")
	return fmt.Errorf("%w (%v)", v, err)
}

// BeginPasskeySignIn starts a sign-in with a discoverable passkey: the
// browser offers the person's passkeys for this site without asking who
// they are. It returns the options for navigator.credentials.get, as JSON,
// and a token for FinishPasskeySignIn.
func (s *Service) BeginPasskeySignIn(ctx context.Context) ([]byte, string, error) {
	if s.WebAuthn == nil {
		return nil, "", ErrPasskeysUnavailable
	}
	assertion, session, err := s.WebAuthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, "", fmt.Errorf("begin passkey sign-in: %w", err)
	}
	token, err := s.saveCeremony(ctx, "sign-in", 0, session)
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(assertion)
	return b, token, err
}

// FinishPasskeySignIn checks the browser's assertion and starts a session
// with both factors given. Returns ErrUnauthenticated for a passkey that
// is unknown, belongs to a disabled account or fails verification.
func (s *Service) FinishPasskeySignIn(ctx context.Context, token string, body io.Reader, clientKey string) (SignInResult, error) {
	if s.WebAuthn == nil {
		return SignInResult{}, ErrPasskeysUnavailable
	}
	if s.Clients != nil && !s.Clients.Allow(clientKey) {
		return SignInResult{}, pallmall.ErrRateLimited
	}
	_, session, err := s.takeCeremony(ctx, token, "sign-in")
	if err != nil {
		return SignInResult{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(io.LimitReader(body, 64<<10))
	if err != nil {
		return SignInResult{}, pallmall.ErrUnauthenticated
	}
	var found *passkeyUser
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		var uid int64
		err := s.DB.QueryRow(ctx, `SELECT id FROM users WHERE webauthn_handle = $1 AND webauthn_handle <> ''`, base64.RawURLEncoding.EncodeToString(userHandle)).Scan(&uid)
		if err != nil {
			return nil, err
		}
		found, err = s.passkeyUser(ctx, uid)
		return found, err
	}
	_, cred, err := s.WebAuthn.ValidatePasskeyLogin(handler, session, parsed)
	if err != nil || found == nil || found.u.Disabled || cred.Authenticator.CloneWarning {
		return SignInResult{}, pallmall.ErrUnauthenticated
	}
	j, _ := json.Marshal(cred)
	newToken := NewToken()
	now := s.now()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE credential_id = $3 AND user_id = $4`,
			string(j), now, base64.RawURLEncoding.EncodeToString(cred.ID), found.u.ID); err != nil {
			return err
		}
		if err := s.insertSession(ctx, tx, newToken, found.u.ID, true, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, found.u.ID, "session.sign_in", "user", found.u.ID, "passkey")
	})
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Token: newToken, User: found.u, Next: NextDone}, nil
}

// Passkeys lists the actor's passkeys.
func (s *Service) Passkeys(ctx context.Context, actor Actor) ([]Passkey, error) {
	if !actor.SignedIn() {
		return nil, pallmall.ErrUnauthenticated
	}
	rows, err := s.DB.Query(ctx, `SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY id`, actor.UserID)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Passkey, error) {
		var p Passkey
		var last sql.NullTime
		err := r.Scan(&p.ID, &p.Name, &p.CreatedAt, &last)
		p.LastUsedAt = last.Time
		return p, err
	})
}

// DeletePasskey removes one of the actor's passkeys. Returns ErrNotFound
// for someone else's.
func (s *Service) DeletePasskey(ctx context.Context, actor Actor, id int64) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM passkeys WHERE id = $1 AND user_id = $2`, id, actor.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return pallmall.ErrNotFound
		}
		return audit.Record(ctx, tx, actor.UserID, "user.passkey.delete", "passkey", id, "")
	})
}

// recoveryCodeLength is the number of base32 characters in a code.
const recoveryCodeLength = 10

// NewRecoveryCodes replaces the actor's recovery codes with ten new ones,
// returned once. Each code stands in for the TOTP code a single time.
func (s *Service) NewRecoveryCodes(ctx context.Context, actor Actor) ([]string, error) {
	if !actor.SignedIn() {
		return nil, pallmall.ErrUnauthenticated
	}
	codes := make([]string, 10)
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, actor.UserID); err != nil {
			return err
		}
		for i := range codes {
			b := make([]byte, 7)
			rand.Read(b)
			c := strings.ToLower(b32.EncodeToString(b))[:recoveryCodeLength]
			codes[i] = c[:5] + "-" + c[5:]
			if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, actor.UserID, HashToken(c)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor.UserID, "user.recovery_codes.new", "user", actor.UserID, "")
	})
	return codes, err
}

// RecoveryCodesLeft counts the actor's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, actor Actor) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, actor.UserID).Scan(&n)
	return n, err
}

// useRecoveryCode spends a recovery code in tx, reporting whether it was
// valid and unused.
func (s *Service) useRecoveryCode(ctx context.Context, q store.Querier, userID int64, code string) (bool, error) {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(c) != recoveryCodeLength {
		return false, nil
	}
	res, err := q.Exec(ctx, `UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`, s.now(), userID, HashToken(c))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

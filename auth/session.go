package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/store"
)

// Session is a signed-in browser. Its token lives only in the visitor's
// cookie; the database holds its hash.
type Session struct {
	UserID    int64
	MFAOK     bool // the second factor has been given, or none is needed
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Next says what a person must do after giving their password.
type Next string

// The steps after a correct password.
const (
	NextDone  Next = ""      // signed in
	NextCode  Next = "code"  // give the TOTP code
	NextSetup Next = "setup" // set up a second factor first (required by role)
)

// SignInResult is the outcome of a correct password.
type SignInResult struct {
	Token string // the new session token, for the cookie
	User  User
	Next  Next
}

const maxFailedLogins = 5

// SignIn checks an email and password and starts a session. clientKey
// identifies the client for throttling only; it is kept in memory for a
// short window and never stored. Returns ErrUnauthenticated for a wrong
// email or password (without saying which), and ErrRateLimited when the
// client or the account has made too many attempts.
func (s *Service) SignIn(ctx context.Context, email, password, clientKey string) (SignInResult, error) {
	if s.Clients != nil && !s.Clients.Allow(clientKey) {
		return SignInResult{}, pallmall.ErrRateLimited
	}
	now := s.now()
	var (
		u        User
		hash     string
		failed   int
		locked   *time.Time
		totpSecr string
	)
	row := s.DB.QueryRow(ctx, `SELECT `+userColumns+`, password_hash, failed_logins, locked_until, totp_secret FROM users WHERE email_index = $1`, s.emailIndex(email))
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, nullInt{&u.OrganisationID}, &u.SigningAuthority, &u.TwoFactor, &u.Disabled, &u.CreatedAt, &hash, &failed, &locked, &totpSecr)
	if err == nil {
		err = s.openUser(&u)
	}
	if errors.Is(err, pallmall.ErrNotFound) {
		CheckPassword(dummyHash, password) // same work as for a real account
		return SignInResult{}, pallmall.ErrUnauthenticated
	}
	if err != nil {
		return SignInResult{}, fmt.Errorf("sign in: %w", err)
	}
	if locked != nil && locked.After(now) {
		return SignInResult{}, pallmall.ErrRateLimited
	}
	ok := false
	if hash != "" && !u.Disabled {
		ok, _ = CheckPassword(hash, password)
	} else {
		CheckPassword(dummyHash, password)
	}
	if !ok {
		if err := s.recordFailure(ctx, u.ID, now); err != nil {
			return SignInResult{}, fmt.Errorf("sign in: %w", err)
		}
		return SignInResult{}, pallmall.ErrUnauthenticated
	}
	next := NextDone
	switch {
	case totpSecr != "":
		next = NextCode
	case u.Role.RequiresTwoFactor():
		next = NextSetup
	}
	token := NewToken()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		// The count of failures restarts only once sign-in is complete,
		// so that a known password does not reset it between guesses at
		// the second factor.
		if next == NextDone {
			if _, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, u.ID); err != nil {
				return err
			}
		}
		if err := s.insertSession(ctx, tx, token, u.ID, next == NextDone, now); err != nil {
			return err
		}
		if next == NextDone {
			return audit.Record(ctx, tx, u.ID, "session.sign_in", "user", u.ID, "")
		}
		return nil
	})
	if err != nil {
		return SignInResult{}, fmt.Errorf("sign in: %w", err)
	}
	return SignInResult{Token: token, User: u, Next: next}, nil
}

// recordFailure counts a wrong password or code against an account and
// locks it, with a doubling back-off, from the maxFailedLogins-th failure.
// The count lives in the database and is incremented there, so it holds
// however many instances share the database and however they race.
func (s *Service) recordFailure(ctx context.Context, userID int64, now time.Time) error {
	var failed int
	if err := s.DB.Writer().QueryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`, userID).Scan(&failed); err != nil {
		return err
	}
	if failed < maxFailedLogins {
		return nil
	}
	until := now.Add(time.Minute << min(failed-maxFailedLogins, 6))
	_, err := s.DB.Exec(ctx, `UPDATE users SET locked_until = $1 WHERE id = $2 AND (locked_until IS NULL OR locked_until < $1)`, until, userID)
	return err
}

func (s *Service) insertSession(ctx context.Context, q store.Querier, token string, userID int64, mfaOK bool, now time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, mfa_ok, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)`,
		HashToken(token), userID, mfaOK, now, now.Add(s.maxAge()))
	return err
}

// SecondFactor completes sign-in for a session waiting for a TOTP code.
// When secret is not empty the user is setting up their second factor and
// code must match it. The session token is replaced by a new one, which is
// returned. Returns a ValidationError on field "code" for a wrong code.
func (s *Service) SecondFactor(ctx context.Context, token, secret, code, clientKey string) (string, error) {
	if s.Clients != nil && !s.Clients.Allow(clientKey) {
		return "", pallmall.ErrRateLimited
	}
	sess, err := s.lookup(ctx, token)
	if err != nil {
		return "", err
	}
	if sess.MFAOK {
		return "", pallmall.ErrConflict
	}
	var stored string
	var last int64
	var locked *time.Time
	if err := s.DB.QueryRow(ctx, `SELECT totp_secret, totp_last_step, locked_until FROM users WHERE id = $1`, sess.UserID).Scan(&stored, &last, &locked); err != nil {
		return "", err
	}
	if locked != nil && locked.After(s.now()) {
		return "", pallmall.ErrRateLimited
	}
	setup := stored == ""
	if setup {
		if secret == "" {
			return "", pallmall.ErrConflict
		}
		stored = secret
	}
	step, ok := checkTOTP(stored, code, s.now(), last)
	recovery := false
	if !ok && !setup {
		// A recovery code stands in for the app's code, once.
		if recovery, err = s.useRecoveryCode(ctx, s.DB, sess.UserID, code); err != nil {
			return "", err
		}
	}
	if !ok && !recovery {
		if err := s.recordFailure(ctx, sess.UserID, s.now()); err != nil {
			return "", fmt.Errorf("second factor: %w", err)
		}
		var v pallmall.ValidationError
		v.Add("code", "error.totp_wrong")
		return "", &v
	}
	newToken := NewToken()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if recovery {
			if err := audit.Record(ctx, tx, sess.UserID, "user.recovery_code.use", "user", sess.UserID, ""); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3`, stored, step, sess.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, HashToken(token)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, sess.UserID); err != nil {
			return err
		}
		if err := s.insertSession(ctx, tx, newToken, sess.UserID, true, s.now()); err != nil {
			return err
		}
		if setup {
			if err := audit.Record(ctx, tx, sess.UserID, "user.totp.enable", "user", sess.UserID, ""); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, sess.UserID, "session.sign_in", "user", sess.UserID, "")
	})
	if err != nil {
		return "", fmt.Errorf("second factor: %w", err)
	}
	return newToken, nil
}

// Session returns the live session for a token and its user, extending the
// idle timeout. Returns ErrUnauthenticated for an unknown or expired
// session or a disabled user.
func (s *Service) Session(ctx context.Context, token string) (Session, User, error) {
	sess, err := s.lookup(ctx, token)
	if err != nil {
		return Session{}, User{}, err
	}
	u, err := s.User(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return Session{}, User{}, pallmall.ErrUnauthenticated
	}
	return sess, u, nil
}

func (s *Service) lookup(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, pallmall.ErrUnauthenticated
	}
	now := s.now()
	var sess Session
	var lastSeen time.Time
	err := s.DB.QueryRow(ctx, `SELECT user_id, mfa_ok, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1`, HashToken(token)).
		Scan(&sess.UserID, &sess.MFAOK, &sess.CreatedAt, &lastSeen, &sess.ExpiresAt)
	if err != nil {
		return Session{}, pallmall.ErrUnauthenticated
	}
	if now.After(sess.ExpiresAt) || now.Sub(lastSeen) > s.idle() {
		s.DB.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, HashToken(token))
		return Session{}, pallmall.ErrUnauthenticated
	}
	// Touch at most once a minute so that most requests only read.
	if now.Sub(lastSeen) > time.Minute {
		s.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, HashToken(token))
	}
	return sess, nil
}

// SignOut ends the session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	var userID int64
	err := s.DB.Writer().QueryRow(ctx, `DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id`, HashToken(token)).Scan(&userID)
	if errors.Is(err, pallmall.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return audit.Record(ctx, s.DB, userID, "session.sign_out", "user", userID, "")
}

// DeleteExpiredSessions removes sessions past their absolute or idle
// expiry; the server runs it periodically.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	now := s.now()
	res, err := s.DB.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2`, now, now.Add(-s.idle()))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// nullInt scans a nullable integer column into an int64, NULL as 0.
type nullInt struct{ p *int64 }

func (n nullInt) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*n.p = 0
	case int64:
		*n.p = x
	default:
		return fmt.Errorf("unexpected %T for integer column", v)
	}
	return nil
}

func normaliseEmail(e string) string { return toLowerTrim(e) }

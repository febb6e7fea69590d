package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/store"
)

// NewToken returns a random 256-bit token, URL-safe. Only its hash (see
// HashToken) is ever stored.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a token. Tokens carry 256 bits of
// randomness, so a fast hash is enough: there is nothing to brute-force.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

const purposeSetPassword = "set-password"

func issueOneTime(ctx context.Context, q store.Querier, userID int64, purpose string, now time.Time, validFor time.Duration) (string, error) {
	if validFor <= 0 {
		validFor = 72 * time.Hour
	}
	token := NewToken()
	_, err := q.Exec(ctx, `INSERT INTO one_time_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		HashToken(token), userID, purpose, now, now.Add(validFor))
	return token, err
}

// IssuePasswordLink returns a new one-time token for setting the user's
// password, for a forgotten password or a first sign-in.
func (s *Service) IssuePasswordLink(ctx context.Context, actor Actor, userID int64, validFor time.Duration) (string, error) {
	if !actor.Can(ManageUsers) {
		return "", pallmall.ErrForbidden
	}
	var token string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if token, err = issueOneTime(ctx, tx, userID, purposeSetPassword, s.now(), validFor); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "user.password_link", "user", userID, "")
	})
	return token, err
}

// CheckPasswordLink returns the user a set-password token belongs to.
// Returns ErrNotFound if the token is unknown, used or expired.
func (s *Service) CheckPasswordLink(ctx context.Context, token string) (User, error) {
	var userID int64
	err := s.DB.QueryRow(ctx, `SELECT user_id FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
		HashToken(token), purposeSetPassword, s.now()).Scan(&userID)
	if err != nil {
		return User{}, err
	}
	return s.User(ctx, userID)
}

// SetPassword spends a set-password token and sets the password. Every
// session of the user is revoked. Returns ErrNotFound for a bad token and a
// ValidationError for a weak password.
func (s *Service) SetPassword(ctx context.Context, token, password, confirm string) (User, error) {
	if err := checkNewPassword(password); err != nil {
		return User{}, err
	}
	if password != confirm {
		var v pallmall.ValidationError
		v.Add("confirm", "error.password_mismatch")
		return User{}, &v
	}
	hash := HashPassword(password, s.params())
	now := s.now()
	var userID int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id`,
			now, HashToken(token), purposeSetPassword).Scan(&userID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2`, hash, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, userID, "user.password_set", "user", userID, "")
	})
	if err != nil {
		return User{}, err
	}
	return s.User(ctx, userID)
}

// APIToken describes a bearer token for the JSON API. The token itself is
// shown once, when created.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// apiTokenPrefix makes leaked tokens easy to recognise by secret scanners.
const apiTokenPrefix = "pmp_"

// CreateAPIToken creates a bearer token acting as the user and returns it;
// it cannot be shown again. A user may create tokens for themselves; the
// secretariat and the command line for anyone.
func (s *Service) CreateAPIToken(ctx context.Context, actor Actor, userID int64, name string) (string, error) {
	if actor.UserID != userID && !actor.Can(ManageUsers) {
		return "", pallmall.ErrForbidden
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	token := apiTokenPrefix + NewToken()
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			HashToken(token), userID, name, s.now()).Scan(&id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "api_token.create", "api_token", id, "")
	})
	if err != nil {
		return "", fmt.Errorf("create API token: %w", err)
	}
	return token, nil
}

// AuthenticateToken returns the actor a bearer token acts as. Returns
// ErrUnauthenticated for an unknown, revoked or disabled-user token.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Actor, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) {
		return Actor{}, pallmall.ErrUnauthenticated
	}
	var id, userID int64
	var lastUsed sql.NullTime
	err := s.DB.QueryRow(ctx, `SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, HashToken(token)).Scan(&id, &userID, &lastUsed)
	if err != nil {
		return Actor{}, pallmall.ErrUnauthenticated
	}
	u, err := s.User(ctx, userID)
	if err != nil || u.Disabled {
		return Actor{}, pallmall.ErrUnauthenticated
	}
	now := s.now()
	// Record use at most once a minute, so reads stay reads.
	if !lastUsed.Valid || now.Sub(lastUsed.Time) > time.Minute {
		s.DB.Exec(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, id)
	}
	return u.Actor(), nil
}

// RevokeAPIToken revokes a token of the actor's own, or any as secretariat.
func (s *Service) RevokeAPIToken(ctx context.Context, actor Actor, id int64) error {
	var owner int64
	if err := s.DB.QueryRow(ctx, `SELECT user_id FROM api_tokens WHERE id = $1`, id).Scan(&owner); err != nil {
		return err
	}
	if owner != actor.UserID && !actor.Can(ManageUsers) {
		return pallmall.ErrNotFound
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.now(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "api_token.revoke", "api_token", id, "")
	})
}

// APITokens lists the user's live tokens, without their secrets.
func (s *Service) APITokens(ctx context.Context, actor Actor, userID int64) ([]APIToken, error) {
	if actor.UserID != userID && !actor.Can(ManageUsers) {
		return nil, pallmall.ErrForbidden
	}
	rows, err := s.DB.Query(ctx, `SELECT id, user_id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id`, userID)
	return store.ScanAll(rows, err, func(r *sql.Rows) (APIToken, error) {
		var t APIToken
		var last sql.NullTime
		err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &last)
		t.LastUsedAt = last.Time
		return t, err
	})
}

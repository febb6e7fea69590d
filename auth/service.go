package auth

import (
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// Service stores and checks accounts, sessions and tokens.
type Service struct {
	DB *store.DB
	// Password sets the cost of password hashing; the zero value means
	// DefaultPasswordParams.
	Password PasswordParams
	// Clients limits sign-in attempts per client. Nil means no limit.
	Clients *Limiter
	// WebAuthn, when not nil, lets people sign in with passkeys (see
	// NewWebAuthn).
	WebAuthn *webauthn.WebAuthn
	// Keys seal people's names and email addresses before they are
	// stored. Nil means a random in-memory keyring, for tests: what it
	// sealed cannot be read after the process ends.
	Keys *vault.Keyring
	// Now returns the current time; nil means store.Now. Tests move it.
	Now func() time.Time
	// SessionIdle and SessionMax bound a session's life since its last use
	// and since sign-in; zero means the defaults.
	SessionIdle, SessionMax time.Duration
}

var ephemeralKeys = sync.OnceValue(vault.Ephemeral)

func (s *Service) keys() *vault.Keyring {
	if s.Keys != nil {
		return s.Keys
	}
	return ephemeralKeys()
}

// Contexts for sealing and indexing user fields.
const (
	sealEmail = "users.email"
	sealName  = "users.name"
)

func (s *Service) emailIndex(email string) string {
	return s.keys().Index(sealEmail, normaliseEmail(email))
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return store.Now()
}

func (s *Service) params() PasswordParams {
	if s.Password == (PasswordParams{}) {
		return DefaultPasswordParams
	}
	return s.Password
}

func (s *Service) idle() time.Duration {
	if s.SessionIdle > 0 {
		return s.SessionIdle
	}
	return time.Hour
}

func (s *Service) maxAge() time.Duration {
	if s.SessionMax > 0 {
		return s.SessionMax
	}
	return 12 * time.Hour
}

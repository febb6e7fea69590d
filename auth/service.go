package auth

import (
	"time"

	"github.com/pallmall/pallmall/store"
)

// Service stores and checks accounts, sessions and tokens.
type Service struct {
	DB *store.DB
	// Password sets the cost of password hashing; the zero value means
	// DefaultPasswordParams.
	Password PasswordParams
	// Clients limits sign-in attempts per client. Nil means no limit.
	Clients *Limiter
	// Now returns the current time; nil means store.Now. Tests move it.
	Now func() time.Time
	// SessionIdle and SessionMax bound a session's life since its last use
	// and since sign-in; zero means the defaults.
	SessionIdle, SessionMax time.Duration
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

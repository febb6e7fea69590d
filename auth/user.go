package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/store"
)

// User is a person with an account: secretariat staff, a delegate, an
// analyst or a partner-government reader. Respondents to consultations do
// not need accounts.
type User struct {
	ID               int64
	Email            string
	Name             string
	Role             Role
	OrganisationID   int64 // 0 for none
	SigningAuthority bool  // may endorse frameworks for the organisation
	TwoFactor        bool  // has a confirmed TOTP secret
	Disabled         bool
	CreatedAt        time.Time
}

// Actor returns the actor acting as u.
func (u User) Actor() Actor {
	return Actor{UserID: u.ID, Name: u.Name, Role: u.Role, OrganisationID: u.OrganisationID, SigningAuthority: u.SigningAuthority}
}

// NewUser is the input for creating an account.
type NewUser struct {
	Email            string
	Name             string
	Role             Role
	OrganisationID   int64
	SigningAuthority bool
}

// Validate checks and normalises the input.
func (n *NewUser) Validate() error {
	var v pallmall.ValidationError
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	n.Name = strings.TrimSpace(n.Name)
	if n.Email == "" {
		v.Add("email", "error.required")
	} else if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email || len(n.Email) > 254 {
		v.Add("email", "error.email")
	}
	switch {
	case n.Name == "":
		v.Add("name", "error.required")
	case len(n.Name) > 200:
		v.Add("name", "error.too_long")
	}
	if !n.Role.Valid() {
		v.Add("role", "error.choose_one")
	}
	if n.Role == Delegate && n.OrganisationID == 0 {
		v.Add("organisation", "error.delegate_needs_org")
	}
	if n.SigningAuthority && n.Role != Delegate {
		v.Add("signing_authority", "error.signing_needs_delegate")
	}
	return v.Err()
}

const userColumns = `id, email, name, role, organisation_id, signing_authority, totp_secret <> '', disabled, created_at`

func (s *Service) scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var org sql.NullInt64
	err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &org, &u.SigningAuthority, &u.TwoFactor, &u.Disabled, &u.CreatedAt)
	u.OrganisationID = org.Int64
	if err != nil {
		return u, err
	}
	return u, s.openUser(&u)
}

// openUser decrypts the sealed identity fields in place.
func (s *Service) openUser(u *User) error {
	var err error
	if u.Email, err = s.keys().Open(sealEmail, u.Email); err != nil {
		return fmt.Errorf("user %d email: %w", u.ID, err)
	}
	if u.Name, err = s.keys().Open(sealName, u.Name); err != nil {
		return fmt.Errorf("user %d name: %w", u.ID, err)
	}
	return nil
}

// CreateUser creates an account with no password and returns it with a
// one-time link token for setting the password, valid for validFor.
// Returns ErrForbidden unless actor may manage users, a ValidationError for
// bad input or a taken email, and ErrNotFound if the organisation does not
// exist.
func (s *Service) CreateUser(ctx context.Context, actor Actor, n NewUser, validFor time.Duration) (User, string, error) {
	if !actor.Can(ManageUsers) {
		return User{}, "", pallmall.ErrForbidden
	}
	if err := n.Validate(); err != nil {
		return User{}, "", err
	}
	var org any
	if n.OrganisationID != 0 {
		if _, err := s.Organisation(ctx, n.OrganisationID); err != nil {
			return User{}, "", fmt.Errorf("organisation %d: %w", n.OrganisationID, err)
		}
		org = n.OrganisationID
	}
	now := s.now()
	var u User
	var token string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		k := s.keys()
		row := tx.QueryRow(ctx, `INSERT INTO users (email_index, email, name, role, organisation_id, signing_authority, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+userColumns,
			s.emailIndex(n.Email), k.Seal(sealEmail, n.Email), k.Seal(sealName, n.Name), n.Role, org, n.SigningAuthority, now)
		var err error
		if u, err = s.scanUser(row); err != nil {
			return err
		}
		if token, err = issueOneTime(ctx, tx, u.ID, purposeSetPassword, now, validFor); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "user.create", "user", u.ID, "role="+string(n.Role))
	})
	if errors.Is(err, pallmall.ErrAlreadyExists) {
		var v pallmall.ValidationError
		v.Add("email", "error.email_taken")
		return User{}, "", &v
	}
	if err != nil {
		return User{}, "", fmt.Errorf("create user: %w", err)
	}
	return u, token, nil
}

// User returns the account with the given id. Returns ErrNotFound.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	return s.scanUser(s.DB.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// UserByEmail returns the account with the given email. Returns ErrNotFound.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return s.scanUser(s.DB.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email_index = $1`, s.emailIndex(email)))
}

// Users lists accounts by id, optionally those of one organisation. The
// secretariat sees every account; a delegate sees only the accounts of
// their own organisation; others get ErrForbidden.
func (s *Service) Users(ctx context.Context, actor Actor, orgID int64) ([]User, error) {
	switch {
	case actor.Can(ManageUsers):
	case actor.Is(Delegate) && orgID != 0 && actor.ActsFor(orgID):
	default:
		return nil, pallmall.ErrForbidden
	}
	rows, err := s.DB.Query(ctx, `SELECT `+userColumns+` FROM users WHERE ($1 = 0 OR organisation_id = $1) ORDER BY id`, orgID)
	return store.ScanAll(rows, err, func(r *sql.Rows) (User, error) { return s.scanUser(r) })
}

// SetTOTP stores a confirmed TOTP secret for the user, or removes it when
// secret is empty. A secretariat account cannot remove its second factor.
func (s *Service) SetTOTP(ctx context.Context, actor Actor, userID int64, secret, code string) error {
	if actor.UserID != userID && !actor.System {
		return pallmall.ErrForbidden
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if secret == "" {
		if u.Role.RequiresTwoFactor() {
			return pallmall.ErrForbidden
		}
	} else if !actor.System {
		if _, ok := checkTOTP(secret, code, s.now(), 0); !ok {
			var v pallmall.ValidationError
			v.Add("code", "error.totp_wrong")
			return &v
		}
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = $1, totp_last_step = 0 WHERE id = $2`, secret, userID); err != nil {
			return err
		}
		action := "user.totp.enable"
		if secret == "" {
			action = "user.totp.disable"
		}
		return audit.Record(ctx, tx, actor.UserID, action, "user", userID, "")
	})
}

// SetPasswordDirect sets a user's password without a link. Only the
// operator's command line (System) may, for demo data and recovery.
func (s *Service) SetPasswordDirect(ctx context.Context, actor Actor, userID int64, password string) error {
	if !actor.System {
		return pallmall.ErrForbidden
	}
	if err := checkNewPassword(password); err != nil {
		return err
	}
	_, err := s.DB.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, HashPassword(password, s.params()), userID)
	return err
}

func checkNewPassword(p string) error {
	var v pallmall.ValidationError
	switch {
	case len([]rune(p)) < MinPasswordLength:
		v.Add("password", "error.password_short")
	case len(p) > 1024:
		v.Add("password", "error.too_long")
	}
	return v.Err()
}

// ResealUsers re-encrypts every account's identity fields that were not
// sealed with the current key, after a key rotation (vault.AddKey). It
// returns how many accounts it changed.
func (s *Service) ResealUsers(ctx context.Context) (int, error) {
	k := s.keys()
	rows, err := s.DB.Query(ctx, `SELECT id, email, name FROM users ORDER BY id`)
	type sealed struct {
		id          int64
		email, name string
	}
	all, err := store.ScanAll(rows, err, func(r *sql.Rows) (sealed, error) {
		var x sealed
		return x, r.Scan(&x.id, &x.email, &x.name)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range all {
		if k.Current(x.email) && k.Current(x.name) {
			continue
		}
		email, err := k.Open(sealEmail, x.email)
		if err != nil {
			return n, fmt.Errorf("user %d: %w", x.id, err)
		}
		name, err := k.Open(sealName, x.name)
		if err != nil {
			return n, fmt.Errorf("user %d: %w", x.id, err)
		}
		if _, err := s.DB.Exec(ctx, `UPDATE users SET email = $1, name = $2 WHERE id = $3 AND email = $4`,
			k.Seal(sealEmail, email), k.Seal(sealName, name), x.id, x.email); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Delegates returns the active delegate accounts of an organisation, for
// notifying them. Callers outside this package must not read the users
// table directly: its identity fields are sealed.
func (s *Service) Delegates(ctx context.Context, orgID int64) ([]User, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+userColumns+` FROM users WHERE organisation_id = $1 AND role = 'delegate' AND NOT disabled ORDER BY id`, orgID)
	return store.ScanAll(rows, err, func(r *sql.Rows) (User, error) { return s.scanUser(r) })
}

// ActorOf returns the account with the given id as an actor, for work done
// later on someone's behalf (a background export). Returns ErrNotFound, and
// ErrForbidden for a disabled account.
func (s *Service) ActorOf(ctx context.Context, id int64) (Actor, error) {
	u, err := s.User(ctx, id)
	if err != nil {
		return Actor{}, err
	}
	if u.Disabled {
		return Actor{}, pallmall.ErrForbidden
	}
	return u.Actor(), nil
}

package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// cheap keeps password hashing fast in tests; production uses the default.
var cheap = auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, db *store.DB) (*auth.Service, *clock) {
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return &auth.Service{DB: db, Password: cheap, Now: c.now}, c
}

func mustUser(t *testing.T, s *auth.Service, n auth.NewUser, password string) auth.User {
	t.Helper()
	ctx := context.Background()
	u, link, err := s.CreateUser(ctx, auth.System, n, time.Hour)
	if err != nil {
		t.Fatalf("CreateUser(%+v): %v", n, err)
	}
	if _, err := s.SetPassword(ctx, link, password, password); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	return u
}

func TestPasswordLinkIsOneTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db)
		u, link, err := s.CreateUser(ctx, auth.System, auth.NewUser{Email: " Ana@Example.org ", Name: "Ana", Role: auth.Analyst}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ana@example.org" {
			t.Errorf("email = %q, want it normalised", u.Email)
		}
		if got, err := s.CheckPasswordLink(ctx, link); err != nil || got.ID != u.ID {
			t.Fatalf("CheckPasswordLink = %v, %v", got.ID, err)
		}
		var v *pallmall.ValidationError
		if _, err := s.SetPassword(ctx, link, "short", "short"); !errors.As(err, &v) || v.Fields["password"] == "" {
			t.Errorf("SetPassword(short) = %v, want password error", err)
		}
		if _, err := s.SetPassword(ctx, link, "correct horse battery", "correct horse battery"); err != nil {
			t.Fatalf("SetPassword: %v", err)
		}
		if _, err := s.SetPassword(ctx, link, "another good password", "another good password"); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("second SetPassword = %v, want ErrNotFound", err)
		}
		_, link2, _ := s.CreateUser(ctx, auth.System, auth.NewUser{Email: "late@example.org", Name: "Late", Role: auth.Analyst}, time.Hour)
		c.t = c.t.Add(2 * time.Hour)
		if _, err := s.CheckPasswordLink(ctx, link2); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("expired link = %v, want ErrNotFound", err)
		}
	})
}

func TestCreateUserValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newService(t, db)
		tests := []struct {
			in    auth.NewUser
			field string
		}{
			{auth.NewUser{Email: "not-an-email", Name: "X", Role: auth.Analyst}, "email"},
			{auth.NewUser{Email: "x@example.org", Name: "", Role: auth.Analyst}, "name"},
			{auth.NewUser{Email: "x@example.org", Name: "X", Role: "king"}, "role"},
			{auth.NewUser{Email: "x@example.org", Name: "X", Role: auth.Delegate}, "organisation"},
		}
		for _, tt := range tests {
			_, _, err := s.CreateUser(ctx, auth.System, tt.in, time.Hour)
			var v *pallmall.ValidationError
			if !errors.As(err, &v) || v.Fields[tt.field] == "" {
				t.Errorf("CreateUser(%+v) = %v, want error on %s", tt.in, err, tt.field)
			}
		}
		mustUser(t, s, auth.NewUser{Email: "dup@example.org", Name: "A", Role: auth.Analyst}, "a long enough password")
		_, _, err := s.CreateUser(ctx, auth.System, auth.NewUser{Email: "DUP@example.org", Name: "B", Role: auth.Analyst}, time.Hour)
		var v *pallmall.ValidationError
		if !errors.As(err, &v) || v.Fields["email"] != "error.email_taken" {
			t.Errorf("duplicate email = %v, want error.email_taken", err)
		}
		delegate := auth.Actor{UserID: 99, Role: auth.Delegate, OrganisationID: 1}
		if _, _, err := s.CreateUser(ctx, delegate, auth.NewUser{Email: "y@example.org", Name: "Y", Role: auth.Secretariat}, time.Hour); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("delegate creating a user = %v, want ErrForbidden", err)
		}
	})
}

func TestSignInAndLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db)
		u := mustUser(t, s, auth.NewUser{Email: "a@example.org", Name: "A", Role: auth.Analyst}, "a long enough password")
		if _, err := s.SignIn(ctx, "nobody@example.org", "whatever", "c"); !errors.Is(err, pallmall.ErrUnauthenticated) {
			t.Errorf("unknown email = %v, want ErrUnauthenticated", err)
		}
		res, err := s.SignIn(ctx, "A@example.org", "a long enough password", "c")
		if err != nil || res.Next != auth.NextDone || res.User.ID != u.ID {
			t.Fatalf("SignIn = %+v, %v", res, err)
		}
		if _, got, err := s.Session(ctx, res.Token); err != nil || got.ID != u.ID {
			t.Errorf("Session = %v, %v", got.ID, err)
		}
		if err := s.SignOut(ctx, res.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Session(ctx, res.Token); !errors.Is(err, pallmall.ErrUnauthenticated) {
			t.Errorf("Session after sign-out = %v, want ErrUnauthenticated", err)
		}
		for range 5 {
			if _, err := s.SignIn(ctx, "a@example.org", "wrong password!", "c"); !errors.Is(err, pallmall.ErrUnauthenticated) {
				t.Fatalf("wrong password = %v", err)
			}
		}
		if _, err := s.SignIn(ctx, "a@example.org", "a long enough password", "c"); !errors.Is(err, pallmall.ErrRateLimited) {
			t.Errorf("sign-in while locked = %v, want ErrRateLimited", err)
		}
		c.t = c.t.Add(2 * time.Minute)
		if _, err := s.SignIn(ctx, "a@example.org", "a long enough password", "c"); err != nil {
			t.Errorf("sign-in after lock expired = %v", err)
		}
		events, err := audit.List(ctx, db, audit.Filter{ActorUserID: u.ID, Action: "session."})
		if err != nil || len(events) < 2 {
			t.Errorf("audit events for sessions = %d, %v; want at least 2", len(events), err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db)
		mustUser(t, s, auth.NewUser{Email: "a@example.org", Name: "A", Role: auth.Analyst}, "a long enough password")
		res, err := s.SignIn(ctx, "a@example.org", "a long enough password", "c")
		if err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(50 * time.Minute)
		if _, _, err := s.Session(ctx, res.Token); err != nil {
			t.Fatalf("Session within idle time = %v", err)
		}
		c.t = c.t.Add(61 * time.Minute)
		if _, _, err := s.Session(ctx, res.Token); !errors.Is(err, pallmall.ErrUnauthenticated) {
			t.Errorf("Session after idle timeout = %v, want ErrUnauthenticated", err)
		}
		// Absolute expiry, even when used continuously.
		res, _ = s.SignIn(ctx, "a@example.org", "a long enough password", "c")
		for range 14 { // 14 × 55 min is past the 12-hour absolute limit
			c.t = c.t.Add(55 * time.Minute)
			s.Session(ctx, res.Token)
		}
		if _, _, err := s.Session(ctx, res.Token); !errors.Is(err, pallmall.ErrUnauthenticated) {
			t.Errorf("Session after absolute expiry = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestSecretariatNeedsSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db)
		mustUser(t, s, auth.NewUser{Email: "sec@example.org", Name: "S", Role: auth.Secretariat}, "a long enough password")
		res, err := s.SignIn(ctx, "sec@example.org", "a long enough password", "c")
		if err != nil || res.Next != auth.NextSetup {
			t.Fatalf("SignIn = %+v, %v; want NextSetup", res, err)
		}
		sess, _, err := s.Session(ctx, res.Token)
		if err != nil || sess.MFAOK {
			t.Fatalf("pending session = %+v, %v; want MFAOK false", sess, err)
		}
		secret := auth.NewTOTPSecret()
		if _, err := s.SecondFactor(ctx, res.Token, secret, "000000", "c"); err == nil {
			t.Error("SecondFactor with a wrong code succeeded")
		}
		code, _ := auth.TOTPCode(secret, c.t)
		tok, err := s.SecondFactor(ctx, res.Token, secret, code, "c")
		if err != nil {
			t.Fatalf("SecondFactor setup: %v", err)
		}
		if _, _, err := s.Session(ctx, res.Token); err == nil {
			t.Error("old session token still valid after rotation")
		}
		if sess, _, err := s.Session(ctx, tok); err != nil || !sess.MFAOK {
			t.Errorf("rotated session = %+v, %v; want MFAOK", sess, err)
		}
		// Next sign-in asks for the code, and the same code cannot be replayed.
		res, _ = s.SignIn(ctx, "sec@example.org", "a long enough password", "c")
		if res.Next != auth.NextCode {
			t.Fatalf("Next = %q, want code", res.Next)
		}
		if _, err := s.SecondFactor(ctx, res.Token, "", code, "c"); err == nil {
			t.Error("replayed TOTP code accepted")
		}
		c.t = c.t.Add(30 * time.Second)
		code, _ = auth.TOTPCode(secret, c.t)
		if _, err := s.SecondFactor(ctx, res.Token, "", code, "c"); err != nil {
			t.Errorf("fresh code: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newService(t, db)
		u := mustUser(t, s, auth.NewUser{Email: "a@example.org", Name: "A", Role: auth.Analyst}, "a long enough password")
		tok, err := s.CreateAPIToken(ctx, auth.System, u.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.AuthenticateToken(ctx, tok)
		if err != nil || a.UserID != u.ID || a.Role != auth.Analyst {
			t.Fatalf("AuthenticateToken = %+v, %v", a, err)
		}
		if _, err := s.AuthenticateToken(ctx, tok+"x"); !errors.Is(err, pallmall.ErrUnauthenticated) {
			t.Errorf("bad token = %v, want ErrUnauthenticated", err)
		}
		list, _ := s.APITokens(ctx, a, u.ID)
		if len(list) != 1 {
			t.Fatalf("APITokens = %d, want 1", len(list))
		}
		other := auth.Actor{UserID: u.ID + 100, Role: auth.Analyst}
		if err := s.RevokeAPIToken(ctx, other, list[0].ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("revoke by another user = %v, want ErrNotFound", err)
		}
		if err := s.RevokeAPIToken(ctx, a, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(ctx, tok); !errors.Is(err, pallmall.ErrUnauthenticated) {
			t.Errorf("revoked token = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestTOTPMatchesRFC6238(t *testing.T) {
	// RFC 6238 appendix B, SHA-1, secret "12345678901234567890", last six digits.
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	for _, tt := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := auth.TOTPCode(secret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("TOTPCode(%d) = %q, %v; want %q", tt.unix, got, err, tt.want)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h := auth.HashPassword("secret words here", cheap)
	if ok, err := auth.CheckPassword(h, "secret words here"); !ok || err != nil {
		t.Errorf("CheckPassword(right) = %v, %v", ok, err)
	}
	if ok, _ := auth.CheckPassword(h, "secret words herE"); ok {
		t.Error("CheckPassword(wrong) = true")
	}
	if h2 := auth.HashPassword("secret words here", cheap); h2 == h {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if _, err := auth.CheckPassword("$argon2id$garbage", "x"); err == nil {
		t.Error("CheckPassword(malformed) gave no error")
	}
}

func TestLimiterForgetsKeys(t *testing.T) {
	now := time.Unix(0, 0)
	l := auth.NewLimiter(2, time.Minute)
	l.Now = func() time.Time { return now }
	var allowed int
	for range 3 {
		if l.Allow("k") {
			allowed++
		}
	}
	if allowed != 2 {
		t.Errorf("limiter allowed %d of 3, want 2", allowed)
	}
	now = now.Add(2 * time.Minute)
	if !l.Allow("other") || l.Len() != 1 {
		t.Errorf("after window, Len() = %d, want 1 (old key forgotten)", l.Len())
	}
	if !l.Allow("k") {
		t.Error("key still limited after its window")
	}
}

func TestDelegatesSeeOnlyTheirOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newService(t, db)
		a, err := s.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Ruritania", NameFR: "Ruritanie", Kind: auth.State, Country: "rr"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Open Rights Lab", NameFR: "Labo des droits", Kind: auth.CivilSociety})
		da := mustUser(t, s, auth.NewUser{Email: "a@ru.example", Name: "A", Role: auth.Delegate, OrganisationID: a.ID}, "a long enough password")
		if _, err := s.Users(ctx, da.Actor(), a.ID); err != nil {
			t.Errorf("delegate listing own organisation = %v", err)
		}
		if _, err := s.Users(ctx, da.Actor(), b.ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("delegate listing another organisation = %v, want ErrForbidden", err)
		}
		if _, err := s.Users(ctx, da.Actor(), 0); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("delegate listing all users = %v, want ErrForbidden", err)
		}
		if _, err := s.CreateOrganisation(ctx, da.Actor(), auth.Organisation{NameEN: "X", NameFR: "X", Kind: auth.Industry}); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("delegate creating organisation = %v, want ErrForbidden", err)
		}
		_, err = s.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "ruritania", NameFR: "R", Kind: auth.State, Country: "RR"})
		var v *pallmall.ValidationError
		if !errors.As(err, &v) || v.Fields["name_en"] != "error.name_taken" {
			t.Errorf("duplicate organisation = %v, want error.name_taken", err)
		}
		_, err = s.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Nowhere", NameFR: "Nulle part", Kind: auth.State})
		if !errors.As(err, &v) || v.Fields["country"] == "" {
			t.Errorf("state without country = %v, want error on country", err)
		}
	})
}

func TestIdentityFieldsAreSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		keys, err := vault.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := newService(t, db)
		s.Keys = keys
		u := mustUser(t, s, auth.NewUser{Email: "Rosa.Marker@Example.org", Name: "Rosa Markerfield", Role: auth.Analyst}, "a long enough password")
		// Nothing readable in the table itself: a dump shows no one.
		rows, err := db.Query(ctx, `SELECT * FROM users`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			raw := strings.ToLower(fmt.Sprint(vals...))
			for _, marker := range []string{"rosa", "marker", "example.org"} {
				if strings.Contains(raw, marker) {
					t.Errorf("users row holds %q in clear: %s", marker, raw)
				}
			}
		}
		rows.Close()
		// Lookups and sign-in still work, by the blind index.
		if got, err := s.UserByEmail(ctx, " rosa.marker@example.ORG"); err != nil || got.ID != u.ID || got.Name != "Rosa Markerfield" {
			t.Errorf("UserByEmail = %+v, %v", got, err)
		}
		if _, err := s.SignIn(ctx, "rosa.marker@example.org", "a long enough password", "c"); err != nil {
			t.Errorf("SignIn: %v", err)
		}
		// Rotation: a new key seals, old rows are re-sealed, all still open.
		if _, err := vault.AddKey(dir); err != nil {
			t.Fatal(err)
		}
		s.Keys, err = vault.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.ResealUsers(ctx); err != nil || n != 1 {
			t.Errorf("ResealUsers = %d, %v; want 1", n, err)
		}
		if n, _ := s.ResealUsers(ctx); n != 0 {
			t.Errorf("second ResealUsers = %d, want 0", n)
		}
		if got, err := s.User(ctx, u.ID); err != nil || got.Email != "rosa.marker@example.org" {
			t.Errorf("User after rotation = %+v, %v", got, err)
		}
		// Without the keys, the data cannot be read.
		s.Keys = vault.Ephemeral()
		if _, err := s.User(ctx, u.ID); !errors.Is(err, vault.ErrUndecryptable) {
			t.Errorf("User with the wrong keys = %v, want ErrUndecryptable", err)
		}
	})
}

func TestRecoveryCodeReplacesTOTPOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newService(t, db)
		u := mustUser(t, s, auth.NewUser{Email: "sec@example.org", Name: "S", Role: auth.Secretariat}, "a long enough password")
		if err := s.SetTOTP(ctx, auth.System, u.ID, auth.NewTOTPSecret(), ""); err != nil {
			t.Fatal(err)
		}
		codes, err := s.NewRecoveryCodes(ctx, u.Actor())
		if err != nil || len(codes) != 10 {
			t.Fatalf("NewRecoveryCodes = %v, %v", codes, err)
		}
		signIn := func(code string) error {
			res, err := s.SignIn(ctx, "sec@example.org", "a long enough password", "c")
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.SecondFactor(ctx, res.Token, "", code, "c")
			return err
		}
		if err := signIn(strings.ToUpper(codes[3])); err != nil {
			t.Errorf("sign-in with a recovery code: %v", err)
		}
		if err := signIn(codes[3]); err == nil {
			t.Error("a recovery code worked twice")
		}
		if n, _ := s.RecoveryCodesLeft(ctx, u.Actor()); n != 9 {
			t.Errorf("RecoveryCodesLeft = %d, want 9", n)
		}
		// New codes replace the old ones.
		if _, err := s.NewRecoveryCodes(ctx, u.Actor()); err != nil {
			t.Fatal(err)
		}
		if err := signIn(codes[4]); err == nil {
			t.Error("an old recovery code worked after new ones were made")
		}
		if err := signIn("aaaaa-bbbbb"); err == nil {
			t.Error("a made-up recovery code worked")
		}
	})
}

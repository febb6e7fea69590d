package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestAccountThrottlingHoldsAcrossInstances signs in through two services
// sharing a database, as two instances do: failures through either count
// against the account, none is lost when they race, and the lock holds on
// both.
func TestAccountThrottlingHoldsAcrossInstances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		one, c := newService(t, db)
		two := &auth.Service{DB: db, Password: cheap, Now: c.now}
		mustUser(t, one, auth.NewUser{Email: "a@example.org", Name: "A", Role: auth.Analyst}, "a long enough password")
		var wg sync.WaitGroup
		var mu sync.Mutex
		refused := 0
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := []*auth.Service{one, two}[i%2]
				_, err := s.SignIn(ctx, "a@example.org", "wrong password!", "c")
				if !errors.Is(err, pallmall.ErrUnauthenticated) {
					t.Errorf("wrong password = %v, want ErrUnauthenticated", err)
				}
				mu.Lock()
				refused++
				mu.Unlock()
			}()
		}
		wg.Wait()
		var failed int
		if err := db.QueryRow(ctx, `SELECT failed_logins FROM users`).Scan(&failed); err != nil || failed != refused {
			t.Fatalf("failed_logins after %d concurrent failures on two instances = %d, %v", refused, failed, err)
		}
		// The fifth failure, on instance two, locks the account on one too.
		if _, err := two.SignIn(ctx, "a@example.org", "wrong password!", "c"); !errors.Is(err, pallmall.ErrUnauthenticated) {
			t.Fatalf("fifth wrong password = %v", err)
		}
		if _, err := one.SignIn(ctx, "a@example.org", "a long enough password", "c"); !errors.Is(err, pallmall.ErrRateLimited) {
			t.Errorf("right password on the other instance while locked = %v, want ErrRateLimited", err)
		}
	})
}

// TestWrongCodesLockTheAccount checks that guesses at the second factor
// count against the account like wrong passwords, and that signing in
// again with the known password does not reset the count.
func TestWrongCodesLockTheAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db)
		mustUser(t, s, auth.NewUser{Email: "sec@example.org", Name: "S", Role: auth.Secretariat}, "a long enough password")
		res, _ := s.SignIn(ctx, "sec@example.org", "a long enough password", "c")
		secret := auth.NewTOTPSecret()
		code, _ := auth.TOTPCode(secret, c.t)
		if _, err := s.SecondFactor(ctx, res.Token, secret, code, "c"); err != nil {
			t.Fatalf("SecondFactor setup: %v", err)
		}
		wrong := "000000"
		if wrong == code {
			wrong = "111111"
		}
		for i := range 5 {
			res, err := s.SignIn(ctx, "sec@example.org", "a long enough password", "c")
			if err != nil {
				t.Fatalf("SignIn before guess %d = %v", i+1, err)
			}
			if _, err := s.SecondFactor(ctx, res.Token, "", wrong, "c"); err == nil || errors.Is(err, pallmall.ErrRateLimited) {
				t.Fatalf("wrong code %d = %v, want a validation error", i+1, err)
			}
		}
		if _, err := s.SignIn(ctx, "sec@example.org", "a long enough password", "c"); !errors.Is(err, pallmall.ErrRateLimited) {
			t.Errorf("SignIn after 5 wrong codes = %v, want ErrRateLimited", err)
		}
	})
}

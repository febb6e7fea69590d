package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestLeaseHasOneHolder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		try := func(owner string, ttl time.Duration) bool {
			t.Helper()
			ok, err := db.TryLease(ctx, "job", owner, ttl)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !try("a", time.Minute) {
			t.Fatal("TryLease(a) on a free lease = false, want true")
		}
		if try("b", time.Minute) {
			t.Error("TryLease(b) while a holds it = true, want false")
		}
		if !try("a", time.Minute) {
			t.Error("TryLease(a) renewing = false, want true")
		}
		if ok, _ := db.TryLease(ctx, "other", "b", time.Minute); !ok {
			t.Error("TryLease(b) on another name = false, want true")
		}
		if err := db.ReleaseLease(ctx, "job", "b"); err != nil {
			t.Fatal(err)
		}
		if try("b", time.Minute) {
			t.Error("b released a lease it did not hold, then took it")
		}
		if err := db.ReleaseLease(ctx, "job", "a"); err != nil {
			t.Fatal(err)
		}
		if !try("b", -time.Second) {
			t.Fatal("TryLease(b) after a released = false, want true")
		}
		// b's lease has expired (negative ttl): a may take it over.
		if !try("a", time.Minute) {
			t.Error("TryLease(a) after b's lease expired = false, want true")
		}
	})
}

func TestLeaseRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		var mu sync.Mutex
		holders := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := db.TryLease(ctx, "race", store.NewLeaseOwner(), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					holders++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if holders != 1 {
			t.Errorf("%d of 8 concurrent owners took the lease, want 1", holders)
		}
	})
}

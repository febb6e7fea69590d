package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestLeaseRace has many owners race for one free lease: one wins.
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
				ok, err := db.TakeLease(ctx, "race", store.NewLeaseOwner(), time.Now(), time.Minute)
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

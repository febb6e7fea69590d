package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestTaskLeaseHasOneHolder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		take := func(owner string, at time.Time, want bool) {
			t.Helper()
			got, err := db.TakeLease(ctx, "job", owner, at, time.Minute)
			if err != nil || got != want {
				t.Errorf("TakeLease(%s, %v) = %v, %v; want %v", owner, at, got, err, want)
			}
		}
		take("a", now, true)
		take("b", now.Add(30*time.Second), false)                            // a holds it
		take("a", now.Add(30*time.Second), true)                             // a renews
		take("b", now.Add(80*time.Second), false)                            // renewed until 90 s
		take("b", now.Add(91*time.Second), true)                             // expired: b takes over
		if ok, _ := db.TakeLease(ctx, "other", "a", now, time.Minute); !ok { // leases are per name
			t.Errorf("TakeLease(other) = false, want true")
		}
		if err := db.ReleaseLease(ctx, "job", "a"); err != nil { // not a's any more: no effect
			t.Fatal(err)
		}
		take("a", now.Add(100*time.Second), false)
		if err := db.ReleaseLease(ctx, "job", "b"); err != nil {
			t.Fatal(err)
		}
		take("a", now.Add(100*time.Second), true)
	})
}

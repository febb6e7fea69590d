package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Leases let several instances of the platform, sharing one database, agree
// that only one of them does a piece of background work at a time. A lease
// is a named row in the leases table with an owner and an expiry; its holder
// renews it before it expires, and if the holder dies the lease runs out and
// another instance may take it. The ledger's outbox worker keeps its lease
// in its own row (ledger_worker), next to the log position it guards; every
// other kind of background work uses these.

// NewLeaseOwner returns a random name for one process (or one worker) to
// hold leases under.
func NewLeaseOwner() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TryLease takes the lease called name for owner until ttl from now, or
// renews it if owner holds it already, and reports whether owner now holds
// it. It returns false, without error, while another owner's lease has not
// expired. Expiry is judged by this machine's clock: instances' clocks must
// agree to well within ttl (NTP does).
func (db *DB) TryLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	now := time.Now()
	res, err := db.Exec(ctx, `INSERT INTO leases (name, owner, lease_until) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE leases.owner = excluded.owner OR leases.lease_until < $4`,
		name, owner, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives up owner's lease called name, if owner holds it, so
// that another instance can take it at once.
func (db *DB) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := db.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

package store

import (
	"context"
	"fmt"
	"time"
)

// TakeLease takes or renews the lease called name for owner until
// now+d, so that of several instances sharing a database only one runs a
// scheduled task at a time. It reports whether owner holds the lease: true
// when it was free, expired or already owner's. Owners should be random per
// process, so a restarted instance waits for its old lease to expire.
func (db *DB) TakeLease(ctx context.Context, name, owner string, now time.Time, d time.Duration) (bool, error) {
	res, err := db.Exec(ctx, `INSERT INTO task_leases (name, owner, lease_until) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE task_leases.owner = excluded.owner OR task_leases.lease_until < $4`,
		name, owner, now.Add(d).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLease gives up owner's lease called name, if owner holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, owner string) error {
	_, err := db.Exec(ctx, `UPDATE task_leases SET lease_until = 0 WHERE name = $1 AND owner = $2`, name, owner)
	return err
}

package store

import "time"

// SetReplicaRecheck sets how often, at most, db pings a read replica
// marked down, so that tests need not wait replicaRecheck.
func SetReplicaRecheck(db *DB, d time.Duration) { db.replica.every = d }

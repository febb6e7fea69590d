package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// A read replica (PostgreSQL only) takes the reads that may be slightly
// stale: those under a context marked with WithReplicaReads, made through
// DB.Query and DB.QueryRow. Every other read, every read in a transaction
// and every write goes to the primary, so that nothing reads the replica
// unless it was asked for. A replica that does not answer is marked down
// and its reads go to the primary until a check (at most every
// replicaRecheck) finds it answering again: a replica that is down never
// takes the platform down. docs/scaling.md says which reads are marked.

// replicaRecheck is how often, at most, a replica marked down is pinged
// again while reads ask for it.
const replicaRecheck = 5 * time.Second

// replicaConnectTimeout bounds how long opening a connection to the
// replica may take when its URL sets no connect_timeout, so that an
// unreachable host costs a read seconds, not minutes, before it falls back.
const replicaConnectTimeout = "3"

type replicaKey struct{}

// WithReplicaReads returns a context under which DB.Query and DB.QueryRow
// may read from the read replica, if one is configured: only for reads
// that may be slightly stale and never feed a write. The web and API
// layers mark anonymous GET and HEAD requests to public pages with it;
// nothing else should. A write under such a context fails (see
// ErrWriteUnderReplicaReads), so a stale read cannot feed one.
func WithReplicaReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaKey{}, true)
}

// ReplicaReads reports whether ctx was marked with WithReplicaReads.
func ReplicaReads(ctx context.Context) bool {
	v, _ := ctx.Value(replicaKey{}).(bool)
	return v
}

// ErrWriteUnderReplicaReads is returned by every write (DB.Exec, Writer,
// InTx) made under a context marked with WithReplicaReads, whether or not
// a replica is configured: such a request's reads may be stale, so it must
// not write. It is a programming error, shown as a server error.
var ErrWriteUnderReplicaReads = errors.New("store: write under a context marked for replica reads (store.WithReplicaReads)")

// replica is the read replica's pool and what is known of its health.
type replica struct {
	pool      *sql.DB
	every     time.Duration // replicaRecheck; tests shorten it
	down      atomic.Bool
	checking  atomic.Bool
	checkedAt atomic.Int64 // UnixNano of the last ping
	fallbacks atomic.Uint64
}

// ReplicaStatus says whether a read replica is configured, whether it
// answered last time it was asked, and how many reads meant for it went to
// the primary because it did not.
type ReplicaStatus struct {
	Configured bool
	Up         bool
	Fallbacks  uint64
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// checkReplicaConfig refuses a replica on SQLite or given as anything but
// a PostgreSQL URL, before anything is opened.
func checkReplicaConfig(cfg Config) error {
	if cfg.ReplicaURL == "" {
		return nil
	}
	if cfg.URL == "" {
		return errors.New("a read replica needs PostgreSQL: SQLite has no replicas; give the primary's postgres:// URL as well, or no replica")
	}
	if !isPostgresURL(cfg.ReplicaURL) {
		return errors.New("read replica URL must start with postgres://")
	}
	return nil
}

// openReplica opens the replica's pool, without connecting.
func openReplica(cfg Config) (*replica, error) {
	u, err := url.Parse(cfg.ReplicaURL)
	if err != nil {
		return nil, fmt.Errorf("read replica URL: %w", err)
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", replicaConnectTimeout)
		u.RawQuery = q.Encode()
	}
	pool, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, err
	}
	n := cfg.ReplicaConns
	if n <= 0 {
		n = 16
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &replica{pool: pool, every: replicaRecheck}, nil
}

// ping asks the replica whether it answers and records the answer.
func (r *replica) ping(ctx context.Context) error {
	err := r.pool.PingContext(ctx)
	r.checkedAt.Store(time.Now().UnixNano())
	r.down.Store(err != nil)
	return err
}

// recheck pings a replica marked down in the background, at most every
// replicaRecheck, so that reads return to it once it answers.
func (r *replica) recheck() {
	if time.Now().UnixNano()-r.checkedAt.Load() < int64(r.every) || !r.checking.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer r.checking.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.ping(ctx)
	}()
}

// failed reports whether err, from a read on the replica, says the replica
// cannot be reached, in which case it marks the replica down and the read
// is to be repeated on the primary. A query's own errors (a missing row,
// a constraint, a cancelled request) do not count.
func (r *replica) failed(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || !unreachable(err) {
		return false
	}
	r.down.Store(true)
	r.checkedAt.Store(time.Now().UnixNano())
	r.fallbacks.Add(1)
	return true
}

// unreachable reports whether err says the database could not be reached
// or would not serve: a failed connection, a broken one, or a server
// shutting down, starting up or out of connections.
func unreachable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", "53300": // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
			return true
		}
		return strings.HasPrefix(pe.Code, "08") // connection exception
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, sql.ErrConnDone)
}

// reader returns the pool a read under ctx goes to, and whether it is the
// replica's.
func (db *DB) reader(ctx context.Context) (*sql.DB, bool) {
	r := db.replica
	if r == nil || !ReplicaReads(ctx) {
		return db.read, false
	}
	if r.down.Load() {
		r.fallbacks.Add(1)
		r.recheck()
		return db.read, false
	}
	return r.pool, true
}

// PingReplica checks that the read replica answers, and records whether
// it does: reads marked for it go to the primary while it does not. It
// returns nil when no replica is configured. /readyz uses it.
func (db *DB) PingReplica(ctx context.Context) error {
	if db.replica == nil {
		return nil
	}
	return db.replica.ping(ctx)
}

// Replica reports the read replica's status.
func (db *DB) Replica() ReplicaStatus {
	r := db.replica
	if r == nil {
		return ReplicaStatus{}
	}
	return ReplicaStatus{Configured: true, Up: !r.down.Load(), Fallbacks: r.fallbacks.Load()}
}

// ReplicaStats returns the replica pool's statistics, for metrics, and
// false when no replica is configured.
func (db *DB) ReplicaStats() (sql.DBStats, bool) {
	if db.replica == nil {
		return sql.DBStats{}, false
	}
	return db.replica.pool.Stats(), true
}

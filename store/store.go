// Package store opens the platform's database, SQLite or PostgreSQL, applies
// its migrations and maps driver errors to the shared sentinel errors in
// package pallmall, so that nothing above it knows which database runs.
//
// Domain packages write their own SQL against the small Querier interface.
// The SQL they write must be valid in both dialects: numbered placeholders
// ($1, $2, ...), RETURNING, ON CONFLICT, and timestamps passed in from Go as
// UTC time.Time values (see Now).
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pallmall/pallmall"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config says which database to open.
type Config struct {
	// URL is a postgres:// or postgresql:// URL to run on PostgreSQL. Empty
	// means an embedded SQLite database in DataDir.
	URL string
	// DataDir holds the SQLite database file when URL is empty.
	DataDir string
	// ReadConns is the size of the read pool; 0 means a sensible default.
	ReadConns int
	// ReplicaURL is a postgres:// URL of a streaming read replica of the
	// PostgreSQL database at URL, for the reads that may be slightly stale
	// (see WithReplicaReads); empty for none. SQLite refuses one.
	ReplicaURL string
	// ReplicaConns is the size of the replica's pool; 0 means 16.
	ReplicaConns int
}

// DB is an open database: a single writer and a pool of readers on SQLite,
// one pool for both on PostgreSQL, and on PostgreSQL optionally a pool on a
// read replica (replica.go). It is safe for concurrent use.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	replica *replica      // nil without a read replica
	stmts   *stmtCounters // SQLite's statement caches, across both pools
}

// Open opens and pings the database described by cfg. It does not migrate;
// call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if err := checkReplicaConfig(cfg); err != nil {
		return nil, err
	}
	var db *DB
	var err error
	switch {
	case cfg.URL == "":
		db, err = openSQLite(cfg)
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		db, err = openPostgres(cfg)
	default:
		return nil, fmt.Errorf("database URL must start with postgres:// (or be empty for SQLite in the data directory)")
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.dialect, err)
	}
	if cfg.ReplicaURL != "" {
		if db.replica, err = openReplica(cfg); err != nil {
			db.Close()
			return nil, err
		}
		// A replica that does not answer now is marked down, not fatal:
		// its reads go to the primary until it answers (Replica reports it).
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		db.replica.ping(pctx)
		cancel()
	}
	return db, nil
}

func openSQLite(cfg Config) (*DB, error) {
	dir := cfg.DataDir
	if dir == "" {
		return nil, errors.New("no data directory for the SQLite database")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, "pallmall.db")
	// synchronous(FULL) makes every acknowledged commit survive a crash or
	// power loss, not only a process crash.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	drv, err := sqliteDriver()
	if err != nil {
		return nil, err
	}
	counters := &stmtCounters{}
	write := sql.OpenDB(cachingConnector{
		dsn: "file:" + path + "?" + pragmas + "&_pragma=journal_mode(WAL)&_txlock=immediate",
		drv: drv, counters: counters, size: stmtCacheSize,
	})
	// One writer: SQLite serialises writes anyway, and one connection avoids
	// busy errors and lets transactions queue in Go instead.
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	// The writer must create the file and switch it to WAL before readers
	// open it read-only.
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	read := sql.OpenDB(cachingConnector{
		dsn: "file:" + path + "?" + pragmas + "&_pragma=query_only(1)",
		drv: drv, counters: counters, size: stmtCacheSize,
	})
	n := cfg.ReadConns
	if n <= 0 {
		n = 8
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return &DB{dialect: SQLite, write: write, read: read, stmts: counters}, nil
}

func openPostgres(cfg Config) (*DB, error) {
	if _, err := url.Parse(cfg.URL); err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	pool, err := sql.Open("pgx", cfg.URL)
	if err != nil {
		return nil, err
	}
	n := cfg.ReadConns
	if n <= 0 {
		n = 16
	}
	pool.SetMaxOpenConns(n + 4)
	pool.SetMaxIdleConns(n + 4)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: Postgres, write: pool, read: pool, stmts: &stmtCounters{}}, nil
}

// Dialect reports which database is open.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers; /readyz uses it. It does not ask
// the read replica: see PingReplica.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	if db.read != db.write {
		return db.read.PingContext(ctx)
	}
	return nil
}

// Close closes every connection. On SQLite it checkpoints the write-ahead
// log first so the database file is complete on its own.
func (db *DB) Close() error {
	var errs []error
	if db.dialect == SQLite {
		if _, err := db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, err)
		}
	}
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.replica != nil {
		errs = append(errs, db.replica.pool.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// Stats returns the pool statistics of the write and read pools, for metrics.
func (db *DB) Stats() (write, read sql.DBStats) {
	return db.write.Stats(), db.read.Stats()
}

// StatementCache reports how often SQLite statements came from the
// per-connection cache (see stmtcache.go). Always zero on PostgreSQL, whose
// driver caches statements itself.
func (db *DB) StatementCache() StatementCacheStats {
	return StatementCacheStats{Hits: db.stmts.hits.Load(), Misses: db.stmts.misses.Load()}
}

// sqliteDriver returns the driver modernc.org/sqlite registers as "sqlite",
// with whatever functions or hooks are registered on it.
func sqliteDriver() (driver.Driver, error) {
	probe, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, err
	}
	defer probe.Close()
	return probe.Driver(), nil
}

// Now returns the current time as the database stores it: UTC, truncated to
// microseconds (PostgreSQL's precision), so values round-trip unchanged.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// mapErr turns driver errors into the shared sentinel errors, keeping the
// original in the chain for logs.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return pallmall.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", pallmall.ErrAlreadyExists, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			return fmt.Errorf("%w: %v", pallmall.ErrConflict, err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %v", pallmall.ErrConflict, err)
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %v", pallmall.ErrAlreadyExists, err)
		case "23503", "23514", "40001", "40P01", "P0001": // foreign key, check, serialization, deadlock, raised by trigger
			return fmt.Errorf("%w: %v", pallmall.ErrConflict, err)
		}
	}
	return err
}

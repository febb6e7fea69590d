// Package storetest gives tests fresh, migrated databases: SQLite always,
// and PostgreSQL too when PALLMALL_TEST_DATABASE_URL is set.
//
// A package whose tests use it calls Main from its TestMain. With PostgreSQL
// configured, Main creates one database for the package's test run and drops
// it afterwards; each test gets its own schema in it, so tests and
// concurrent runs never see each other's rows.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/pallmall/pallmall/store"
)

// EnvURL names the environment variable holding the PostgreSQL URL of a
// server on which tests may create databases.
const EnvURL = "PALLMALL_TEST_DATABASE_URL"

var (
	mu         sync.Mutex
	runURL     string // the per-run database, set by Main
	mainCalled bool
)

// Main runs the package's tests, creating and dropping a per-run PostgreSQL
// database around them when EnvURL is set.
func Main(m *testing.M) {
	mainCalled = true
	base := os.Getenv(EnvURL)
	if base == "" {
		os.Exit(m.Run())
	}
	name := "pallmall_test_" + randomHex(6)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
		os.Exit(2)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		fmt.Fprintf(os.Stderr, "storetest: create database on %s: %v\n", EnvURL, err)
		os.Exit(2)
	}
	runURL = withDatabase(base, name)
	code := m.Run()
	if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "storetest: drop database %s: %v\n", name, err)
	}
	admin.Close()
	os.Exit(code)
}

// Each runs fn as a subtest once per available database: "sqlite" always,
// and "postgres" when EnvURL is set.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(EnvURL) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// SQLite returns a fresh, migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, store.Config{DataDir: t.TempDir()})
}

// Postgres returns a fresh, migrated PostgreSQL schema of its own, or skips
// the test when EnvURL is not set.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	if os.Getenv(EnvURL) == "" {
		t.Skipf("%s not set", EnvURL)
	}
	if !mainCalled {
		t.Fatalf("storetest: call storetest.Main(m) from this package's TestMain")
	}
	return open(t, store.Config{URL: URL(t)})
}

// URL creates a fresh PostgreSQL schema and returns a URL whose connections
// use it, for tests that start a whole server. It requires Main and EnvURL.
func URL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if runURL == "" {
		t.Fatalf("storetest: %s set but Main not called", EnvURL)
	}
	schema := "t_" + randomHex(6)
	admin, err := sql.Open("pgx", runURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(runURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// DatabaseURL creates a whole PostgreSQL database of its own, dropped when
// the test ends, for tests that need one (a pg_dump of a database holds
// every schema in it). It requires Main and EnvURL.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" || !mainCalled {
		t.Fatalf("storetest.DatabaseURL needs %s and Main", EnvURL)
	}
	name := "pallmall_test_" + randomHex(6)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	})
	return withDatabase(base, name)
}

// Replica creates a PostgreSQL database that stands in for a read replica
// in tests of replica reads: a separate, migrated database, dropped when
// the test ends. It returns the database's URL, for Config.ReplicaURL or
// serve's --database-replica, and a connection to it. It is not a
// streaming replica of anything: tests put rows in it that the primary
// lacks, to see which database a read went to. It skips the test when
// EnvURL is not set, and requires Main.
func Replica(t testing.TB) (string, *store.DB) {
	t.Helper()
	if os.Getenv(EnvURL) == "" {
		t.Skipf("%s not set", EnvURL)
	}
	u := DatabaseURL(t)
	return u, open(t, store.Config{URL: u})
}

// UnreachableURL returns a PostgreSQL URL on a loopback port that was
// just released, so nothing answers there: a read replica that is down.
func UnreachableURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "postgres://postgres@" + l.Addr().String() + "/replica?sslmode=disable"
}

func open(t testing.TB, cfg store.Config) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + strings.TrimPrefix(name, "/")
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

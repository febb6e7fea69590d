package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestReplicaIsRefusedOnSQLite(t *testing.T) {
	_, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir(), ReplicaURL: "postgres://replica.example/pallmall"})
	if err == nil || !strings.Contains(err.Error(), "SQLite has no replicas") {
		t.Errorf("Open(SQLite with a replica) = %v; want the error saying SQLite has no replicas", err)
	}
	_, err = store.Open(context.Background(), store.Config{URL: "postgres://127.0.0.1:1/x", ReplicaURL: "mysql://replica"})
	if err == nil || !strings.Contains(err.Error(), "must start with postgres://") {
		t.Errorf("Open(replica URL not postgres://) = %v", err)
	}
}

// TestWritesUnderReplicaReadsAreRefused: a request marked for replica reads
// may not write, with or without a replica, so a stale read never feeds a
// write; its reads work as any other.
func TestWritesUnderReplicaReadsAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := store.WithReplicaReads(context.Background())
		if !store.ReplicaReads(ctx) || store.ReplicaReads(context.Background()) {
			t.Fatal("ReplicaReads does not report the mark")
		}
		insert := `INSERT INTO settings (key, value) VALUES ('k', 'v')`
		if _, err := db.Exec(ctx, insert); !errors.Is(err, store.ErrWriteUnderReplicaReads) {
			t.Errorf("Exec = %v", err)
		}
		if _, err := db.Writer().Exec(ctx, insert); !errors.Is(err, store.ErrWriteUnderReplicaReads) {
			t.Errorf("Writer().Exec = %v", err)
		}
		if _, err := db.Writer().Query(ctx, `SELECT 1`); !errors.Is(err, store.ErrWriteUnderReplicaReads) {
			t.Errorf("Writer().Query = %v", err)
		}
		var n int
		if err := db.Writer().QueryRow(ctx, `SELECT 1`).Scan(&n); !errors.Is(err, store.ErrWriteUnderReplicaReads) {
			t.Errorf("Writer().QueryRow = %v", err)
		}
		ran := false
		if err := db.InTx(ctx, func(*store.Tx) error { ran = true; return nil }); !errors.Is(err, store.ErrWriteUnderReplicaReads) || ran {
			t.Errorf("InTx = %v (ran %v)", err, ran)
		}
		if err := db.QueryRow(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil || n != 0 {
			t.Errorf("read under the mark = %d, %v; want 0 rows, nil", n, err)
		}
		if s := db.Replica(); s.Configured {
			t.Errorf("Replica() = %+v without a replica", s)
		}
	})
}

// where returns which database answered: the primary and the replica hold
// a different value in settings.
func where(t *testing.T, q func(ctx context.Context, query string, args ...any) *store.Row, ctx context.Context) string {
	t.Helper()
	var v string
	if err := q(ctx, `SELECT value FROM settings WHERE key = 'where'`).Scan(&v); err != nil {
		t.Fatalf("read where: %v", err)
	}
	return v
}

// openWithReplica opens a migrated primary with the replica at replicaURL,
// and marks each so that a read says which it came from.
func openWithReplica(t *testing.T, replicaURL string, replica *store.DB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: storetest.URL(t), ReplicaURL: replicaURL, ReplicaConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('where', 'primary')`); err != nil {
		t.Fatal(err)
	}
	if replica != nil {
		if _, err := replica.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('where', 'replica')`); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestReadsGoToTheReplicaOnlyWhenMarked(t *testing.T) {
	replicaURL, replica := storetest.Replica(t)
	db := openWithReplica(t, replicaURL, replica)
	ctx := context.Background()
	marked := store.WithReplicaReads(ctx)
	if got := where(t, db.QueryRow, ctx); got != "primary" {
		t.Errorf("unmarked QueryRow read the %s", got)
	}
	if got := where(t, db.QueryRow, marked); got != "replica" {
		t.Errorf("marked QueryRow read the %s", got)
	}
	rows, err := db.Query(marked, `SELECT value FROM settings WHERE key = 'where'`)
	vals, err := store.ScanAll(rows, err, func(r *sql.Rows) (string, error) {
		var v string
		return v, r.Scan(&v)
	})
	if err != nil || len(vals) != 1 || vals[0] != "replica" {
		t.Errorf("marked Query = %v, %v; want [replica]", vals, err)
	}
	if got := where(t, db.Writer().QueryRow, ctx); got != "primary" {
		t.Errorf("Writer().QueryRow read the %s", got)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		if got := where(t, tx.QueryRow, ctx); got != "primary" {
			t.Errorf("a read in a transaction read the %s", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A query's own error on the replica is the caller's, not a reason to
	// stop using the replica.
	var v string
	if err := db.QueryRow(marked, `SELECT value FROM no_such_table`).Scan(&v); err == nil {
		t.Error("a bad query on the replica succeeded")
	}
	if s := db.Replica(); !s.Configured || !s.Up || s.Fallbacks != 0 {
		t.Errorf("Replica() = %+v; want configured, up, no fallbacks", s)
	}
	if err := db.PingReplica(ctx); err != nil {
		t.Errorf("PingReplica = %v", err)
	}
	if st, ok := db.ReplicaStats(); !ok || st.MaxOpenConnections != 2 {
		t.Errorf("ReplicaStats() = %+v, %v; want its own pool of 2", st, ok)
	}
}

func TestUnreachableReplicaFallsBackToThePrimary(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skipf("%s not set", storetest.EnvURL)
	}
	start := time.Now()
	db := openWithReplica(t, storetest.UnreachableURL(t), nil)
	if s := db.Replica(); !s.Configured || s.Up {
		t.Errorf("Replica() = %+v after a failed ping; want configured and down", s)
	}
	ctx := context.Background()
	if got := where(t, db.QueryRow, store.WithReplicaReads(ctx)); got != "primary" {
		t.Errorf("marked read with the replica down read the %s", got)
	}
	if err := db.PingReplica(ctx); err == nil {
		t.Error("PingReplica succeeded on a closed port")
	}
	if s := db.Replica(); s.Fallbacks == 0 {
		t.Errorf("Replica() = %+v; want the fallback counted", s)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("opening and reading with the replica down took %v", d)
	}
}

// TestReplicaThatGoesDownAndComesBack runs the replica's connections
// through a proxy that the test stops and restarts: reads fall back to the
// primary at once and return to the replica once it answers again.
func TestReplicaThatGoesDownAndComesBack(t *testing.T) {
	replicaURL, replica := storetest.Replica(t)
	u, err := url.Parse(replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{target: u.Host}
	p.start(t)
	defer p.stop()
	u.Host = p.addr
	db := openWithReplica(t, u.String(), replica)
	store.SetReplicaRecheck(db, 50*time.Millisecond)
	marked := store.WithReplicaReads(context.Background())
	if got := where(t, db.QueryRow, marked); got != "replica" {
		t.Fatalf("marked read through the proxy read the %s", got)
	}

	p.stop()
	if got := where(t, db.QueryRow, marked); got != "primary" {
		t.Errorf("marked read with the replica gone read the %s", got)
	}
	rows, err := db.Query(marked, `SELECT value FROM settings WHERE key = 'where'`)
	if err != nil {
		t.Fatalf("marked Query with the replica gone: %v", err)
	}
	rows.Close()
	if s := db.Replica(); s.Up || s.Fallbacks == 0 {
		t.Errorf("Replica() = %+v with the replica gone; want down, fallbacks counted", s)
	}

	p.start(t)
	deadline := time.Now().Add(10 * time.Second)
	for where(t, db.QueryRow, marked) != "replica" {
		if time.Now().After(deadline) {
			t.Fatalf("reads did not return to the replica once it answered: %+v", db.Replica())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := db.Replica(); !s.Up {
		t.Errorf("Replica() = %+v once back", s)
	}
}

// tcpProxy forwards TCP connections to target; stop closes the listener and
// every connection, start listens again on the same address.
type tcpProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func (p *tcpProxy) start(t *testing.T) {
	t.Helper()
	a := p.addr
	if a == "" {
		a = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", a)
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *tcpProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

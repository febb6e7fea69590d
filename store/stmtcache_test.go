package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

// openCached opens a bare SQLite database whose connection caches at most
// size statements, with its counters.
func openCached(t testing.TB, size int) (*sql.DB, *stmtCounters) {
	t.Helper()
	drv, err := sqliteDriver()
	if err != nil {
		t.Fatal(err)
	}
	c := &stmtCounters{}
	db := sql.OpenDB(cachingConnector{dsn: "file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)", drv: drv, counters: c, size: size})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if _, err := db.Exec(`INSERT INTO t (id, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db, c
}

func value(t *testing.T, q interface {
	QueryRow(string, ...any) *sql.Row
}, id int) string {
	t.Helper()
	var v string
	if err := q.QueryRow(`SELECT v FROM t WHERE id = $1`, id).Scan(&v); err != nil {
		t.Fatalf("select %d: %v", id, err)
	}
	return v
}

func TestStatementCacheReusesAndAnswersCorrectly(t *testing.T) {
	db, c := openCached(t, 8)
	before := c.hits.Load()
	for i := 1; i <= 5; i++ {
		if got, want := value(t, db, i), fmt.Sprint("v", i); got != want {
			t.Errorf("id %d = %q, want %q", i, got, want)
		}
	}
	if got := c.hits.Load() - before; got < 4 {
		t.Errorf("5 runs of one query hit the cache %d times, want at least 4", got)
	}
	// A failing run (a unique violation) leaves the cached statement usable.
	ins := `INSERT INTO t (id, v) VALUES ($1, $2)`
	if _, err := db.Exec(ins, 6, "v1"); err == nil {
		t.Fatal("duplicate insert succeeded")
	}
	if _, err := db.Exec(ins, 6, "v6"); err != nil {
		t.Fatalf("insert after a failed one: %v", err)
	}
	if got := value(t, db, 6); got != "v6" {
		t.Errorf("id 6 = %q", got)
	}
}

// The same text run again while its rows are still open, on the same
// connection (one transaction), gets a statement of its own.
func TestStatementCacheNestedUseOfOneText(t *testing.T) {
	db, _ := openCached(t, 8)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	q := `SELECT id, v FROM t WHERE id >= $1 ORDER BY id`
	rows, err := tx.Query(q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner []string
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, v)
		in, err := tx.Query(q, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for in.Next() {
			n++
		}
		in.Close()
		inner = append(inner, fmt.Sprint(n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fmt.Sprint(outer) != "[v1 v2 v3 v4 v5]" || fmt.Sprint(inner) != "[5 4 3 2 1]" {
		t.Errorf("outer %v inner %v; want [v1 .. v5] and [5 4 3 2 1]", outer, inner)
	}
}

// A full cache drops its least recently used statement, even one whose
// rows are still being read: it is closed when they are.
func TestStatementCacheEvicts(t *testing.T) {
	db, c := openCached(t, 2)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(`SELECT v FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no first row")
	}
	// Two more texts push the open one out of a two-statement cache.
	for _, q := range []string{`SELECT count(*) FROM t`, `SELECT max(id) FROM t`, `SELECT min(id) FROM t`} {
		var n int
		if err := tx.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var got []string
	for {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
		if !rows.Next() {
			break
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[v1 v2 v3 v4 v5]" {
		t.Errorf("rows read across an eviction = %v", got)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	err = conn.Raw(func(dc any) error {
		cc := dc.(*cachingConn)
		if cc.lru.Len() != 2 || len(cc.stmts) != 2 {
			return fmt.Errorf("cache holds %d (%d in the map), want 2", cc.lru.Len(), len(cc.stmts))
		}
		return nil
	})
	conn.Close()
	if err != nil {
		t.Error(err)
	}
	if c.misses.Load() == 0 {
		t.Error("no misses counted")
	}
	// The evicted text works again.
	if got := value(t, db, 3); got != "v3" {
		t.Errorf("id 3 = %q", got)
	}
}

// SQLite re-prepares a cached statement when the schema changes under it.
func TestStatementCacheFollowsSchemaChanges(t *testing.T) {
	db, _ := openCached(t, 8)
	cols := func() int {
		rows, err := db.Query(`SELECT * FROM t WHERE id = 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return len(c)
	}
	if n := cols(); n != 2 {
		t.Fatalf("columns = %d, want 2", n)
	}
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN w TEXT`); err != nil {
		t.Fatal(err)
	}
	if n := cols(); n != 3 {
		t.Errorf("columns after ALTER TABLE = %d, want 3", n)
	}
}

// A cancelled context ends a cached statement's run and leaves it usable.
func TestStatementCacheAfterCancellation(t *testing.T) {
	db, _ := openCached(t, 8)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var v string
	err := db.QueryRowContext(ctx, `SELECT v FROM t WHERE id = $1`, 1).Scan(&v)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled query = %v, want context.Canceled", err)
	}
	if got := value(t, db, 2); got != "v2" {
		t.Errorf("after cancellation id 2 = %q", got)
	}
}

// BenchmarkStatementCache compares an indexed single-row read with and
// without the cache: go test ./store -run '^$' -bench StatementCache
func BenchmarkStatementCache(b *testing.B) {
	for _, size := range []int{0, stmtCacheSize} {
		name := "uncached"
		if size > 0 {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			db, _ := openCached(b, size)
			q := `SELECT t.v FROM t WHERE t.id = $1 AND t.v IS NOT NULL ORDER BY t.id LIMIT 1`
			var v string
			for i := 0; b.Loop(); i++ {
				if err := db.QueryRow(q, 1+i%5).Scan(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

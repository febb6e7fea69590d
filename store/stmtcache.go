package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
)

// SQLite's driver (modernc.org/sqlite) parses and plans every statement
// passed to a connection's ExecContext or QueryContext anew: on the
// submission path that was a third of the single writer's time. A prepared
// statement, in contrast, keeps its compiled program and is only reset
// between uses. database/sql caches nothing by itself, and its prepared
// statements cannot be made inside a transaction without tying them to it,
// so the cache lives one level down: each SQLite connection keeps its most
// recently used statements, keyed by their text.
//
// The wrapped connection deliberately does not implement ExecerContext or
// QueryerContext, so database/sql prepares every statement (through
// PrepareContext, which answers from the cache), runs it and closes it
// (which returns it to the cache). database/sql never uses one connection
// from two goroutines at once, so the cache needs no lock.
//
// A statement still in use when the same text comes again on the same
// connection (a query nested inside the loop over another's rows, in one
// transaction) gets a one-off statement of its own. SQLite re-prepares a
// cached statement by itself when the schema changes (sqlite3_prepare_v2).

// stmtCacheSize is how many statements each connection keeps. The
// platform's SQL is a few hundred distinct texts; queries built with a
// variable number of placeholders add some more.
const stmtCacheSize = 512

// stmtCacheMaxQuery is the longest statement text worth keeping: longer
// ones are scripts (migrations) run once.
const stmtCacheMaxQuery = 8 << 10

// StatementCacheStats counts how SQLite statements were obtained, for
// metrics and tests. On PostgreSQL pgx keeps its own statement cache and
// these stay zero.
type StatementCacheStats struct {
	Hits   uint64 // a cached statement was reused
	Misses uint64 // the text was parsed and planned
}

type stmtCounters struct{ hits, misses atomic.Uint64 }

// cachingConnector opens SQLite connections that cache their statements.
type cachingConnector struct {
	dsn      string
	drv      driver.Driver
	counters *stmtCounters
	size     int
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("store: the SQLite driver's connection lacks a context method the statement cache needs")
	}
	return &cachingConn{inner: inner, stmts: map[string]*list.Element{}, lru: list.New(), counters: c.counters, size: c.size}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the cache needs of the driver's connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachingConn struct {
	inner    sqliteConn
	stmts    map[string]*list.Element // of *cachedStmt, most recently used at the front of lru
	lru      *list.List
	counters *stmtCounters
	size     int
}

// cachedStmt is a statement the cache owns. Close hands it back.
type cachedStmt struct {
	stmt    sqliteStmt
	conn    *cachingConn
	query   string
	busy    bool // handed out and not yet closed
	evicted bool // dropped from the cache while busy: close it for real when it comes back
}

// sqliteStmt is what the cache needs of the driver's statement.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if e, ok := c.stmts[query]; ok {
		s := e.Value.(*cachedStmt)
		if !s.busy {
			s.busy = true
			c.lru.MoveToFront(e)
			c.counters.hits.Add(1)
			return s, nil
		}
	}
	c.counters.misses.Add(1)
	ds, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(sqliteStmt)
	if !ok || len(query) > stmtCacheMaxQuery || c.size <= 0 {
		return ds, nil
	}
	if _, taken := c.stmts[query]; taken {
		// The cached one is busy: this one is used once and closed.
		return ds, nil
	}
	s := &cachedStmt{stmt: st, conn: c, query: query, busy: true}
	c.stmts[query] = c.lru.PushFront(s)
	for c.lru.Len() > c.size {
		c.drop(c.lru.Back())
	}
	return s, nil
}

// drop removes e from the cache, closing its statement now or, if it is
// in use, when it is handed back.
func (c *cachingConn) drop(e *list.Element) {
	s := c.lru.Remove(e).(*cachedStmt)
	delete(c.stmts, s.query)
	if s.busy {
		s.evicted = true
		return
	}
	s.stmt.Close()
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) Close() error {
	for c.lru.Len() > 0 {
		c.drop(c.lru.Front())
	}
	return c.inner.Close()
}

// Begin is the pre-context method driver.Conn requires.
func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.inner.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.inner.Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }

func (c *cachingConn) IsValid() bool { return c.inner.IsValid() }

func (s *cachedStmt) Close() error {
	s.busy = false
	if s.evicted {
		return s.stmt.Close()
	}
	return nil
}

func (s *cachedStmt) NumInput() int { return s.stmt.NumInput() }

// Exec and Query are the pre-context methods driver.Stmt requires;
// database/sql uses the context ones.
func (s *cachedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.stmt.ExecContext(context.Background(), named(args))
}

func (s *cachedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.stmt.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, v := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.stmt.ExecContext(ctx, args)
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.stmt.QueryContext(ctx, args)
}

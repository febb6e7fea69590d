package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Querier runs SQL. DB and Tx both implement it, so a domain function can
// run inside or outside a transaction. Errors are already mapped to the
// sentinels in package pallmall.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *Row
}

// Row is a single-row result whose Scan returns pallmall.ErrNotFound when
// there is no row.
type Row struct {
	row *sql.Row
	err error // set instead of row when the query was refused
}

// Scan copies the row's columns into dest.
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return mapErr(r.row.Scan(dest...))
}

// Writer returns a Querier whose queries all run on the writer, for a single
// write statement with RETURNING outside a transaction. Like every write,
// its queries fail under a context marked with WithReplicaReads.
func (db *DB) Writer() Querier { return writer{db.write} }

type writer struct{ db *sql.DB }

func (w writer) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if ReplicaReads(ctx) {
		return nil, ErrWriteUnderReplicaReads
	}
	res, err := w.db.ExecContext(ctx, query, args...)
	return res, mapErr(err)
}

func (w writer) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if ReplicaReads(ctx) {
		return nil, ErrWriteUnderReplicaReads
	}
	rows, err := w.db.QueryContext(ctx, query, args...)
	return rows, mapErr(err)
}

func (w writer) QueryRow(ctx context.Context, query string, args ...any) *Row {
	if ReplicaReads(ctx) {
		return &Row{err: ErrWriteUnderReplicaReads}
	}
	return &Row{row: w.db.QueryRowContext(ctx, query, args...)}
}

// Exec runs a statement on the writer.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return writer{db.write}.Exec(ctx, query, args...)
}

// Query runs a query on the read pool, or on the read replica when ctx is
// marked with WithReplicaReads and the replica answers (replica.go).
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	pool, onReplica := db.reader(ctx)
	rows, err := pool.QueryContext(ctx, query, args...)
	if onReplica && db.replica.failed(ctx, err) {
		rows, err = db.read.QueryContext(ctx, query, args...)
	}
	return rows, mapErr(err)
}

// QueryRow runs a single-row query on the read pool, or on the read
// replica as Query does. Use Writer or InTx for INSERT ... RETURNING.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *Row {
	pool, onReplica := db.reader(ctx)
	row := pool.QueryRowContext(ctx, query, args...)
	if onReplica && db.replica.failed(ctx, row.Err()) {
		row = db.read.QueryRowContext(ctx, query, args...)
	}
	return &Row{row: row}
}

// Tx is a write transaction.
type Tx struct{ tx *sql.Tx }

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	return res, mapErr(err)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	return rows, mapErr(err)
}

// QueryRow runs a single-row query in the transaction.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: t.tx.QueryRowContext(ctx, query, args...)}
}

// InTx runs fn in a write transaction, committing if fn returns nil and
// rolling back otherwise. The commit is durable when InTx returns nil.
// Every query in the transaction runs on the primary; under a context
// marked with WithReplicaReads, InTx refuses to begin.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if ReplicaReads(ctx) {
		return ErrWriteUnderReplicaReads
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(fmt.Errorf("begin transaction: %w", err))
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(&Tx{tx}); err != nil {
		return err
	}
	return mapErr(tx.Commit())
}

// ScanAll collects every row of rows with scan, closing rows.
func ScanAll[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

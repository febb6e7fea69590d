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
type Row struct{ row *sql.Row }

// Scan copies the row's columns into dest.
func (r *Row) Scan(dest ...any) error { return mapErr(r.row.Scan(dest...)) }

// Writer returns a Querier whose queries all run on the writer, for a single
// write statement with RETURNING outside a transaction.
func (db *DB) Writer() Querier { return writer{db.write} }

type writer struct{ db *sql.DB }

func (w writer) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := w.db.ExecContext(ctx, query, args...)
	return res, mapErr(err)
}

func (w writer) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := w.db.QueryContext(ctx, query, args...)
	return rows, mapErr(err)
}

func (w writer) QueryRow(ctx context.Context, query string, args ...any) *Row {
	return &Row{w.db.QueryRowContext(ctx, query, args...)}
}

// Exec runs a statement on the writer.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := db.write.ExecContext(ctx, query, args...)
	return res, mapErr(err)
}

// Query runs a query on the read pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	return rows, mapErr(err)
}

// QueryRow runs a single-row query on the read pool. Use Writer or InTx for
// INSERT ... RETURNING.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *Row {
	return &Row{db.read.QueryRowContext(ctx, query, args...)}
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
	return &Row{t.tx.QueryRowContext(ctx, query, args...)}
}

// InTx runs fn in a write transaction, committing if fn returns nil and
// rolling back otherwise. The commit is durable when InTx returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
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

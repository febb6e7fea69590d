package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/store"
)

// Dump returns every row of every table of db as text, one line per row
// prefixed with its table's name, like a logical database dump: tests
// search it for values that must not be stored in clear.
func Dump(t testing.TB, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := db.Query(ctx, q)
	names, err := store.ScanAll(rows, err, func(r *sql.Rows) (string, error) {
		var n string
		return n, r.Scan(&n)
	})
	if err != nil {
		t.Fatalf("storetest.Dump: list tables: %v", err)
	}
	var b strings.Builder
	for _, n := range names {
		rows, err := db.Writer().Query(ctx, `SELECT * FROM `+n)
		if err != nil {
			t.Fatalf("storetest.Dump: read %s: %v", n, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("storetest.Dump: %s: %v", n, err)
			}
			b.WriteString(n)
			for _, v := range vals {
				if x, ok := v.([]byte); ok {
					v = string(x)
				}
				fmt.Fprintf(&b, "\t%v", v)
			}
			b.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("storetest.Dump: %s: %v", n, err)
		}
		rows.Close()
	}
	return b.String()
}

package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestMigrateReportsVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cur, latest, err := db.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != latest || cur < 1 {
			t.Errorf("Version() = %d, %d; want equal and at least 1", cur, latest)
		}
		// Migrating again is a no-op.
		v, err := db.Migrate(ctx)
		if err != nil || v != cur {
			t.Errorf("Migrate() again = %d, %v; want %d, nil", v, err, cur)
		}
	})
}

func TestErrorsMapToSentinels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := store.Now()
		insert := `INSERT INTO organisations (name_en, name_fr, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id`
		var id int64
		if err := db.Writer().QueryRow(ctx, insert, "Ruritania", "Ruritanie", "state", now).Scan(&id); err != nil {
			t.Fatalf("insert: %v", err)
		}
		err := db.Writer().QueryRow(ctx, insert, "ruritania", "x", "state", now).Scan(&id)
		if !errors.Is(err, pallmall.ErrAlreadyExists) {
			t.Errorf("duplicate insert error = %v, want ErrAlreadyExists", err)
		}
		var name string
		err = db.QueryRow(ctx, `SELECT name_en FROM organisations WHERE id = $1`, id+1000).Scan(&name)
		if !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("missing row error = %v, want ErrNotFound", err)
		}
		_, err = db.Exec(ctx, `INSERT INTO users (email_index, email, name, role, organisation_id, created_at) VALUES ($1, $1, $2, $3, $4, $5)`,
			"index", "A", "delegate", id+1000, now)
		if !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("foreign key violation error = %v, want ErrConflict", err)
		}
	})
}

func TestTimesRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		want := store.Now()
		var got time.Time
		var id int64
		if err := db.Writer().QueryRow(ctx, `INSERT INTO organisations (name_en, name_fr, kind, created_at) VALUES ($1, $1, 'state', $2) RETURNING id`, "Atlantis", want).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT created_at FROM organisations WHERE id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Errorf("created_at = %v, want %v", got, want)
		}
	})
}

func TestInTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('k', 'v')`); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx() = %v, want boom", err)
		}
		var v string
		if err := db.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'k'`).Scan(&v); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("after rollback, select = %q, %v; want ErrNotFound", v, err)
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, `INSERT INTO audit_events (at, action, object_type, object_id) VALUES ($1, 'x', 'y', '1')`, store.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE audit_events SET action = 'z'`); err == nil {
			t.Error("UPDATE audit_events succeeded, want refusal")
		}
		if _, err := db.Exec(ctx, `DELETE FROM audit_events`); err == nil {
			t.Error("DELETE FROM audit_events succeeded, want refusal")
		}
	})
}

func TestConcurrentWritesOnSQLiteQueue(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	errs := make(chan error, 50)
	for i := range 50 {
		go func() {
			errs <- db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, 'v')`, time.Now().String()+string(rune('a'+i%26))+string(rune('0'+i/26)))
				return err
			})
		}()
	}
	for range 50 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent InTx: %v", err)
		}
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil || n != 50 {
		t.Errorf("count = %d, %v; want 50", n, err)
	}
}

// On SQLite the platform's own reads and writes, inside transactions and
// out, reuse compiled statements (stmtcache.go).
func TestSQLiteStatementsAreReused(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	before := db.StatementCache()
	for i := range 20 {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, 'v')`, "k"+string(rune('a'+i)))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM settings WHERE key <= $1`, "k"+string(rune('a'+i))).Scan(&n); err != nil || n != i+1 {
			t.Fatalf("count after %d inserts = %d, %v", i+1, n, err)
		}
	}
	after := db.StatementCache()
	// 20 inserts on the one writer and 20 reads over the read pool: all but
	// the first insert and the first read on each connection are hits.
	if hits := after.Hits - before.Hits; hits < 20 {
		t.Errorf("40 runs of two statements: %d cache hits (misses %d), want at least 20", hits, after.Misses-before.Misses)
	}
}

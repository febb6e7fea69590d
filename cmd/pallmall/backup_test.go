package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// dumpTables reads every table of the database into sorted text rows, to
// compare two databases whole.
func dumpTables(t *testing.T, d dbFlags) map[string][]string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: d.url, DataDir: d.dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.Query(ctx, q)
	names, err := store.ScanAll(rows, err, func(r *sql.Rows) (string, error) {
		var n string
		return n, r.Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, n := range names {
		rows, err := db.Query(ctx, `SELECT * FROM `+n)
		if err != nil {
			t.Fatalf("read %s: %v", n, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[n] = append(out[n], fmt.Sprint(vals...))
		}
		rows.Close()
		sort.Strings(out[n])
	}
	return out
}

func quietApp(d dbFlags) *App {
	return &App{DB: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestBackupAndRestore(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	type setup struct {
		name     string
		from, to dbFlags
		postgres bool
	}
	cases := []setup{{name: "sqlite", from: dbFlags{dataDir: t.TempDir()}, to: dbFlags{dataDir: filepath.Join(t.TempDir(), "restored")}}}
	if os.Getenv(storetest.EnvURL) != "" {
		cases = append(cases, setup{name: "postgres", postgres: true,
			from: dbFlags{dataDir: t.TempDir(), url: storetest.DatabaseURL(t)},
			to:   dbFlags{dataDir: filepath.Join(t.TempDir(), "restored"), url: storetest.DatabaseURL(t)}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			// A running platform with demo content and log entries.
			a := quietApp(c.from)
			a.Demo = true
			_, stop := startApp(t, a)
			online := filepath.Join(t.TempDir(), "online.tar.gz")
			if _, err := backup(ctx, c.from, online); err != nil { // while serving
				t.Fatalf("online backup: %v", err)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			// The online backup restores into a platform that starts.
			o := c.to
			o.dataDir += "-online"
			if c.postgres {
				o.url = storetest.DatabaseURL(t)
			}
			if _, err := restore(ctx, o, online); err != nil {
				t.Fatalf("restore online backup: %v", err)
			}
			ourl, ostop := startApp(t, quietApp(o))
			if code, body := httpGet(t, ourl+"/organisations"); code != 200 || !strings.Contains(body, "Ghana") {
				t.Errorf("platform restored from the online backup: /organisations = %d", code)
			}
			ostop()

			// Once stopped, a backup restores to exactly the same data.
			archive := filepath.Join(t.TempDir(), "backup.tar.gz")
			m, err := backup(ctx, c.from, archive)
			if err != nil {
				t.Fatalf("backup: %v", err)
			}
			var names []string
			for _, f := range m.Files {
				names = append(names, f.Name)
			}
			for _, want := range []string{"data/keys/", "data/log/checkpoint"} {
				if !strings.Contains(strings.Join(names, " "), want) {
					t.Errorf("backup lacks %s; has %v", want, names)
				}
			}
			if _, err := restore(ctx, c.to, archive); err != nil {
				t.Fatalf("restore: %v", err)
			}
			if diff := cmp.Diff(dumpTables(t, c.from), dumpTables(t, c.to)); diff != "" {
				t.Errorf("restored database differs (-original +restored):\n%s", diff)
			}
			// The data directory's files come back byte for byte, keys
			// still readable only by their owner.
			for _, f := range m.Files {
				rel, ok := strings.CutPrefix(f.Name, "data/")
				if !ok {
					continue
				}
				got, err := os.ReadFile(filepath.Join(c.to.dataDir, rel))
				orig, _ := os.ReadFile(filepath.Join(c.from.dataDir, rel))
				if err != nil || !bytes.Equal(got, orig) {
					t.Errorf("restored %s differs from the original (%v)", rel, err)
				}
				if strings.HasPrefix(rel, "keys/") {
					if fi, _ := os.Stat(filepath.Join(c.to.dataDir, rel)); fi.Mode().Perm() != 0o600 {
						t.Errorf("restored key %s has mode %v", rel, fi.Mode().Perm())
					}
				}
			}
			url, _ := startApp(t, quietApp(c.to))
			if code, body := httpGet(t, url+"/organisations"); code != 200 || !strings.Contains(body, "Ghana") {
				t.Errorf("restored platform /organisations = %d", code)
			}
			// Restoring over existing data is refused.
			if _, err := restore(ctx, c.to, archive); exitCode(err) != 2 {
				t.Errorf("restore into a non-empty directory = %v, want a usage error", err)
			}
		})
	}
}

func TestRestoreRefusesDamagedArchives(t *testing.T) {
	ctx := context.Background()
	from := dbFlags{dataDir: t.TempDir()}
	db, err := from.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := backup(ctx, from, archive); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(archive)
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.tar.gz")
	os.WriteFile(truncated, data[:len(data)/2], 0o600)
	notGzip := filepath.Join(dir, "x.tar.gz")
	os.WriteFile(notGzip, []byte("hello"), 0o600)
	for _, bad := range []string{truncated, notGzip, filepath.Join(dir, "missing.tar.gz")} {
		to := dbFlags{dataDir: filepath.Join(t.TempDir(), "r")}
		if _, err := restore(ctx, to, bad); err == nil {
			t.Errorf("restore(%s) succeeded", filepath.Base(bad))
		}
		if _, err := os.Stat(filepath.Join(to.dataDir, "pallmall.db")); err == nil {
			t.Errorf("restore(%s) left a database behind", filepath.Base(bad))
		}
	}
}

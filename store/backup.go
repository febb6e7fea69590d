package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Snapshot writes a consistent copy of the database to path while the
// platform keeps running. On SQLite it uses VACUUM INTO, which reads one
// transaction's view of the database; on PostgreSQL it runs pg_dump in its
// custom format, which does the same with a repeatable-read snapshot. url
// is the PostgreSQL URL the database was opened with.
func (db *DB) Snapshot(ctx context.Context, url, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	switch db.dialect {
	case SQLite:
		if _, err := db.write.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
			return fmt.Errorf("snapshot SQLite database: %w", err)
		}
		return os.Chmod(path, 0o600)
	case Postgres:
		cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file="+path, "--dbname="+url)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("pg_dump: %w: %s", err, out)
		}
		return os.Chmod(path, 0o600)
	}
	return errors.New("unknown dialect")
}

// RestorePostgres loads a pg_dump custom-format file into the database at
// url, replacing the objects it contains, in one transaction.
func RestorePostgres(ctx context.Context, url, path string) error {
	cmd := exec.CommandContext(ctx, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--dbname="+url, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_restore: %w: %s", err, out)
	}
	return nil
}

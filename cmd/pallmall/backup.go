package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pallmall/pallmall/store"
)

// A backup is a gzipped tar archive holding MANIFEST.json, a consistent
// snapshot of the database (database/pallmall.db on SQLite,
// database/pallmall.pgdump on PostgreSQL) and every other file of the data
// directory under data/: the transparency log, its signing key and any
// other keys. The manifest lists each file with its SHA-256, and restore
// checks every one before using any.

const manifestName = "MANIFEST.json"

type manifest struct {
	Format    int             `json:"format"`
	Version   string          `json:"pallmall_version"`
	CreatedAt time.Time       `json:"created_at"`
	Dialect   store.Dialect   `json:"dialect"`
	Schema    int64           `json:"schema_version"`
	Files     []manifestEntry `json:"files"`
}

type manifestEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// liveDatabaseFiles are the SQLite files a backup replaces with the
// snapshot: copying them while the server writes would not be consistent.
var liveDatabaseFiles = map[string]bool{"pallmall.db": true, "pallmall.db-wal": true, "pallmall.db-shm": true}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("backup", stderr)
	var d dbFlags
	d.register(fs)
	out := fs.String("out", "", "archive to write (required), such as pallmall-backup.tar.gz")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	m, err := backup(ctx, d, *out)
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "Backed up the %s database (schema %d) and %d files to %s\n", m.Dialect, m.Schema, len(m.Files)-1, *out)
	return nil
}

func backup(ctx context.Context, d dbFlags, out string) (*manifest, error) {
	db, err := d.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tmp, err := os.MkdirTemp("", "pallmall-backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	m := &manifest{Format: 1, Version: version, CreatedAt: store.Now(), Dialect: db.Dialect()}
	if m.Schema, _, err = db.Version(ctx); err != nil {
		return nil, err
	}
	// The database first, then the log: entries the log gains meanwhile
	// are found again by the outbox worker's recovery after a restore,
	// whereas a database ahead of its log could not be.
	dbName := "database/pallmall.db"
	if db.Dialect() == store.Postgres {
		dbName = "database/pallmall.pgdump"
	}
	snap := filepath.Join(tmp, filepath.FromSlash(dbName))
	if err := db.Snapshot(ctx, d.url, snap); err != nil {
		return nil, err
	}
	type file struct{ name, src string }
	files := []file{{dbName, snap}}
	var rest []string
	err = filepath.WalkDir(d.dataDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(d.dataDir, p)
		if e.IsDir() || liveDatabaseFiles[rel] || !e.Type().IsRegular() {
			return nil
		}
		rest = append(rest, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read data directory: %w", err)
	}
	// A log checkpoint goes before its tiles: tiles are never rewritten,
	// so every tile the copied checkpoint needs is then in the archive.
	sort.SliceStable(rest, func(i, j int) bool {
		return path.Base(rest[i]) == "checkpoint" && path.Base(rest[j]) != "checkpoint"
	})
	for _, r := range rest {
		files = append(files, file{"data/" + r, filepath.Join(d.dataDir, filepath.FromSlash(r))})
	}

	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for i, file := range files {
		e, err := addFile(tw, file.name, file.src)
		if i > 0 && errors.Is(err, fs.ErrNotExist) {
			// Listed, then gone before it was copied: a temporary file
			// the log's writer renamed or removed meanwhile (under
			// log/.state/), not part of what is backed up.
			continue
		}
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, e)
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(b)), ModTime: m.CreatedAt}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(b); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	return m, f.Close()
}

func addFile(tw *tar.Writer, name, src string) (manifestEntry, error) {
	f, err := os.Open(src)
	if err != nil {
		return manifestEntry{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return manifestEntry{}, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
		return manifestEntry{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), f)
	if err != nil {
		return manifestEntry{}, fmt.Errorf("archive %s: %w", name, err)
	}
	return manifestEntry{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("restore", stderr)
	var d dbFlags
	d.register(fs)
	in := fs.String("in", "", "archive written by pallmall backup (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *in == "" {
		return usageError{"--in is required"}
	}
	m, err := restore(ctx, d, *in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Restored the %s backup of %s (schema %d, %d files) into %s\n", m.Dialect, m.CreatedAt.Format(time.RFC3339), m.Schema, len(m.Files), d.dataDir)
	return nil
}

// restore unpacks an archive into an empty data directory and, on
// PostgreSQL, into the database. Every file is checked against the
// manifest before anything is put in place.
func restore(ctx context.Context, d dbFlags, in string) (*manifest, error) {
	if entries, err := os.ReadDir(d.dataDir); err == nil && len(entries) > 0 {
		return nil, usageError{fmt.Sprintf("data directory %s is not empty; restore into a new one", d.dataDir)}
	}
	parent := filepath.Dir(filepath.Clean(d.dataDir))
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(parent, ".pallmall-restore-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)
	m, err := unpack(in, staging)
	if err != nil {
		return nil, err
	}
	wantDialect := store.SQLite
	if d.url != "" {
		wantDialect = store.Postgres
	}
	if m.Dialect != wantDialect {
		return nil, usageError{fmt.Sprintf("the backup is of a %s database; give --database accordingly", m.Dialect)}
	}
	if err := os.MkdirAll(d.dataDir, 0o700); err != nil {
		return nil, err
	}
	for _, e := range m.Files {
		var dst string
		switch {
		case strings.HasPrefix(e.Name, "data/"):
			dst = filepath.Join(d.dataDir, filepath.FromSlash(strings.TrimPrefix(e.Name, "data/")))
		case e.Name == "database/pallmall.db":
			dst = filepath.Join(d.dataDir, "pallmall.db")
		default:
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(staging, filepath.FromSlash(e.Name)), dst); err != nil {
			return nil, err
		}
	}
	if m.Dialect == store.Postgres {
		if err := store.RestorePostgres(ctx, d.url, filepath.Join(staging, "database", "pallmall.pgdump")); err != nil {
			return nil, err
		}
	}
	// Opening migrates a backup made by an older version.
	db, err := d.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("open restored database: %w", err)
	}
	return m, db.Close()
}

// unpack extracts an archive into dir and checks it against its manifest.
func unpack(in, dir string) (*manifest, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s is not a pallmall backup: %w", in, err)
	}
	tr := tar.NewReader(gz)
	sums := map[string]string{}
	var m *manifest
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", in, err)
		}
		name := path.Clean(h.Name)
		if h.Typeflag != tar.TypeReg || name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return nil, fmt.Errorf("%s: unexpected entry %q", in, h.Name)
		}
		if name == manifestName {
			m = &manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(m); err != nil {
				return nil, fmt.Errorf("%s: bad manifest: %w", in, err)
			}
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		hash := sha256.New()
		_, err = io.Copy(io.MultiWriter(out, hash), tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", in, name, err)
		}
		sums[name] = hex.EncodeToString(hash.Sum(nil))
	}
	if m == nil {
		return nil, fmt.Errorf("%s has no %s: not a complete pallmall backup", in, manifestName)
	}
	if m.Format != 1 {
		return nil, fmt.Errorf("%s: backup format %d is not supported", in, m.Format)
	}
	for _, e := range m.Files {
		got, ok := sums[e.Name]
		if !ok {
			return nil, fmt.Errorf("%s: %s is listed in the manifest but missing", in, e.Name)
		}
		if got != e.SHA256 {
			return nil, fmt.Errorf("%s: %s is corrupted (SHA-256 %s, manifest says %s)", in, e.Name, got, e.SHA256)
		}
		delete(sums, e.Name)
	}
	for name := range sums {
		return nil, fmt.Errorf("%s: %s is not in the manifest", in, name)
	}
	return m, nil
}

package ledger

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// fixture is a log built once per test binary and copied by the tests that
// tamper with it: the same key at sizes 300 and 600, and a fork of it (same
// key, different entries) at size 700.
type fixture struct {
	key                  *Key
	dir300, dir600, fork string
	cp300, cp600         Checkpoint
	receipt              *Receipt // entry 5 under cp600
}

var (
	fixtureOnce sync.Once
	fixtureVal  *fixture
	fixtureErr  error
	fixtureRoot string
)

func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() { fixtureVal, fixtureErr = buildFixture() })
	if fixtureErr != nil {
		t.Fatalf("build fixture: %v", fixtureErr)
	}
	return fixtureVal
}

func buildFixture() (*fixture, error) {
	ctx := context.Background()
	root, err := os.MkdirTemp("", "ledger-fixture")
	if err != nil {
		return nil, err
	}
	fixtureRoot = root
	key, err := LoadOrCreateKey(filepath.Join(root, "key"), testOrigin)
	if err != nil {
		return nil, err
	}
	f := &fixture{key: key, dir300: filepath.Join(root, "log300"), dir600: filepath.Join(root, "log600"), fork: filepath.Join(root, "fork")}
	grow := func(dir, tag string, from, n int) (Checkpoint, error) {
		l, err := Open(ctx, Options{Dir: dir, Key: key})
		if err != nil {
			return Checkpoint{}, err
		}
		defer l.Close(ctx)
		idx, err := l.AppendMany(ctx, testEntries(nil, tag, from, n))
		if err != nil {
			return Checkpoint{}, err
		}
		return l.WaitPublished(ctx, idx[len(idx)-1])
	}
	if f.cp300, err = grow(f.dir600, "e", 0, 300); err != nil {
		return nil, err
	}
	if err := os.CopyFS(f.dir300, os.DirFS(f.dir600)); err != nil {
		return nil, err
	}
	if f.cp600, err = grow(f.dir600, "e", 300, 300); err != nil {
		return nil, err
	}
	if _, err := grow(f.fork, "forked", 0, 700); err != nil {
		return nil, err
	}
	l, err := Open(ctx, Options{Dir: f.dir600, Key: key})
	if err != nil {
		return nil, err
	}
	defer l.Close(ctx)
	if f.receipt, err = l.Receipt(ctx, 5); err != nil {
		return nil, err
	}
	return f, nil
}

// serveCopy copies the log in src to a fresh directory, serves it under
// /log/ and returns the directory and the log's URL.
func serveCopy(t *testing.T, src string) (dir, url string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "log")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/log/", http.StripPrefix("/log/", NewHandler(dir)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return dir, srv.URL + "/log/"
}

package ledger

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

func TestHandler(t *testing.T) {
	f := getFixture(t)
	dir := filepath.Join(t.TempDir(), "log")
	if err := os.CopyFS(dir, os.DirFS(f.dir600)); err != nil {
		t.Fatal(err)
	}
	// A symbolic link planted in the log must not lead out of it.
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "tile", "0", "999")); err != nil {
		t.Fatal(err)
	}
	h := http.StripPrefix("/log/", NewHandler(dir))

	const immutable = "public, max-age=31536000, immutable"
	tests := []struct {
		method, path string
		status       int
		contentType  string
		cacheControl string
	}{
		{"GET", "/log/checkpoint", 200, "text/plain; charset=utf-8", "no-cache"},
		{"HEAD", "/log/checkpoint", 200, "text/plain; charset=utf-8", "no-cache"},
		{"GET", "/log/tile/0/000", 200, "application/octet-stream", immutable},
		{"GET", "/log/tile/0/002.p/88", 200, "application/octet-stream", immutable},
		{"GET", "/log/tile/1/000.p/2", 200, "application/octet-stream", immutable},
		{"GET", "/log/tile/entries/001", 200, "application/octet-stream", immutable},
		{"GET", "/log/tile/entries/002.p/88", 200, "application/octet-stream", immutable},
		{"POST", "/log/checkpoint", 405, "", ""},
		{"PUT", "/log/tile/0/000", 405, "", ""},
		{"GET", "/log/tile/0/003", 404, "", ""},
		{"GET", "/log/tile/entries/x001/000", 404, "", ""},
		// Directories, private state and non-canonical spellings.
		{"GET", "/log/", 404, "", ""},
		{"GET", "/log/tile/", 404, "", ""},
		{"GET", "/log/tile/0/", 404, "", ""},
		{"GET", "/log/tile/entries", 404, "", ""},
		{"GET", "/log/.state/treeState", 404, "", ""},
		{"GET", "/log/.state/version", 404, "", ""},
		{"GET", "/log/tile/0/0000", 404, "", ""},
		{"GET", "/log/tile/00/000", 404, "", ""},
		{"GET", "/log/tile/0/x000/000", 404, "", ""},
		{"GET", "/log/tile/0/000.p/0", 404, "", ""},
		{"GET", "/log/tile/0/000.p/256", 404, "", ""},
		{"GET", "/log/tile/64/000", 404, "", ""},
		{"GET", "/log/checkpoint/", 404, "", ""},
		{"GET", "/log/tile/0/999", 404, "", ""},
		// Traversal.
		{"GET", "/log/../key/log.key", 404, "", ""},
		{"GET", "/log/tile/../../key/log.key", 404, "", ""},
		{"GET", "/log/tile/0/../../.state/treeState", 404, "", ""},
		{"GET", "/log/tile/0/000/../000", 404, "", ""},
		{"GET", "/log/tile/%2e%2e/%2e%2e/key/log.key", 404, "", ""},
		{"GET", "/log//etc/passwd", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://example.org/", nil)
			// Set the decoded path directly, so ".." reaches the handler as
			// it would from a client that does not clean paths.
			p, err := url.PathUnescape(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Path, req.URL.RawPath = p, tt.path
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("%s %s status = %d, want %d", tt.method, tt.path, rec.Code, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("%s %s Content-Type = %q, want %q", tt.method, tt.path, got, tt.contentType)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.cacheControl {
				t.Errorf("%s %s Cache-Control = %q, want %q", tt.method, tt.path, got, tt.cacheControl)
			}
		})
	}
}

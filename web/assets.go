package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// The static assets are built by `make assets` from GOV.UK Frontend and
// committed, so that `go install` needs no Node.js.
//
//go:embed all:assets/static
var staticFiles embed.FS

// assetSet serves the embedded assets. Each file is reachable at a
// content-hashed name (pallmall.3f2a1c9e.css), cached for a year, and at its
// plain name for references from inside CSS, cached briefly.
type assetSet struct {
	files  fs.FS
	hashed map[string]string // plain name -> hashed name
	plain  map[string]string // hashed name -> plain name
	gz     map[string][]byte // plain name -> gzipped content, where it is smaller
}

func loadAssets() (*assetSet, error) {
	sub, err := fs.Sub(staticFiles, "assets/static")
	if err != nil {
		return nil, err
	}
	a := &assetSet{files: sub, hashed: map[string]string{}, plain: map[string]string{}, gz: map[string][]byte{}}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		h := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		a.hashed[p] = h
		a.plain[h] = p
		// Text assets are compressed once, at start-up: the stylesheet goes
		// from about 150 KB to about 20 KB on the wire. Pages themselves
		// are not compressed, so a secret on a page (a resume link) can
		// never be guessed from compressed sizes (BREACH).
		if isText(p) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			if buf.Len() < len(b) {
				a.gz[p] = buf.Bytes()
			}
		}
		return nil
	})
	return a, err
}

// URL returns the content-hashed URL of an asset; it panics on a name that
// does not exist so that a typo fails every test that renders the page.
func (a *assetSet) URL(name string) string {
	h, ok := a.hashed[name]
	if !ok {
		panic("web: no asset " + name)
	}
	return "/assets/" + h
}

func (a *assetSet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/assets/")
	cache := "public, max-age=300"
	if p, ok := a.plain[name]; ok {
		name, cache = p, "public, max-age=31536000, immutable"
	} else if _, ok := a.hashed[name]; !ok {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(a.files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", cache)
	h.Add("Vary", "Accept-Encoding")
	if z, ok := a.gz[name]; ok && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		b = z
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func isText(name string) bool {
	switch path.Ext(name) {
	case ".css", ".js", ".svg", ".json", ".txt":
		return true
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
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
}

func loadAssets() (*assetSet, error) {
	sub, err := fs.Sub(staticFiles, "assets/static")
	if err != nil {
		return nil, err
	}
	a := &assetSet{files: sub, hashed: map[string]string{}, plain: map[string]string{}}
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
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", cache)
	w.Write(b)
}

package ledger

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
)

// tilePathPattern matches the tlog-tiles resource paths other than
// "checkpoint": tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>].
var tilePathPattern = regexp.MustCompile(`^tile/(entries|[0-9]{1,2})/((?:x[0-9]{3}/)*[0-9]{3})(\.p/[0-9]{1,3})?$`)

// NewHandler returns a read-only http.Handler serving the log stored in dir
// exactly as C2SP tlog-tiles lays it out, for mounting under /log/:
//
//	mux.Handle("/log/", http.StripPrefix("/log/", ledger.NewHandler(dir)))
//
// It serves "checkpoint" (text/plain, Cache-Control: no-cache),
// "tile/<L>/<N>[.p/<W>]" and "tile/entries/<N>[.p/<W>]"
// (application/octet-stream, immutable: a tile path's content never
// changes). Every other path, including directories, non-canonical spellings
// of a tile path and Tessera's private state, gets 404; methods other than
// GET and HEAD get 405. Files are opened with os.OpenInRoot, so even a
// symbolic link planted in dir cannot escape it.
func NewHandler(dir string) http.Handler {
	return &handler{dir: dir}
}

type handler struct {
	dir string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	var contentType, cacheControl string
	checkpoint := name == layout.CheckpointPath
	switch {
	case checkpoint:
		contentType, cacheControl = "text/plain; charset=utf-8", "no-cache"
	case isCanonicalTilePath(name):
		contentType, cacheControl = "application/octet-stream", "public, max-age=31536000, immutable"
	default:
		http.NotFound(w, r)
		return
	}
	f, err := os.OpenInRoot(h.dir, name)
	if err != nil {
		// Missing, or a link leading outside dir: either way, not found.
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", cacheControl)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	modTime := fi.ModTime()
	if checkpoint {
		// Last-Modified has one-second resolution and the checkpoint can
		// change several times a second: let conditional requests miss.
		modTime = time.Time{}
	}
	http.ServeContent(w, r, "", modTime, f)
}

// isCanonicalTilePath reports whether name is a tile or entry bundle path
// spelt exactly as tlog-tiles (and Tessera) writes it. Requiring the
// canonical spelling rules out "..", "//", leading zeros and other aliases.
func isCanonicalTilePath(name string) bool {
	m := tilePathPattern.FindStringSubmatch(name)
	if m == nil {
		return false
	}
	index, partial, err := layout.ParseTileIndexPartial(m[2] + m[3])
	if err != nil {
		return false
	}
	if m[1] == "entries" {
		return name == layout.EntriesPath(index, partial)
	}
	level, err := layout.ParseTileLevel(m[1])
	if err != nil {
		return false
	}
	return name == layout.TilePath(level, index, partial)
}

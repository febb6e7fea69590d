package web

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultPageCache is how many bytes of rendered public pages a server
// keeps for anonymous visitors when Server.PageCache is 0.
const DefaultPageCache = 64 << 20

// pageMaxAge bounds how long a stored page is served even when its stamp
// has not changed, in case something it shows escapes the stamp. The
// stamps are meant to miss nothing; this is the safety net, and costs one
// rebuild a minute per page at most.
const pageMaxAge = time.Minute

// pageCache keeps rendered public pages for anonymous visitors, so that a
// crowd reading the same page costs one small query and a copy of bytes
// per request instead of its SQL and template.
//
// Only GET and HEAD requests carrying no credential (no session, resume or
// deliberation cookie, no Authorization header) are served from it or fill
// it, and only for the routes wrapped with Server.cached. An entry is the
// status, the headers the handler set and the body of a 200 response that
// sets no cookie and is not marked no-store, under the route pattern, the
// language and the path with its query string. Before serving an entry the
// cache reads the page kind's stamp from the database (pageKind.stamp: the
// data generations of store/generations.go and whatever else the page
// shows) and serves the entry only if the stamp is the one it was built
// under and it has not expired; otherwise one request rebuilds it while
// the others asking for the same key wait for that result. The stamp is
// read before the page is built, and again after: the page is kept only
// if both reads agree, so an entry is never older than its stamp. A
// request only ever uses a stamp read that began after it arrived
// (stampReads), so it sees every change committed before it. Several
// instances each keep their own entries and check the same stamps, so a
// change made through any instance shows on every instance's next
// request. With a read replica, the stamp is read where the page is: on
// the replica for the routes that read it (replicaRoutes), so a cached
// page is exactly as fresh as the replica.
//
// Memory is bounded: least recently used entries are dropped once the
// bytes held pass the limit, and a page larger than an eighth of it is
// never kept.
type pageCache struct {
	max     int64
	metrics *Metrics
	stamps  stampReads

	mu      sync.Mutex
	entries map[string]*list.Element // of *pageEntry
	lru     list.List                // most recently used at the front
	size    int64
	flights map[string]*pageFlight
}

type pageEntry struct {
	key     string
	stamp   string
	expires time.Time
	status  int
	header  http.Header // the headers the handler set; a nil value is one it removed
	body    []byte
	size    int64
}

// pageFlight is one request building a key's entry; others wait on done.
type pageFlight struct {
	done   chan struct{}
	stored bool // an entry was stored when done closed
}

// pageKind is a kind of cached page and how to tell whether a stored copy
// is still what the handler would render.
type pageKind struct {
	name string
	// stamp reads from the database a string that changes whenever
	// anything the page shows changes, and the time at which the page
	// changes by itself if nothing else does (zero for never): a
	// consultation opening or closing. It is read before the page is
	// built. An error leaves the request to the handler, uncached.
	stamp func(s *Server, r *http.Request) (string, time.Time, error)
	// params are the query parameters the page's handler reads, besides
	// lang. A request with any other parameter is served uncached and
	// not kept: the query is part of the key, so made-up parameters
	// would otherwise each cost a build and push real pages out.
	params []string
}

// takes reports whether every parameter of query is lang or one of the
// kind's params.
func (k *pageKind) takes(rawQuery string) bool {
	if rawQuery == "" {
		return true
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false
	}
	for name := range q {
		if name != "lang" && !slices.Contains(k.params, name) {
			return false
		}
	}
	return true
}

func newPageCache(max int64, m *Metrics) *pageCache {
	return &pageCache{max: max, metrics: m, entries: map[string]*list.Element{}, flights: map[string]*pageFlight{}}
}

// anonymous reports whether a request carries no credential, so that the
// same bytes may answer anyone: the rule of withPrivateCaching.
func anonymous(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return false
	}
	for _, c := range r.Cookies() {
		if credentialCookie(c.Name) {
			return false
		}
	}
	ri := info(r)
	return !ri.actor.SignedIn() && !ri.pending
}

// cached serves h's page of the given kind from the page cache when it
// may. Without a cache (Server.PageCache negative) it is h.
func (s *Server) cached(kind *pageKind, h http.Handler) http.Handler {
	c := s.pages
	if c == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !anonymous(r) || !kind.takes(r.URL.RawQuery) {
			c.count(kind, "bypass")
			h.ServeHTTP(w, r)
			return
		}
		// The stamp is read where the handler reads the page from: the
		// read replica for the routes that may use one (withReplicaReads).
		sr := withReplicaReads(r)
		stamp, changes, err := c.stamps.read(sr, kind.name+"\x00"+r.PathValue("id"), func(r *http.Request) (string, time.Time, error) {
			return kind.stamp(s, r)
		})
		if err != nil {
			c.count(kind, "bypass")
			h.ServeHTTP(w, r)
			return
		}
		again := func() string {
			st, _, err := kind.stamp(s, sr)
			if err != nil {
				return ""
			}
			return st
		}
		key := r.Pattern + "\x00" + info(r).lang + "\x00" + r.URL.RequestURI()
		c.serve(w, r, h, kind, key, stamp, changes, again)
	})
}

func (c *pageCache) serve(w http.ResponseWriter, r *http.Request, h http.Handler, kind *pageKind, key, stamp string, changes time.Time, again func() string) {
	for {
		c.mu.Lock()
		if el := c.entries[key]; el != nil {
			e := el.Value.(*pageEntry)
			if e.stamp == stamp && time.Now().Before(e.expires) {
				c.lru.MoveToFront(el)
				c.mu.Unlock()
				c.count(kind, "hit")
				e.write(w)
				return
			}
		}
		f := c.flights[key]
		if f == nil {
			f = &pageFlight{done: make(chan struct{})}
			c.flights[key] = f
			c.mu.Unlock()
			c.count(kind, "miss")
			c.build(w, r, h, key, stamp, changes, again, f)
			return
		}
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-r.Context().Done():
			return
		}
		if !f.stored {
			// The page could not be kept (an error page, a redirect, a
			// page too large): each waiting request renders its own, at
			// once, rather than one after another.
			c.count(kind, "miss")
			h.ServeHTTP(w, r)
			return
		}
		// An entry was stored: serve it if it was built under this
		// request's stamp, else build again.
	}
}

// build runs the handler for its own request, recording what it writes,
// and stores the result if it may be kept and the stamp, read again
// (again), has not changed meanwhile. The page was then built from data
// at least as new as the stamp, even when its reads and the stamp's did
// not all go to the same database (a read replica marked down, then up
// again, between them).
func (c *pageCache) build(w http.ResponseWriter, r *http.Request, h http.Handler, key, stamp string, changes time.Time, again func() string, f *pageFlight) {
	rec := &pageRecorder{ResponseWriter: w, before: w.Header().Clone(), limit: c.max / 8}
	defer func() {
		// Also on a panic, which withRecovery turns into a 500 page: the
		// waiting requests must not wait for ever.
		c.mu.Lock()
		delete(c.flights, key)
		close(f.done)
		c.mu.Unlock()
	}()
	start := time.Now()
	h.ServeHTTP(rec, r)
	if !rec.keep() || again() != stamp {
		return
	}
	expires := start.Add(pageMaxAge)
	if !changes.IsZero() && changes.Before(expires) {
		expires = changes
	}
	e := &pageEntry{key: key, stamp: stamp, expires: expires, status: rec.status, header: rec.header, body: bytes.Clone(rec.body.Bytes())}
	e.size = int64(len(e.body) + len(e.key) + len(e.stamp) + 256)
	for k, vs := range e.header {
		e.size += int64(len(k))
		for _, v := range vs {
			e.size += int64(len(v))
		}
	}
	c.mu.Lock()
	c.put(e)
	f.stored = true
	c.mu.Unlock()
}

// put stores e, dropping the least recently used entries beyond the
// limit. c.mu is held.
func (c *pageCache) put(e *pageEntry) {
	if old := c.entries[e.key]; old != nil {
		c.remove(old)
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.size += e.size
	for c.size > c.max {
		c.remove(c.lru.Back())
	}
	if c.metrics != nil {
		c.metrics.pageCacheBytes.Set(float64(c.size))
	}
}

func (c *pageCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*pageEntry)
	delete(c.entries, e.key)
	c.size -= e.size
}

func (c *pageCache) count(kind *pageKind, result string) {
	if c.metrics != nil {
		c.metrics.pageCacheRequests.WithLabelValues(kind.name, result).Inc()
	}
}

// write sends a stored page: the handler's headers over those the
// middleware set for this request, then the status and the body in one
// write, as render does.
func (e *pageEntry) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range e.header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v // clipped when stored: an Add after this copies
		}
	}
	w.WriteHeader(e.status)
	w.Write(e.body)
}

// pageRecorder passes a response through while keeping a copy of its
// status, the headers the handler set (compared with those set before it
// ran) and its body, up to limit bytes.
type pageRecorder struct {
	http.ResponseWriter
	before http.Header
	limit  int64
	status int
	header http.Header
	body   bytes.Buffer
	over   bool
}

func (p *pageRecorder) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
		p.header = http.Header{}
		after := p.ResponseWriter.Header()
		for k, v := range after {
			if !slices.Equal(p.before[k], v) {
				p.header[k] = slices.Clip(slices.Clone(v))
			}
		}
		for k := range p.before {
			if _, ok := after[k]; !ok {
				p.header[k] = nil
			}
		}
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.WriteHeader(http.StatusOK)
	}
	if !p.over {
		if int64(p.body.Len()+len(b)) > p.limit {
			p.over = true
			p.body = bytes.Buffer{}
		} else {
			p.body.Write(b)
		}
	}
	return p.ResponseWriter.Write(b)
}

func (p *pageRecorder) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// keep reports whether the recorded response may answer other anonymous
// requests: a whole 200 page that sets no cookie and that the handler did
// not mark no-store.
func (p *pageRecorder) keep() bool {
	if p.status != http.StatusOK || p.over {
		return false
	}
	if _, ok := p.header["Set-Cookie"]; ok {
		return false
	}
	return !strings.Contains(p.header.Get("Cache-Control"), "no-store")
}

// stampReads shares the reading of a stamp among the requests that need
// it at the same moment, without ever giving a request a stamp read
// before it arrived: a request joins a read that has not begun yet, or
// begins one. While a read is running, the requests arriving meanwhile
// wait together for the next, which begins as soon as the running one
// ends. Under a crowd the database then answers a few stamp queries per
// page and per round trip instead of one per request, and a change
// committed before a request arrived is always seen by it.
type stampReads struct {
	mu    sync.Mutex
	slots map[string]*stampSlot
}

type stampSlot struct {
	running *stampRead // begun; the requests that arrived after it began wait for next
	next    *stampRead // not begun yet: a request arriving now may join it
}

type stampRead struct {
	done    chan struct{}
	sharers int // the requests it is for, the one reading it included
	stamp   string
	changes time.Time
	err     error
}

// read returns the stamp under key, read by fn (with r, or with another
// request for the same key that arrived no earlier than r did).
func (g *stampReads) read(r *http.Request, key string, fn func(*http.Request) (string, time.Time, error)) (string, time.Time, error) {
	g.mu.Lock()
	if g.slots == nil {
		g.slots = map[string]*stampSlot{}
	}
	sl := g.slots[key]
	if sl == nil {
		sl = &stampSlot{}
		g.slots[key] = sl
	}
	if rd := sl.next; rd != nil {
		rd.sharers++
		g.mu.Unlock()
		select {
		case <-rd.done:
			return rd.stamp, rd.changes, rd.err
		case <-r.Context().Done():
			return "", time.Time{}, r.Context().Err()
		}
	}
	rd := &stampRead{done: make(chan struct{}), sharers: 1}
	if prev := sl.running; prev != nil {
		// Begun before this request arrived: of no use to it. Its
		// successor begins when it ends, for everyone arriving until then.
		sl.next = rd
		g.mu.Unlock()
		<-prev.done
		g.mu.Lock()
		sl.next = nil
	}
	sl.running = rd
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		sl.running = nil
		if sl.next == nil {
			delete(g.slots, key)
		}
		g.mu.Unlock()
		close(rd.done)
	}()
	rd.err = errStampPanicked // until fn returns
	// The requests waiting for this read must not fail because this one's
	// client went away.
	rd.stamp, rd.changes, rd.err = fn(r.WithContext(context.WithoutCancel(r.Context())))
	return rd.stamp, rd.changes, rd.err
}

var errStampPanicked = errors.New("page cache: reading the stamp panicked")

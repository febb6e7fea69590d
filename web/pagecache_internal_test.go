package web

import (
	"container/list"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPageCacheRules checks the cache's own rules with a fake page: what
// is kept, when it is rebuilt, and that memory stays within its bound,
// dropping the least recently used pages first.
func TestPageCacheRules(t *testing.T) {
	const max = 32 << 10
	s := &Server{pages: newPageCache(max, nil)}
	stamp := "1"
	var changes time.Time
	kind := &pageKind{name: "test", stamp: func(*Server, *http.Request) (string, time.Time, error) { return stamp, changes, nil }, params: []string{"x"}}
	builds := map[string]int{}
	h := s.cached(kind, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		builds[r.URL.RequestURI()]++
		switch r.URL.Path {
		case "/missing":
			http.Error(w, "not found", http.StatusNotFound)
			return
		case "/cookie":
			http.SetCookie(w, &http.Cookie{Name: "x", Value: "y"})
		case "/no-store":
			w.Header().Set("Cache-Control", "no-store")
		case "/large":
			w.Write([]byte(strings.Repeat("x", max/8+1)))
			return
		case "/racing":
			stamp += "+" // a change committed while the page is built
			w.Write([]byte("racing"))
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(strings.Repeat("p", max/9) + r.URL.RequestURI() + " " + stamp))
	}))
	get := func(path string) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	twice := func(path string, wantBuilds int) {
		t.Helper()
		before := builds[path]
		a, b := get(path), get(path)
		if a.Body.String() != b.Body.String() || a.Code != b.Code {
			t.Errorf("%s: two requests differ", path)
		}
		if got := builds[path] - before; got != wantBuilds {
			t.Errorf("%s twice: %d builds, want %d", path, got, wantBuilds)
		}
	}
	twice("/a", 1)
	twice("/a?x=1", 1) // the query is part of the key
	twice("/a?x=1&lang=fr", 1)
	twice("/a?junk=1", 2) // a parameter the page does not read: not kept
	twice("/a?x=1&junk=2", 2)
	twice("/a?x=%zz", 2) // not a query at all
	for _, p := range []string{"/missing", "/cookie", "/no-store", "/large", "/racing"} {
		twice(p, 2) // never kept
	}
	if got := get("/a").Header().Get("Content-Type"); got != "text/plain" {
		t.Errorf("cached page's Content-Type = %q", got)
	}

	stamp = "2"
	twice("/a", 1) // a new stamp rebuilds, once
	if !strings.HasSuffix(get("/a").Body.String(), " 2") {
		t.Errorf("the rebuilt page is not the new one")
	}
	changes = time.Now().Add(-time.Second) // already past: never served again
	twice("/b", 2)
	changes = time.Time{}

	// Pages of a ninth of the limit (and their key and headers) fit eight
	// at a time: the least recently used goes first.
	s.pages.entries, s.pages.size = map[string]*list.Element{}, 0
	s.pages.lru.Init()
	for _, p := range []string{"/1", "/2", "/3", "/4", "/5", "/6", "/7", "/8"} {
		get(p)
	}
	if len(s.pages.entries) != 8 {
		t.Fatalf("%d pages kept, want 8", len(s.pages.entries))
	}
	get("/1") // now the most recently used
	get("/9") // drops /2, the least recently used
	if s.pages.size > max {
		t.Errorf("cache holds %d bytes, over its %d", s.pages.size, max)
	}
	before := builds["/1"] + builds["/2"]
	get("/1")
	get("/2")
	if got := builds["/1"] + builds["/2"] - before; got != 1 || builds["/2"] != 2 {
		t.Errorf("after eviction: /1 built %d times, /2 %d times; want /1 kept and /2 dropped", builds["/1"], builds["/2"])
	}
}

// TestStampReadsNeverPredateTheRequest: requests arriving while a stamp
// read runs share the next read, which begins after the running one ends;
// none gets a read that began before it arrived.
func TestStampReadsNeverPredateTheRequest(t *testing.T) {
	var g stampReads
	var mu sync.Mutex
	reads := 0
	release := make(chan struct{})
	started := make(chan int, 10)
	fn := func(*http.Request) (string, time.Time, error) {
		mu.Lock()
		reads++
		n := reads
		mu.Unlock()
		started <- n
		if n == 1 {
			<-release
		}
		return strconv.Itoa(n), time.Time{}, nil
	}
	r := httptest.NewRequest("GET", "/", nil)
	got := make(chan string, 10)
	read := func() {
		s, _, err := g.read(r, "k", fn)
		if err != nil {
			t.Error(err)
		}
		got <- s
	}
	go read()
	if n := <-started; n != 1 {
		t.Fatalf("first read is read %d", n)
	}
	// Three requests arrive while the first read runs.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(read)
	}
	// Wait until they are all waiting for the next read.
	for {
		g.mu.Lock()
		queued := g.slots["k"] != nil && g.slots["k"].next != nil && g.slots["k"].next.sharers == 3
		g.mu.Unlock()
		if queued {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if s := <-got; s != "1" {
		t.Errorf("the first request got read %s", s)
	}
	for range 3 {
		if s := <-got; s != "2" {
			t.Errorf("a request arriving during read 1 got read %s, want 2", s)
		}
	}
	if reads != 2 {
		t.Errorf("%d reads for four requests, want 2", reads)
	}
	go read()
	if s := <-got; s != "3" {
		t.Errorf("a later request got read %s, want a read of its own", s)
	}
	if len(g.slots) != 0 {
		t.Errorf("%d slots left", len(g.slots))
	}
}

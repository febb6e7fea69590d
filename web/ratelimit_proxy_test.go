package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

// TestTrustedProxyNamesTheClient checks that behind a trusted proxy each
// forwarded client has a budget of its own, and that without the setting
// (or from an untrusted peer) X-Forwarded-For is ignored, so a client
// cannot dodge its limit by writing the header itself.
func TestTrustedProxyNamesTheClient(t *testing.T) {
	s := newSite(t, storetest.SQLite(t))
	for _, c := range []struct {
		name    string
		trusted []netip.Prefix
		// whether clients forwarded with different addresses get budgets
		// of their own
		separate bool
	}{
		{"trusted loopback proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, true},
		{"no trusted proxy", nil, false},
		{"another proxy trusted", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := &web.Server{DB: s.db, Auth: s.auth, Writes: auth.NewLimiter(2, time.Minute), TrustedProxies: c.trusted}
			h, err := srv.Handler()
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(h)
			defer ts.Close()
			post := func(forwarded string) int {
				req, _ := http.NewRequest("POST", ts.URL+"/sign-in", strings.NewReader("email=x%40example.org&password=wrong+wrong+wrong"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				// A client's own claim first, then the address the proxy saw.
				req.Header.Set("X-Forwarded-For", "203.0.113.99, "+forwarded)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			post("198.51.100.1")
			post("198.51.100.1")
			if code := post("198.51.100.1"); code != http.StatusTooManyRequests {
				t.Errorf("third write from one forwarded client = %d, want 429", code)
			}
			code := post("198.51.100.2")
			if got := code != http.StatusTooManyRequests; got != c.separate {
				t.Errorf("write from a second forwarded client = %d; separate budget = %v, want %v", code, got, c.separate)
			}
		})
	}
}

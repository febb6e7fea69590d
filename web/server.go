// Package web serves the platform's HTML pages: server-rendered
// html/template pages in English and French, styled with GOV.UK Frontend
// rebranded for the Pall Mall Process, usable without JavaScript.
package web

import (
	"log/slog"
	"net/http"
	"net/netip"
	"sync"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// Server holds what the pages need. Build one with named fields and call
// Handler.
type Server struct {
	DB     *store.DB
	Auth   *auth.Service
	Logger *slog.Logger
	// PublicURL is where the platform is reached, such as
	// https://pallmall.example.org; it builds links printed or emailed.
	PublicURL string
	// ContactEmail is the secretariat's address, on the accessibility
	// statement.
	ContactEmail string
	// Version is shown in the footer and /healthz.
	Version string
	// Metrics, when not nil, counts requests by route.
	Metrics *Metrics
	// API, when not nil, is mounted at /api/.
	API http.Handler
	// Log, when not nil, is mounted at /log/ (the transparency log's tiles).
	Log http.Handler
	// Ledger, when not nil, is the open transparency log: the Transparency
	// page shows its key and checkpoint, and pages build receipts from it.
	Ledger *ledger.Log

	// Writes limits state-changing requests (form posts, API calls that
	// change something) per client, after which they get a 429. Nil means
	// DefaultWriteLimit.
	Writes *auth.Limiter
	// TrustedProxies are the reverse proxies in front of the platform:
	// per-client limits count their requests by the client address they
	// forward in X-Forwarded-For (hashed in memory like any address, never
	// stored or logged). Empty means the connection's own address.
	TrustedProxies []netip.Prefix

	// DataDir is the data directory; background export files go in its
	// jobs/ folder, which instances share (docs/scaling.md).
	DataDir string
	// ExportJobs runs consultation exports in the background. Nil means
	// one made from DB and DataDir, without a runner loop: each job runs on
	// the instance that started it.
	ExportJobs *consult.ExportJobs

	// PageCache is how many bytes of rendered public pages to keep for
	// anonymous visitors (pagecache.go). 0 means DefaultPageCache; a
	// negative value keeps none.
	PageCache int64

	jobsOnce  sync.Once
	summaries summaryCache
	pages     *pageCache
	tmpl      *templates
	assets    *assetSet
	catalog   *Catalog
}

// Handler returns the whole site: pages, assets, health checks and the
// mounted API, wrapped in the security middleware.
func (s *Server) Handler() (http.Handler, error) {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.catalog, err = LoadCatalog(); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.tmpl, err = parseTemplates(s.assets, s.catalog); err != nil {
		return nil, err
	}
	switch {
	case s.PageCache == 0:
		s.pages = newPageCache(DefaultPageCache, s.Metrics)
	case s.PageCache > 0:
		s.pages = newPageCache(s.PageCache, s.Metrics)
	}
	mux := http.NewServeMux()
	s.routes(mux)
	var h http.Handler = mux
	h = s.withWellFormedQuery(h)
	h = s.withWriteLimit(h)
	h = s.withSession(h)
	h = s.withLanguage(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.withRecovery(h)
	h = withPrivateCaching(h)
	h = withSecurityHeaders(h)
	h = s.withRequestLog(h)
	return h, nil
}

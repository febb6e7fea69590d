package web

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pallmall/pallmall/store"
)

// Metrics counts requests by route pattern (never by raw path) for
// Prometheus, served on a separate listener.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	pageCacheRequests *prometheus.CounterVec
	pageCacheBytes    prometheus.Gauge
}

// NewMetrics creates the metrics, including Go runtime and database pool
// statistics.
func NewMetrics(db *store.DB) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pallmall_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pallmall_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		pageCacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pallmall_page_cache_requests_total",
			Help: "Requests for cached public pages by page kind and result: hit (served from the cache), miss (rendered), bypass (a credential, a query parameter the page does not read, or an unreadable stamp: not cached).",
		}, []string{"page", "result"}),
		pageCacheBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pallmall_page_cache_bytes", Help: "Bytes of rendered public pages held by the page cache.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.pageCacheRequests, m.pageCacheBytes, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.reg.MustRegister(dbStats{db})
	}
	return m
}

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

type dbStats struct{ db *store.DB }

var (
	dbOpenDesc  = prometheus.NewDesc("pallmall_db_open_connections", "Open database connections by pool.", []string{"pool"}, nil)
	dbInUseDesc = prometheus.NewDesc("pallmall_db_in_use_connections", "Database connections in use by pool.", []string{"pool"}, nil)
	dbWaitDesc  = prometheus.NewDesc("pallmall_db_wait_seconds_total", "Time spent waiting for a database connection by pool.", []string{"pool"}, nil)

	dbReplicaUpDesc = prometheus.NewDesc("pallmall_db_replica_up",
		"1 when the read replica answered last time it was asked, 0 when its reads go to the primary; absent without a replica.", nil, nil)
	dbReplicaFallbacksDesc = prometheus.NewDesc("pallmall_db_replica_fallback_reads_total",
		"Reads meant for the read replica that went to the primary because it did not answer.", nil, nil)
	dbStmtDesc = prometheus.NewDesc("pallmall_db_statements_total", "SQLite statements run, by whether their compiled form came from the per-connection cache (hit) or was parsed anew (miss).", []string{"cache"}, nil)
)

func (d dbStats) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbOpenDesc
	ch <- dbInUseDesc
	ch <- dbWaitDesc
	ch <- dbReplicaUpDesc
	ch <- dbReplicaFallbacksDesc
	ch <- dbStmtDesc
}

func (d dbStats) Collect(ch chan<- prometheus.Metric) {
	write, read := d.db.Stats()
	pools := map[string]sql.DBStats{"write": write, "read": read}
	if replica, ok := d.db.ReplicaStats(); ok {
		pools["replica"] = replica
		st := d.db.Replica()
		up := 0.0
		if st.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(dbReplicaUpDesc, prometheus.GaugeValue, up)
		ch <- prometheus.MustNewConstMetric(dbReplicaFallbacksDesc, prometheus.CounterValue, float64(st.Fallbacks))
	}
	for pool, s := range pools {
		ch <- prometheus.MustNewConstMetric(dbOpenDesc, prometheus.GaugeValue, float64(s.OpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(dbInUseDesc, prometheus.GaugeValue, float64(s.InUse), pool)
		ch <- prometheus.MustNewConstMetric(dbWaitDesc, prometheus.CounterValue, s.WaitDuration.Seconds(), pool)
	}
	if d.db.Dialect() == store.SQLite {
		sc := d.db.StatementCache()
		ch <- prometheus.MustNewConstMetric(dbStmtDesc, prometheus.CounterValue, float64(sc.Hits), "hit")
		ch <- prometheus.MustNewConstMetric(dbStmtDesc, prometheus.CounterValue, float64(sc.Misses), "miss")
	}
}

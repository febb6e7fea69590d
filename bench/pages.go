package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/register"
)

const (
	// pageClients is the 200 concurrent clients.
	pageClients = 200
	// pageRequests is how many requests each page gets (a window of about
	// a second at the rates the cached pages serve, so that its p99 is not
	// the 40th slowest of a burst), unless
	// pageDeadline passes first (no new request starts after it; those
	// in flight finish and count).
	pageRequests = 20000
	pageDeadline = 20 * time.Second
)

func pagesCase() Case {
	return Case{
		Name: "pages", Title: "Public pages under 200 concurrent clients (SQLite)", Unit: "responses",
		Baseline: "/healthz served by the same server under the same load, measured in the same run",
		Target:   "p99 < 50 ms on SQLite with 100,000 responses and 10,000 register records",
		Cost:     "CPU time per request (sum over the four pages)",
		Base:     100_000, Min: 1000,
		run: runPages,
	}
}

func runPages(ctx context.Context, env *Env, n int) error {
	db, closeDB, err := env.openDB(ctx, false)
	if err != nil {
		return err
	}
	defer closeDB()
	s, err := env.startSite(db)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	// The demo content gives the frameworks and their signatories.
	if err := demo.Load(ctx, demo.Config{DB: db, Auth: s.Auth, DataDir: env.Dir, PublicURL: s.URL, Out: io.Discard}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	svc := &consult.Service{DB: db, Keys: s.Auth.Keys}
	c, err := createConsultation(ctx, svc)
	if err != nil {
		return err
	}
	if err := seedResponses(ctx, db, c, n); err != nil {
		return err
	}
	if err := publish(ctx, svc, c.ID); err != nil {
		return err
	}
	records := max(n/10, 10)
	rep, err := (&register.Service{DB: db}).Import(ctx, auth.System, strings.NewReader(registerCSV(records)), register.ImportOptions{Format: "csv"})
	if err != nil {
		return fmt.Errorf("register import: %w", err)
	}
	if rep.Imported != records {
		return fmt.Errorf("register import: %d of %d records imported (%d errors, first %+v)", rep.Imported, records, len(rep.Errors), rep.Errors[:min(1, len(rep.Errors))])
	}
	var framework string
	var record int64
	if err := db.QueryRow(ctx, `SELECT MIN(v.framework_id) FROM endorsements e JOIN framework_versions v ON v.id = e.version_id`).Scan(&framework); err != nil {
		return fmt.Errorf("a framework with signatories: %w", err)
	}
	if err := db.QueryRow(ctx, `SELECT MAX(id) FROM register_records WHERE kind = 'entity'`).Scan(&record); err != nil {
		return err
	}
	env.Logf("loaded %d responses and %d register records in %v", n, records, time.Since(start).Round(time.Millisecond))

	pages := []struct{ name, path string }{
		{"consultation page", fmt.Sprintf("/consultations/%d", c.ID)},
		{"summary with charts", fmt.Sprintf("/consultations/%d/summary", c.ID)},
		{"signatory register", "/frameworks/" + framework + "/signatories"},
		{"register entity page", fmt.Sprintf("/register/records/%d", record)},
	}
	clients, requests, deadline := pageClients, pageRequests, pageDeadline
	if env.cfg.Quick {
		clients, requests, deadline = 20, 100, time.Second
	}
	hc := client(clients)
	get := func(path string) func(ctx context.Context, i int) error {
		return func(ctx context.Context, i int) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
			if err != nil {
				return err
			}
			_, err = fetch(hc, req, http.StatusOK)
			return err
		}
	}
	// Each window is preceded by an unmeasured one a quarter its size on
	// the same path, with the same clients: the first requests after a
	// change of path (new connections, a heap sized for other work, the
	// cache's first build) are the server warming up, not the steady
	// state of a crowd on that page.
	warm := func(path string) error {
		return load(ctx, clients, max(requests/4, clients), deadline/4, get(path)).FirstErr
	}
	if err := warm("/healthz"); err != nil {
		return fmt.Errorf("/healthz: %w", err)
	}
	base := load(ctx, clients, requests, deadline, get("/healthz"))
	if base.FirstErr != nil {
		return fmt.Errorf("/healthz: %w", base.FirstErr)
	}
	var cpuPerRequest float64
	for _, p := range pages {
		if err := get(p.path)(ctx, 0); err != nil { // check it is there
			return err
		}
		if err := warm(p.path); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		var res Load
		if _, err := env.Measure(strings.ReplaceAll(p.name, " ", "-"), func() error {
			res = load(ctx, clients, requests, deadline, get(p.path))
			return res.FirstErr
		}); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		p99 := res.Latencies.Percentile(99)
		f := figure(p.name+": p99", "ms", ms(p99), false, ms(base.Latencies.Percentile(99)))
		if n == 100_000 { // the target is for this size
			f = f.withTarget("< 50 ms", p99 < 50*time.Millisecond)
		}
		env.Result.Figures = append(env.Result.Figures,
			figure(p.name+": requests/s", "req/s", res.Rate(), true, base.Rate()), f,
			figure(p.name+": p50", "ms", ms(res.Latencies.Percentile(50)), false, ms(base.Latencies.Percentile(50))),
			figure(p.name+": CPU per request (server and client)", "ms", res.CPUPerOp(), false, base.CPUPerOp()))
		if res.Done < requests {
			env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("%s: %d requests in the %v allowed", p.name, res.Done, deadline))
		}
		cpuPerRequest += res.CPUPerOp() / 1000
	}
	// Growth is fitted on how much more work a page takes with more data,
	// not on the length of the load windows or on queueing (with a closed
	// loop of clients, latency is about clients ÷ throughput).
	env.Result.Seconds = cpuPerRequest
	env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("%d responses, %d register records; %d clients, up to %d requests per page, after an unmeasured warm-up of a quarter of that on the same page", n, records, clients, requests))
	return nil
}

// registerCSV is an import file of n records: vendors (entities) and
// their products, each with a source.
func registerCSV(n int) string {
	var b strings.Builder
	b.WriteString("key,kind,name,confidence,entity_kind,incorporated,status,founded,vendor,product_class,source1_ref,source1_publisher,source1_date\n")
	for i := 1; i <= n; i++ {
		if i%2 == 1 {
			fmt.Fprintf(&b, "v%d,entity,Fictional Vendor %d,reported,vendor,GB,active,2015,,,https://example.org/v/%d,Example Research,2024-01-02\n", i, i, i)
		} else {
			fmt.Fprintf(&b, "p%d,product,Fictional Implant %d,likely,,,,,v%d,spyware_implant,Report %d,Example Lab,2024\n", i, i, i-1, i)
		}
	}
	return b.String()
}

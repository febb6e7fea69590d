package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/klog/v2"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
	"github.com/pallmall/pallmall/web"
)

// dbFlags are the flags every command that opens the database shares.
type dbFlags struct {
	dataDir string
	url     string
	// replica is a read replica's PostgreSQL URL; only serve has the flag
	// (--database-replica).
	replica string
}

func (d *dbFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&d.dataDir, "data", "./pallmall-data", "data directory (SQLite database, keys, log)")
	fs.StringVar(&d.url, "database", "", "PostgreSQL URL (postgres://...); empty for SQLite in the data directory")
}

// keys loads the identity keys from the data directory's keys folder,
// creating them on first use. They never go into the database.
func (d *dbFlags) keys() (*vault.Keyring, error) {
	return vault.LoadOrCreate(filepath.Join(d.dataDir, "keys"))
}

// open opens and migrates the database.
func (d *dbFlags) open(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, store.Config{URL: d.url, DataDir: d.dataDir, ReplicaURL: d.replica})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// App is the running platform. Tests start one on 127.0.0.1:0 with a
// temporary database, as main does with real flags.
type App struct {
	Addr        string
	MetricsAddr string
	// ContactEmail is shown on the accessibility statement.
	ContactEmail string
	PublicURL    string
	Demo         bool
	DB           dbFlags
	Logger       *slog.Logger
	Stdout       io.Writer
	// Password overrides the password-hashing cost (tests make it cheap).
	Password auth.PasswordParams
	// LogOrigin names the transparency log; empty derives it from PublicURL
	// (see openLedger).
	LogOrigin string
	// LogWitnessPolicy is a file holding the witness policy (see
	// docs/transparency-log.md); empty for none.
	LogWitnessPolicy   string
	LogWitnessFailOpen bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client, for per-client limits (see docs/scaling.md).
	TrustedProxies []netip.Prefix
	// Mail, when its Addr is set, is the SMTP server serve delivers the
	// meetings' and the resume links' emails through, every MailEvery.
	Mail      meet.SMTPMailer
	MailEvery time.Duration
	// PageCache is how many bytes of rendered public pages to keep for
	// anonymous visitors (web.Server.PageCache): 0 for the default,
	// negative for none.
	PageCache int64

	db       *store.DB
	auth     *auth.Service
	listener net.Listener
	metricsL net.Listener
	server   *http.Server
	metricsS *http.Server
	ledger   *ledger.Log
	worker   ledgerWorker
	jobs     *consult.ExportJobs
}

// Open opens the database, loads demo data if asked, and binds the
// listeners, so that URL is known before Serve.
func (a *App) Open(ctx context.Context) error {
	var err error
	if a.db, err = a.DB.open(ctx); err != nil {
		return err
	}
	if r := a.db.Replica(); r.Configured && !r.Up {
		a.Logger.Warn("read replica unreachable at start; its reads go to the primary until it answers")
	}
	keys, err := a.DB.keys()
	if err != nil {
		a.db.Close()
		return err
	}
	a.auth = &auth.Service{DB: a.db, Keys: keys, Password: a.Password, Clients: auth.NewLimiter(20, 5*time.Minute)}
	// Delegation members stored in clear before they were sealed are
	// sealed now (vault needs the keys, so a migration cannot do it).
	if _, err := meet.SealClearParticipants(ctx, a.db, keys); err != nil {
		a.db.Close()
		return fmt.Errorf("seal meeting delegations' members: %w", err)
	}
	if a.listener, err = net.Listen("tcp", a.Addr); err != nil {
		a.db.Close()
		return err
	}
	publicURLGiven := a.PublicURL != ""
	if a.PublicURL == "" {
		a.PublicURL = defaultPublicURL(a.listener.Addr())
	}
	a.PublicURL = strings.TrimSuffix(a.PublicURL, "/")
	if a.auth.WebAuthn, err = auth.NewWebAuthn(a.PublicURL); err != nil {
		a.Close()
		return fmt.Errorf("--public-url: %w", err)
	}
	if err := a.openLedger(ctx, publicURLGiven); err != nil {
		a.Close()
		return err
	}
	if a.Demo {
		if err := demo.Load(ctx, demo.Config{DB: a.db, Auth: a.auth, DataDir: a.DB.dataDir, PublicURL: a.PublicURL, Out: a.Stdout}); err != nil {
			a.Close()
			return fmt.Errorf("load demo data: %w", err)
		}
	}
	var metrics *web.Metrics
	if a.MetricsAddr != "" {
		metrics = web.NewMetrics(a.db)
		if a.metricsL, err = net.Listen("tcp", a.MetricsAddr); err != nil {
			a.Close()
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler())
		a.metricsS = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	}
	a.jobs = &consult.ExportJobs{Service: &consult.Service{DB: a.db, Keys: keys}, Dir: filepath.Join(a.DB.dataDir, "jobs"), ActorOf: a.auth.ActorOf, Logger: a.Logger}
	site := &web.Server{
		DataDir: a.DB.dataDir, ExportJobs: a.jobs, TrustedProxies: a.TrustedProxies,
		DB: a.db, Auth: a.auth, Logger: a.Logger, PublicURL: a.PublicURL, Version: version, Metrics: metrics, ContactEmail: a.ContactEmail,
		API: (&api.Server{DB: a.db, Auth: a.auth, Logger: a.Logger}).Handler(),
		Log: ledger.NewHandler(a.ledger.Dir()), Ledger: a.ledger, PageCache: a.PageCache,
	}
	h, err := site.Handler()
	if err != nil {
		a.Close()
		return err
	}
	a.server = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	return nil
}

// defaultPublicURL names a loopback listener "localhost", which browsers
// treat as a secure origin for passkeys, unlike 127.0.0.1.
func defaultPublicURL(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return fmt.Sprintf("http://localhost:%d", tcp.Port)
	}
	return "http://" + addr.String()
}

// URL is where the platform answers.
func (a *App) URL() string { return "http://" + a.listener.Addr().String() }

// Serve answers requests until ctx is cancelled, then lets in-flight
// requests finish (up to 30 seconds) and closes the database.
func (a *App) Serve(ctx context.Context) error {
	defer a.Close()
	errc := make(chan error, 2)
	go func() { errc <- a.server.Serve(a.listener) }()
	if a.metricsS != nil {
		go func() { errc <- a.metricsS.Serve(a.metricsL) }()
	}
	go a.sweepSessions(ctx)
	go a.sweepRetention(ctx)
	if a.Mail.Addr != "" {
		go a.sweepMail(ctx)
	}
	a.startLedgerWorker(ctx)
	defer a.startDeliberationRunner(ctx)()
	defer a.startExportJobs(ctx)()
	a.Logger.Info("serving", "url", a.URL(), "database", string(a.db.Dialect()), "read_replica", a.db.Replica().Configured)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := a.server.Shutdown(shutdown)
	if a.metricsS != nil {
		a.metricsS.Shutdown(shutdown)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// startExportJobs runs export jobs left by stopped instances and sweeps
// old ones. It stops with ctx; Serve waits for it before closing the
// database.
func (a *App) startExportJobs(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.jobs.Run(ctx)
	}()
	return func() { <-done }
}

func (a *App) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.auth.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
				a.Logger.Warn("delete expired sessions", "error", err.Error())
			}
		}
	}
}

// Close releases the listeners and closes the database cleanly.
func (a *App) Close() error {
	if a.listener != nil {
		a.listener.Close()
	}
	if a.metricsL != nil {
		a.metricsL.Close()
	}
	a.closeLedger()
	if a.db != nil {
		err := a.db.Close()
		a.db = nil
		return err
	}
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("serve", stderr)
	a := &App{Stdout: stdout}
	fs.StringVar(&a.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&a.ContactEmail, "contact-email", "secretariat@pallmall.example", "the secretariat's email address, on the accessibility statement")
	fs.StringVar(&a.MetricsAddr, "metrics-addr", "", "address for Prometheus metrics at /metrics; empty for none")
	fs.StringVar(&a.LogWitnessPolicy, "log-witness-policy", "", "file with the witness policy: checkpoints are published once these witnesses cosign them")
	fs.BoolVar(&a.LogWitnessFailOpen, "log-witness-fail-open", false, "publish checkpoints even when the witness policy is not met in time")
	fs.StringVar(&a.PublicURL, "public-url", "", "URL people reach the platform at (default http://ADDR; http://localhost:PORT on loopback)")
	fs.StringVar(&a.LogOrigin, "log-origin", "", "transparency log origin (default derived from --public-url, e.g. pallmall.example.org/log)")
	fs.BoolVar(&a.Demo, "demo", false, "load demo organisations and accounts once, and print the demo logins")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	proxies := fs.String("trusted-proxy", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client, for per-client rate limits only")
	fs.StringVar(&a.Mail.Addr, "smtp-addr", "", "SMTP server host:port to deliver the platform's emails through (meetings, resume links); empty to leave them to `meetings send-mail`")
	fs.StringVar(&a.Mail.From, "smtp-from", "", "sender address of those emails, such as meetings@pallmall.example (required with --smtp-addr)")
	fs.StringVar(&a.Mail.Username, "smtp-user", "", "SMTP user name, if the server wants one (sent only over TLS)")
	fs.StringVar(&a.Mail.Password, "smtp-password", "", "SMTP password; prefer the environment variable to the flag")
	fs.DurationVar(&a.MailEvery, "mail-every", time.Minute, "how often to deliver waiting emails, with --smtp-addr")
	pageCache := fs.Int("page-cache", web.DefaultPageCache>>20, "MiB of rendered public pages kept for anonymous visitors, checked against the database before each use; 0 for none")
	a.DB.register(fs)
	fs.StringVar(&a.DB.replica, "database-replica", "", "PostgreSQL URL (postgres://...) of a streaming read replica of --database, for anonymous reads of public pages (docs/scaling.md); empty for none")
	if err := parse(fs, args); err != nil {
		return err
	}
	if a.DB.replica != "" && a.DB.url == "" {
		return usageError{"--database-replica needs --database postgres://...: SQLite has no read replicas"}
	}
	switch {
	case *pageCache < 0:
		return usageError{"--page-cache must be 0 or more (MiB)"}
	case *pageCache == 0:
		a.PageCache = -1
	default:
		a.PageCache = int64(*pageCache) << 20
	}
	if a.Mail.Addr != "" && a.Mail.From == "" {
		return usageError{"--smtp-from is required with --smtp-addr (or PALLMALL_SMTP_FROM)"}
	}
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return usageError{fmt.Sprintf("--trusted-proxy: %q is not an address or CIDR range", p)}
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		a.TrustedProxies = append(a.TrustedProxies, prefix)
	}
	switch *logFormat {
	case "text":
		a.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		a.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
	default:
		return usageError{"--log-format must be text or json"}
	}
	// The transparency log's library logs through klog; send it to the
	// same place, in the same format, with the component named.
	klog.SetSlogLogger(a.Logger.With("component", "tessera"))
	// The collector's settings for serving, unless GOGC or GOMEMLIMIT set
	// them (see web.TuneGC).
	gcPercent, memLimit := web.TuneGC(os.Getenv)
	a.Logger.Info("garbage collector", "gogc", gcPercent, "soft_memory_limit_bytes", memLimit)
	if err := a.Open(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Pall Mall Process platform on %s (%s database). Press Ctrl+C to stop.\n", a.PublicURL, a.db.Dialect())
	return a.Serve(ctx)
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("migrate", stderr)
	var d dbFlags
	d.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	cur, latest, err := db.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s database at schema version %d (latest %d)\n", db.Dialect(), cur, latest)
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// runCmd runs pallmall with args and returns what it printed.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestHelpListsCommandsAndEnvironment(t *testing.T) {
	out, _, err := runCmd(t, "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"serve", "migrate", "user create", "user list", "token create", "version", "analyse", "PALLMALL_ADDR", "PALLMALL_DATABASE", "PALLMALL_DEMO", "PALLMALL_METRICS_ADDR"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if _, _, err := runCmd(t, "frobnicate"); exitCode(err) != 2 {
		t.Errorf("unknown command exit code = %d, want 2", exitCode(err))
	}
}

func TestAccountCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PALLMALL_DATA", dir) // flags fall back to the environment
	out, _, err := runCmd(t, "migrate")
	if err != nil || !regexp.MustCompile(`sqlite database at schema version \d+ \(latest \d+\)`).MatchString(out) {
		t.Fatalf("migrate = %q, %v", out, err)
	}
	if _, _, err := runCmd(t, "user", "create", "--email", "x@example.org", "--name", "X", "--role", "emperor"); exitCode(err) != 2 || !strings.Contains(err.Error(), "role") {
		t.Errorf("bad role = %v (exit %d), want a usage error naming the role", err, exitCode(err))
	}
	if _, _, err := runCmd(t, "user", "create", "--email", "d@example.org", "--name", "D", "--role", "delegate", "--org", "Nowhere"); exitCode(err) != 2 {
		t.Errorf("unknown organisation = %v, want a usage error", err)
	}
	out, _, err = runCmd(t, "user", "create", "--email", "Sam@Example.org", "--name", "Sam Okafor", "--role", "secretariat", "--public-url", "https://pallmall.example")
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`https://pallmall\.example/account/set-password/[A-Za-z0-9_-]{43}`).FindString(out)
	if link == "" {
		t.Errorf("user create printed no set-password link: %q", out)
	}
	out, _, err = runCmd(t, "user", "list")
	if err != nil || !strings.Contains(out, "sam@example.org") || !strings.Contains(out, "secretariat") {
		t.Errorf("user list = %q, %v", out, err)
	}
	out, _, err = runCmd(t, "token", "create", "--email", "sam@example.org")
	if err != nil || !regexp.MustCompile(`^pmp_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Errorf("token create = %q, %v", out, err)
	}
	if _, _, err := runCmd(t, "token", "create", "--email", "nobody@example.org"); exitCode(err) != 2 {
		t.Errorf("token for unknown account = %v, want usage error", err)
	}
	if out, _, _ := runCmd(t, "version"); !strings.HasPrefix(out, "pallmall ") {
		t.Errorf("version = %q", out)
	}
}

func TestAnalyseCommand(t *testing.T) {
	out, _, err := runCmd(t, "analyse", "../../deliberate/polis/testdata/london.youth.policing", "--seed", "7")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		K            int               `json:"k"`
		Participants []json.RawMessage `json:"participants"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if rep.K < 2 || len(rep.Participants) == 0 {
		t.Errorf("analyse = k %d, %d participants", rep.K, len(rep.Participants))
	}
	again, _, _ := runCmd(t, "analyse", "../../deliberate/polis/testdata/london.youth.policing", "--seed", "7")
	if again != out {
		t.Error("the same export and seed gave different output")
	}
	if _, _, err := runCmd(t, "analyse", t.TempDir()); err == nil || !strings.Contains(err.Error(), "votes.csv") {
		t.Errorf("analyse of an empty directory = %v, want an error naming votes.csv", err)
	}
}

// startApp runs the platform in-process on a free loopback port.
func startApp(t *testing.T, a *App) (url string, stop func() error) {
	t.Helper()
	return startAppAt(t, a, "127.0.0.1:0")
}

// startAppAt runs the platform in-process on the given loopback address.
func startAppAt(t *testing.T, a *App, addr string) (url string, stop func() error) {
	t.Helper()
	a.Addr = addr
	if a.Logger == nil {
		a.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if a.Stdout == nil {
		a.Stdout = io.Discard
	}
	a.Password = auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Open(ctx); err != nil {
		cancel()
		t.Fatalf("Open: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(40 * time.Second):
			t.Fatal("server did not stop")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return a.URL(), stop
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServeDemoHealthMetricsAndShutdown(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	a := &App{Demo: true, Stdout: &out, MetricsAddr: "127.0.0.1:0"}
	a.DB.dataDir = dir
	url, stop := startApp(t, a)
	for _, want := range []string{"secretariat@pallmall.example", "TOTP SECRET", "delegate.fr@pallmall.example"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "demo-logins.txt")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("demo-logins.txt = %v, %v; want mode 0600", fi, err)
	}
	if code, body := httpGet(t, url+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := httpGet(t, url+"/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	if code, body := httpGet(t, url+"/organisations"); code != 200 || !strings.Contains(body, "Ghana") {
		t.Errorf("/organisations = %d, demo organisations missing", code)
	}
	if code, _ := httpGet(t, url+"/metrics"); code != 404 {
		t.Errorf("/metrics on the public listener = %d, want 404", code)
	}
	code, body := httpGet(t, "http://"+a.metricsL.Addr().String()+"/metrics")
	if code != 200 || !strings.Contains(body, `pallmall_http_requests_total{method="GET",route="GET /organisations",status="200"} 1`) {
		t.Errorf("/metrics = %d; request counter missing", code)
	}
	if err := stop(); err != nil {
		t.Errorf("Serve returned %v after shutdown", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
	// A second start finds the demo already loaded and the data intact.
	var out2 bytes.Buffer
	b := &App{Demo: true, Stdout: &out2}
	b.DB.dataDir = dir
	url, _ = startApp(t, b)
	if !strings.Contains(out2.String(), "already loaded") {
		t.Errorf("second start output = %q", out2.String())
	}
	if _, body := httpGet(t, url+"/organisations"); strings.Count(body, ">Ghana<") != 1 {
		t.Error("demo organisations duplicated or lost after restart")
	}
}

func TestServeOnPostgres(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skipf("%s not set; CI sets it", storetest.EnvURL)
	}
	var out bytes.Buffer
	a := &App{Demo: true, Stdout: &out}
	a.DB.dataDir = t.TempDir()
	a.DB.url = storetest.URL(t)
	url, _ := startApp(t, a)
	if a.db.Dialect() != "postgres" {
		t.Fatalf("dialect = %s", a.db.Dialect())
	}
	for _, p := range []string{"/", "/organisations", "/sign-in", "/privacy"} {
		if code, _ := httpGet(t, url+p); code != 200 {
			t.Errorf("GET %s on PostgreSQL = %d", p, code)
		}
	}
	if _, body := httpGet(t, url+"/organisations?lang=fr"); !strings.Contains(body, "Royaume-Uni") {
		t.Error("PostgreSQL demo organisations missing in French")
	}
}

func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	a := &App{}
	a.DB.dataDir = t.TempDir()
	url, stop := startApp(t, a)
	// Slow down one path so that a request is in flight during shutdown.
	inner := a.server.Handler
	started := make(chan struct{})
	a.server.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/organisations" {
			close(started)
			time.Sleep(500 * time.Millisecond)
		}
		inner.ServeHTTP(w, r)
	})
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.Get(url + "/organisations")
		if err != nil {
			done <- result{err: err}
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		done <- result{code: res.StatusCode}
	}()
	<-started
	if err := stop(); err != nil {
		t.Fatalf("Serve after shutdown = %v", err)
	}
	r := <-done
	if r.err != nil || r.code != 200 {
		t.Errorf("in-flight request = %d, %v; want 200", r.code, r.err)
	}
}

func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PALLMALL_DATA", dir)
	if _, _, err := runCmd(t, "user", "create", "--email", "k@example.org", "--name", "Kim", "--role", "analyst"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "keys", "rotate")
	if err != nil || !strings.Contains(out, "New identity key 2") || !strings.Contains(out, "re-sealed 1 accounts") {
		t.Fatalf("keys rotate = %q, %v", out, err)
	}
	if out, _, err := runCmd(t, "user", "list"); err != nil || !strings.Contains(out, "k@example.org") {
		t.Errorf("user list after rotation = %q, %v", out, err)
	}
	// The database file holds no clear email or name.
	db, _ := os.ReadFile(filepath.Join(dir, "pallmall.db"))
	wal, _ := os.ReadFile(filepath.Join(dir, "pallmall.db-wal"))
	if bytes.Contains(append(db, wal...), []byte("k@example.org")) || bytes.Contains(append(db, wal...), []byte("Kim")) {
		t.Error("the SQLite files contain the account's email or name in clear")
	}
}

func TestConsultRetentionCommand(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runCmd(t, "consult", "retention", "--data", dir); err == nil || !strings.Contains(err.Error(), "--now") {
		t.Errorf("consult retention without --now = %v, want a usage error naming --now", err)
	}
	out, _, err := runCmd(t, "consult", "retention", "--now", "--data", dir)
	if err != nil || !strings.Contains(out, "Erased the identities of 0 responses in 0 consultations") || !strings.Contains(out, "needs of 0 delegation members in 0 meetings") {
		t.Errorf("consult retention --now = %q, %v; want nothing erased", out, err)
	}
}

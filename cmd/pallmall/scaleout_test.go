package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

// TestScaleOut runs two `pallmall serve` processes against one PostgreSQL
// database and one shared data directory, behind a round-robin reverse
// proxy, and checks what must hold with more than one instance: sessions,
// account throttling, export jobs, deliberation analysis and the log's
// single appender (see docs/scaling.md).
func TestScaleOut(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skipf("%s not set; CI sets it", storetest.EnvURL)
	}
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "pallmall")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dbURL := storetest.URL(t)
	dataDir := t.TempDir()

	// The proxy listens first, so that both instances know the public URL.
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	publicURL := fmt.Sprintf("http://localhost:%d", pl.Addr().(*net.TCPAddr).Port)
	var backends [2]*url.URL
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backends[next.Add(1)%2])
		r.Out.Host = r.In.Host
	}}
	psrv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go psrv.Serve(pl)
	t.Cleanup(func() { psrv.Close() })

	var inst [2]*instance
	for i := range inst {
		// One after the other: the first creates the keys and migrates.
		inst[i] = startInstance(t, bin, dataDir, dbURL, publicURL)
		backends[i] = inst[i].url
	}
	db, err := store.Open(ctx, store.Config{URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := vault.LoadOrCreate(filepath.Join(dataDir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	accounts := &auth.Service{DB: db, Keys: keys, Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}}
	for _, n := range []auth.NewUser{{Email: "an@example.org", Name: "Ana Lyst", Role: auth.Analyst}, {Email: "locked@example.org", Name: "Lock", Role: auth.Analyst}} {
		_, link, err := accounts.CreateUser(ctx, auth.System, n, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := accounts.SetPassword(ctx, link, "a long enough password", "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("session made on one instance works on the other", func(t *testing.T) {
		cookie := signIn(t, inst[0].url.String(), "an@example.org", "a long enough password", http.StatusSeeOther)
		for _, in := range inst {
			if code, body := getWith(t, in.url.String()+"/account", cookie); code != http.StatusOK || !strings.Contains(body, "Ana Lyst") {
				t.Errorf("GET /account on %s with instance 1's session = %d", in.url, code)
			}
		}
	})

	t.Run("sign-in throttling holds across instances", func(t *testing.T) {
		for i := range 5 { // through the proxy: alternately on each instance
			signIn(t, publicURL, "locked@example.org", fmt.Sprint("wrong password ", i), http.StatusUnprocessableEntity)
		}
		for _, in := range inst {
			signIn(t, in.url.String(), "locked@example.org", "a long enough password", http.StatusTooManyRequests)
		}
	})

	svc := &consult.Service{DB: db, Keys: keys}
	c, sec := openConsultation(t, svc)
	var logged int
	submit := func(n int) {
		t.Helper()
		for i := range n {
			about := consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: "Respondent"}
			_, token, err := svc.Start(ctx, c.ID, about)
			if err != nil {
				t.Fatal(err)
			}
			answers := map[int64]consult.Answer{sec.q.ID: {Text: fmt.Sprintf("Answer %d", logged+i)}}
			if err := svc.SaveAnswers(ctx, c.ID, token, sec.s.ID, answers, true); err != nil {
				t.Fatal(err)
			}
			no := false
			if err := svc.SetConsent(ctx, c.ID, token, "en", &no, &no, consult.PublishAnonymous); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Submit(ctx, c.ID, token); err != nil {
				t.Fatal(err)
			}
		}
		logged += n
	}
	submit(5)

	t.Run("export started on one instance finishes and downloads on the other", func(t *testing.T) {
		cookie := signIn(t, inst[0].url.String(), "an@example.org", "a long enough password", http.StatusSeeOther)
		form := url.Values{"format": {"csv"}}
		req, _ := http.NewRequest(http.MethodPost, inst[0].url.String()+"/admin/consultations/"+fmt.Sprint(c.ID)+"/exports", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", cookie)
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		job := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || job == "" {
			t.Fatalf("start export on instance 1 = %d, Location %q", res.StatusCode, job)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, body := getWith(t, inst[1].url.String()+job, cookie)
			if code != http.StatusOK {
				t.Fatalf("job page on instance 2 = %d", code)
			}
			if strings.Contains(body, "/download") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("export job did not finish within 20s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		code, body := getWith(t, inst[1].url.String()+job+"/download", cookie)
		if code != http.StatusOK || !strings.Contains(body, "Answer 4") {
			t.Errorf("download on instance 2 = %d:\n%s", code, body)
		}
		if code, _ := getWith(t, inst[1].url.String()+job+"/download", ""); code == http.StatusOK {
			t.Errorf("download signed out on instance 2 = 200")
		}
	})

	t.Run("a deliberation is analysed once", func(t *testing.T) {
		dsvc := &deliberate.Service{DB: db}
		system := auth.System
		d, err := dsvc.Create(ctx, system, deliberate.Deliberation{TitleEN: "Practice", TitleFR: "Pratique", Moderation: deliberate.PreModeration, Status: deliberate.Open})
		if err != nil {
			t.Fatal(err)
		}
		var sts []deliberate.Statement
		for i := range 3 {
			st, err := dsvc.AddSeed(ctx, system, d.ID, fmt.Sprint("Statement ", i), fmt.Sprint("Affirmation ", i))
			if err != nil {
				t.Fatal(err)
			}
			sts = append(sts, st)
		}
		for range 4 {
			_, tok, err := dsvc.Join(ctx, d.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range sts {
				if err := dsvc.Vote(ctx, d.ID, tok, st.ID, deliberate.Agree); err != nil {
					t.Fatal(err)
				}
			}
		}
		deadline := time.Now().Add(25 * time.Second)
		for {
			a, err := dsvc.Latest(ctx, auth.Actor{}, d.ID)
			if err == nil && a.Votes == 12 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliberation not analysed within 25s: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(3 * time.Second) // several polls of both runners
		pattern := regexp.MustCompile(`msg="deliberation analysed" deliberation=` + fmt.Sprint(d.ID) + ` `)
		n := len(pattern.FindAllString(inst[0].logs.String(), -1)) + len(pattern.FindAllString(inst[1].logs.String(), -1))
		if n != 1 {
			t.Errorf("the deliberation was analysed %d times across two instances, want 1", n)
		}
	})

	t.Run("one appender at a time, and the log verifies", func(t *testing.T) {
		waitLogged := func(want int) string {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for {
				n, err := ledger.Pending(ctx, db)
				if err == nil && n == 0 {
					var owner string
					db.QueryRow(ctx, `SELECT owner FROM ledger_worker WHERE id = 1`).Scan(&owner)
					return owner
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d outbox rows still pending after 20s (%v)", n, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		first := waitLogged(logged)
		// Stop instance 1, which started first and took the outbox lease;
		// it releases the lease, and instance 2's worker takes over.
		inst[0].stop(t)
		submit(5)
		second := waitLogged(logged)
		if first == "" || first == second {
			t.Errorf("outbox lease owner before and after stopping instance 1 = %q, %q; want two different appenders", first, second)
		}
		var rows, distinct, maxIndex int64
		if err := db.QueryRow(ctx, `SELECT count(*), count(DISTINCT log_index), max(log_index) FROM ledger_outbox`).Scan(&rows, &distinct, &maxIndex); err != nil {
			t.Fatal(err)
		}
		if rows != int64(logged) || distinct != rows || maxIndex != rows-1 {
			t.Errorf("outbox: %d rows, %d distinct indices, max %d; want %d rows at indices 0..%d", rows, distinct, maxIndex, logged, logged-1)
		}
		out, err := exec.Command(bin, "log", "key", "--data", dataDir).Output()
		if err != nil {
			t.Fatal(err)
		}
		var rep ledger.Report
		deadline := time.Now().Add(15 * time.Second)
		for {
			rep, err = ledger.Verify(ctx, ledger.VerifyOptions{URL: inst[1].url.String() + "/log/", VerifierKey: strings.TrimSpace(string(out)), Audit: true})
			if err == nil && rep.Checkpoint.Size == uint64(rows) && rep.Audited {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("log verify = %+v, %v; want a verified log of %d entries", rep, err, rows)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

var noRedirect = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// instance is one `pallmall serve` process.
type instance struct {
	cmd  *exec.Cmd
	url  *url.URL
	logs *lockedBuffer
	done chan struct{}
}

func startInstance(t *testing.T, bin, dataDir, dbURL, publicURL string) *instance {
	t.Helper()
	in := &instance{logs: &lockedBuffer{}, done: make(chan struct{})}
	in.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--database", dbURL,
		"--public-url", publicURL, "--log-origin", "scaleout.pallmall.example/log")
	in.cmd.Stderr = in.logs
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.cmd.Wait(); close(in.done) }()
	t.Cleanup(func() { in.stop(t) })
	serving := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := serving.FindStringSubmatch(in.logs.String()); m != nil {
			in.url, _ = url.Parse(m[1])
			return in
		}
		select {
		case <-in.done:
			t.Fatalf("serve exited:\n%s", in.logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start within 30s:\n%s", in.logs)
	return nil
}

// stop asks the instance to shut down cleanly and waits for it.
func (in *instance) stop(t *testing.T) {
	select {
	case <-in.done:
		return
	default:
	}
	in.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-in.done:
	case <-time.After(40 * time.Second):
		in.cmd.Process.Kill()
		t.Errorf("instance did not stop within 40s")
	}
}

// signIn posts the sign-in form and checks the status; on success it
// returns the session cookie, to send by hand (the __Host- cookie is
// Secure, which a cookie jar keeps off plain-HTTP loopback).
func signIn(t *testing.T, base, email, password string, want int) string {
	t.Helper()
	res, err := noRedirect.PostForm(base+"/sign-in", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("sign in as %s on %s = %d, want %d", email, base, res.StatusCode, want)
	}
	for _, c := range res.Cookies() {
		if c.Name == "__Host-pallmall_session" {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

func getWith(t *testing.T, u, cookie string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

type consultSection struct {
	s consult.Section
	q consult.Question
}

// openConsultation creates an open consultation with one short question.
func openConsultation(t *testing.T, svc *consult.Service) (consult.Consultation, consultSection) {
	t.Helper()
	ctx := context.Background()
	c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: "Scale", TitleFR: "Échelle", SummaryEN: "Many answers", SummaryFR: "Beaucoup de réponses",
		Audiences: []consult.Stakeholder{consult.CivilSociety}, PartnerEN: "France", PartnerFR: "la France",
		OpensAt: time.Now().Add(-time.Hour), ClosesAt: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "Views", TitleFR: "Avis"}, "")
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: s.ID, Kind: consult.ShortText, TextEN: "View?", TextFR: "Avis ?"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
		t.Fatal(err)
	}
	return c, consultSection{s, q}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

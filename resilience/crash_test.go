//go:build resilience

package resilience

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// build compiles the pallmall binary into dir, once per test.
func build(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "pallmall")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/pallmall/pallmall/cmd/pallmall")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build pallmall: %v\n%s", err, out)
	}
	return bin
}

// Clients is how many respondents submit at once.
const clients = 300

// server is one pallmall serve process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *os.File
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs `pallmall serve` on dataDir (and the PostgreSQL URL, if any)
// and waits until it answers /readyz.
func start(t *testing.T, binary, dataDir, dbURL, addr string) *server {
	t.Helper()
	logs, err := os.OpenFile(filepath.Join(dataDir, "..", "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"serve", "--addr", addr, "--data", dataDir}
	if dbURL != "" {
		args = append(args, "--database", dbURL)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PALLMALL_") { // flags only, nothing from the caller's set-up
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, logs: logs}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		logs.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(logs.Name())
	t.Fatalf("pallmall serve did not become ready on %s:\n%s", addr, b)
	return nil
}

// setUp creates an open consultation with one required question, directly
// in the database the server will use, and returns its id, the section's
// and the question's.
func setUp(t *testing.T, dataDir, dbURL string) (cid, sid, qid int64) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: dbURL, DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := vault.LoadOrCreate(filepath.Join(dataDir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &consult.Service{DB: db, Keys: keys}
	now := time.Now()
	c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: "Crash test", TitleFR: "Essai de panne", SummaryEN: "S", SummaryFR: "S",
		Audiences: consult.Stakeholders, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "One", TitleFR: "Un"}, "")
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.LongText, TextEN: "Why?", TextFR: "Pourquoi ?", Required: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
		t.Fatal(err)
	}
	return c.ID, sec.ID, q.ID
}

// respondent is one client, from its own loopback address (so the
// per-client write limit counts each separately, as for real people).
type respondent struct {
	base   string
	client *http.Client
	cid    int64
	sid    int64
	qid    int64
}

func newRespondent(base string, i int, cid, sid, qid int64) *respondent {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(2+i/250), byte(1+i%250))}
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}).DialContext, MaxIdleConnsPerHost: 1}
	return &respondent{base: base, cid: cid, sid: sid, qid: qid, client: &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var resumeLink = regexp.MustCompile(`/resume/([A-Za-z0-9_-]{20,})`)

func (r *respondent) post(path, token string, form url.Values, want int) (string, error) {
	req, err := http.NewRequest(http.MethodPost, r.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "__Host-pallmall_response_" + strconv.FormatInt(r.cid, 10), Value: token})
	}
	res, err := r.client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != want {
		return "", fmt.Errorf("POST %s = %d, want %d", path, res.StatusCode, want)
	}
	return string(b), nil
}

// receipt is what a client keeps once the server acknowledged its
// submission.
type receipt struct {
	consult.Receipt
	token string
}

// respond answers the consultation through the no-JavaScript form flow and
// returns the receipt the server acknowledged with.
func (r *respondent) respond(n int) (receipt, error) {
	p := "/consultations/" + strconv.FormatInt(r.cid, 10)
	page, err := r.post(p+"/start", "", url.Values{"kind": {"individual"}, "stakeholder": {"individual"}, "name": {fmt.Sprintf("Respondent %d", n)}}, http.StatusCreated)
	if err != nil {
		return receipt{}, err
	}
	m := resumeLink.FindStringSubmatch(page)
	if m == nil {
		return receipt{}, fmt.Errorf("no resume link on the start page")
	}
	token := m[1]
	if _, err := r.post(fmt.Sprintf("%s/respond/section/%d", p, r.sid), token, url.Values{"q" + strconv.FormatInt(r.qid, 10): {fmt.Sprintf("Answer number %d", n)}}, http.StatusSeeOther); err != nil {
		return receipt{}, err
	}
	if _, err := r.post(p+"/respond/consent", token, url.Values{"share": {"no"}, "contact": {"no"}, "publish": {"anonymous"}}, http.StatusSeeOther); err != nil {
		return receipt{}, err
	}
	if _, err := r.post(p+"/respond/submit", token, url.Values{}, http.StatusSeeOther); err != nil {
		return receipt{}, err
	}
	req, _ := http.NewRequest(http.MethodGet, r.base+p+"/respond/receipt.json", nil)
	req.AddCookie(&http.Cookie{Name: "__Host-pallmall_response_" + strconv.FormatInt(r.cid, 10), Value: token})
	res, err := r.client.Do(req)
	if err != nil {
		return receipt{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return receipt{}, fmt.Errorf("GET receipt.json = %d", res.StatusCode)
	}
	var rc receipt
	if err := json.NewDecoder(res.Body).Decode(&rc.Receipt); err != nil {
		return receipt{}, err
	}
	rc.token = token
	return rc, nil
}

// TestNoAcknowledgedSubmissionIsLost kills the server with SIGKILL while
// hundreds of respondents submit, restarts it on the same data, and checks
// every receipt a client got against what is stored.
func TestNoAcknowledgedSubmissionIsLost(t *testing.T) {
	bin := build(t, t.TempDir())
	t.Run("sqlite", func(t *testing.T) { crashTest(t, bin, "") })
	if os.Getenv(storetest.EnvURL) != "" {
		t.Run("postgres", func(t *testing.T) { crashTest(t, bin, storetest.URL(t)) })
	}
}

func crashTest(t *testing.T, bin, dbURL string) {
	dataDir := filepath.Join(t.TempDir(), "data")
	cid, sid, qid := setUp(t, dataDir, dbURL)
	addr := freePort(t)
	srv := start(t, bin, dataDir, dbURL, addr)

	var (
		mu       sync.Mutex
		receipts []receipt
		failures atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newRespondent(srv.url, i, cid, sid, qid)
			for n := 0; !stop.Load(); n++ {
				rc, err := r.respond(i*1000 + n)
				if err != nil {
					failures.Add(1)
					continue
				}
				mu.Lock()
				receipts = append(receipts, rc)
				mu.Unlock()
			}
		}()
	}
	// Kill the server once enough have been acknowledged that the kill
	// lands in the middle of the load.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(receipts)
		mu.Unlock()
		if n >= clients || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true) // clients start no new response; those in flight are cut
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	wg.Wait()
	mu.Lock()
	got := receipts
	mu.Unlock()
	if len(got) < clients/2 {
		t.Fatalf("only %d receipts before the kill; the load did not start", len(got))
	}
	t.Logf("%d receipts acknowledged by %d concurrent clients; %d responses in flight cut off by the kill", len(got), clients, failures.Load())

	// Restart on the same data: the server comes back and serves.
	srv = start(t, bin, dataDir, dbURL, addr)
	reconcile(t, dataDir, dbURL, cid, got)

	// Every receipt still opens its response through the server.
	r := newRespondent(srv.url, 0, cid, sid, qid)
	for _, rc := range got[:10] {
		req, _ := http.NewRequest(http.MethodGet, srv.url+"/consultations/"+strconv.FormatInt(cid, 10)+"/respond/receipt.json", nil)
		req.AddCookie(&http.Cookie{Name: "__Host-pallmall_response_" + strconv.FormatInt(cid, 10), Value: rc.token})
		res, err := r.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var back consult.Receipt
		json.NewDecoder(res.Body).Decode(&back)
		res.Body.Close()
		if back.Commitment != rc.Commitment {
			t.Errorf("after restart receipt %s = %q, want %q", rc.Reference, back.Commitment, rc.Commitment)
		}
	}
}

// reconcile checks, in the database, that every receipt has exactly one
// submitted response with the same commitment and its transparency-log
// outbox entry, and that no submitted response is half-written.
func reconcile(t *testing.T, dataDir, dbURL string, cid int64, got []receipt) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: dbURL, DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type row struct {
		status, commitment, salt, submitted string
		outbox                              sql.NullInt64
		entry                               sql.NullString
	}
	rows, err := db.Query(ctx, `SELECT r.reference, r.status, r.commitment, r.salt, r.submitted_json, r.ledger_outbox_id, o.entry
		FROM consult_responses r LEFT JOIN ledger_outbox o ON o.id = r.ledger_outbox_id WHERE r.consultation_id = $1`, cid)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]row{}
	byCommitment := map[string]int{}
	for rows.Next() {
		var ref string
		var x row
		if err := rows.Scan(&ref, &x.status, &x.commitment, &x.salt, &x.submitted, &x.outbox, &x.entry); err != nil {
			t.Fatal(err)
		}
		stored[ref] = x
		if x.commitment != "" {
			byCommitment[x.commitment]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	for _, rc := range got {
		if err := rc.Verify(); err != nil {
			t.Errorf("receipt %s does not verify: %v", rc.Reference, err)
		}
		x, ok := stored[rc.Reference]
		switch {
		case !ok:
			t.Errorf("receipt %s: no stored response", rc.Reference)
		case x.status != consult.StatusSubmitted || x.commitment != rc.Commitment:
			t.Errorf("receipt %s: stored %s with commitment %q, want submitted with %q", rc.Reference, x.status, x.commitment, rc.Commitment)
		case byCommitment[rc.Commitment] != 1:
			t.Errorf("receipt %s: %d responses with its commitment, want 1", rc.Reference, byCommitment[rc.Commitment])
		case !x.entry.Valid || !strings.Contains(x.entry.String, rc.Commitment):
			t.Errorf("receipt %s: log outbox entry %v does not hold the commitment", rc.Reference, x.entry)
		}
	}
	// Nothing half-written: a submitted response has all its parts, and a
	// draft none of them.
	submitted := 0
	for ref, x := range stored {
		switch x.status {
		case consult.StatusSubmitted:
			submitted++
			if x.commitment == "" || x.salt == "" || x.submitted == "" || !x.outbox.Valid || !x.entry.Valid {
				t.Errorf("response %s is submitted but half-written: %+v", ref, x)
			}
		case consult.StatusDraft:
			if x.commitment != "" || x.outbox.Valid {
				t.Errorf("draft %s has a commitment or a log entry: %+v", ref, x)
			}
		}
	}
	var entries int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM ledger_outbox WHERE entry LIKE '%consultation-receipt%'`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != submitted {
		t.Errorf("%d receipt entries in the log outbox for %d submitted responses", entries, submitted)
	}
	t.Logf("%d responses stored (%d submitted; %d more than acknowledged, cut off before their acknowledgement)", len(stored), submitted, submitted-len(got))
}

package main

// The access matrix (issue 9, controls 2 and 5) requests every route of
// the platform, HTML and API, with every method, as each kind of person:
// the public, a respondent holding a resume link, a delegate of
// organisation A, a delegate of organisation B, an analyst, a partner and
// the secretariat. Objects of every kind are seeded for A and for B, and
// each route is asked with A's ids, B's ids and ids that do not exist.
// The expected outcome of every (route, person, object) comes from the
// table below, which must name every registered route: a new route
// without an entry fails the test.
//
// Every refusal must be a 401, 403 or 404 (or, for a page, a redirect to
// sign in), and must be the same whether the object exists or not. A form
// post without its fields must change nothing. Every response, allowed or
// refused, must carry the security headers and follow the caching rule.

import (
	"context"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/register"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// The people of the matrix.
const (
	public      = "public"
	respondent  = "respondent"
	delegateA   = "delegateA"
	delegateB   = "delegateB"
	analyst     = "analyst"
	partner     = "partner"
	secretariat = "secretariat"
)

var actors = []string{public, respondent, delegateA, delegateB, analyst, partner, secretariat}

// Who owns the object a request names.
const (
	ownA    = "A"       // organisation A, its delegate, or the first of two people
	ownB    = "B"       // organisation B, its delegate, or the second
	ownNone = "open"    // an object with no owner, public
	hidden  = "hidden"  // an object that exists but is not public (a draft, an invitation-only meeting)
	cross   = "cross"   // a child object named under a parent it does not belong to
	missing = "missing" // no such object
)

// rule says whether an actor may use a route on an object of an owner.
type rule func(actor, owner string) bool

func exists(owner string) bool { return owner != missing && owner != cross }

// anyone may use the route on any object that exists.
func anyone(_, owner string) bool { return exists(owner) }

// roles allows the listed roles on any object that exists, and only them.
func roles(rs ...string) rule {
	return func(actor, owner string) bool {
		for _, r := range rs {
			if r == actor {
				return exists(owner)
			}
		}
		return false
	}
}

var (
	staff     = roles(secretariat)
	signedIn  = roles(delegateA, delegateB, analyst, partner, secretariat)
	analysts  = roles(analyst, secretariat)
	delegates = roles(delegateA, delegateB)
	nobody    = roles()
)

// owner allows the delegate of the owning organisation (or the owning
// person), and the listed roles on every object.
func owner(rs ...string) rule {
	others := roles(rs...)
	return func(actor, own string) bool {
		if (actor == delegateA && own == ownA) || (actor == delegateB && own == ownB) {
			return true
		}
		return others(actor, own)
	}
}

// visible allows everyone on public objects, and the listed roles on
// hidden ones too.
func visible(rs ...string) rule {
	others := roles(rs...)
	return func(actor, own string) bool {
		if own == ownNone || own == ownA || own == ownB {
			return true
		}
		return others(actor, own)
	}
}

// entry is one route's line of the matrix: the objects to ask for (a
// path for each owner) and who may.
type entry struct {
	paths map[string]string // owner -> path
	allow rule
	// mutates says a post with no fields legitimately changes something
	// for an actor it allows (it has no fields to get wrong).
	mutates bool
	// public says the objects' existence is public (endorsements,
	// published reports, organisations), so a refusal may differ from
	// the one for a missing object.
	public bool
	// validatesFirst says the form is checked before the child object is
	// looked up, so an allowed actor naming a missing or misplaced child
	// with an empty form gets 400 or 422 rather than 404 (nothing may
	// change either way).
	validatesFirst bool
	// emptyForm is the status an allowed actor gets for a post with no
	// fields when it is one that looks like a refusal (such as 404 for
	// "no such answer").
	emptyForm int
	// sees says who may know that an object exists, when more people than
	// those allowed may; their refusals need not look like a missing
	// object's.
	sees rule
	// scratch runs each request with a copy of the actor's cookies, for
	// a route that hands out a credential (a resume link).
	scratch bool
}

// ids are the objects seeded for the matrix.
type ids struct {
	orgA, orgB                   int64
	consultation, draft          int64
	questionOwn, questionOther   int64 // a question of the open consultation; one of the draft
	sectionOwn, sectionOther     int64
	frameworkA, frameworkB       string // frameworks that A's and B's endorsements are of
	endorsementA, endorsementB   int64
	reportA, reportB             int64
	proposalA, proposalB         int64
	meeting, meetingA, meetingB  int64 // meetingA invites only A (invitation-only), meetingB only B
	sessionA, sessionB           int64 // an agenda session of meetingA, of meetingB
	feedA, feedB                 string
	deliberation, delibHidden    int64
	statement                    int64
	tokenA, tokenB               int64 // API token ids of delegate A and B
	passkeyA, passkeyB           int64
	jobA, jobB                   string // export jobs started by the secretariat, by the analyst
	outbox                       int64
	round                        int64
	record, recordVersion        int64
	logEntry                     int64
	setPassword, resume, resumeB string
	campaignRun, campaign        int64
	flag, theme                  int64
	attachment                   int64 // a file of a submitted response to the open consultation
}

func TestAccessMatrix(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	t.Run("sqlite", func(t *testing.T) { accessMatrix(t, dbFlags{dataDir: t.TempDir()}) })
	if os.Getenv(storetest.EnvURL) != "" {
		t.Run("postgres", func(t *testing.T) { accessMatrix(t, dbFlags{dataDir: t.TempDir(), url: storetest.DatabaseURL(t)}) })
	}
}

func accessMatrix(t *testing.T, d dbFlags) {
	ctx := context.Background()
	a := quietApp(d)
	a.Demo = true
	startApp(t, a)
	// The same handler over TLS, so Secure cookies travel and HSTS is
	// sent. Each request comes from its own loopback address so that the
	// per-client write limit (tested in web) does not cut the matrix short.
	var n atomic.Int64
	inner := a.server.Handler
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := n.Add(1)
		r.RemoteAddr = fmt.Sprintf("127.%d.%d.%d:1", byte(k>>16), byte(k>>8), byte(k))
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	m := &matrix{t: t, a: a, srv: srv, clients: map[string]*http.Client{}, tokens: map[string]string{}}
	m.signInAll(ctx)
	id := m.seed(ctx)
	table := accessTable(id)

	routes := allRoutes(t)
	var missingEntries []string
	for _, r := range routes {
		if _, ok := table[r]; !ok {
			missingEntries = append(missingEntries, r)
		}
	}
	known := map[string]bool{}
	for _, r := range routes {
		known[r] = true
	}
	for r := range table {
		if !known[r] {
			t.Errorf("the access table has %q, which is no registered route", r)
		}
	}
	sort.Strings(missingEntries)
	if len(missingEntries) > 0 {
		t.Fatalf("%d routes have no line in the access table; add one saying who may use each:\n  %s", len(missingEntries), strings.Join(missingEntries, "\n  "))
	}

	// Reads first, then writes; writes that end a session or a response
	// come last.
	sort.SliceStable(routes, func(i, j int) bool { return writeOrder(routes[i]) < writeOrder(routes[j]) })
	for _, r := range routes {
		m.check(r, table[r])
	}
	t.Logf("%d routes, %d requests", len(routes), m.requests)
}

func writeOrder(route string) int {
	switch {
	case strings.HasPrefix(route, "GET "):
		return 0
	case strings.HasSuffix(route, "/sign-out"):
		return 4
	case strings.HasSuffix(route, "/forget"):
		return 3
	case strings.Contains(route, "/withdraw"), strings.HasSuffix(route, "/submit"), strings.HasSuffix(route, "/cancel"):
		return 2
	}
	return 1
}

type matrix struct {
	t        *testing.T
	a        *App
	srv      *httptest.Server
	clients  map[string]*http.Client
	tokens   map[string]string // API bearer tokens by actor
	requests int
}

func (m *matrix) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *m.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// scratch returns a client holding copies of c's cookies, whose changes
// do not reach c.
func (m *matrix) scratch(c *http.Client) *http.Client {
	s := m.client()
	u, _ := url.Parse(m.srv.URL)
	s.Jar.SetCookies(u, c.Jar.Cookies(u))
	return s
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (m *matrix) do(c *http.Client, method, path, bearer string, body io.Reader, contentType string) reply {
	m.t.Helper()
	req, err := http.NewRequest(method, m.srv.URL+path, body)
	if err != nil {
		m.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := c.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m.requests++
	return reply{res.StatusCode, res.Header, string(b)}
}

func (m *matrix) postForm(c *http.Client, path string, form url.Values) reply {
	return m.do(c, "POST", path, "", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// signInAll signs each role in through the pages, and gives each an API
// token.
func (m *matrix) signInAll(ctx context.Context) {
	t := m.t
	logins := demoLogins(t, m.a.DB.dataDir)
	m.clients[public] = m.client()
	for actor, email := range map[string]string{secretariat: "secretariat@pallmall.example", delegateA: "delegate.uk@pallmall.example",
		delegateB: "delegate.fr@pallmall.example", analyst: "analyst@pallmall.example", partner: "partner@pallmall.example"} {
		l := logins[email]
		c := m.client()
		if r := m.postForm(c, "/sign-in", url.Values{"email": {email}, "password": {l[0]}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in as %s: %d", actor, r.status)
		}
		if l[1] != "" {
			code, _ := auth.TOTPCode(l[1], time.Now())
			if r := m.postForm(c, "/sign-in/code", url.Values{"code": {code}}); r.status != http.StatusSeeOther {
				t.Fatalf("second factor for %s: %d", actor, r.status)
			}
		}
		m.clients[actor] = c
		u, err := m.a.auth.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := m.a.auth.CreateAPIToken(ctx, u.Actor(), u.ID, "matrix")
		if err != nil {
			t.Fatalf("API token for %s: %v", actor, err)
		}
		m.tokens[actor] = tok
	}
}

// seed makes objects of every kind for A and for B, and finds the
// demo's.
func (m *matrix) seed(ctx context.Context) ids {
	t, a := m.t, m.a
	db := a.db
	var id ids
	one := func(dst any, q string, args ...any) {
		t.Helper()
		if err := db.QueryRow(ctx, q, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	user := func(email string) auth.User {
		u, err := a.auth.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	uA, uB, sec := user("delegate.uk@pallmall.example"), user("delegate.fr@pallmall.example"), user("secretariat@pallmall.example")
	id.orgA, id.orgB = uA.OrganisationID, uB.OrganisationID
	now := time.Now().UTC()

	// Consultations: the demo's open one and a draft with its own
	// section and question.
	cs := &consult.Service{DB: db, Keys: a.auth.Keys}
	id.consultation = 1
	draft, err := cs.Create(ctx, auth.System, consult.Consultation{TitleEN: "Draft", TitleFR: "Brouillon", SummaryEN: "s", SummaryFR: "s",
		Audiences: []consult.Stakeholder{"civil_society"}, OpensAt: now.Add(24 * time.Hour), ClosesAt: now.Add(240 * time.Hour)})
	if err != nil {
		t.Fatalf("draft consultation: %v", err)
	}
	id.draft = draft.ID
	sec2, err := cs.AddSection(ctx, auth.System, consult.Section{ConsultationID: draft.ID, TitleEN: "S", TitleFR: "S"}, "")
	if err != nil {
		t.Fatalf("section: %v", err)
	}
	q, err := cs.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: draft.ID, SectionID: sec2.ID, Kind: consult.LongText, TextEN: "Q", TextFR: "Q"}, "")
	if err != nil {
		t.Fatalf("question: %v", err)
	}
	id.sectionOther, id.questionOther = sec2.ID, q.ID
	one(&id.sectionOwn, `SELECT min(id) FROM consult_sections WHERE consultation_id = $1`, id.consultation)
	one(&id.questionOwn, `SELECT min(id) FROM consult_questions WHERE consultation_id = $1`, id.consultation)
	// Two respondents' drafts: the matrix's respondent holds the first.
	for i, dst := range []*string{&id.resume, &id.resumeB} {
		_, tok, err := cs.Start(ctx, id.consultation, consult.About{Kind: consult.AsIndividual, Stakeholder: "civil_society", Name: fmt.Sprintf("Respondent %d", i)})
		if err != nil {
			t.Fatalf("start a response: %v", err)
		}
		*dst = fmt.Sprintf("/consultations/%d/resume/%s", id.consultation, tok)
	}
	rc := m.client()
	if r := m.do(rc, "GET", id.resume, "", nil, ""); r.status != http.StatusSeeOther {
		t.Fatalf("resume link = %d", r.status)
	}
	// The respondent also takes part in the deliberation.
	if r := m.postForm(rc, "/deliberations/1/join", url.Values{"stakeholder": {"civil_society"}}); r.status >= 400 {
		t.Fatalf("join the deliberation = %d", r.status)
	}
	m.clients[respondent] = rc

	// Endorsements of A and of B (the demo's, on paper).
	one(&id.endorsementA, `SELECT min(e.id) FROM endorsements e WHERE e.organisation_id = $1 AND e.withdrawn_at IS NULL`, id.orgA)
	one(&id.endorsementB, `SELECT min(e.id) FROM endorsements e WHERE e.organisation_id = $1 AND e.withdrawn_at IS NULL`, id.orgB)
	one(&id.frameworkA, `SELECT v.framework_id FROM endorsements e JOIN framework_versions v ON v.id = e.version_id WHERE e.id = $1`, id.endorsementA)
	one(&id.frameworkB, `SELECT v.framework_id FROM endorsements e JOIN framework_versions v ON v.id = e.version_id WHERE e.id = $1`, id.endorsementB)
	// Implementation reports of A and of B.
	ds := &declare.Service{DB: db}
	for org, dst := range map[int64]*int64{id.orgA: &id.reportA, id.orgB: &id.reportB} {
		rep, err := ds.PublishReport(ctx, auth.System, id.frameworkA, "", org, []declare.ReportItem{{Measure: "1", Status: declare.StatusInProgress, Explanation: "Matrix"}})
		if err != nil {
			t.Fatalf("report: %v", err)
		}
		*dst = rep.ID
	}
	round, err := ds.OpenRound(ctx, auth.System, "code-of-practice-states", "", declare.Text{EN: "Round", FR: "Cycle"}, now.Add(30*24*time.Hour))
	if err != nil {
		t.Fatalf("round: %v", err)
	}
	id.round = round.ID

	// Register proposals by A's and B's delegates.
	rs := &register.Service{DB: db}
	for u, dst := range map[auth.User]*int64{uA: &id.proposalA, uB: &id.proposalB} {
		p, err := rs.Propose(ctx, u.Actor(), register.NewProposal{Op: ledger.OpAdd, Draft: register.Draft{Kind: register.Entity, Name: "Matrix Systems " + u.Email + " (fictional)", Confidence: register.Reported,
			Fields:  map[string]string{"entity_kind": "vendor", "status": "active", "incorporated": "XR", "founded": "2020"},
			Sources: []register.Source{{Ref: "https://example.org/" + strconv.FormatInt(u.ID, 10), Publisher: "Example", Date: "2025-01"}}}, Note: "Matrix"})
		if err != nil {
			t.Fatalf("proposal: %v", err)
		}
		*dst = p.ID
	}
	one(&id.record, `SELECT min(id) FROM register_records`)
	one(&id.recordVersion, `SELECT min(version) FROM register_versions WHERE record_id = $1`, id.record)

	// Meetings: an upcoming public one (the demo's), one by invitation
	// for A only and one for B only, each with an agenda session and a
	// registration.
	ms := &meet.Service{DB: db, Directory: a.auth, PublicURL: a.PublicURL, Keys: a.auth.Keys}
	one(&id.meeting, `SELECT max(id) FROM meetings`)
	start := now.Add(30 * 24 * time.Hour).Truncate(time.Hour)
	for org, dst := range map[int64][2]*int64{id.orgA: {&id.meetingA, &id.sessionA}, id.orgB: {&id.meetingB, &id.sessionB}} {
		mt, err := ms.CreateMeeting(ctx, auth.System, meet.Meeting{TitleEN: "Closed meeting", TitleFR: "Réunion fermée", Kind: meet.Workshop, Format: meet.Online, TimeZone: "Europe/Paris",
			StartsAt: start, EndsAt: start.Add(2 * time.Hour), RegistrationDeadline: start.Add(-24 * time.Hour), Capacity: 10, DelegationLimit: 2, Visibility: meet.Invited})
		if err != nil {
			t.Fatalf("meeting: %v", err)
		}
		if err := ms.Invite(ctx, auth.System, mt.ID, org); err != nil {
			t.Fatal(err)
		}
		del := uA
		if org == id.orgB {
			del = uB
		}
		if _, err := ms.Register(ctx, del.Actor(), mt.ID, org, meet.Delegation{Head: meet.Participant{Name: "Head " + del.Email, JobTitle: "Head", Head: true}}); err != nil {
			t.Fatalf("register: %v", err)
		}
		s, err := ms.AddSession(ctx, auth.System, meet.Session{MeetingID: mt.ID, TitleEN: "Session", TitleFR: "Séance", StartsAt: start, EndsAt: start.Add(time.Hour)})
		if err != nil {
			t.Fatalf("session: %v", err)
		}
		*dst[0], *dst[1] = mt.ID, s.ID
	}
	if id.feedA, err = ms.FeedToken(ctx, uA.Actor(), id.orgA); err != nil {
		t.Fatalf("feed token: %v", err)
	}
	if id.feedB, err = ms.FeedToken(ctx, uB.Actor(), id.orgB); err != nil {
		t.Fatalf("feed token: %v", err)
	}
	one(&id.outbox, `SELECT max(id) FROM meeting_outbox`)

	// Deliberations: the demo's open one, a draft, and a statement.
	dl := &deliberate.Service{DB: db}
	id.deliberation = 1
	dh, err := dl.Create(ctx, auth.System, deliberate.Deliberation{TitleEN: "Hidden", TitleFR: "Cachée", DescriptionEN: "d", DescriptionFR: "d", Moderation: deliberate.PreModeration, Status: deliberate.Draft})
	if err != nil {
		t.Fatalf("draft deliberation: %v", err)
	}
	id.delibHidden = dh.ID
	one(&id.statement, `SELECT max(id) FROM deliberation_statements WHERE deliberation_id = 1`)

	// API tokens and passkeys of A's and B's delegates.
	// Tokens to revoke, apart from the ones the matrix uses.
	for u, dst := range map[auth.User]*int64{uA: &id.tokenA, uB: &id.tokenB} {
		if _, err := a.auth.CreateAPIToken(ctx, u.Actor(), u.ID, "to revoke"); err != nil {
			t.Fatal(err)
		}
		one(dst, `SELECT max(id) FROM api_tokens WHERE user_id = $1`, u.ID)
	}
	for u, dst := range map[int64]*int64{uA.ID: &id.passkeyA, uB.ID: &id.passkeyB} {
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO passkeys (user_id, credential_id, credential, name, created_at) VALUES ($1, $2, '{}', 'Matrix key', $3) RETURNING id`,
				u, hex.EncodeToString([]byte(strconv.FormatInt(u, 10))), store.Now()).Scan(dst)
		}); err != nil {
			t.Fatalf("passkey: %v", err)
		}
	}

	// Export jobs started by the secretariat and by the analyst.
	for actor, dst := range map[string]*string{secretariat: &id.jobA, analyst: &id.jobB} {
		r := m.postForm(m.clients[actor], fmt.Sprintf("/admin/consultations/%d/exports", id.consultation), url.Values{"format": {"csv"}})
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.Contains(loc, "/exports/") {
			t.Fatalf("start an export as %s = %d %s", actor, r.status, loc)
		}
		*dst = loc[strings.LastIndex(loc, "/")+1:]
	}
	one(&id.logEntry, `SELECT min(id) FROM ledger_outbox`)
	// Campaign detection's objects of the open consultation (demo data),
	// 0 where the demo has none.
	for table, dst := range map[string]*int64{"consult_campaign_runs": &id.campaignRun, "consult_campaigns": &id.campaign,
		"consult_campaign_flags": &id.flag, "consult_campaign_themes": &id.theme} {
		one(dst, `SELECT COALESCE(min(id), 0) FROM `+table+` WHERE consultation_id = $1`, id.consultation)
	}

	one(&id.attachment, `SELECT COALESCE(min(f.id), 0) FROM consult_files f JOIN consult_responses r ON r.id = f.response_id WHERE r.consultation_id = $1 AND r.status = 'submitted'`, id.consultation)
	if id.attachment == 0 {
		t.Fatal("the demo consultation has no attachment to check")
	}

	_, link, err := a.auth.CreateUser(ctx, sec.Actor(), auth.NewUser{Email: "matrix.new@example.org", Name: "New Person", Role: auth.Analyst}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	id.setPassword = link
	return id
}

// allRoutes lists every route, "METHOD /pattern", of web/routes.go and
// api.Routes().
func allRoutes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../web/routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		p, _ := strconv.Unquote(lit.Value)
		if !strings.Contains(p, " ") {
			p = "ANY " + p // a pattern for every method
		}
		out = append(out, p)
		return true
	})
	for _, r := range api.Routes() {
		out = append(out, r.Method+" "+r.Pattern)
	}
	if len(out) < 150 {
		t.Fatalf("found only %d routes; the parser is out of step with web/routes.go", len(out))
	}
	return out
}

var pathParam = regexp.MustCompile(`\{[a-z$]+\}`)

// check asks for one route as every actor and every owner.
func (m *matrix) check(route string, e entry) {
	t := m.t
	method, pattern, _ := strings.Cut(route, " ")
	methods := []string{method}
	if method == "ANY" {
		methods = []string{"GET", "POST"}
	}
	isAPI := strings.HasPrefix(pattern, "/api/")
	for _, method := range methods {
		for _, actor := range actors {
			refusals := map[string]reply{}
			for _, own := range sortedOwners(e.paths) {
				path := e.paths[own]
				before := ""
				if method != "GET" {
					before = m.fingerprint()
				}
				var r reply
				client := m.clients[actor]
				if e.scratch {
					client = m.scratch(client)
				}
				switch {
				case isAPI:
					var body io.Reader
					ct := ""
					if method == "POST" {
						body, ct = strings.NewReader("{}"), "application/json"
					}
					r = m.do(m.clients[public], method, path, m.tokens[actor], body, ct)
				case method == "POST":
					r = m.postForm(client, path, url.Values{})
				default:
					r = m.do(client, method, path, "", nil, "")
				}
				what := fmt.Sprintf("%s %s as %s (%s)", method, path, actor, own)
				// Respondents hold no API token: to the API they are the public.
				m.checkHeaders(what, actor != public && !(isAPI && actor == respondent), pattern, r)
				allowed := e.allow(actor, own)
				refused := isRefusal(r, isAPI)
				if method != "GET" && allowed && e.emptyForm != 0 && r.status == e.emptyForm {
					refused = false
				}
				if method != "GET" && !allowed && e.validatesFirst && (own == missing || own == cross) && e.allow(actor, ownNone) && (r.status == 400 || r.status == 422) {
					refused = true
				}
				switch {
				case allowed && refused:
					t.Errorf("%s = %d, want it allowed", what, r.status)
				case !allowed && !refused:
					t.Errorf("%s = %d (%s), want a refusal (401, 403, 404 or a redirect to sign in)", what, r.status, r.header.Get("Location"))
				}
				if r.status >= 500 {
					t.Errorf("%s = %d: a server error", what, r.status)
				}
				if refused {
					refusals[own] = r
				}
				if method != "GET" {
					m.settle()
					after := m.fingerprint()
					if before != after && (!allowed || !e.mutates) {
						t.Errorf("%s with no fields = %d and changed the database:\n  before %s\n  after  %s", what, r.status, before, after)
					}
				}
			}
			// A refusal says nothing of whether the object exists.
			if miss, ok := refusals[missing]; ok {
				for own, r := range refusals {
					if e.public || (own != ownA && own != ownB && own != hidden) || (e.sees != nil && e.sees(actor, own)) {
						continue
					}
					if r.status != miss.status || normalise(r) != normalise(miss) {
						t.Errorf("%s %s as %s: the refusal for an existing object (%s: %d) differs from the one for a missing object (%d)", method, pattern, actor, own, r.status, miss.status)
					}
				}
			}
		}
	}
}

func sortedOwners(paths map[string]string) []string {
	var out []string
	for k := range paths {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isRefusal reports whether a response refuses: 401, 403, 404, or a page
// redirecting to sign in (or, for a respondent's pages, to the start of
// a response: the request carried no response of its own).
func isRefusal(r reply, isAPI bool) bool {
	switch r.status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return true
	case http.StatusSeeOther, http.StatusFound:
		loc := r.header.Get("Location")
		return !isAPI && (strings.HasPrefix(loc, "/sign-in") || strings.HasSuffix(loc, "/start"))
	}
	return false
}

var refPattern = regexp.MustCompile(`[0-9a-f]{12}`)

// normalise keeps a page's main content (or an API body) without its
// reference, for comparing two refusals; for a redirect, where it goes
// (without the query, which names the page asked for).
func normalise(r reply) string {
	if loc := r.header.Get("Location"); loc != "" {
		loc, _, _ = strings.Cut(loc, "?")
		return "redirect to " + loc
	}
	body := r.body
	if _, after, ok := strings.Cut(body, "<main"); ok {
		body, _, _ = strings.Cut(after, "</main>")
	}
	return refPattern.ReplaceAllString(body, "REF")
}

// settle waits for background work a request may have started (a
// campaign detection run finishes in a goroutine after its button's
// redirect), so that its writes are not taken for the next request's.
func (m *matrix) settle() {
	m.t.Helper()
	for range 200 {
		var running int
		if err := m.a.db.QueryRow(context.Background(), `SELECT count(*) FROM consult_campaign_runs WHERE state = 'running'`).Scan(&running); err != nil {
			m.t.Fatalf("background work: %v", err)
		}
		if running == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.t.Fatal("a campaign detection run did not finish within 10 s")
}

// fingerprint summarises the database: the number of rows of every table
// and the last audit event, so that a post that changes anything shows.
// Sessions are left out: a session's last use is recorded on every
// request.
func (m *matrix) fingerprint() string {
	ctx := context.Background()
	rows, err := m.a.db.Query(ctx, tablesQuery(m.a.db))
	if err != nil {
		m.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		if name != "sessions" && name != "webauthn_ceremonies" && !strings.HasPrefix(name, "goose") && !strings.HasPrefix(name, "sqlite_") {
			tables = append(tables, name)
		}
	}
	rows.Close()
	sort.Strings(tables)
	var parts []string
	for _, tb := range tables {
		parts = append(parts, "(SELECT count(*) FROM "+tb+")")
	}
	q := "SELECT " + strings.Join(parts, " || ',' || ")
	var out string
	if err := m.a.db.QueryRow(ctx, q).Scan(&out); err != nil {
		m.t.Fatalf("fingerprint: %v", err)
	}
	return out
}

func tablesQuery(db *store.DB) string {
	if db.Dialect() == store.Postgres {
		return `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	return `SELECT name FROM sqlite_master WHERE type = 'table'`
}

// checkHeaders checks the security headers and the caching rule on one
// response.
func (m *matrix) checkHeaders(what string, credential bool, pattern string, r reply) {
	t, h := m.t, r.header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP %q allows inline or evaluated script", what, csp)
	}
	for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", what, name, got, want)
		}
	}
	if !strings.HasPrefix(h.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("%s over TLS: no HSTS", what)
	}
	setsCredential := false
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Errorf("%s: bad cookie %q", what, line)
			continue
		}
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly || c.SameSite == http.SameSiteDefaultMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("%s: cookie %q is not __Host-, Secure, HttpOnly, SameSite, Path=/ without a Domain", what, line)
		}
		setsCredential = setsCredential || c.Name != "__Host-pallmall_lang"
	}
	// The caching rule: nothing served to a signed-in person, a respondent
	// or a token holder, nothing that sets a credential, and nothing
	// reached through a secret link may be stored. Only the static assets
	// are exempt.
	secretLink := strings.Contains(pattern, "{token}")
	if (credential || setsCredential || secretLink) && !strings.HasPrefix(pattern, "/assets/") && h.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: Cache-Control = %q, want no-store", what, h.Get("Cache-Control"))
	}
}

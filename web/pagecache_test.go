package web_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/register"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

// cacheSite is a site whose page cache is counted by metrics.
type cacheSite struct {
	*site
	metrics *web.Metrics
}

func newCacheSite(t *testing.T, db *store.DB) *cacheSite {
	t.Helper()
	m := web.NewMetrics(nil)
	return &cacheSite{site: newSiteWith(t, db, func(s *web.Server) { s.Metrics = m }), metrics: m}
}

// count returns the page cache's count of results for a page kind.
func (s *cacheSite) count(page, result string) int {
	s.t.Helper()
	rec := httptest.NewRecorder()
	s.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	prefix := fmt.Sprintf(`pallmall_page_cache_requests_total{page=%q,result=%q} `, page, result)
	for line := range strings.SplitSeq(rec.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				s.t.Fatalf("metric line %q: %v", line, err)
			}
			return n
		}
	}
	return 0
}

// anon fetches a page as a new anonymous visitor and returns its text.
func (s *site) anon(path string) string {
	s.t.Helper()
	res := s.get(s.client(), path)
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s = %d\n%s", path, res.StatusCode, excerpt(res.Body))
	}
	return html.UnescapeString(res.Body)
}

// wantShown fails unless the next anonymous response for path holds every
// one of want and none of unwanted.
func (s *site) wantShown(what, path string, want []string, unwanted ...string) {
	s.t.Helper()
	body := s.anon(path)
	for _, w := range want {
		if !strings.Contains(body, w) {
			s.t.Errorf("after %s, GET %s lacks %q:\n%s", what, path, w, mainContent(body))
		}
	}
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			s.t.Errorf("after %s, GET %s still shows %q", what, path, u)
		}
	}
}

// pageFixture is published and open content behind each kind of cached
// page: a published consultation with a campaign, a framework with an
// endorsement, and a register vendor with a product.
type pageFixture struct {
	consultation, section, question int64
	open                            int64 // an open consultation
	vendor, product                 int64
	ledger                          *ledger.Worker
}

func newPageFixture(t *testing.T, st *site) *pageFixture {
	t.Helper()
	ctx := context.Background()
	db := st.db
	f := &pageFixture{}
	svc := &consult.Service{DB: db}
	now := time.Now().UTC().Truncate(time.Minute)
	newConsultation := func(title string) (consult.Consultation, consult.Section, consult.Question) {
		c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: title, TitleFR: title + " (fr)", SummaryEN: "Summary of " + title, SummaryFR: "Résumé",
			Audiences: []consult.Stakeholder{consult.CivilSociety, consult.Industry}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(30 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		sec, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "Views of " + title, TitleFR: "Avis"}, "")
		if err != nil {
			t.Fatal(err)
		}
		q, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.LongText, TextEN: "What should change?", TextFR: "Que changer ?"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
			t.Fatal(err)
		}
		return c, sec, q
	}
	c, sec, q := newConsultation("Spyware exports")
	f.consultation, f.section, f.question = c.ID, sec.ID, q.ID
	no := false
	for i := range 14 {
		text := "Ban the export of spyware to every state now."
		if i >= 11 {
			text = fmt.Sprintf("A view of my own, number %d.", i)
		}
		_, token, err := svc.Start(ctx, c.ID, consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: fmt.Sprintf("Person %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SaveAnswers(ctx, c.ID, token, sec.ID, map[int64]consult.Answer{q.ID: {Text: text}}, true); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetConsent(ctx, c.ID, token, "en", &no, &no, consult.PublishAnonymous); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Submit(ctx, c.ID, token); err != nil {
			t.Fatal(err)
		}
	}
	analyst := st.users["analyst"].Actor()
	run, err := svc.StartCampaignRun(ctx, analyst, c.ID, consult.CampaignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RunCampaigns(ctx, analyst, run, consult.CampaignOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Closed); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Published); err != nil {
		t.Fatal(err)
	}
	open, _, _ := newConsultation("Hacking for hire")
	f.open = open.ID

	decl := publishFrameworks(t, db)
	if _, err := decl.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: st.orgB.ID, Method: declare.MethodPaper, PaperReference: "Plenary"}); err != nil {
		t.Fatal(err)
	}

	reg := &register.Service{DB: db}
	csv := "key,kind,name,confidence,entity_kind,incorporated,status,founded,vendor,product_class,source1_ref,source1_publisher,source1_date\n" +
		"v1,entity,Fictional Vendor,reported,vendor,GB,active,2015,,,https://example.org/v/1,Example Research,2024-01-02\n" +
		"p1,product,Fictional Implant,likely,,,,,v1,spyware_implant,Report 1,Example Lab,2024\n"
	if rep, err := reg.Import(ctx, auth.System, strings.NewReader(csv), register.ImportOptions{Format: "csv"}); err != nil || rep.Imported != 2 {
		t.Fatalf("register import: %+v, %v", rep, err)
	}
	if err := db.QueryRow(ctx, `SELECT id FROM register_records WHERE name = 'Fictional Vendor'`).Scan(&f.vendor); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT id FROM register_records WHERE name = 'Fictional Implant'`).Scan(&f.product); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	key, err := ledger.LoadOrCreateKey(filepath.Join(dir, "key"), "pallmall.example/log")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(ctx, ledger.Options{Dir: filepath.Join(dir, "log"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	f.ledger = ledger.NewWorker(db, l, ledger.WorkerOptions{})
	return f
}

func (f *pageFixture) consultationPath() string { return "/consultations/" + itoa(f.consultation) }
func (f *pageFixture) summaryPath() string      { return f.consultationPath() + "/summary" }
func (f *pageFixture) vendorPath() string       { return "/register/records/" + itoa(f.vendor) }

// uncached returns the site served by a second server without a page
// cache, over the same database.
func uncached(t *testing.T, st *site) *site {
	t.Helper()
	s := &web.Server{DB: st.db, Auth: st.auth, Logger: slog.New(slog.DiscardHandler), Version: "test", PublicURL: "https://pallmall.example", PageCache: -1}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	plain := *st
	plain.srv = httptest.NewTLSServer(h)
	t.Cleanup(plain.srv.Close)
	return &plain
}

// sameResponse fails unless two responses are the same bytes: status,
// every header but Date, framing and body.
func sameResponse(t *testing.T, what string, want, got response) {
	t.Helper()
	if want.StatusCode != got.StatusCode {
		t.Errorf("%s: status %d, want %d", what, got.StatusCode, want.StatusCode)
	}
	wh, gh := want.Header.Clone(), got.Header.Clone()
	wh.Del("Date")
	gh.Del("Date")
	if !reflect.DeepEqual(wh, gh) {
		t.Errorf("%s: headers\n%v\nwant\n%v", what, gh, wh)
	}
	if want.ContentLength != got.ContentLength || !reflect.DeepEqual(want.TransferEncoding, got.TransferEncoding) {
		t.Errorf("%s: framing %d %v, want %d %v", what, got.ContentLength, got.TransferEncoding, want.ContentLength, want.TransferEncoding)
	}
	if want.Body != got.Body {
		t.Errorf("%s: body differs from the handler's (%d bytes, want %d)", what, len(got.Body), len(want.Body))
	}
}

// TestCachedPagesAreWhatTheHandlerRenders compares, for every kind of
// cached page in both languages, the response of a server without the
// cache, the cached server's first response (built) and its second
// (served from the cache): the same status, headers and bytes. Signed-in
// visitors and respondents carrying their cookie never get the cached
// page, and their responses stay no-store.
func TestCachedPagesAreWhatTheHandlerRenders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newCacheSite(t, db)
		f := newPageFixture(t, st.site)
		plain := uncached(t, st.site)

		pages := []struct{ kind, path string }{
			{"consultation", f.consultationPath()},
			{"consultation", "/consultations/" + itoa(f.open)},
			{"summary", f.summaryPath()},
			{"summary", f.summaryPath() + "?page=1"},
			{"signatories", "/frameworks/declaration/signatories"},
			{"signatories", "/frameworks/declaration/signatories?kind=civil_society&withdrawn=yes"},
			{"framework", "/frameworks/declaration"},
			{"register_record", f.vendorPath()},
		}
		fetch := func(s *site, method, path string, header ...string) response {
			req, _ := http.NewRequest(method, s.srv.URL+path, nil)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			return s.do(s.srv.Client(), req)
		}
		for _, p := range pages {
			for _, v := range []struct {
				name, query string
				header      []string
			}{
				{"English", "", nil},
				{"French by ?lang=", "lang=fr", nil},
				{"French by cookie", "", []string{"Cookie", "__Host-pallmall_lang=fr"}},
			} {
				path := p.path
				if v.query != "" {
					path += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + v.query
				}
				hits := st.count(p.kind, "hit")
				want := fetch(plain, "GET", path, v.header...)
				if want.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d", path, want.StatusCode)
				}
				built := fetch(st.site, "GET", path, v.header...)
				cached := fetch(st.site, "GET", path, v.header...)
				sameResponse(t, "built "+path+" ("+v.name+")", want, built)
				sameResponse(t, "cached "+path+" ("+v.name+")", want, cached)
				if st.count(p.kind, "hit") == hits {
					t.Errorf("GET %s (%s) twice: no cache hit", path, v.name)
				}
				sameResponse(t, "HEAD "+path+" ("+v.name+")", fetch(plain, "HEAD", path, v.header...), fetch(st.site, "HEAD", path, v.header...))
			}
		}
		if !strings.Contains(fetch(st.site, "GET", "/consultations/"+itoa(f.open)+"?lang=fr").Body, "Hacking for hire (fr)") {
			t.Errorf("the French consultation page is not in French")
		}

		// A signed-in visitor gets their own page, never stored or cached.
		bypass := st.count("consultation", "bypass")
		res := st.get(st.signIn("secretariat"), f.consultationPath())
		if !strings.Contains(res.Body, "Sign out") || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("signed-in consultation page: Cache-Control %q, signed in %v", res.Header.Get("Cache-Control"), strings.Contains(res.Body, "Sign out"))
		}
		if st.count("consultation", "bypass") != bypass+1 {
			t.Errorf("the signed-in request was not counted as a bypass")
		}
		if res := st.get(st.client(), f.consultationPath()); strings.Contains(res.Body, "Sign out") || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("anonymous page after a signed-in one: signed in %v, Cache-Control %q", strings.Contains(res.Body, "Sign out"), res.Header.Get("Cache-Control"))
		}
		// A respondent's cookie or a bearer token is a credential: no-store,
		// and not served from the cache.
		for _, h := range [][]string{
			{"Cookie", "__Host-pallmall_response_" + itoa(f.open) + "=not-a-token"},
			{"Authorization", "Bearer nothing"},
		} {
			bypass := st.count("consultation", "bypass")
			res := fetch(st.site, "GET", "/consultations/"+itoa(f.open), h...)
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" || st.count("consultation", "bypass") != bypass+1 {
				t.Errorf("GET with %s: %d, Cache-Control %q, bypassed %v", h[0], res.StatusCode, res.Header.Get("Cache-Control"), st.count("consultation", "bypass") == bypass+1)
			}
		}
		// Error pages are not kept: each is rendered.
		for range 2 {
			if res := fetch(st.site, "GET", "/consultations/999999"); res.StatusCode != http.StatusNotFound {
				t.Errorf("missing consultation = %d", res.StatusCode)
			}
		}
	})
}

// TestPageCacheBuildsOnce: a crowd asking at once for a page nobody has
// asked for yet gets it built once, the others waiting for it.
func TestPageCacheBuildsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newCacheSite(t, db)
		f := newPageFixture(t, st.site)
		const crowd = 40
		bodies := make([]string, crowd)
		var wg sync.WaitGroup
		for i := range crowd {
			wg.Go(func() { bodies[i] = st.anon(f.summaryPath()) })
		}
		wg.Wait()
		if miss, hit := st.count("summary", "miss"), st.count("summary", "hit"); miss != 1 || hit != crowd-1 {
			t.Errorf("%d concurrent requests: %d built, %d from the cache; want 1 and %d", crowd, miss, hit, crowd-1)
		}
		for i := range bodies {
			if bodies[i] != bodies[0] {
				t.Fatalf("response %d differs from the first", i)
			}
		}
	})
}

// TestConsultationPageShowsEveryChangeAtOnce changes, one at a time,
// everything the consultation page shows, and checks the next anonymous
// request shows it although the page was cached.
func TestConsultationPageShowsEveryChangeAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newCacheSite(t, db)
		f := newPageFixture(t, st.site)
		ctx := context.Background()
		svc := &consult.Service{DB: db}
		path := "/consultations/" + itoa(f.open)
		st.wantShown("loading", path, []string{"Hacking for hire", "Views of Hacking for hire", "Start now"})
		st.anon(path) // cached now

		c, err := svc.Get(ctx, auth.System, f.open)
		if err != nil {
			t.Fatal(err)
		}
		c.TitleEN, c.SummaryEN, c.BodyEN = "Hackers for hire", "A new summary", "A new body."
		if _, err := svc.Update(ctx, auth.System, c, ""); err != nil {
			t.Fatal(err)
		}
		st.wantShown("editing the texts", path, []string{"Hackers for hire", "A new summary", "A new body."}, ">Hacking for hire<")

		qn, err := svc.Questionnaire(ctx, auth.System, f.open)
		if err != nil {
			t.Fatal(err)
		}
		sec := qn.Sections[0]
		sec.TitleEN = "Your experience"
		if err := svc.UpdateSection(ctx, auth.System, sec, ""); err != nil {
			t.Fatal(err)
		}
		st.wantShown("renaming the section", path, []string{"Your experience"}, "Views of Hacking for hire")
		if _, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: f.open, TitleEN: "Remedies", TitleFR: "Recours"}, ""); err != nil {
			t.Fatal(err)
		}
		st.wantShown("adding a section", path, []string{"Remedies"})

		// A reasoned change, once responses exist.
		_, token, err := svc.Start(ctx, f.open, consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: "Early"})
		if err != nil || token == "" {
			t.Fatal(err)
		}
		st.anon(path)
		c, _ = svc.Get(ctx, auth.System, f.open)
		c.ClosesAt = c.ClosesAt.Add(24 * time.Hour)
		if _, err := svc.Update(ctx, auth.System, c, "More time for civil society"); err != nil {
			t.Fatal(err)
		}
		st.wantShown("extending with a reason", path, []string{"More time for civil society"})

		// A deliberation linked to it, then renamed, then unlinked.
		delib := &deliberate.Service{DB: db}
		d, err := delib.Create(ctx, auth.System, deliberate.Deliberation{TitleEN: "Where to draw the line", TitleFR: "Où tracer la limite", ConsultationID: f.open,
			Moderation: deliberate.PostModeration, Status: deliberate.Open})
		if err != nil {
			t.Fatal(err)
		}
		st.wantShown("linking a deliberation", path, []string{"Where to draw the line"})
		d.TitleEN = "Drawing the line"
		if d, err = delib.Update(ctx, auth.System, d); err != nil {
			t.Fatal(err)
		}
		st.wantShown("renaming the deliberation", path, []string{"Drawing the line"}, "Where to draw the line")
		d.Status = deliberate.Draft
		if _, err = delib.Update(ctx, auth.System, d); err != nil {
			t.Fatal(err)
		}
		st.wantShown("making the deliberation a draft", path, nil, "Drawing the line")

		// Closing early, then publishing.
		if err := svc.SetStatus(ctx, auth.System, f.open, consult.Closed); err != nil {
			t.Fatal(err)
		}
		st.wantShown("closing", path, []string{"This consultation closed on"}, "Start now")
		if err := svc.SetStatus(ctx, auth.System, f.open, consult.Published); err != nil {
			t.Fatal(err)
		}
		st.wantShown("publishing", path, []string{"/consultations/" + itoa(f.open) + "/summary"})
	})
}

// TestConsultationPageOpensAndClosesOnTime: the consultation page changes
// by itself when the consultation opens and when it closes, and the
// cached page does too.
func TestConsultationPageOpensAndClosesOnTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newCacheSite(t, db)
		ctx := context.Background()
		svc := &consult.Service{DB: db}
		later := time.Now().Add(time.Hour)
		c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: "Soon", TitleFR: "Bientôt", SummaryEN: "S", SummaryFR: "S",
			Audiences: []consult.Stakeholder{consult.CivilSociety}, OpensAt: later, ClosesAt: later.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		sec, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "One", TitleFR: "Un"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.ShortText, TextEN: "Q?", TextFR: "Q ?"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
			t.Fatal(err)
		}
		path := "/consultations/" + itoa(c.ID)
		// Opening in a moment, and closing a moment later: a longer moment
		// if the machine is too slow to see the page before it opens.
		for moment := time.Second; ; moment *= 2 {
			if c, err = svc.Get(ctx, auth.System, c.ID); err != nil {
				t.Fatal(err)
			}
			c.OpensAt = time.Now().Add(moment)
			c.ClosesAt = c.OpensAt.Add(moment)
			if c, err = svc.Update(ctx, auth.System, c, ""); err != nil {
				t.Fatal(err)
			}
			body := st.anon(path)
			st.anon(path) // from the cache
			if time.Now().Before(c.OpensAt) {
				if !strings.Contains(body, "This consultation opens on") {
					t.Fatalf("before opening, the page lacks the opening time:\n%s", mainContent(body))
				}
				break
			}
			if moment > 16*time.Second {
				t.Fatal("the page took more than 16 s to load")
			}
		}
		time.Sleep(time.Until(c.OpensAt) + 50*time.Millisecond)
		st.wantShown("opening time passing", path, []string{"Start now"}, "This consultation opens on")
		st.anon(path)
		time.Sleep(time.Until(c.ClosesAt) + 50*time.Millisecond)
		st.wantShown("closing time passing", path, []string{"This consultation closed"}, "Start now")
	})
}

// TestSummaryPageShowsEveryChangeAtOnce changes, one at a time, what the
// published summary shows, and checks the next anonymous request shows
// it although the page was cached.
func TestSummaryPageShowsEveryChangeAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newCacheSite(t, db)
		f := newPageFixture(t, st.site)
		ctx := context.Background()
		svc := &consult.Service{DB: db}
		path := f.summaryPath()
		st.wantShown("loading", path, []string{"Spyware exports", "What should change?", "A view of my own, number 11."}, "11 signatures")
		st.anon(path)

		analyst := st.users["analyst"].Actor()
		cs, err := svc.Campaigns(ctx, analyst, f.consultation, 0)
		if err != nil || len(cs) != 1 {
			t.Fatalf("campaigns: %d, %v", len(cs), err)
		}
		if err := svc.DecideCampaign(ctx, analyst, f.consultation, cs[0].ID, consult.CampaignConfirmed, "One template"); err != nil {
			t.Fatal(err)
		}
		st.wantShown("confirming a campaign", path, []string{"11 signatures"})

		var response int64
		if err := db.QueryRow(ctx, `SELECT MAX(id) FROM consult_responses WHERE consultation_id = $1`, f.consultation).Scan(&response); err != nil {
			t.Fatal(err)
		}
		if err := svc.Redact(ctx, auth.System, f.consultation, response, f.question, "number 13", "identifying"); err != nil {
			t.Fatal(err)
		}
		st.wantShown("redacting a passage", path, nil, "number 13")

		q, err := svc.Questionnaire(ctx, auth.System, f.consultation)
		if err != nil {
			t.Fatal(err)
		}
		question := q.Sections[0].Questions[0]
		question.TextEN = "What must change?"
		if _, err := svc.SaveQuestion(ctx, auth.System, question, "Clearer wording"); err != nil {
			t.Fatal(err)
		}
		st.wantShown("rewording the question", path, []string{"What must change?"}, "What should change?")

		c, err := svc.Get(ctx, auth.System, f.consultation)
		if err != nil {
			t.Fatal(err)
		}
		c.TitleEN = "Exports of spyware"
		if _, err := svc.Update(ctx, auth.System, c, ""); err != nil {
			t.Fatal(err)
		}
		st.wantShown("renaming the consultation", path, []string{"Exports of spyware"}, ">Spyware exports<")
	})
}

// TestSignatoryRegisterShowsEveryChangeAtOnce changes, one at a time,
// what a framework's signatory register and its page show, and checks
// the next anonymous request shows it although the pages were cached.
func TestSignatoryRegisterShowsEveryChangeAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newCacheSite(t, db)
		f := newPageFixture(t, st.site)
		ctx := context.Background()
		svc := &declare.Service{DB: db}
		path, withdrawn, framework := "/frameworks/declaration/signatories", "/frameworks/declaration/signatories?withdrawn=yes", "/frameworks/declaration"
		st.wantShown("loading", path, []string{"Open Rights Lab", "Pending"}, "Ruritania")
		st.wantShown("loading", framework, []string{"Pending"})
		for _, p := range []string{path, withdrawn, framework} {
			st.anon(p)
		}

		e, err := svc.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: st.orgA.ID, Method: declare.MethodPaper, PaperReference: "Letter"})
		if err != nil {
			t.Fatal(err)
		}
		st.wantShown("an endorsement", path, []string{"Ruritania", "Open Rights Lab"})

		if err := f.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		st.wantShown("the log appending the entries", path, []string{`#verify">`}, "Pending")
		st.wantShown("the log appending the entries", framework, nil, "Pending")

		if _, err := db.Exec(ctx, `UPDATE organisations SET name_en = 'Ruritanian Republic' WHERE id = $1`, st.orgA.ID); err != nil {
			t.Fatal(err)
		}
		st.wantShown("renaming an organisation", path, []string{"Ruritanian Republic"})

		if _, err := svc.Withdraw(ctx, auth.System, declare.WithdrawInput{EndorsementID: e.ID, Reason: "Letter of withdrawal"}); err != nil {
			t.Fatal(err)
		}
		st.wantShown("a withdrawal", path, []string{"Open Rights Lab"}, "Ruritanian Republic")
		st.wantShown("a withdrawal", withdrawn, []string{"Ruritanian Republic", "Withdrawn"})

		d := demo.Declaration2024()
		d.Version = "2026"
		if _, err := svc.PublishVersion(ctx, auth.System, d); err != nil {
			t.Fatal(err)
		}
		st.wantShown("a new version", path, []string{`<option value="2026"`})
		st.wantShown("a new version", framework, []string{"2026"})

		if _, err := db.Exec(ctx, `UPDATE frameworks SET title_en = 'The Pall Mall Declaration, amended' WHERE id = 'declaration'`); err != nil {
			t.Fatal(err)
		}
		st.wantShown("renaming the framework", path, []string{"The Pall Mall Declaration, amended"})
	})
}

// TestRegisterRecordShowsEveryChangeAtOnce changes, one at a time, what a
// register record's page shows, and checks the next anonymous request
// shows it although the page was cached.
func TestRegisterRecordShowsEveryChangeAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newCacheSite(t, db)
		f := newPageFixture(t, st.site)
		ctx := context.Background()
		svc := &register.Service{DB: db}
		delegate, sec := st.users["delegateA"].Actor(), st.users["secretariat"].Actor()
		path := f.vendorPath()
		st.wantShown("loading", path, []string{"Fictional Vendor", "Fictional Implant", "Being added to the log"})
		st.anon(path)

		if err := f.ledger.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		st.wantShown("the log appending the entries", path, []string{`govuk-table__cell">Entry `}, "Being added to the log")

		rec, err := svc.Record(ctx, f.vendor)
		if err != nil {
			t.Fatal(err)
		}
		d := rec.Draft
		d.Name = "Fictional Vendor Holdings"
		p, err := svc.Propose(ctx, delegate, register.NewProposal{Op: ledger.OpUpdate, RecordID: f.vendor, Draft: d})
		if err != nil {
			t.Fatal(err)
		}
		st.anon(path)
		if _, err := svc.Decide(ctx, sec, p.ID, register.Decision{Status: register.Accepted}); err != nil {
			t.Fatal(err)
		}
		st.wantShown("an accepted change", path, []string{"Fictional Vendor Holdings"})

		req, err := svc.Propose(ctx, delegate, register.NewProposal{Op: ledger.OpRemove, RecordID: f.vendor, Draft: d, Note: "Asked by the vendor", RequestedBy: "Counsel for the vendor"})
		if err != nil {
			t.Fatal(err)
		}
		st.wantShown("a takedown request", path, []string{"Counsel for the vendor"})
		if _, err := svc.Decide(ctx, sec, req.ID, register.Decision{Status: register.Rejected, ReasonEN: "Well sourced", ReasonFR: "Bien sourcé"}); err != nil {
			t.Fatal(err)
		}
		st.wantShown("rejecting the request", path, []string{"Well sourced"})

		product, err := svc.Record(ctx, f.product)
		if err != nil {
			t.Fatal(err)
		}
		pd := product.Draft
		pd.Name = "Fictional Exploit Kit"
		if _, err := svc.Publish(ctx, auth.System, []register.Draft{pd}); err != nil {
			t.Fatal(err)
		}
		st.wantShown("a new linked product", path, []string{"Fictional Exploit Kit", "Fictional Implant"})

		p, err = svc.Propose(ctx, delegate, register.NewProposal{Op: ledger.OpRemove, RecordID: f.vendor, Draft: d, Note: "Dissolved"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Decide(ctx, sec, p.ID, register.Decision{Status: register.Accepted}); err != nil {
			t.Fatal(err)
		}
		st.wantShown("a removal", path, []string{"Removed record " + itoa(f.vendor)}, "Fictional Implant")
	})
}

// TestCachedPagesFollowTheReplica runs the site on a PostgreSQL primary
// whose "replica" is a separate database holding other rows, as in
// TestAnonymousPublicPagesReadTheReplica: the cached signatory register
// is the replica's, and a change reaching the replica (written there
// directly, as replication would) shows on the next anonymous request,
// because the stamp is read from the replica too; a change on the primary
// alone does not, as without the cache.
func TestCachedPagesFollowTheReplica(t *testing.T) {
	replicaURL, replica := storetest.Replica(t)
	ctx := context.Background()
	db := openWithReplica(t, replicaURL)
	m := web.NewMetrics(nil)
	st := &cacheSite{site: newSiteWith(t, db, func(s *web.Server) { s.Metrics = m }), metrics: m}
	publishFrameworks(t, replica)
	org, err := (&auth.Service{DB: replica}).CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Replicania", NameFR: "Réplicanie", Kind: auth.State, Country: "NO"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&declare.Service{DB: replica}).Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: org.ID, Method: declare.MethodPaper, PaperReference: "Letter"}); err != nil {
		t.Fatal(err)
	}
	path := "/frameworks/declaration/signatories"
	st.wantShown("loading the replica", path, []string{"Replicania"})
	st.anon(path)
	if st.count("signatories", "hit") == 0 {
		t.Errorf("the replica's page was not served from the cache")
	}
	if _, err := replica.Exec(ctx, `UPDATE organisations SET name_en = 'Replicanian Republic' WHERE id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	st.wantShown("a change reaching the replica", path, []string{"Replicanian Republic"})
	publishFrameworks(t, db) // on the primary only
	if _, err := (&declare.Service{DB: db}).Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: st.orgB.ID, Method: declare.MethodPaper, PaperReference: "Plenary"}); err != nil {
		t.Fatal(err)
	}
	st.wantShown("a change on the primary alone", path, []string{"Replicanian Republic"}, "Open Rights Lab")
	if res := st.get(st.signIn("secretariat"), path); !strings.Contains(res.Body, "Open Rights Lab") {
		t.Errorf("the signed-in secretariat does not see the primary's endorsement")
	}
}

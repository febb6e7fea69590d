package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

// openWithReplica opens a migrated PostgreSQL primary whose read replica is
// at replicaURL.
func openWithReplica(t *testing.T, replicaURL string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: storetest.URL(t), ReplicaURL: replicaURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestAnonymousPublicPagesReadTheReplica runs the site on a PostgreSQL
// primary whose "replica" is a separate database holding other rows: an
// organisation, Replicania, that the primary lacks, with the id of the
// primary's Ruritania. Which name a page shows says which database it
// read.
func TestAnonymousPublicPagesReadTheReplica(t *testing.T) {
	replicaURL, replica := storetest.Replica(t)
	ctx := context.Background()
	db := openWithReplica(t, replicaURL)
	st := newConsultSite(t, db) // Ruritania and the open consultation are on the primary only
	rep, err := (&auth.Service{DB: replica}).CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Replicania", NameFR: "Réplicanie", Kind: auth.State, Country: "NO"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ID != st.orgA.ID {
		t.Fatalf("replica's organisation has id %d, the primary's Ruritania %d; the test wants them equal", rep.ID, st.orgA.ID)
	}
	orgPage := "/organisations/" + itoa(rep.ID)
	read := func(what string, res response) string {
		t.Helper()
		rep := strings.Contains(res.Body, "Replicania") || strings.Contains(res.Body, "Réplicanie")
		prim := strings.Contains(res.Body, "Ruritania") || strings.Contains(res.Body, "Ruritanie")
		switch {
		case res.StatusCode != http.StatusOK:
			t.Fatalf("%s: status %d", what, res.StatusCode)
		case rep && !prim:
			return "replica"
		case prim && !rep:
			return "primary"
		}
		t.Fatalf("%s: shows both or neither organisation:\n%s", what, excerpt(res.Body))
		return ""
	}
	want := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s read the %s, want the %s", what, got, want)
		}
	}
	withCookie := func(path, cookie string) response {
		req, _ := http.NewRequest("GET", st.srv.URL+path, nil)
		req.Header.Set("Cookie", cookie)
		return st.do(st.client(), req)
	}
	anon := st.client()

	// Anonymous reads of public pages and lists: the replica.
	want("anonymous /organisations", read("anonymous /organisations", st.get(anon, "/organisations")), "replica")
	want("anonymous organisation page", read("anonymous organisation page", st.get(anon, orgPage)), "replica")
	want("anonymous API list", read("anonymous API list", st.api("GET", "/api/v1/organisations", "", "")), "replica")
	want("anonymous with the language cookie", read("language cookie", withCookie("/organisations?x=1", "__Host-pallmall_lang=fr")), "replica")

	// The same pages with a credential: the primary.
	del := st.signIn("delegateA")
	want("signed-in /organisations", read("signed-in /organisations", st.get(del, "/organisations")), "primary")
	want("signed-in organisation page", read("signed-in organisation page", st.get(del, orgPage)), "primary")
	want("a respondent's cookie", read("resume cookie", withCookie("/organisations", "__Host-pallmall_response_1=x")), "primary")
	want("a participant's cookie", read("participant cookie", withCookie("/organisations", "__Host-pallmall_delib_1=x")), "primary")
	token, err := st.auth.CreateAPIToken(ctx, auth.System, st.users["delegateA"].ID, "replica test")
	if err != nil {
		t.Fatal(err)
	}
	want("API list with a token", read("API list with a token", st.api("GET", "/api/v1/organisations", token, "")), "primary")
	// One organisation is not a list: the primary.
	if res := st.api("GET", "/api/v1/organisations/"+itoa(rep.ID), "", ""); !strings.Contains(res.Body, "Ruritania") {
		t.Errorf("API organisation by id did not read the primary: %s", res.Body)
	}

	// A change and the redirect after it: the signed-in secretariat sees
	// its new organisation at once; anonymous readers see the replica,
	// which here never receives it (a real one would, after its lag).
	res := st.post(st.sec, "/admin/organisations/new", url.Values{"name_en": {"Atlantis"}, "name_fr": {"Atlantide"}, "kind": {"state"}, "country": {"AT"}})
	wantStatus(t, "create organisation", res, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	if res := st.get(st.sec, loc); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Atlantis") {
		t.Errorf("after the POST, the secretariat's %s = %d without Atlantis", loc, res.StatusCode)
	}
	if res := st.get(anon, loc); res.StatusCode != http.StatusNotFound {
		t.Errorf("anonymous %s = %d; want 404 from the replica", loc, res.StatusCode)
	}

	// The consultation exists on the primary only. Its public page reads
	// the replica; starting a response (an access-checked read before a
	// change) and the respondent's own pages read the primary.
	if res := st.get(anon, st.path("")); res.StatusCode != http.StatusNotFound {
		t.Errorf("anonymous consultation page = %d; want 404 from the replica", res.StatusCode)
	}
	if res := st.get(anon, "/consultations"); strings.Contains(res.Body, "Good practice for states") {
		t.Error("anonymous consultation list shows the primary's consultation")
	}
	wantStatus(t, "start form (primary)", st.get(anon, st.path("/start")), http.StatusOK)
	res = st.post(anon, st.path("/start"), url.Values{"kind": {"individual"}, "stakeholder": {"civil_society"}, "name": {"Ada Lovelace"}})
	wantStatus(t, "start a response", res, http.StatusCreated)
	if res := st.get(anon, st.path("")); res.StatusCode != http.StatusOK {
		t.Errorf("the respondent's consultation page = %d; want 200 from the primary", res.StatusCode)
	}
	wantStatus(t, "the respondent's task list", st.get(anon, st.path("/respond")), http.StatusOK)
	if res := st.get(st.sec, st.path("")); res.StatusCode != http.StatusOK {
		t.Errorf("the secretariat's consultation page = %d", res.StatusCode)
	}
	if res := st.get(st.sec, "/admin/users"); !strings.Contains(res.Body, "Del A") {
		t.Error("the secretariat's user list did not read the primary")
	}

	// Health and metrics: the replica is up and was used.
	if res := st.get(anon, "/readyz"); res.StatusCode != http.StatusOK || res.Body != "ready\n" {
		t.Errorf("/readyz = %d %q", res.StatusCode, res.Body)
	}
	if m := metrics(t, db); !strings.Contains(m, "pallmall_db_replica_up 1") || !strings.Contains(m, `pallmall_db_open_connections{pool="replica"}`) {
		t.Errorf("metrics lack the replica's:\n%s", grepLines(m, "pallmall_db_"))
	}
	if s := db.Replica(); !s.Up || s.Fallbacks != 0 {
		t.Errorf("Replica() = %+v", s)
	}
}

// TestUnreachableReplicaLeavesThePlatformUp: with the replica's address
// refusing connections, pages read the primary, /readyz says ready and
// names the problem, and the metrics show it.
func TestUnreachableReplicaLeavesThePlatformUp(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skipf("%s not set", storetest.EnvURL)
	}
	db := openWithReplica(t, storetest.UnreachableURL(t))
	st := newSite(t, db)
	anon := st.client()
	for _, p := range []string{"/organisations", "/organisations/" + itoa(st.orgA.ID), "/register", "/consultations", "/frameworks", "/deliberations", "/meetings"} {
		res := st.get(anon, p)
		if res.StatusCode != http.StatusOK {
			t.Errorf("anonymous %s with the replica down = %d", p, res.StatusCode)
		}
	}
	if res := st.get(anon, "/organisations"); !strings.Contains(res.Body, "Ruritania") {
		t.Error("/organisations with the replica down does not show the primary's organisation")
	}
	if res := st.api("GET", "/api/v1/organisations", "", ""); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Ruritania") {
		t.Errorf("API list with the replica down = %d %s", res.StatusCode, res.Body)
	}
	res := st.get(anon, "/readyz")
	if res.StatusCode != http.StatusOK || res.Body != "ready; read replica unreachable, reading from the primary\n" {
		t.Errorf("/readyz with the replica down = %d %q", res.StatusCode, res.Body)
	}
	if !strings.Contains(st.logs.String(), "read replica unreachable") {
		t.Error("no log line says the replica is unreachable")
	}
	m := metrics(t, db)
	if !strings.Contains(m, "pallmall_db_replica_up 0") {
		t.Errorf("metrics do not show the replica down:\n%s", grepLines(m, "pallmall_db_replica"))
	}
	if regexp.MustCompile(`(?m)^pallmall_db_replica_fallback_reads_total 0$`).MatchString(m) || !strings.Contains(m, "pallmall_db_replica_fallback_reads_total") {
		t.Errorf("metrics do not count the fallbacks:\n%s", grepLines(m, "pallmall_db_replica"))
	}
}

func metrics(t *testing.T, db *store.DB) string {
	t.Helper()
	rec := httptest.NewRecorder()
	web.NewMetrics(db).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

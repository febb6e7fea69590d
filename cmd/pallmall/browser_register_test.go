package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pallmall/pallmall/ledger"
)

// TestBrowserRegisterProposalToPublication is the register's acceptance
// test: a civil-society delegate proposes a new vendor with two sources and
// an incident linked to it; the secretariat asks for more evidence, then
// accepts both; the public pages show them with the network and updated
// statistics; and the vendor's change has a log entry that verifies.
func TestBrowserRegisterProposalToPublication(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a, url, secrets := startBrowserSite(t)
	b := newBrowser(t, url)
	ngo, sec, public := b.session(), b.session(), b.session()
	ngo.signIn("del.b@example.org", browserPassword, "")
	sec.signIn("sec@example.org", browserPassword, secrets["sec@example.org"])

	// The vendor, with two sources.
	ngo.open("/register/propose?kind=entity")
	ngo.submit(map[string]string{
		"#name": "Fictional Spyware Ltd", "#confidence": "likely", "#entity_kind": "vendor", "#incorporated": "CY", "#status": "active", "#founded": "2017",
		"#source1_ref": "https://research.example.org/fictional-spyware", "#source1_publisher": "Example Research", "#source1_date": "2024-03-01",
		"#source2_ref": "Registry extract 2017/4411", "#source2_publisher": "Example Companies Registry", "#source2_date": "2017-06",
	}, "main form button[type=submit]")
	vendorURL := strings.TrimSuffix(ngo.location(), "?sent=1")
	if !strings.HasPrefix(vendorURL, "/register/proposals/") {
		t.Fatalf("after proposing the vendor, at %s (%s)", vendorURL, ngo.text("main"))
	}
	vendorP := strings.TrimPrefix(vendorURL, "/register/proposals/")
	// The incident, linked to the vendor still under review.
	ngo.open("/register/propose?kind=incident")
	ngo.submit(map[string]string{
		"#name": "Zero-click campaign against reporters (fictional)", "#confidence": "confirmed", "#target_group": "journalist",
		"#target_country": "GH", "#vendor": "p" + vendorP, "#vector": "zero_click", "#outcome": "successful", "#first_activity": "2023-05",
		"#disclosed_by": "Example Lab",
		"#source1_ref":  "https://lab.example.org/fictional-case", "#source1_publisher": "Example Lab", "#source1_date": "2023-09-07",
	}, "main form button[type=submit]")
	incidentURL := strings.TrimSuffix(ngo.location(), "?sent=1")
	if !strings.HasPrefix(incidentURL, "/register/proposals/") || incidentURL == vendorURL {
		t.Fatalf("after proposing the incident, at %s (%s)", incidentURL, ngo.text("main"))
	}

	// The secretariat asks for more evidence.
	sec.open(vendorURL)
	sec.do("choose more evidence", chromedp.Click(chromedp.CSS(`#decision-more_evidence`)))
	sec.submit(map[string]string{"#reason_en": "Please add the annual report.", "#reason_fr": "Merci d’ajouter le rapport annuel."}, "main form button[type=submit]")
	if got := sec.text("main"); !strings.Contains(got, "More evidence requested") {
		t.Fatalf("after asking for more evidence: %s", got)
	}
	// The delegate sees the request and adds a third source.
	ngo.open(vendorURL)
	if got := ngo.text("main"); !strings.Contains(got, "Please add the annual report.") {
		t.Errorf("the delegate does not see the request: %s", got)
	}
	ngo.click(`a[href="` + vendorURL + `/revise"]`)
	ngo.submit(map[string]string{"#source3_ref": "Annual report 2023, page 12", "#source3_publisher": "Fictional Spyware Ltd", "#source3_date": "2024-04"},
		"main form button[type=submit]")
	if got := ngo.text("main"); !strings.Contains(got, "Waiting for review") || !strings.Contains(got, "Annual report 2023, page 12") {
		t.Errorf("after revising: %s", got)
	}
	// The secretariat accepts both.
	for _, u := range []string{vendorURL, incidentURL} {
		sec.open(u)
		sec.do("choose accept", chromedp.Click(chromedp.CSS(`#decision`)))
		sec.submit(nil, "main form button[type=submit]")
		if got := sec.text("main"); !strings.Contains(got, "Accepted and published") {
			t.Fatalf("after accepting %s: %s", u, got)
		}
	}

	// The public finds the vendor, its network with the incident, and the statistics.
	public.open("/register?kind=entity&country=CY")
	public.click(`main table a`)
	if h1 := public.text("h1"); h1 != "Fictional Spyware Ltd" {
		t.Fatalf("vendor page h1 = %q", h1)
	}
	vendorPage := public.location()
	network := public.html("#network + figure")
	for _, want := range []string{"<svg", "<circle", "Zero-click campaign", "Linked to"} {
		if !strings.Contains(network, want) {
			t.Errorf("network lacks %q", want)
		}
	}
	main := public.text("main")
	for _, want := range []string{"Timeline of incidents", "2023-05", "Registry extract 2017/4411", "Annual report 2023, page 12"} {
		if !strings.Contains(main, want) {
			t.Errorf("vendor page lacks %q", want)
		}
	}
	public.click(`#timeline ~ ol a`)
	if h1 := public.text("h1"); h1 != "Zero-click campaign against reporters (fictional)" {
		t.Errorf("incident page h1 = %q", h1)
	}
	public.open("/register/stats")
	stats := public.text("main")
	for _, want := range []string{"Cyprus", "Journalist", "2023"} {
		if !strings.Contains(stats, want) {
			t.Errorf("statistics lack %q", want)
		}
	}
	public.click(`a[href="/register?country=CY&kind=entity"]`)
	if got := public.text("main table"); !strings.Contains(got, "Fictional Spyware Ltd") {
		t.Errorf("the Cyprus figure's records: %s", got)
	}

	// The public pages fit a 320px-wide phone without scrolling sideways.
	narrow := b.session()
	narrow.do("narrow viewport", chromedp.EmulateViewport(320, 800))
	for _, p := range []string{vendorPage, "/register", "/register/stats", "/register/changes"} {
		narrow.open(p)
		if w := get(narrow, "page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 320 {
			t.Errorf("%s is %dpx wide on a 320px screen", p, w)
		}
	}

	// The change has a log entry: wait for the outbox worker, then check
	// the canonical record's digest against the entry and verify the log.
	var index string
	for deadline := time.Now().Add(15 * time.Second); ; {
		public.open(vendorPage)
		if m := regexp.MustCompile(`Entry (\d+)`).FindStringSubmatch(public.text("#history ~ table")); m != nil {
			index = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the vendor's change was not logged within 15s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	digest := regexp.MustCompile(`sha256:([0-9a-f]{64})`).FindStringSubmatch(public.text("#history ~ table"))
	canonHref := public.attr(`#history ~ table a[href$=".json"]`, "href")
	res, err := http.Get(url + canonHref)
	if err != nil {
		t.Fatal(err)
	}
	canon, _ := io.ReadAll(res.Body)
	res.Body.Close()
	sum := sha256.Sum256(canon)
	if digest == nil || hex.EncodeToString(sum[:]) != digest[1] {
		t.Fatalf("SHA-256 of %s = %x, page shows %v", canonHref, sum, digest)
	}
	ctx := context.Background()
	idx, _ := strconv.ParseUint(index, 10, 64)
	entry, err := a.ledger.Entry(ctx, idx)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ledger.DecodeEntry(entry)
	if rc, ok := rec.(ledger.RegisterChange); err != nil || !ok || rc.Op != ledger.OpAdd || rc.RecordSHA256 != digest[1] {
		t.Fatalf("log entry %d = %s, %v; want an add with the canonical record's digest", idx, entry, err)
	}
	if _, err := a.ledger.WaitPublished(ctx, idx); err != nil {
		t.Fatal(err)
	}
	r, err := a.ledger.Receipt(ctx, idx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rb, _ := r.MarshalJSON()
	os.WriteFile(filepath.Join(dir, "receipt.json"), rb, 0o600)
	os.WriteFile(filepath.Join(dir, "verifier.key"), []byte(a.ledger.Key().VerifierKey+"\n"), 0o644)
	out, _, err := runCmd(t, "log", "verify", "--url", url+"/log/", "--key", filepath.Join(dir, "verifier.key"),
		"--state", filepath.Join(dir, "state"), "--receipt", filepath.Join(dir, "receipt.json"))
	if err != nil || !strings.HasPrefix(out, "OK: ") || !strings.Contains(out, "is included") {
		t.Fatalf("log verify = %q, %v; want the vendor's entry included", out, err)
	}
}

package main

import (
	"context"
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

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/demo"
)

// TestBrowserEndorsements endorses the Declaration as a delegate with
// signing authority in the browser, signs it offline with `pallmall sign`
// as a second organisation and uploads the signature in the browser, then
// finds both on the public register with log indices whose receipts
// `pallmall log verify` accepts against the served log.
func TestBrowserEndorsements(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	a, url, _ := startBrowserSite(t)
	b := newBrowser(t, url)
	ctx := context.Background()
	svc := &declare.Service{DB: a.db}
	for _, d := range []declare.Document{demo.Declaration2024(), demo.CodeOfPractice2025()} {
		if err := svc.CreateFramework(ctx, auth.System, d.Framework, d.Title, d.Preamble); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PublishVersion(ctx, auth.System, d); err != nil {
			t.Fatal(err)
		}
	}

	// 1. Ruritania's delegate, who has signing authority, endorses online.
	del := b.session()
	del.signIn("del.a@example.org", browserPassword, "")
	del.open("/frameworks/declaration")
	del.click(`a[href^="/frameworks/declaration/endorse"]`)
	del.click(`label[for="confirm"]`)
	del.submit(nil, `form:has(input[value="browser"]) button[type="submit"]`)
	if h := del.text("h1"); h != "Ruritania endorses version 2024" {
		t.Fatalf("after endorsing, heading = %q (%s)", h, del.location())
	}

	// 2. Open Rights Lab signs offline with its own key and uploads the
	// signature; its delegate has no signing authority of their own.
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "openrights.key")
	pub, _, err := runCmd(t, "sign", "keygen", "--out", keyFile)
	if err != nil {
		t.Fatal(err)
	}
	org, err := a.auth.OrganisationByName(ctx, "Open Rights Lab")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RegisterKey(ctx, auth.System, org.ID, strings.TrimSpace(pub)); err != nil {
		t.Fatal(err)
	}
	sig, _, err := runCmd(t, "sign", "--key", keyFile, "--framework", "declaration", "--version", "2024", "--url", url)
	if err != nil {
		t.Fatal(err)
	}
	other := b.session()
	other.signIn("del.b@example.org", browserPassword, "")
	other.open("/frameworks/declaration/endorse?version=2024")
	other.submit(map[string]string{"#signature": strings.TrimSpace(sig)}, `form:has(input[value="signature"]) button[type="submit"]`)
	if h := other.text("h1"); h != "Open Rights Lab endorses version 2024" {
		t.Fatalf("after uploading the signature, heading = %q: %s", h, other.text("main"))
	}

	// 3. The public register lists both, each with its log index once the
	// outbox worker has appended it.
	pub2 := b.session()
	deadline := time.Now().Add(15 * time.Second)
	var register string
	for {
		pub2.open("/frameworks/declaration/signatories")
		register = pub2.text("main")
		if !strings.Contains(register, "Pending") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{"Ruritania", "Open Rights Lab", "Online, by a delegate with signing authority", "Signed with the organisation's key"} {
		if !strings.Contains(register, want) {
			t.Errorf("register lacks %q:\n%s", want, register)
		}
	}
	if strings.Contains(register, "Pending") {
		t.Fatalf("entries still pending after 15s:\n%s", register)
	}

	// A state reports on the Code's eleven measures; the matrix, shown a
	// pillar at a time, still fits a phone.
	ruritania, _ := a.auth.OrganisationByName(ctx, "Ruritania")
	if _, err := svc.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "code-of-practice-states", OrganisationID: ruritania.ID, Method: declare.MethodPaper, PaperReference: "Plenary"}); err != nil {
		t.Fatal(err)
	}
	var items []declare.ReportItem
	for i := 1; i <= 11; i++ {
		items = append(items, declare.ReportItem{Measure: strconv.Itoa(i), Status: declare.Statuses[i%4]})
	}
	if _, err := svc.PublishReport(ctx, auth.System, "code-of-practice-states", "", ruritania.ID, items); err != nil {
		t.Fatal(err)
	}

	// The public pages fit a 320px-wide phone without scrolling sideways.
	narrow := b.session()
	narrow.do("narrow viewport", chromedp.EmulateViewport(320, 800))
	for _, p := range []string{"/frameworks", "/frameworks/declaration", "/frameworks/declaration/signatories", "/frameworks/declaration/endorsements/1", "/frameworks/code-of-practice-states/reports", "/frameworks/code-of-practice-states/reports?lang=fr", "/transparency", "/transparency/entries/1"} {
		narrow.open(p)
		if w := get(narrow, "page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 320 {
			t.Errorf("%s is %dpx wide on a 320px screen", p, w)
		}
	}

	// 4. Each entry verifies: the receipt linked from its page, checked by
	// `pallmall log verify` against the served /log/.
	keyPath := filepath.Join(dir, "verifier.key")
	os.WriteFile(keyPath, []byte(a.ledger.Key().VerifierKey), 0o644)
	for _, name := range []string{"Ruritania", "Open Rights Lab"} {
		pub2.open("/frameworks/declaration/signatories")
		m := regexp.MustCompile(`href="(/frameworks/declaration/endorsements/[0-9]+)">` + regexp.QuoteMeta(name) + `<`).FindStringSubmatch(pub2.html("main"))
		if m == nil {
			t.Fatalf("register has no link for %s", name)
		}
		pub2.open(m[1])
		if !strings.Contains(pub2.text("main"), "Verify this entry") {
			t.Fatalf("%s: no verification section", name)
		}
		var receiptURL string
		for deadline := time.Now().Add(10 * time.Second); receiptURL == "" && time.Now().Before(deadline); {
			if h := pub2.html("main"); strings.Contains(h, "receipt.json") {
				receiptURL = pub2.attr(`a[href$="receipt.json"]`, "href")
			} else {
				time.Sleep(200 * time.Millisecond)
				pub2.open(pub2.location())
			}
		}
		if receiptURL == "" {
			t.Fatalf("%s: no receipt link", name)
		}
		res, err := http.Get(url + receiptURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		rf := filepath.Join(dir, "receipt.json")
		os.WriteFile(rf, body, 0o644)
		out, _, err := runCmd(t, "log", "verify", "--url", url+"/log/", "--key", keyPath, "--receipt", rf, "--state", filepath.Join(dir, "state"))
		if err != nil || !strings.HasPrefix(out, "OK: ") {
			t.Errorf("%s: log verify = %q, %v", name, out, err)
		}
	}
}

package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/register"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/web"
)

// TestRegisterKeys checks every message key the register builds at run
// time, and every key its domain package returns, is in both catalogues.
func TestRegisterKeys(t *testing.T) {
	c, err := web.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range register.Kinds {
		keys = append(keys, "register.kind."+string(k), "register.kinds."+string(k))
		for _, f := range register.Schema(k) {
			keys = append(keys, "register.field."+f.Name)
			for _, ch := range f.Choices {
				keys = append(keys, "register.choice."+ch)
			}
		}
	}
	for _, cf := range register.Confidences {
		keys = append(keys, "register.confidence."+string(cf))
	}
	for _, s := range register.Statuses {
		keys = append(keys, "register.status."+string(s))
	}
	for _, op := range []string{"add", "update", "remove"} {
		keys = append(keys, "register.op."+op)
	}
	for _, ch := range append(register.RelationTypes, "predecessor", "successor") {
		keys = append(keys, "register.choice."+ch)
	}
	domain := regexp.MustCompile(`"((?:register\.(?:error|import|hint)|error)\.[a-z_]+)"`)
	for _, dir := range []string{"../register", "."} {
		files, _ := fs.Glob(os.DirFS(dir), "*.go")
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || dir == "." && !strings.HasPrefix(f, "register") {
				continue
			}
			b, _ := os.ReadFile(dir + "/" + f)
			for _, m := range domain.FindAllStringSubmatch(string(b), -1) {
				keys = append(keys, m[1])
			}
		}
	}
	keys = append(keys, "register.error.percent", "register.error.number")
	if len(keys) < 150 {
		t.Fatalf("found only %d keys; the patterns are broken", len(keys))
	}
	for _, k := range keys {
		for _, lang := range web.Languages {
			if !c.Has(lang, k) {
				t.Errorf("key %q is missing from the %s catalogue", k, lang)
			}
		}
	}
}

func vendorForm() url.Values {
	return url.Values{
		"op": {"add"}, "kind": {"entity"}, "name": {"Fictional Spyware Ltd"}, "confidence": {"likely"},
		"entity_kind": {"vendor"}, "incorporated": {"gr; cy"}, "status": {"active"}, "founded": {"2017"},
		"summary_en": {"A fictional vendor of spyware."}, "summary_fr": {"Un fournisseur fictif de logiciels espions."},
		"source1_ref": {"https://research.example.org/fictional-spyware"}, "source1_publisher": {"Example Research"}, "source1_date": {"2024-03-01"}, "source1_supports": {"its sales of spyware"},
		"source2_ref": {"Registry extract 2017/4411"}, "source2_publisher": {"Example Companies Registry"}, "source2_date": {"2017-06"},
		"note": {"Seen in two reports."},
	}
}

// TestRegisterProposalJourney is the story over HTTP: a
// civil-society delegate proposes a vendor with two sources and an incident
// linked to it; the secretariat asks for more evidence, then accepts both;
// the public pages show them, with the network and statistics; each change
// has its log entry and canonical record.
func TestRegisterProposalJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		ngo, sec, other, public := s.signIn("delegateB"), s.signIn("secretariat"), s.signIn("delegateA"), s.client()

		if res := s.get(public, "/register/propose?kind=entity"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET /register/propose as the public = %d, want 303 to sign in", res.StatusCode)
		}
		if res := s.get(s.signIn("analyst"), "/register/propose?kind=entity"); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /register/propose as an analyst = %d, want 403", res.StatusCode)
		}
		if res := s.get(ngo, "/register/propose?kind=entity"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="entity_kind"`) {
			t.Fatalf("GET /register/propose?kind=entity = %d", res.StatusCode)
		}
		// A bad form comes back with the typed values and an error summary.
		bad := vendorForm()
		bad.Set("founded", "around 2017")
		bad.Set("source2_date", "")
		res := s.post(ngo, "/register/propose", bad)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "govuk-error-summary") ||
			!strings.Contains(res.Body, `href="#founded"`) || !strings.Contains(res.Body, `href="#source2_date"`) || !strings.Contains(res.Body, `value="around 2017"`) {
			t.Fatalf("POST bad vendor = %d; want 422 with the errors and typed values", res.StatusCode)
		}
		res = s.post(ngo, "/register/propose", vendorForm())
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST vendor = %d, want 303", res.StatusCode)
		}
		vendorURL := strings.TrimSuffix(res.Header.Get("Location"), "?sent=1")
		vendorP := strings.TrimPrefix(vendorURL, "/register/proposals/")
		// The incident form offers the pending vendor.
		if res := s.get(ngo, "/register/propose?kind=incident"); !strings.Contains(res.Body, `value="p`+vendorP+`"`) {
			t.Errorf("incident form does not offer the pending vendor p%s", vendorP)
		}
		res = s.post(ngo, "/register/propose", url.Values{
			"op": {"add"}, "kind": {"incident"}, "name": {"Zero-click campaign against reporters (fictional)"}, "confidence": {"confirmed"},
			"target_group": {"journalist"}, "targets": {"4"}, "target_country": {"GH"}, "vendor": {"p" + vendorP}, "vector": {"zero_click"},
			"exploits": {"CVE-2023-41064"}, "outcome": {"successful"}, "first_activity": {"2023-05"}, "disclosed_by": {"Example Lab"},
			"source1_ref": {"https://lab.example.org/fictional-case"}, "source1_publisher": {"Example Lab"}, "source1_date": {"2023-09-07"},
		})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST incident = %d, want 303: %s", res.StatusCode, res.Body)
		}
		incidentURL := strings.TrimSuffix(res.Header.Get("Location"), "?sent=1")

		// Proposals are private to the organisation and the secretariat.
		if res := s.get(other, vendorURL); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s as another organisation = %d, want 404", vendorURL, res.StatusCode)
		}
		if res := s.get(public, "/register?kind=entity"); strings.Contains(res.Body, "Fictional Spyware Ltd") {
			t.Error("a pending proposal is on the public register")
		}
		// The secretariat asks for more evidence; reasons are required in both languages.
		if res := s.post(sec, vendorURL+"/decide", url.Values{"decision": {"more_evidence"}, "reason_en": {"Add the annual report."}}); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, `href="#reason_fr"`) || !strings.Contains(res.Body, "Add the annual report.") {
			t.Errorf("decide without French reason = %d, want 422 keeping the English reason", res.StatusCode)
		}
		if res := s.post(sec, vendorURL+"/decide", url.Values{"decision": {"more_evidence"}, "reason_en": {"Add the annual report."}, "reason_fr": {"Ajoutez le rapport annuel."}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("decide more evidence = %d", res.StatusCode)
		}
		res = s.get(s.signIn("delegateB"), vendorURL+"?lang=fr")
		if !strings.Contains(res.Body, "Ajoutez le rapport annuel.") || !strings.Contains(res.Body, "/revise") {
			t.Errorf("the proposer does not see the French request and a revise link")
		}
		revised := vendorForm()
		revised.Set("source3_ref", "Annual report 2023, page 12")
		revised.Set("source3_publisher", "Fictional Spyware Ltd")
		revised.Set("source3_date", "2024-04")
		if res := s.post(ngo, vendorURL+"/revise", revised); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revise = %d", res.StatusCode)
		}
		for _, u := range []string{vendorURL, incidentURL} {
			if res := s.post(ngo, u+"/decide", url.Values{"decision": {"accepted"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("decide as the delegate = %d, want 403", res.StatusCode)
			}
			if res := s.post(sec, u+"/decide", url.Values{"decision": {"accepted"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("accept %s = %d: %s", u, res.StatusCode, res.Body)
			}
		}
		// An investor and its stake, published directly, give the vendor a network.
		svc := &register.Service{DB: db}
		vendors, _, _ := svc.Search(context.Background(), register.Filter{Query: "Fictional Spyware"})
		if len(vendors) != 1 {
			t.Fatalf("published vendors = %d, want 1", len(vendors))
		}
		vendor := vendors[0]
		ids, err := svc.Publish(context.Background(), auth.System, []register.Draft{{Kind: register.Entity, Name: "Example Capital (fictional)", Confidence: register.Reported,
			Fields:  map[string]string{"entity_kind": "investor", "incorporated": "LU", "status": "active"},
			Sources: []register.Source{{Ref: "https://news.example.org/deal", Publisher: "Example News", Date: "2022"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Publish(context.Background(), auth.System, []register.Draft{{Kind: register.Relationship, Confidence: register.Reported,
			Fields:  map[string]string{"from": regItoa(ids[0]), "relation": "owns", "to": regItoa(vendor.ID), "share": "40", "start": "2022"},
			Sources: []register.Source{{Ref: "https://news.example.org/deal", Publisher: "Example News", Date: "2022"}}}}); err != nil {
			t.Fatal(err)
		}

		if _, err := svc.Publish(context.Background(), auth.System, []register.Draft{{Kind: register.Entity, Name: "Example Successor (fictional)", Confidence: register.Reported,
			Fields:  map[string]string{"entity_kind": "vendor", "incorporated": "LU", "status": "active", "predecessor": regItoa(vendor.ID)},
			Sources: []register.Source{{Ref: "https://news.example.org/rename", Publisher: "Example News", Date: "2024"}}}}); err != nil {
			t.Fatal(err)
		}

		res = s.get(public, "/register?country=CY")
		if !strings.Contains(res.Body, "Fictional Spyware Ltd") {
			t.Error("the vendor is not found by country")
		}
		res = s.get(public, "/register/records/"+regItoa(vendor.ID))
		for _, want := range []string{"Fictional Spyware Ltd", "<svg class=\"pm-chart\"", "<circle", "Example Capital (fictional)", "40 %",
			"Zero-click campaign against reporters (fictional)", "Registry extract 2017/4411", "Example Successor (fictional)", "Successor", "supports: its sales of spyware", "Annual report 2023, page 12", "Being added to the log"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("vendor page lacks %q", want)
			}
		}
		if strings.Contains(res.Body, "style=") {
			t.Error("vendor page has a style attribute, which the CSP forbids")
		}
		// The canonical record's digest is the one shown, and the one logged.
		digest := regexp.MustCompile(`sha256:([0-9a-f]{64})`).FindStringSubmatch(strings.ReplaceAll(res.Body, "<wbr>", ""))
		canon := s.get(public, "/register/records/"+regItoa(vendor.ID)+"/versions/1.json")
		sum := sha256.Sum256([]byte(canon.Body))
		if digest == nil || hex.EncodeToString(sum[:]) != digest[1] {
			t.Errorf("canonical record digest = %x, page shows %v", sum, digest)
		}
		if n := regCount(t, db, `SELECT count(*) FROM ledger_outbox WHERE entry LIKE '%"register-change"%' AND entry LIKE '%`+digest[1]+`%'`); n != 1 {
			t.Errorf("log entries with the vendor's digest = %d, want 1", n)
		}
		res = s.get(public, "/register/stats")
		for _, want := range []string{"Cyprus", "/register?country=CY&amp;kind=entity", "/register?category=journalist&amp;kind=incident&amp;year=2023", "Incidents by infection vector", "/register?kind=incident&amp;vector=zero_click"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("stats page lacks %q", want)
			}
		}
		if res := s.get(public, "/register/stats?lang=fr"); !strings.Contains(res.Body, "Chypre") {
			t.Error("French stats page lacks Chypre")
		}
		if res := s.get(public, "/register/incidents.stix.json"); !strings.Contains(res.Body, `"type": "incident"`) || !strings.Contains(res.Body, "CVE-2023-41064") {
			t.Errorf("STIX export lacks the incident")
		}
		if res := s.get(public, "/register/export.csv"); !strings.HasPrefix(res.Body, "key,id,kind,name") || !strings.Contains(res.Body, "Fictional Spyware Ltd") {
			t.Errorf("CSV export = %.80q", res.Body)
		}
		if res := s.get(public, "/register/changes"); !strings.Contains(res.Body, "Fictional Spyware Ltd") {
			t.Error("changes page lacks the vendor")
		}

		// A correction starts from the record as published.
		res = s.get(ngo, "/register/propose?record="+regItoa(vendor.ID))
		if !strings.Contains(res.Body, `value="Fictional Spyware Ltd"`) || !strings.Contains(res.Body, `value="Annual report 2023, page 12"`) || !strings.Contains(res.Body, `id="source5_ref"`) {
			t.Error("the correction form is not filled from the record, with room for two more sources")
		}
		correction := vendorForm()
		correction.Set("op", "update")
		correction.Set("record", regItoa(vendor.ID))
		correction.Set("status", "renamed")
		correction.Set("source3_ref", "Annual report 2023, page 12")
		correction.Set("source3_publisher", "Fictional Spyware Ltd")
		correction.Set("source3_date", "2024-04")
		res = s.post(ngo, "/register/propose", correction)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST correction = %d", res.StatusCode)
		}
		correctionURL := strings.TrimSuffix(res.Header.Get("Location"), "?sent=1")
		res = s.get(sec, correctionURL+"?lang=en")
		if !strings.Contains(res.Body, "What the correction changes") || !strings.Contains(res.Body, "Renamed or re-domiciled") {
			t.Error("the secretariat does not see what the correction changes")
		}
		if res := s.post(sec, correctionURL+"/decide", url.Values{"decision": {"accepted"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept correction = %d", res.StatusCode)
		}
		if res := s.get(public, "/register/records/"+regItoa(vendor.ID)+"?lang=en"); !strings.Contains(res.Body, "Version 2") || !strings.Contains(res.Body, "Changed: Status") {
			t.Error("the record does not show version 2 and what it changed")
		}
		// A takedown request from the named entity is a proposal with a public trace.
		res = s.post(ngo, "/register/propose", url.Values{"op": {"remove"}, "record": {regItoa(vendor.ID)}, "kind": {"entity"},
			"note": {"The company says it never sold spyware."}, "requested_by": {"Fictional Spyware Ltd"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST takedown = %d: %s", res.StatusCode, res.Body)
		}
		takedown := strings.TrimSuffix(res.Header.Get("Location"), "?sent=1")
		if res := s.post(sec, takedown+"/decide", url.Values{"decision": {"rejected"}, "reason_en": {"Three independent sources confirm the sales."}, "reason_fr": {"Trois sources indépendantes confirment les ventes."}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject takedown = %d: %s", res.StatusCode, res.Body)
		}
		res = s.get(public, "/register/changes?lang=en")
		if !strings.Contains(res.Body, "Three independent sources confirm the sales.") || !strings.Contains(res.Body, "Rejected") {
			t.Error("the rejected takedown request has no public trace")
		}
	})
}

func TestRegisterImportPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		sec := s.signIn("secretariat")
		if res := s.get(s.signIn("delegateA"), "/register/import"); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /register/import as a delegate = %d, want 403", res.StatusCode)
		}
		file := "kind,name,confidence,entity_kind,incorporated,status,source1_ref,source1_publisher,source1_date\n" +
			"entity,Fictional One,reported,vendor,FR,active,https://example.org/1,Example,2024\n" +
			"entity,Fictional Two,reported,vendor,QQ,active,https://example.org/2,Example,2024\n"
		res := s.regUpload(sec, "/register/import", "register.csv", file, nil)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "<code>incorporated</code>") || !strings.Contains(res.Body, "Nothing was imported") {
			t.Errorf("import with a bad line = %d; want 422 naming line 3's column", res.StatusCode)
		}
		res = s.regUpload(sec, "/register/import", "register.csv", file, url.Values{"skip_bad": {"yes"}})
		if !strings.Contains(res.Body, "The other lines were imported: 1 records.") {
			t.Errorf("import skipping bad lines = %d", res.StatusCode)
		}
		if res := s.get(s.client(), "/register"); !strings.Contains(res.Body, "Fictional One") || strings.Contains(res.Body, "Fictional Two") {
			t.Error("register after import should list Fictional One only")
		}
	})
}

// upload posts a multipart form with one file.
func (s *site) regUpload(c *http.Client, path, name, content string, fields url.Values) response {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", s.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return s.do(c, req)
}

func regItoa(n int64) string { return strconv.FormatInt(n, 10) }

func regCount(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

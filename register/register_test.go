package register_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/register"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// fixture is a register with a secretariat account and delegates of two
// organisations.
type fixture struct {
	svc                    *register.Service
	sec, delA, delA2, delB auth.Actor
}

func newFixture(t *testing.T, db *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	as := &auth.Service{DB: db}
	orgA, err := as.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Open Rights Lab", NameFR: "Labo des droits ouverts", Kind: auth.CivilSociety})
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := as.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Ruritania", NameFR: "Ruritanie", Kind: auth.State, Country: "RR"})
	if err != nil {
		t.Fatal(err)
	}
	actor := func(email string, role auth.Role, org int64) auth.Actor {
		u, _, err := as.CreateUser(ctx, auth.System, auth.NewUser{Email: email, Name: email, Role: role, OrganisationID: org}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return auth.Actor{UserID: u.ID, Name: u.Name, Role: role, OrganisationID: org}
	}
	return fixture{
		svc:   &register.Service{DB: db},
		sec:   actor("sec@example.org", auth.Secretariat, 0),
		delA:  actor("a@example.org", auth.Delegate, orgA.ID),
		delA2: actor("a2@example.org", auth.Delegate, orgA.ID),
		delB:  actor("b@example.org", auth.Delegate, orgB.ID),
	}
}

func vendorDraft(name string) register.Draft {
	return register.Draft{
		Kind: register.Entity, Name: name, Confidence: register.Likely,
		SummaryEN: "A fictional vendor.", SummaryFR: "Un fournisseur fictif.",
		Fields: map[string]string{"entity_kind": "vendor", "incorporated": "fr; gb", "status": "active", "founded": "2019-03", "aliases": "Example One;Ex1"},
		Sources: []register.Source{
			{Ref: "https://research.example.org/report-1", Publisher: "Example Research", Date: "2024-05-01"},
			{Ref: "Court filing 24-117, Example District Court", Publisher: "Example District Court", Date: "2024"},
		},
	}
}

func incidentDraft(vendorRef string) register.Draft {
	return register.Draft{
		Kind: register.Incident, Name: "Zero-click campaign against journalists", Confidence: register.Confirmed,
		Fields: map[string]string{"target_group": "journalist", "targets": "3", "target_country": "GH", "vendor": vendorRef,
			"vector": "zero_click", "exploits": "cve-2023-41064", "outcome": "successful", "first_activity": "2023-07-02", "disclosed_by": "Example Lab"},
		Sources: []register.Source{{Ref: "https://lab.example.org/case", Publisher: "Example Lab", Date: "2023-09-07"}},
	}
}

func TestDraftValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*register.Draft)
		field  string
		key    string
	}{
		{"no name", func(d *register.Draft) { d.Name = " " }, "name", "error.required"},
		{"bad confidence", func(d *register.Draft) { d.Confidence = "sure" }, "confidence", "error.choose_one"},
		{"bad kind", func(d *register.Draft) { d.Fields["entity_kind"] = "spy" }, "entity_kind", "error.choose_one"},
		{"bad country", func(d *register.Draft) { d.Fields["incorporated"] = "FR; QQ" }, "incorporated", "error.country_code"},
		{"bad date", func(d *register.Draft) { d.Fields["founded"] = "2019-13" }, "founded", "register.error.date"},
		{"bad url", func(d *register.Draft) { d.Fields["website"] = "javascript:alert(1)" }, "website", "register.error.url"},
		{"bad ref", func(d *register.Draft) { d.Fields["predecessor"] = "abc" }, "predecessor", "register.error.ref"},
		{"no sources", func(d *register.Draft) { d.Sources = nil }, "source1_ref", "register.error.source_required"},
		{"source without date", func(d *register.Draft) { d.Sources[1].Date = "" }, "source2_date", "error.required"},
		{"source bad url", func(d *register.Draft) { d.Sources[0].Ref = "https://" }, "source1_ref", "register.error.url"},
		{"summary in one language", func(d *register.Draft) { d.SummaryFR = "" }, "summary_fr", "register.error.both_languages"},
		{"control character", func(d *register.Draft) { d.Name = "A\x00B" }, "name", "register.error.control"},
		{"long supports", func(d *register.Draft) { d.Sources[1].Supports = strings.Repeat("x", 301) }, "source2_supports", "error.too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := vendorDraft("Example One")
			tt.change(&d)
			err := d.Validate()
			var v *pallmall.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("Validate() = %v, want a ValidationError", err)
			}
			if got := v.Fields[tt.field]; got != tt.key {
				t.Errorf("Validate() field %s = %q, want %q (all: %v)", tt.field, got, tt.key, v.Fields)
			}
		})
	}
	d := vendorDraft("Example One")
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	if got, want := d.Fields["incorporated"], "FR; GB"; got != want {
		t.Errorf("incorporated normalised = %q, want %q", got, want)
	}
	i := incidentDraft("1")
	if err := i.Validate(); err != nil {
		t.Fatalf("Validate(incident) = %v", err)
	}
	if got, want := i.Fields["exploits"], "CVE-2023-41064"; got != want {
		t.Errorf("exploits normalised = %q, want %q", got, want)
	}
}

// TestProposalWorkflow follows the story: a civil-society delegate
// proposes a vendor with two sources and an incident linked to it; the
// secretariat asks for more evidence, then accepts both; the records are
// published, with a version and a register-change log entry each.
func TestProposalWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		vendor, err := f.svc.Propose(ctx, f.delA, register.NewProposal{Op: ledger.OpAdd, Draft: vendorDraft("Example One")})
		if err != nil {
			t.Fatalf("Propose(vendor) = %v", err)
		}
		incident, err := f.svc.Propose(ctx, f.delA, register.NewProposal{Op: ledger.OpAdd, Draft: incidentDraft("p" + strconv.FormatInt(vendor.ID, 10))})
		if err != nil {
			t.Fatalf("Propose(incident) = %v", err)
		}
		// Access: another organisation's delegate cannot see it; a colleague can.
		if _, err := f.svc.Proposal(ctx, f.delB, vendor.ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Proposal(other org) = %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Proposal(ctx, f.delA2, vendor.ID); err != nil {
			t.Errorf("Proposal(colleague) = %v", err)
		}
		if _, err := f.svc.Proposal(ctx, auth.Actor{}, vendor.ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Proposal(public) = %v, want ErrNotFound", err)
		}
		// Only the secretariat decides.
		if _, err := f.svc.Decide(ctx, f.delA, vendor.ID, register.Decision{Status: register.Accepted}); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Decide(delegate) = %v, want ErrForbidden", err)
		}
		// Accepting the incident before its vendor fails on the reference.
		_, err = f.svc.Decide(ctx, f.sec, incident.ID, register.Decision{Status: register.Accepted})
		var v *pallmall.ValidationError
		if !errors.As(err, &v) || v.Fields["vendor"] != "register.error.ref_pending" {
			t.Errorf("Decide(incident before vendor) = %v, want vendor: register.error.ref_pending", err)
		}
		// Asking for more evidence needs reasons in both languages.
		if _, err := f.svc.Decide(ctx, f.sec, vendor.ID, register.Decision{Status: register.MoreEvidence, ReasonEN: "Need a second source"}); !errors.Is(err, pallmall.ErrInvalid) {
			t.Errorf("Decide(more evidence, English only) = %v, want ErrInvalid", err)
		}
		p, err := f.svc.Decide(ctx, f.sec, vendor.ID, register.Decision{Status: register.MoreEvidence, ReasonEN: "Please add the registry extract.", ReasonFR: "Merci d’ajouter l’extrait du registre."})
		if err != nil || p.Status != register.MoreEvidence {
			t.Fatalf("Decide(more evidence) = %v, %v", p.Status, err)
		}
		d := vendorDraft("Example One")
		d.Sources = append(d.Sources, register.Source{Ref: "Companies registry extract 0042", Publisher: "Example Registry", Date: "2024-06-01"})
		p, err = f.svc.Revise(ctx, f.delA2, vendor.ID, register.NewProposal{Draft: d, Note: "Added the registry extract."})
		if err != nil || p.Status != register.Pending || len(p.Draft.Sources) != 3 {
			t.Fatalf("Revise = %v (%d sources), %v; want pending with 3 sources", p.Status, len(p.Draft.Sources), err)
		}
		if _, err := f.svc.Revise(ctx, f.delB, vendor.ID, register.NewProposal{Draft: d}); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Revise(other org) = %v, want ErrNotFound", err)
		}
		if p, err = f.svc.Decide(ctx, f.sec, vendor.ID, register.Decision{Status: register.Accepted}); err != nil {
			t.Fatalf("Decide(accept vendor) = %v", err)
		}
		if p.RecordID == 0 {
			t.Fatal("accepted add proposal has no record id")
		}
		if _, err := f.svc.Decide(ctx, f.sec, vendor.ID, register.Decision{Status: register.Rejected, ReasonEN: "x", ReasonFR: "x"}); !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("Decide(again) = %v, want ErrConflict", err)
		}
		ip, err := f.svc.Decide(ctx, f.sec, incident.ID, register.Decision{Status: register.Accepted})
		if err != nil {
			t.Fatalf("Decide(accept incident) = %v", err)
		}
		inc, err := f.svc.Record(ctx, ip.RecordID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := inc.Fields["vendor"], strconv.FormatInt(p.RecordID, 10); got != want {
			t.Errorf("incident vendor = %q, want the accepted vendor %q", got, want)
		}
		// Linked records and search filters find the incident.
		for _, fl := range []register.Filter{
			{Linked: p.RecordID},
			{Kind: register.Incident, Country: "gh"},
			{Vector: "zero_click"},
			{Year: 2023, Category: "journalist"},
			{Query: "zero-click"},
		} {
			recs, _, err := f.svc.Search(ctx, fl)
			if err != nil || len(recs) != 1 || recs[0].ID != inc.ID {
				t.Errorf("Search(%+v) = %d records, %v; want the incident", fl, len(recs), err)
			}
		}
		// History: one version with a log entry whose digest matches the
		// canonical record.
		h, err := f.svc.History(ctx, p.RecordID)
		if err != nil || len(h) != 1 {
			t.Fatalf("History = %d versions, %v; want 1", len(h), err)
		}
		entry, err := ledger.OutboxEntry(ctx, db, h[0].OutboxID)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := ledger.DecodeEntry(entry)
		if err != nil {
			t.Fatalf("DecodeEntry(%s) = %v", entry, err)
		}
		rc, ok := rec.(ledger.RegisterChange)
		if !ok || rc.Op != ledger.OpAdd || rc.Subject != strconv.FormatInt(p.RecordID, 10) || rc.Register != register.LogRegister {
			t.Errorf("log entry = %+v, want an add of record %d", rec, p.RecordID)
		}
		canon, err := f.svc.CanonicalVersion(ctx, p.RecordID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := ledger.Digest(canon); got != rc.RecordSHA256 || got != h[0].SHA256 {
			t.Errorf("digest of canonical record = %s, log entry has %s, history %s", got, rc.RecordSHA256, h[0].SHA256)
		}
	})
}

func TestStatsAndSTIX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ids, err := f.svc.Publish(ctx, f.sec, []register.Draft{vendorDraft("Example One")})
		if err != nil {
			t.Fatal(err)
		}
		vendor := strconv.FormatInt(ids[0], 10)
		product := register.Draft{Kind: register.Product, Name: "Example Implant", Confidence: register.Confirmed,
			Fields:  map[string]string{"vendor": vendor, "product_class": "spyware_implant", "vectors": "zero_click; one_click", "cves": "CVE-2023-41064"},
			Sources: []register.Source{{Ref: "https://lab.example.org/implant", Publisher: "Example Lab", Date: "2023"}}}
		pids, err := f.svc.Publish(ctx, f.sec, []register.Draft{product})
		if err != nil {
			t.Fatal(err)
		}
		inc := incidentDraft(vendor)
		inc.Fields["product"] = strconv.FormatInt(pids[0], 10)
		inc.Fields["indicators"] = "domain:update-check.example; sha256:" + strings.Repeat("ab", 32)
		inc2 := incidentDraft(vendor)
		inc2.Fields["first_activity"], inc2.Fields["target_group"], inc2.Fields["vector"] = "2024-02", "lawyer", "one_click"
		if _, err := f.svc.Publish(ctx, f.sec, []register.Draft{inc, inc2}); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		count := func(cs []register.Count) map[string]int {
			m := map[string]int{}
			for _, c := range cs {
				m[c.Label] = c.N
			}
			return m
		}
		for _, tt := range []struct {
			name      string
			got, want map[string]int
		}{
			{"EntitiesByCountry", count(st.EntitiesByCountry), map[string]int{"FR": 1, "GB": 1}},
			{"EntitiesByKind", count(st.EntitiesByKind), map[string]int{"vendor": 1}},
			{"EntitiesByYear", count(st.EntitiesByYear), map[string]int{"2019": 1}},
			{"IncidentsByYear", count(st.IncidentsByYear), map[string]int{"2023": 1, "2024": 1}},
		} {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
		if len(st.IncidentsByGroup) != 2 || st.IncidentsByGroup[0].Group != "journalist" || st.IncidentsByGroup[0].Counts[0].N != 1 || st.IncidentsByGroup[0].Counts[1].N != 0 {
			t.Errorf("IncidentsByGroup = %+v, want journalist 2023: 1, 2024: 0 first", st.IncidentsByGroup)
		}
		// Each figure's filter finds the records behind it.
		recs, _, err := f.svc.Search(ctx, st.IncidentsByVector[1].Counts[1].Filter)
		if err != nil || len(recs) != 1 || recs[0].Get("vector") != "one_click" {
			t.Errorf("Search(%+v) = %d records, %v; want the 2024 one-click incident", st.IncidentsByVector[1].Counts[1].Filter, len(recs), err)
		}

		var buf bytes.Buffer
		if err := f.svc.ExportSTIX(ctx, &buf, "https://pallmall.example"); err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Type    string
			Objects []map[string]any
		}
		if err := json.Unmarshal(buf.Bytes(), &bundle); err != nil {
			t.Fatal(err)
		}
		types := map[string]int{}
		for _, o := range bundle.Objects {
			types[o["type"].(string)]++
			if o["spec_version"] != "2.1" || !strings.HasPrefix(o["id"].(string), o["type"].(string)+"--") {
				t.Errorf("STIX object %v lacks spec_version 2.1 or a typed id", o["id"])
			}
		}
		want := map[string]int{"incident": 2, "malware": 1, "identity": 1, "vulnerability": 1, "indicator": 2, "relationship": 8}
		if bundle.Type != "bundle" || !cmp.Equal(types, want) {
			t.Errorf("STIX bundle %s has %v, want %v", bundle.Type, types, want)
		}
		for _, o := range bundle.Objects {
			if o["type"] == "indicator" && !strings.HasPrefix(o["pattern"].(string), "[domain-name:value = 'update-check.example']") && !strings.HasPrefix(o["pattern"].(string), "[file:hashes.'SHA-256'") {
				t.Errorf("indicator pattern = %v", o["pattern"])
			}
		}
	})
}

// TestTakedownRequest: a takedown request is a proposal like any other;
// once accepted the record's content is no longer published in any
// version, the removal is logged, and the request stays public.
func TestTakedownRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ids, err := f.svc.Publish(ctx, f.sec, []register.Draft{vendorDraft("Example One")})
		if err != nil {
			t.Fatal(err)
		}
		id := ids[0]
		if _, err := f.svc.Propose(ctx, f.delA, register.NewProposal{Op: ledger.OpAdd, Draft: vendorDraft("Example Two"), RequestedBy: "Example Two"}); !errors.Is(err, pallmall.ErrInvalid) {
			t.Errorf("Propose(add with requested_by) = %v, want ErrInvalid", err)
		}
		if _, err := f.svc.Propose(ctx, f.delA, register.NewProposal{Op: ledger.OpRemove, RecordID: id, RequestedBy: "Example One"}); !errors.Is(err, pallmall.ErrInvalid) {
			t.Errorf("Propose(removal without a reason) = %v, want ErrInvalid", err)
		}
		p, err := f.svc.Propose(ctx, f.delA, register.NewProposal{Op: ledger.OpRemove, RecordID: id, RequestedBy: "Example One", Note: "The firm says the listing is wrong."})
		if err != nil {
			t.Fatalf("Propose(removal) = %v", err)
		}
		reqs, err := f.svc.Requests(ctx, id)
		if err != nil || len(reqs) != 1 || reqs[0].RequestedBy != "Example One" || reqs[0].ProposerUserID != 0 || reqs[0].Note != "" {
			t.Fatalf("Requests = %+v, %v; want the request without who filed it or the note", reqs, err)
		}
		if _, err := f.svc.Decide(ctx, f.sec, p.ID, register.Decision{Status: register.Accepted, ReasonEN: "Sources were mistaken.", ReasonFR: "Les sources étaient erronées."}); err != nil {
			t.Fatalf("Decide(accept removal) = %v", err)
		}
		rec, err := f.svc.Record(ctx, id)
		if err != nil || !rec.Removed || rec.Version != 2 {
			t.Fatalf("Record after removal = removed %v, v%d, %v; want removed v2", rec.Removed, rec.Version, err)
		}
		if recs, _, _ := f.svc.Search(ctx, register.Filter{}); len(recs) != 0 {
			t.Errorf("Search after removal = %d records, want 0", len(recs))
		}
		h, err := f.svc.History(ctx, id)
		if err != nil || len(h) != 2 || h[0].Op != "remove" || h[1].Draft.Name != "" || !h[1].RecordRemoved {
			t.Errorf("History after removal = %+v, %v; want 2 versions with no content", h, err)
		}
		if _, err := f.svc.CanonicalVersion(ctx, id, 1); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("CanonicalVersion(removed record) = %v, want ErrNotFound", err)
		}
		entry, err := ledger.OutboxEntry(ctx, db, h[0].OutboxID)
		if err != nil {
			t.Fatal(err)
		}
		if rc, err := ledger.DecodeEntry(entry); err != nil || rc.(ledger.RegisterChange).Op != ledger.OpRemove || rc.(ledger.RegisterChange).RecordSHA256 != "" {
			t.Errorf("removal log entry = %s, %v", entry, err)
		}
		if _, err := f.svc.Propose(ctx, f.delA, register.NewProposal{Op: ledger.OpUpdate, RecordID: id, Draft: vendorDraft("Example One")}); !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("Propose(update of removed record) = %v, want ErrConflict", err)
		}
	})
}

// TestConcurrentDecisions: two secretariat members accepting the same
// proposal at once publish it once; the other gets ErrConflict.
func TestConcurrentDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, err := f.svc.Propose(ctx, f.delA, register.NewProposal{Op: ledger.OpAdd, Draft: vendorDraft("Example One")})
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := f.svc.Decide(ctx, f.sec, p.ID, register.Decision{Status: register.Accepted})
				errs <- err
			}()
		}
		var ok, conflict int
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, pallmall.ErrConflict):
				conflict++
			default:
				t.Errorf("Decide = %v", err)
			}
		}
		recs, _, _ := f.svc.Search(ctx, register.Filter{})
		if ok != 1 || conflict != 1 || len(recs) != 1 {
			t.Errorf("concurrent accepts: %d succeeded, %d conflicted, %d records; want 1, 1, 1", ok, conflict, len(recs))
		}
	})
}

func TestDiff(t *testing.T) {
	a := vendorDraft("Example One")
	b := vendorDraft("Example One Ltd")
	b.Fields["status"] = "renamed"
	b.Sources = b.Sources[:1]
	var got []string
	for _, c := range register.Diff(a, b) {
		got = append(got, c.Name)
	}
	if diff := cmp.Diff([]string{"name", "status", "sources"}, got); diff != "" {
		t.Errorf("Diff fields (-want +got):\n%s", diff)
	}
	if d := register.Diff(a, a); len(d) != 0 {
		t.Errorf("Diff(a, a) = %v, want nothing", d)
	}
}

package register_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/register"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

const csvHeader = "key,kind,name,confidence,entity_kind,incorporated,status,founded,vendor,product_class,source1_ref,source1_publisher,source1_date\n"

// bigCSV returns a file of n data rows alternating vendors and their
// products, with the given 1-based data rows broken in the given way.
func bigCSV(n int, broken map[int]string) string {
	var b strings.Builder
	b.WriteString(csvHeader)
	for i := 1; i <= n; i++ {
		var line string
		if i%2 == 1 {
			line = fmt.Sprintf("v%d,entity,Fictional Vendor %d,reported,vendor,GB,active,2015,,,https://example.org/v/%d,Example Research,2024-01-02", i, i, i)
		} else {
			line = fmt.Sprintf("p%d,product,Fictional Implant %d,likely,,,,,v%d,spyware_implant,Report %d,Example Lab,2024", i, i, i-1, i)
		}
		if bad, ok := broken[i]; ok {
			line = bad
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// TestImportTenThousandRowsReportsExactlyTheBadOnes is the import
// check: a 10,000-row CSV with three bad rows reports exactly those three,
// by line and field, and imports nothing.
func TestImportTenThousandRowsReportsExactlyTheBadOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &register.Service{DB: db}
		// Data row i is on line i+1 (the header is line 1).
		file := bigCSV(10000, map[int]string{
			18:    "p18,product,Fictional Implant 18,likely,,,,,v17,spyware_implant,Report,,2024",
			5002:  "p5002,product,Fictional Implant 5002,likely,,,,,v5001,teleporter,Report,Example Lab,2024",
			10000: "p10000,product,Fictional Implant 10000,certain,,GB,,,v9999,spyware_implant,Report,Example Lab,2024-13-01",
		})
		rep, err := svc.Import(ctx, auth.System, strings.NewReader(file), register.ImportOptions{Format: "csv"})
		if err != nil {
			t.Fatalf("Import = %v", err)
		}
		if rep.Rows != 10000 || rep.Imported != 0 {
			t.Errorf("Import rows, imported = %d, %d; want 10000, 0", rep.Rows, rep.Imported)
		}
		want := []register.RowError{
			{Line: 19, Field: "source1_publisher", Key: "error.required"},
			{Line: 5003, Field: "product_class", Key: "error.choose_one"},
			{Line: 10001, Field: "incorporated", Key: "register.import.not_for_kind"},
			{Line: 10001, Field: "confidence", Key: "error.choose_one"},
			{Line: 10001, Field: "source1_date", Key: "register.error.date"},
		}
		if diff := cmp.Diff(want, rep.Errors); diff != "" {
			t.Errorf("Import errors (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int{19, 5003, 10001}, rep.BadLines); diff != "" {
			t.Errorf("Import bad lines (-want +got):\n%s", diff)
		}
		if recs, _, _ := svc.Search(ctx, register.Filter{}); len(recs) != 0 {
			t.Errorf("after a failed import, %d records exist; want none", len(recs))
		}
	})
}

func TestImportSkipBadAndReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &register.Service{DB: db}
		file := csvHeader +
			"a,entity,Fictional Alpha,reported,vendor,GB,active,2015,,,https://example.org/a,Example,2024\n" +
			"b,entity,Fictional Beta,reported,vendor,ZZ,active,2015,,,https://example.org/b,Example,2024\n" +
			"pa,product,Alpha Implant,likely,,,,,a,spyware_implant,Report,Example Lab,2024\n" +
			"pb,product,Beta Implant,likely,,,,,b,spyware_implant,Report,Example Lab,2024\n" +
			"pc,product,Gamma Implant,likely,,,,,nobody,spyware_implant,Report,Example Lab,2024\n" +
			"pd,product,Delta Implant,likely,,,,,pa,spyware_implant,Report,Example Lab,2024\n" +
			"\"unterminated,entity\n"
		rep, err := svc.Import(ctx, auth.System, strings.NewReader(file), register.ImportOptions{Format: "csv", SkipBad: true})
		if err != nil {
			t.Fatalf("Import = %v", err)
		}
		want := []register.RowError{
			{Line: 3, Field: "incorporated", Key: "error.country_code"},
			{Line: 5, Field: "vendor", Key: "register.import.bad_key"},
			{Line: 6, Field: "vendor", Key: "register.import.unknown_key"},
			{Line: 7, Field: "vendor", Key: "register.error.ref_kind"},
			{Line: 8, Field: "", Key: "register.import.malformed"},
		}
		if diff := cmp.Diff(want, rep.Errors); diff != "" {
			t.Errorf("Import errors (-want +got):\n%s", diff)
		}
		if rep.Imported != 2 {
			t.Errorf("Import imported = %d, want 2 (Alpha and its implant)", rep.Imported)
		}
		implants, _, _ := svc.Search(ctx, register.Filter{Kind: register.Product})
		alpha, _, _ := svc.Search(ctx, register.Filter{Kind: register.Entity})
		if len(implants) != 1 || len(alpha) != 1 || implants[0].RefOf("vendor") != alpha[0].ID {
			t.Fatalf("after import: %d products, %d entities; want the implant linked to Alpha", len(implants), len(alpha))
		}
		// Export and import back as an update: the JSON round trip keeps
		// everything, and an edit becomes version 2.
		var buf bytes.Buffer
		if err := svc.ExportJSON(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		var rows []register.Row
		if err := json.Unmarshal(buf.Bytes(), &rows); err != nil {
			t.Fatalf("export is not JSON: %v", err)
		}
		if len(rows) != 2 {
			t.Fatalf("export has %d rows, want 2", len(rows))
		}
		edited := strings.Replace(buf.String(), "Fictional Alpha", "Fictional Alpha Holdings", 1)
		rep, err = svc.Import(ctx, auth.System, strings.NewReader(edited), register.ImportOptions{Format: "json"})
		if err != nil || len(rep.Errors) != 0 || rep.Imported != 2 {
			t.Fatalf("Import(export) = %+v, %v; want 2 imported", rep, err)
		}
		rec, _ := svc.Record(ctx, alpha[0].ID)
		if rec.Name != "Fictional Alpha Holdings" || rec.Version != 2 {
			t.Errorf("after re-import: %q v%d, want Fictional Alpha Holdings v2", rec.Name, rec.Version)
		}
		var csvOut bytes.Buffer
		if err := svc.ExportCSV(ctx, &csvOut); err != nil {
			t.Fatal(err)
		}
		rep, err = svc.Import(ctx, auth.System, &csvOut, register.ImportOptions{Format: "csv", DryRun: true})
		if err != nil || len(rep.Errors) != 0 || rep.Rows != 2 {
			t.Errorf("Import(CSV export, dry run) = %+v, %v; want 2 good rows", rep, err)
		}
	})
}

func TestImportJSONLines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := &register.Service{DB: db}
		file := `[
  {"kind": "entity", "name": "Fictional One", "confidence": "reported",
   "fields": {"entity_kind": "vendor", "incorporated": "FR", "status": "active"},
   "sources": [{"ref": "https://example.org/1", "publisher": "Example", "date": "2024"}]},
  {"kind": "entity", "name": "Fictional Two", "confidence": "reported", "colour": "blue",
   "fields": {}, "sources": []},
  {"kind": "entity", "name": "Fictional Three", "confidence": "reported",
   "fields": {"entity_kind": "vendor", "incorporated": "FR", "status": "active", "vendor": "1"},
   "sources": [{"ref": "https://example.org/3", "publisher": "Example", "date": "2024"}]}
]`
		rep, err := svc.Import(context.Background(), auth.System, strings.NewReader(file), register.ImportOptions{Format: "json"})
		if err != nil {
			t.Fatal(err)
		}
		want := []register.RowError{
			{Line: 5, Field: "", Key: "register.import.malformed"},
			{Line: 7, Field: "vendor", Key: "register.import.not_for_kind"},
		}
		if diff := cmp.Diff(want, rep.Errors); diff != "" {
			t.Errorf("Import errors (-want +got):\n%s", diff)
		}
	})
}

func TestImportNeedsSecretariat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := &register.Service{DB: db}
		_, err := svc.Import(context.Background(), auth.Actor{UserID: 5, Role: auth.Delegate, OrganisationID: 1}, strings.NewReader(csvHeader), register.ImportOptions{Format: "csv"})
		if err == nil {
			t.Error("Import(delegate) = nil, want ErrForbidden")
		}
	})
}

// TestImportSkipBad imports the good rows of a file with bad ones when
// told to.
func TestImportSkipBad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &register.Service{DB: db}
		file := bigCSV(1000, map[int]string{
			2:   "p2,product,Fictional Implant 2,likely,,,,,v1,teleporter,Report,Example Lab,2024",
			500: "p500,product,Fictional Implant 500,sure,,,,,v499,spyware_implant,Report,Example Lab,2024",
			999: "v999,entity,Fictional Vendor 999,reported,vendor,GB,active,2015,,,https://example.org/v/999,,2024-01-02",
		})
		rep, err := svc.Import(ctx, auth.System, strings.NewReader(file), register.ImportOptions{Format: "csv", SkipBad: true})
		// Row 1000 refers to the bad vendor of row 999, so it is bad too.
		if err != nil || rep.Imported != 996 {
			t.Fatalf("Import(skip bad) = %d imported, %v; want 996", rep.Imported, err)
		}
		if diff := cmp.Diff([]int{3, 501, 1000, 1001}, rep.BadLines); diff != "" {
			t.Errorf("Import bad lines (-want +got):\n%s", diff)
		}
		st, err := svc.Stats(ctx)
		if err != nil || st.Records != 996 {
			t.Errorf("Stats().Records = %d, %v; want 996", st.Records, err)
		}
	})
}

// BenchmarkImport10k measures importing 10,000 good rows (5,000 vendors and
// their products) in one transaction.
func BenchmarkImport10k(b *testing.B) {
	file := bigCSV(10000, nil)
	for b.Loop() {
		b.StopTimer()
		db := storetest.SQLite(b)
		svc := &register.Service{DB: db}
		b.StartTimer()
		rep, err := svc.Import(context.Background(), auth.System, strings.NewReader(file), register.ImportOptions{Format: "csv"})
		if err != nil || rep.Imported != 10000 {
			b.Fatalf("Import = %d, %v", rep.Imported, err)
		}
	}
}

// TestExportDefusesFormulas: a cell a spreadsheet would run as a formula is
// exported with a leading apostrophe, and imports back unchanged.
func TestExportDefusesFormulas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &register.Service{DB: db}
		d := register.Draft{Kind: register.Entity, Name: "=HYPERLINK(\"https://evil.example\")", Confidence: register.Reported,
			Fields:  map[string]string{"entity_kind": "vendor", "incorporated": "FR", "status": "active"},
			Sources: []register.Source{{Ref: "https://example.org/x", Publisher: "@Example", Date: "2024"}}}
		if _, err := svc.Publish(ctx, auth.System, []register.Draft{d}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := svc.ExportCSV(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `"'=HYPERLINK(""https://evil.example"")"`) || !strings.Contains(buf.String(), ",'@Example,") {
			t.Errorf("export does not defuse formulas:\n%s", buf.String())
		}
		rep, err := svc.Import(ctx, auth.System, &buf, register.ImportOptions{Format: "csv"})
		if err != nil || rep.Imported != 1 {
			t.Fatalf("Import(export) = %+v, %v", rep, err)
		}
		recs, _, _ := svc.Search(ctx, register.Filter{})
		if len(recs) != 1 || recs[0].Name != d.Name || recs[0].Sources[0].Publisher != "@Example" || recs[0].Version != 2 {
			t.Errorf("after re-import: %+v; want the name and publisher unchanged, version 2", recs)
		}
	})
}

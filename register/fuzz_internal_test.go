package register

import "testing"

// FuzzReadCSV feeds damaged CSV import files to the reader: no panic, and
// every problem and row is placed on a line that exists.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("kind,name,confidence,summary_en\nvendor,Acme Intrusion,confirmed,Sells exploits\n"))
	f.Add([]byte("\uFEFFkind,name,confidence,source_1_url\nvendor,\"Quoted, name\",likely,https://example.org\nbroker,,low,\n"))
	f.Add([]byte("kind,kind,unknown\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReport(t, data, func(rep *ImportReport) []Row { return readCSV(data, rep) })
	})
}

// FuzzReadJSON does the same for JSON import files.
func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(`[{"kind":"vendor","name":"Acme Intrusion","confidence":"confirmed","fields":{"country":"GB"},"sources":[{"url":"https://example.org"}]}]`))
	f.Add([]byte("[\n{\"kind\":\"broker\",\"name\":\"X\"},\n{\"bad\":1}\n]"))
	f.Add([]byte(`{"not":"an array"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReport(t, data, func(rep *ImportReport) []Row { return readJSON(data, rep) })
	})
}

func checkReport(t *testing.T, data []byte, read func(*ImportReport) []Row) {
	var rep ImportReport
	rows := read(&rep)
	lines := 1
	for _, b := range data {
		if b == '\n' {
			lines++
		}
	}
	for _, e := range rep.Errors {
		if e.Line < 1 || e.Line > lines || e.Key == "" {
			t.Fatalf("error %+v outside the file's %d lines or without a key", e, lines)
		}
	}
	for _, r := range rows {
		if r.line < 1 || r.line > lines {
			t.Fatalf("row on line %d of a file of %d lines", r.line, lines)
		}
	}
}

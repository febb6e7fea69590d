package consult

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// parseWithJSON is what answerParser must always agree with.
func parseWithJSON(s string) (map[int64]Answer, error) {
	var m map[string]Answer
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	out := map[int64]Answer{}
	for k, a := range m {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, err
		}
		out[id] = a
	}
	return out, nil
}

func checkAnswerParser(t *testing.T, p *answerParser, s string) {
	t.Helper()
	want, wantErr := parseWithJSON(s)
	list, err := p.parse(s)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("parse(%q) error = %v, json.Unmarshal error = %v", s, err, wantErr)
	}
	if err != nil {
		return
	}
	got := map[int64]Answer{}
	for _, qa := range list {
		got[qa.question] = qa.Answer
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("parse(%q) differs from json.Unmarshal (-want +got):\n%s", s, diff)
	}
}

var answerSamples = []string{
	`{}`,
	` { } `,
	`{"1":{"text":"Licensing, audits"},"2":{"choices":["3"]}}`,
	`{"12":{"choices":["1","other"],"other":"Bans"}, "13" : {"choices" : [ ]}}`,
	`{"1":{"text":"quote \" backslash \\ newline \n tab \t unicode \u00e9 \ud83d\ude00"}}`,
	`{"1":{"text":"déjà vu — 日本語"}}`,
	`{"1":{"text":"<b>&amp;</b>"}}`,
	"{\"1\":{\"text\":\"invalid \xff utf-8\"}}",
	`{"1":{"file":{"id":4,"name":"report.pdf","type":"application/pdf","size":10,"sha256":"ab"}}}`,
	`{"1":{"text":null}}`,
	`{"1":{}}`,
	`{"1" : { "text" : "a" } , "2" : { "other" : "b" , "choices" : ["other"] } }`,
	`{"x":{"text":"a"}}`,
	`{"1":{"text":"a"}`,
	`{"1":{"text":"a"}} trailing`,
	`[]`,
	`{"1":{"choices":[1]}}`,
}

func TestAnswerParserAgreesWithJSON(t *testing.T) {
	var p answerParser
	for _, s := range answerSamples {
		checkAnswerParser(t, &p, s)
	}
	if list, err := p.parse(""); err != nil || len(list) != 0 {
		t.Errorf(`parse("") = %v, %v; want no answers`, list, err)
	}
}

func FuzzAnswerParser(f *testing.F) {
	for _, s := range answerSamples {
		f.Add(s)
	}
	var p answerParser
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		checkAnswerParser(t, &p, s)
	})
}

// The parser shares one backing array for a row's choices: no answer's
// choices may bleed into another's.
func TestAnswerParserChoicesKeptApart(t *testing.T) {
	var p answerParser
	list, err := p.parse(`{"1":{"choices":["a","b"]},"2":{"choices":["c"]},"3":{"text":"t"}}`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64][]string{}
	for _, qa := range list {
		got[qa.question] = qa.Choices
	}
	want := map[int64][]string{1: {"a", "b"}, 2: {"c"}, 3: nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("choices (-want +got):\n%s", diff)
	}
}

func TestExportTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	at := time.Date(2026, 3, 1, 9, 30, 15, 123456000, time.UTC)
	now := time.Now() // with a monotonic clock reading, which String shows
	tests := []struct {
		in, want string
	}{
		{"", "0001-01-01T00:00:00Z"},
		{"2026-03-01T09:30:15Z", "2026-03-01T09:30:15Z"},
		{at.In(paris).String(), "2026-03-01T09:30:15Z"},
		{at.String(), "2026-03-01T09:30:15Z"},
		{now.String(), now.UTC().Format(time.RFC3339)},
		{"2026-03-01T10:30:15.5+01:00", "2026-03-01T09:30:15Z"},
	}
	for _, tt := range tests {
		if got, err := exportTime(tt.in); err != nil || got != tt.want {
			t.Errorf("exportTime(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := exportTime("yesterday"); err == nil {
		t.Errorf("exportTime(yesterday) = nil error, want one")
	}
}

func TestAppendJSONStringMatchesMarshal(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " backslash \`, "<script>&", "é", "\u2028", "\x00\x1f", "\xff", "tab\t"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}

// jsonRows must write what the export wrote before it: one json.Marshal
// of a map from column name to cell per row.
func TestJSONRowsMatchMarshal(t *testing.T) {
	header := []string{"reference", "q12 Why?", "codes", "q3 <Agree>?", "consent_at"}
	rows := [][]string{{"PM-1", "a \"b\"", "", "x<y", "2026"}, {"PM-2", "é\n", "Licensing; Harm", "", ""}}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	j := newJSONRows(bw, header)
	for _, r := range append([][]string{header}, rows...) {
		if err := j.write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	want := "["
	for i, r := range rows {
		m := map[string]string{}
		for k, v := range r {
			m[header[k]] = v
		}
		b, _ := json.Marshal(m)
		if i > 0 {
			want += ","
		}
		want += "\n" + string(b)
	}
	want += "\n]\n"
	if got := buf.String(); got != want {
		t.Errorf("jsonRows wrote\n%s\nwant\n%s", got, want)
	}
	var back []map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back) != 2 || back[1]["codes"] != "Licensing; Harm" {
		t.Errorf("jsonRows output reads back as %v, %v", back, err)
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"": "", "=1+1": "'=1+1", "+33": "'+33", "-x": "'-x", "@SUM": "'@SUM", "\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b"} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

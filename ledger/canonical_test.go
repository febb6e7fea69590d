package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"whitespace", " { \"b\" : 1 ,\n\t\"a\" : true } ", `{"a":true,"b":1}`},
		{"nested sort", `{"z":{"y":[3,{"b":"x","a":"y"}],"x":false},"a":[]}`, `{"a":[],"z":{"x":false,"y":[3,{"a":"y","b":"x"}]}}`},
		{"html not escaped", `{"a":"\u003c\u003e\u0026"}`, `{"a":"<>&"}`},
		{"escapes", `{"a":"\"\\\/\b\f\n\r\t\u0001\u001f\u007f"}`, "{\"a\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"}"},
		{"unicode literal", `{"a":"\u00e9\u2028\ud83d\ude00"}`, "{\"a\":\"é\u2028😀\"}"},
		// RFC 8785 sorts by UTF-16 code units: U+1F600 (D83D DE00) sorts
		// before U+FB01 although its UTF-8 encoding is larger.
		{"utf16 key order", "{\"\uFB01\":1,\"\U0001F600\":2}", "{\"\U0001F600\":2,\"\uFB01\":1}"},
		{"integers", `[0,-0,1,-1,9007199254740991,-9007199254740991]`, `[0,0,1,-1,9007199254740991,-9007199254740991]`},
		{"empty", `{}`, `{}`},
		{"string top level", `"x"`, `"x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonicalize([]byte(tt.in))
			if err != nil {
				t.Fatalf("Canonicalize(%q) error: %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonicalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	tests := []struct {
		name, in    string
		unsupported bool
	}{
		{"float", `{"a":1.5}`, true},
		{"float integral", `{"a":1.0}`, true},
		{"exponent", `{"a":1e3}`, true},
		{"too big", `{"a":9007199254740992}`, true},
		{"null", `{"a":null}`, true},
		{"duplicate key", `{"a":1,"a":2}`, true},
		{"lone surrogate", `{"a":"\ud800"}`, true},
		{"deep", string(bytes.Repeat([]byte("["), 40)) + string(bytes.Repeat([]byte("]"), 40)), true},
		{"invalid utf8", "{\"a\":\"\xff\"}", false},
		{"trailing", `{} {}`, false},
		{"truncated", `{"a":`, false},
		{"empty input", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonicalize([]byte(tt.in))
			if err == nil {
				t.Fatalf("Canonicalize(%q) = %q, want error", tt.in, got)
			}
			if errors.Is(err, ErrUnsupportedJSON) != tt.unsupported {
				t.Errorf("Canonicalize(%q) error = %v, want ErrUnsupportedJSON: %v", tt.in, err, tt.unsupported)
			}
		})
	}
}

// TestCanonicalGolden checks each testdata/canonical/*.in.json against its
// .out.json. Run with -update to rewrite the outputs.
func TestCanonicalGolden(t *testing.T) {
	ins, err := filepath.Glob("testdata/canonical/*.in.json")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range ins {
		out := in[:len(in)-len(".in.json")] + ".out.json"
		t.Run(filepath.Base(in), func(t *testing.T) {
			b, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Canonicalize(b)
			if err != nil {
				t.Fatalf("Canonicalize(%s): %v", in, err)
			}
			if *update {
				if err := os.WriteFile(out, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Canonicalize(%s) = %s, want %s", in, got, want)
			}
		})
	}
}

func FuzzCanonicalize(f *testing.F) {
	f.Add([]byte(`{"b":[1,"x",{"c":true}],"a":-3}`))
	f.Add([]byte(`"\u00e9\ud83d\ude00"`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Canonicalize(in)
		if err != nil {
			return
		}
		again, err := Canonicalize(c)
		if err != nil {
			t.Fatalf("Canonicalize(Canonicalize(%q)) error: %v", in, err)
		}
		if !bytes.Equal(again, c) {
			t.Fatalf("Canonicalize is not idempotent: %q then %q", c, again)
		}
		// The canonical form must mean the same as the input.
		var a, b any
		if err := json.Unmarshal(in, &a); err != nil {
			t.Fatalf("input accepted by Canonicalize but not encoding/json: %v", err)
		}
		if err := json.Unmarshal(c, &b); err != nil {
			t.Fatalf("canonical form is not valid JSON: %v", err)
		}
		if !cmp.Equal(a, b) { // cmp compares floats with ==, so -0 equals 0
			t.Fatalf("canonical form %q differs in meaning from %q", c, in)
		}
	})
}

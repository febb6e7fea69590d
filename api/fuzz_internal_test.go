package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pallmall/pallmall"
)

// FuzzDecodeBodies feeds every JSON request body type the API accepts
// with arbitrary bytes: decode must never panic, and it either fills the
// value or answers a validation error on the body (a 400, never a 500).
func FuzzDecodeBodies(f *testing.F) {
	f.Add(`{"title_en":"T","title_fr":"T","summary_en":"S","summary_fr":"S","audiences":["state"],"opens_at":"2026-01-01T00:00:00Z","closes_at":"2026-02-01T00:00:00Z","retention_months":6}`)
	f.Add(`{"answers":{"1":{"text":"x"}},"consent":{"share":true}}`)
	f.Add(`{"vote":1,"statement_id":3}`)
	f.Add(`{"unknown":true}`)
	f.Add(`[1,2,3]`)
	f.Add(`{"name_en":"\u0000","name_fr":"` + strings.Repeat("a", 100) + `"}`)
	targets := []func() any{
		func() any { return new(NewConsultation) }, func() any { return new(NewResponse) }, func() any { return new(NewEndorsement) },
		func() any { return new(NewParticipant) }, func() any { return new(NewVote) }, func() any { return new(NewOrganisation) },
		func() any { return new(NewRegistration) }, func() any { return new(NewRegisterProposal) },
	}
	f.Add(`{"title":"a\u0000b"}`)
	f.Add(`{"title":"a\\u0000b"}`)
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range targets {
			r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
			v := target()
			err := decode(r, v)
			var ve *pallmall.ValidationError
			if err != nil && (!errors.As(err, &ve) || (ve.Fields["body"] != "error.json" && ve.Fields["body"] != "error.nul")) {
				t.Fatalf("decode(%q) into %T = %v, want a body validation error", body, v, err)
			}
			// What is accepted holds no NUL character for the database.
			if out, _ := json.Marshal(v); err == nil && bytes.Contains(out, []byte(`\u0000`)) {
				t.Fatalf("decode(%q) into %T accepted a NUL character: %s", body, v, out)
			}
		}
	})
}

func TestDecodeRefusesNUL(t *testing.T) {
	for body, want := range map[string]string{
		`{"name":"a\u0000b"}`:   "error.nul",
		"{\"name\":\"a\x00b\"}": "error.nul",
		`{"a\u0000":"b"}`:       "error.nul",
		`{"name":"a\\u0000b"}`:  "", // a backslash, then "u0000": no NUL
		`{"name":`:              "error.json",
	} {
		var v struct {
			Name string `json:"name"`
		}
		err := decode(httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body)), &v)
		got := ""
		var ve *pallmall.ValidationError
		if errors.As(err, &ve) {
			got = ve.Fields["body"]
		} else if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("decode(%s) = %q, want %q", body, got, want)
		}
	}
}

package api

import (
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
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range targets {
			r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
			v := target()
			err := decode(r, v)
			var ve *pallmall.ValidationError
			if err != nil && (!errors.As(err, &ve) || ve.Fields["body"] != "error.json") {
				t.Fatalf("decode(%q) into %T = %v, want a body validation error", body, v, err)
			}
		}
	})
}

package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestFrameworksAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &auth.Service{DB: db, Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}}
		srv := httptest.NewServer((&api.Server{DB: db, Auth: svc}).Handler())
		defer srv.Close()
		c := client{t, srv}
		dec := &declare.Service{DB: db}
		for _, d := range []declare.Document{demo.Declaration2024(), demo.CodeOfPractice2025()} {
			if err := dec.CreateFramework(ctx, auth.System, d.Framework, d.Title, d.Preamble); err != nil {
				t.Fatal(err)
			}
			if _, err := dec.PublishVersion(ctx, auth.System, d); err != nil {
				t.Fatal(err)
			}
		}
		uk, _ := svc.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "United Kingdom", NameFR: "Royaume-Uni", Kind: auth.State, Country: "GB"})
		ngo, _ := svc.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Press Lab", NameFR: "Labo presse", Kind: auth.CivilSociety})
		token := func(email string, org int64, signing bool) string {
			u, _, err := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: email, Name: "N", Role: auth.Delegate, OrganisationID: org, SigningAuthority: signing}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			tok, _ := svc.CreateAPIToken(ctx, auth.System, u.ID, "t")
			return tok
		}
		ukTok, ngoTok := token("d@uk.example", uk.ID, true), token("d@ngo.example", ngo.ID, false)

		code, body := c.call("GET", "/api/v1/frameworks", "", "")
		if data, _ := body["data"].([]any); code != 200 || len(data) != 2 {
			t.Fatalf("GET frameworks = %d %v", code, body)
		}
		// The served document hashes to the published digest: what an
		// offline signer checks before signing.
		code, body = c.call("GET", "/api/v1/frameworks/code-of-practice-states", "", "")
		v := body["versions"].([]any)[0].(map[string]any)
		raw, _ := json.Marshal(v["document"])
		canon, err := ledger.Canonicalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(canon)
		if code != 200 || hex.EncodeToString(sum[:]) != v["document_sha256"] || v["label"] != "code-of-practice-states.2025" {
			t.Errorf("GET framework = %d, digest of document %x, want %v", code, sum, v["document_sha256"])
		}
		if code, body := c.call("GET", "/api/v1/frameworks/nope", "", ""); code != 404 || errorCode(body) != "not_found" {
			t.Errorf("GET unknown framework = %d %v", code, body)
		}

		path := "/api/v1/frameworks/code-of-practice-states/endorsements"
		cases := []struct {
			name, token, body string
			code              int
			errCode, field    string
		}{
			{"no token", "", `{"method":"browser"}`, 401, "unauthenticated", ""},
			{"no signing authority", ngoTok, `{"method":"browser"}`, 403, "forbidden", ""},
			{"signature without key", ngoTok, `{"method":"signature","signature":"AAAA"}`, 422, "invalid", "signature"},
			{"bad method", ukTok, `{"method":"paper"}`, 422, "invalid", "method"},
			{"unknown field", ukTok, `{"method":"browser","x":1}`, 422, "invalid", "body"},
		}
		for _, tt := range cases {
			code, body := c.call("POST", path, tt.token, tt.body)
			fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
			if code != tt.code || errorCode(body) != tt.errCode || (tt.field != "" && fields[tt.field] == nil) {
				t.Errorf("POST endorsement (%s) = %d %v, want %d %s", tt.name, code, body, tt.code, tt.errCode)
			}
		}
		code, body = c.call("POST", path, ukTok, `{"method":"browser"}`)
		if code != 201 || body["method"] != "browser" || body["organisation"].(map[string]any)["name_en"] != "United Kingdom" {
			t.Fatalf("POST endorsement = %d %v", code, body)
		}
		if code, body := c.call("POST", path, ukTok, `{"method":"browser"}`); code != 409 || errorCode(body) != "already_exists" {
			t.Errorf("POST duplicate = %d %v", code, body)
		}

		// A signed upload with the NGO's registered key.
		priv, pub, _ := declare.GenerateKey()
		if _, err := dec.RegisterKey(ctx, auth.System, ngo.ID, pub); err != nil {
			t.Fatal(err)
		}
		key, _ := declare.ParsePrivateKey(priv)
		bad := declare.Sign(key, declare.ActionWithdraw, "code-of-practice-states.2025", v["document_sha256"].(string))
		code, body = c.call("POST", path, ngoTok, fmt.Sprintf(`{"method":"signature","signature":%q}`, bad))
		if fields, _ := body["error"].(map[string]any)["fields"].(map[string]any); code != 422 || fields["signature"] != "declare.error.bad_signature" {
			t.Errorf("POST withdrawal signature as endorsement = %d %v", code, body)
		}
		good := declare.Sign(key, declare.ActionEndorse, "code-of-practice-states.2025", v["document_sha256"].(string))
		if code, body := c.call("POST", path, ngoTok, fmt.Sprintf(`{"method":"signature","signature":%q}`, good)); code != 201 || body["public_key"] != pub {
			t.Errorf("POST signed = %d %v", code, body)
		}

		code, body = c.call("GET", path+"?limit=1", "", "")
		data := body["data"].([]any)
		next, _ := body["next_cursor"].(string)
		if code != 200 || len(data) != 1 || next == "" {
			t.Fatalf("GET endorsements page 1 = %d %v", code, body)
		}
		if code, body = c.call("GET", path+"?limit=1&cursor="+next, "", ""); code != 200 || len(body["data"].([]any)) != 1 || body["next_cursor"] != nil {
			t.Errorf("GET endorsements page 2 = %d %v", code, body)
		}
		if code, body = c.call("GET", path+"?kind=civil_society", "", ""); len(body["data"].([]any)) != 1 {
			t.Errorf("GET endorsements kind filter = %d %v", code, body)
		}
		if code, body = c.call("GET", path+"?kind=martian", "", ""); code != 422 {
			t.Errorf("GET endorsements bad kind = %d %v", code, body)
		}

		if _, err := dec.PublishReport(ctx, auth.System, "code-of-practice-states", "", uk.ID, []declare.ReportItem{{Measure: "2", Status: declare.StatusInProgress}}); err != nil {
			t.Fatal(err)
		}
		code, body = c.call("GET", "/api/v1/frameworks/code-of-practice-states/reports", "", "")
		reports := body["data"].([]any)
		if code != 200 || len(reports) != 1 || reports[0].(map[string]any)["items"].([]any)[0].(map[string]any)["status"] != "in_progress" {
			t.Errorf("GET reports = %d %v", code, body)
		}
	})
}

package api_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/register"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestRegisterAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &auth.Service{DB: db, Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}}
		srv := httptest.NewServer((&api.Server{DB: db, Auth: svc}).Handler())
		defer srv.Close()
		c := client{t, srv}
		org, _ := svc.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Open Rights Lab", NameFR: "Labo des droits ouverts", Kind: auth.CivilSociety})
		del, _, _ := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: "d@example.org", Name: "D", Role: auth.Delegate, OrganisationID: org.ID}, time.Hour)
		an, _, _ := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: "an@example.org", Name: "An", Role: auth.Analyst}, time.Hour)
		tokD, _ := svc.CreateAPIToken(ctx, auth.System, del.ID, "t")
		tokA, _ := svc.CreateAPIToken(ctx, auth.System, an.ID, "t")

		reg := &register.Service{DB: db}
		var drafts []register.Draft
		for _, name := range []string{"Fictional One", "Fictional Two", "Fictional Three"} {
			drafts = append(drafts, register.Draft{Kind: register.Entity, Name: name, Confidence: register.Likely,
				Fields:  map[string]string{"entity_kind": "vendor", "incorporated": "FR", "status": "active"},
				Sources: []register.Source{{Ref: "https://example.org/" + name, Publisher: "Example", Date: "2024"}}})
		}
		ids, err := reg.Publish(ctx, auth.System, drafts)
		if err != nil {
			t.Fatal(err)
		}

		// Public, paginated by cursor.
		code, body := c.call("GET", "/api/v1/register/entities?limit=2", "", "")
		if code != 200 || len(body["data"].([]any)) != 2 || body["next_cursor"] == nil {
			t.Fatalf("GET entities?limit=2 = %d %v", code, body)
		}
		code, body = c.call("GET", "/api/v1/register/entities?limit=2&cursor="+body["next_cursor"].(string), "", "")
		if data := body["data"].([]any); code != 200 || len(data) != 1 || data[0].(map[string]any)["name"] != "Fictional Three" || body["next_cursor"] != nil {
			t.Errorf("second page = %d %v, want Fictional Three alone", code, body)
		}
		code, body = c.call("GET", "/api/v1/register/entities/"+regItoa(ids[0]), "", "")
		if code != 200 || body["name"] != "Fictional One" || len(body["history"].([]any)) != 1 {
			t.Errorf("GET entity = %d %v", code, body)
		}
		if code, _ := c.call("GET", "/api/v1/register/entities/999", "", ""); code != 404 {
			t.Errorf("GET missing entity = %d, want 404", code)
		}
		if code, body := c.call("GET", "/api/v1/register/incidents", "", ""); code != 200 || len(body["data"].([]any)) != 0 {
			t.Errorf("GET incidents = %d %v, want an empty page", code, body)
		}

		proposal := `{"kind": "incident", "name": "Fictional campaign", "confidence": "likely",
			"fields": {"target_group": "lawyer", "target_country": "FR", "vendor": "` + regItoa(ids[1]) + `", "outcome": "attempted", "first_activity": "2024-01", "disclosed_by": "Example Lab"},
			"sources": [{"ref": "https://lab.example.org/x", "publisher": "Example Lab", "date": "2024-02"}]}`
		for _, tt := range []struct {
			name, token, body string
			want              int
		}{
			{"no token", "", proposal, 401},
			{"analyst", tokA, proposal, 403},
			{"unknown field", tokD, `{"kind": "entity", "colour": "red"}`, 422},
			{"invalid", tokD, `{"kind": "entity", "name": "X", "confidence": "sure", "fields": {}, "sources": []}`, 422},
			{"delegate", tokD, proposal, 201},
		} {
			code, body := c.call("POST", "/api/v1/register/proposals", tt.token, tt.body)
			if code != tt.want {
				t.Errorf("POST proposal (%s) = %d %v, want %d", tt.name, code, body, tt.want)
			}
			if tt.name == "invalid" {
				if f, _ := body["error"].(map[string]any)["fields"].(map[string]any); f["confidence"] != "error.choose_one" || f["source1_ref"] != "register.error.source_required" {
					t.Errorf("invalid proposal fields = %v", f)
				}
			}
			if code == 201 && body["status"] != "pending" {
				t.Errorf("created proposal status = %v, want pending", body["status"])
			}
		}
	})
}

func regItoa(n int64) string { return strconv.FormatInt(n, 10) }

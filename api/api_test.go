package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestOpenAPIMatchesRoutes keeps the document and the router in step: every
// registered route is documented and every documented operation exists.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	b, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var documented, registered []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range api.Routes() {
		registered = append(registered, r.Method+" "+r.Pattern)
	}
	sort.Strings(documented)
	sort.Strings(registered)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Errorf("routes vs OpenAPI paths (-registered +documented):\n%s", diff)
	}
	// Every $ref resolves.
	var all map[string]any
	json.Unmarshal(b, &all)
	schemas := all["components"].(map[string]any)["schemas"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if _, ok := schemas[name]; !ok {
					t.Errorf("unresolved $ref %s", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(all)
}

type client struct {
	t   *testing.T
	srv *httptest.Server
}

func (c client) call(method, path, token, body string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		c.t.Fatalf("%s %s: body is not JSON: %s", method, path, b)
	}
	return res.StatusCode, out
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &auth.Service{DB: db, Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}}
		srv := httptest.NewServer((&api.Server{DB: db, Auth: svc}).Handler())
		defer srv.Close()
		c := client{t, srv}
		sec, _, _ := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: "sec@example.org", Name: "S", Role: auth.Secretariat}, time.Hour)
		ana, _, _ := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: "an@example.org", Name: "A", Role: auth.Analyst}, time.Hour)
		secTok, _ := svc.CreateAPIToken(ctx, auth.System, sec.ID, "t")
		anaTok, _ := svc.CreateAPIToken(ctx, auth.System, ana.ID, "t")

		if code, body := c.call("GET", "/api/v1/me", "", ""); code != 401 || errorCode(body) != "unauthenticated" {
			t.Errorf("GET /me without token = %d %v", code, body)
		}
		if code, body := c.call("GET", "/api/v1/me", "pmp_nonsense", ""); code != 401 || errorCode(body) != "unauthenticated" {
			t.Errorf("GET /me with a bad token = %d %v", code, body)
		}
		if code, body := c.call("GET", "/api/v1/me", anaTok, ""); code != 200 || body["email"] != "an@example.org" || body["role"] != "analyst" {
			t.Errorf("GET /me = %d %v", code, body)
		}
		// Creating organisations: secretariat only, validated, unique.
		if code, body := c.call("POST", "/api/v1/organisations", anaTok, `{"name_en":"X","name_fr":"X","kind":"industry"}`); code != 403 || errorCode(body) != "forbidden" {
			t.Errorf("analyst POST = %d %v", code, body)
		}
		code, body := c.call("POST", "/api/v1/organisations", secTok, `{"name_en":"Nowhere","name_fr":"Nulle part","kind":"state"}`)
		fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
		if code != 422 || fields["country"] == nil {
			t.Errorf("state without country = %d %v", code, body)
		}
		if code, body := c.call("POST", "/api/v1/organisations", secTok, `{"name_en":"X","bogus":1}`); code != 422 || errorCode(body) != "invalid" {
			t.Errorf("unknown field = %d %v", code, body)
		}
		for i, name := range []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo"} {
			if code, body := c.call("POST", "/api/v1/organisations", secTok, `{"name_en":"`+name+`","name_fr":"`+name+`","kind":"industry"}`); code != 201 {
				t.Fatalf("create %d = %d %v", i, code, body)
			}
		}
		// Cursor pagination walks every organisation exactly once.
		var seen []string
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			path := "/api/v1/organisations?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			code, body := c.call("GET", path, "", "")
			if code != 200 {
				t.Fatalf("GET %s = %d %v", path, code, body)
			}
			for _, o := range body["data"].([]any) {
				seen = append(seen, o.(map[string]any)["name_en"].(string))
			}
			next, _ := body["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if diff := cmp.Diff([]string{"Alpha", "Bravo", "Charlie", "Delta", "Echo"}, seen); diff != "" {
			t.Errorf("paginated organisations (-want +got):\n%s", diff)
		}
		if code, body := c.call("GET", "/api/v1/organisations?cursor=garbage", "", ""); code != 422 || errorCode(body) != "invalid" {
			t.Errorf("bad cursor = %d %v", code, body)
		}
		if code, body := c.call("GET", "/api/v1/organisations/99999", "", ""); code != 404 || errorCode(body) != "not_found" {
			t.Errorf("missing organisation = %d %v", code, body)
		}
		// The audit log: secretariat only, and it shows the creations.
		if code, _ := c.call("GET", "/api/v1/audit", anaTok, ""); code != 403 {
			t.Errorf("analyst GET /audit = %d, want 403", code)
		}
		code, body = c.call("GET", "/api/v1/audit?action=organisation.&limit=3", secTok, "")
		if code != 200 || len(body["data"].([]any)) != 3 || body["next_cursor"] == nil {
			t.Errorf("GET /audit = %d %v", code, body)
		}
		if code, body := c.call("GET", "/api/v1/nothing-here", "", ""); code != 404 || errorCode(body) != "not_found" {
			t.Errorf("unknown API path = %d %v", code, body)
		}
	})
}

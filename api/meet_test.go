package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMeetingsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &auth.Service{DB: db, Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}}
		srv := httptest.NewServer((&api.Server{DB: db, Auth: svc}).Handler())
		defer srv.Close()
		c := client{t, srv}
		sec, _, _ := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: "sec@example.org", Name: "S", Role: auth.Secretariat}, time.Hour)
		orgA, _ := svc.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Ruritania", NameFR: "Ruritanie", Kind: auth.State, Country: "RR"})
		orgB, _ := svc.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Borduria", NameFR: "Bordurie", Kind: auth.State, Country: "BD"})
		delA, _, _ := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: "a@example.org", Name: "A", Role: auth.Delegate, OrganisationID: orgA.ID}, time.Hour)
		delB, _, _ := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: "b@example.org", Name: "B", Role: auth.Delegate, OrganisationID: orgB.ID}, time.Hour)
		tokA, _ := svc.CreateAPIToken(ctx, auth.System, delA.ID, "t")
		tokB, _ := svc.CreateAPIToken(ctx, auth.System, delB.ID, "t")

		ms := &meet.Service{DB: db, Directory: svc, Keys: svc.Keys}
		start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
		mk := func(title string, vis meet.Visibility) meet.Meeting {
			m, err := ms.CreateMeeting(ctx, sec.Actor(), meet.Meeting{TitleEN: title, TitleFR: title, Kind: meet.Workshop, Format: meet.Online, TimeZone: "Europe/Paris",
				StartsAt: start, EndsAt: start.Add(3 * time.Hour), RegistrationDeadline: start.Add(-24 * time.Hour), Capacity: 3, DelegationLimit: 2, Visibility: vis})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		public, hidden := mk("Open workshop", meet.Public), mk("Closed workshop", meet.Invited)
		for _, m := range []int64{public.ID, hidden.ID} {
			if err := ms.Invite(ctx, sec.Actor(), m, orgA.ID); err != nil {
				t.Fatal(err)
			}
		}

		// Listing: the public sees public meetings; A also its invited one.
		for _, tc := range []struct {
			token string
			want  int
		}{{"", 1}, {tokB, 1}, {tokA, 2}} {
			code, body := c.call("GET", "/api/v1/meetings", tc.token, "")
			data, _ := body["data"].([]any)
			if code != 200 || len(data) != tc.want {
				t.Errorf("GET /meetings (token %q) = %d, %d meetings; want %d", tc.token, code, len(data), tc.want)
			}
		}
		code, body := c.call("GET", "/api/v1/meetings?limit=1", tokA, "")
		if next, _ := body["next_cursor"].(string); code != 200 || next == "" {
			t.Errorf("GET /meetings?limit=1 = %d %v, want a next cursor", code, body)
		} else if code, body := c.call("GET", "/api/v1/meetings?limit=1&cursor="+next, tokA, ""); code != 200 || len(body["data"].([]any)) != 1 || body["data"].([]any)[0].(map[string]any)["title_en"] != "Closed workshop" {
			t.Errorf("second page = %d %v", code, body)
		}
		if code, body := c.call("GET", fmt.Sprintf("/api/v1/meetings?organisation_id=%d", orgA.ID), tokA, ""); code != 200 || len(body["data"].([]any)) != 2 {
			t.Errorf("GET /meetings?organisation_id=own = %d %v, want both meetings", code, body)
		}
		for _, tok := range []string{"", tokB} {
			if code, body := c.call("GET", fmt.Sprintf("/api/v1/meetings?organisation_id=%d", orgA.ID), tok, ""); code != 403 || errorCode(body) != "forbidden" {
				t.Errorf("GET /meetings?organisation_id=another (token %q) = %d %v, want 403: invitations are not public", tok, code, body)
			}
		}
		if code, _ := c.call("GET", fmt.Sprintf("/api/v1/meetings/%d", hidden.ID), "", ""); code != 404 {
			t.Errorf("GET invited-only meeting without a token = %d, want 404", code)
		}
		code, body = c.call("GET", fmt.Sprintf("/api/v1/meetings/%d", public.ID), "", "")
		if code != 200 || body["time_zone"] != "Europe/Paris" || body["places"] == nil {
			t.Errorf("GET public meeting = %d %v", code, body)
		}

		path := fmt.Sprintf("/api/v1/meetings/%d/registrations", public.ID)
		reg := `{"head":{"name":"Ana","access_needs":"hearing loop"},"members":[{"name":"Ben"}],"interpretation":"fr"}`
		if code, body := c.call("POST", path, "", reg); code != 401 || errorCode(body) != "unauthenticated" {
			t.Errorf("POST registration without a token = %d %v", code, body)
		}
		if code, body := c.call("POST", path, tokB, reg); code != 403 || body["error"].(map[string]any)["fields"].(map[string]any)["registration"] != "meet.error.not_invited" {
			t.Errorf("POST registration, not invited = %d %v", code, body)
		}
		if code, body := c.call("POST", path, tokA, `{"head":{"name":"Ana"},"members":[{"name":"Ben"},{"name":"Cy"}]}`); code != 422 || body["error"].(map[string]any)["fields"].(map[string]any)["members"] != "meet.error.over_limit" {
			t.Errorf("POST registration beyond the limit = %d %v", code, body)
		}
		if code, body := c.call("POST", path, tokA, `{"head":{"name":"Ana"},"seats":3}`); code != 422 || errorCode(body) != "invalid" {
			t.Errorf("POST registration with an unknown field = %d %v", code, body)
		}
		code, body = c.call("POST", path, tokA, reg)
		if code != 201 || body["status"] != "confirmed" || body["interpretation"] != "fr" || body["head"].(map[string]any)["access_needs"] != "hearing loop" || body["waiting_position"] != nil {
			t.Errorf("POST registration = %d %v", code, body)
		}
		// Filling the meeting: the secretariat registers B on its behalf
		// after inviting it; two more people do not fit in one place.
		ms.Invite(ctx, sec.Actor(), public.ID, orgB.ID)
		code, body = c.call("POST", path, tokB, `{"head":{"name":"Dee"},"members":[{"name":"Eve"}]}`)
		if code != 201 || body["status"] != "waitlisted" || body["waiting_position"] != float64(1) {
			t.Errorf("POST registration when full = %d %v, want waitlisted at 1", code, body)
		}
	})
}

package web_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/demo"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

// TestDemoPeopleAreSealedAtRest loads the demo platform (accounts,
// consultation respondents, campaign senders, meeting delegations with
// job titles, emails in the outboxes) and finds none of its people's
// names, emails or job titles in a dump of every table, on both databases
// (issue 9, control 3). The organisations' names, which are public, are
// found, so the search works.
func TestDemoPeopleAreSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := &auth.Service{DB: db, Keys: vault.Ephemeral(), Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}}
		if err := demo.Load(ctx, demo.Config{DB: db, Auth: a, DataDir: t.TempDir(), PublicURL: "https://pallmall.example", Out: io.Discard}); err != nil {
			t.Fatalf("demo.Load: %v", err)
		}
		dump := storetest.Dump(t, db)
		if !strings.Contains(dump, "Digital Defenders Network (fictional)") {
			t.Fatal("the dump does not hold a public organisation name: the search proves nothing")
		}
		people := []string{
			// accounts
			"Sam Okafor", "Harriet Lane", "Camille Besson", "Amara Mensah", "Jonas Weber", "Élise Marchand",
			"secretariat@pallmall.example", "delegate.uk@pallmall.example", "analyst@pallmall.example",
			// meeting delegations
			"Tom Ashby", "Luc Moreau", "Kwame Asante", "Ingrid Holm", "Anne Girard", "Piotr Nowak", "Efua Mensah", "Awa Koné",
			"Special envoy (demo)",
			// consultation respondents
			"Respondent 1", "Demo organisation 1 (fictional)", "Campaign sender 1 (fictional)",
		}
		for _, p := range people {
			if strings.Contains(dump, p) {
				t.Errorf("the database holds %q in clear", p)
			}
		}
	})
}

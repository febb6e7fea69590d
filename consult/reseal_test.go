package consult_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

// retire copies the key file of dir to a new directory without key id,
// and loads it: what a server sees once the old key is retired.
func retire(t *testing.T, dir, id string) *vault.Keyring {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, vault.FileName))
	if err != nil {
		t.Fatal(err)
	}
	kept := regexp.MustCompile(`(?m)^key `+id+` [0-9a-f]+\n`).ReplaceAll(b, nil)
	if bytes.Equal(kept, b) {
		t.Fatalf("key %s not in the key file", id)
	}
	to := t.TempDir()
	if err := os.WriteFile(filepath.Join(to, vault.FileName), kept, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := vault.LoadOrCreate(to)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestResealResponsesLetsTheOldKeyRetire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		keys, err := vault.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, db)
		f.svc.Keys = keys
		f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "x"}}, true, consult.PublishNamed)
		state := consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Rudolf", OrganisationName: "Ruritania", Country: "RR", Email: "r@rr.example"}
		f.submit(t, state, map[int64]consult.Answer{f.q["short"].ID: {Text: "y"}, f.q["states"].ID: {Text: "z"}}, true, consult.PublishNamed)
		_, token, err := f.svc.Start(ctx, f.c.ID, consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: "Dana Draft", Email: "dana@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		identities := []string{"Ada", "ada@example.org", "Digital Defenders", "Rudolf", "Ruritania", "r@rr.example"}
		export := func() (string, error) {
			var buf bytes.Buffer
			err := f.svc.Export(ctx, secretariat, f.c.ID, consult.ExportOptions{Format: "csv"}, &buf)
			return buf.String(), err
		}

		old := "1"
		if _, err := vault.AddKey(dir); err != nil {
			t.Fatal(err)
		}
		// Retiring the old key before re-sealing would lose the identities.
		f.svc.Keys = retire(t, dir, old)
		if out, err := export(); err == nil && strings.Contains(out, "Rudolf") {
			t.Fatal("identities open without the key that sealed them")
		}

		rotated, err := vault.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		n, err := consult.ResealResponses(ctx, db, rotated)
		if err != nil || n != 3 {
			t.Fatalf("ResealResponses = %d, %v; want 3 responses re-sealed", n, err)
		}
		if n, err := consult.ResealResponses(ctx, db, rotated); err != nil || n != 0 {
			t.Errorf("ResealResponses again = %d, %v; want nothing left to do", n, err)
		}

		// Now the old key can go: everything still opens.
		f.svc.Keys = retire(t, dir, old)
		out, err := export()
		if err != nil {
			t.Fatalf("export after retiring the old key: %v", err)
		}
		for _, s := range identities {
			if !strings.Contains(out, s) {
				t.Errorf("export after retiring the old key lacks %q:\n%s", s, out)
			}
		}
		draft, err := f.svc.ByToken(ctx, f.c.ID, token)
		if err != nil || draft.About.Name != "Dana Draft" || draft.About.Email != "dana@example.org" {
			t.Errorf("draft after retiring the old key = %+v, %v; want its identity", draft.About, err)
		}
	})
}

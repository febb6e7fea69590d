package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// TestKeysRotateResealsRespondents rotates the identity key with a
// consultation response on file: the response is re-sealed, and with the
// old key removed from the key file its identity still opens.
func TestKeysRotateResealsRespondents(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("PALLMALL_DATA", dir)
	keyDir := filepath.Join(dir, "keys")
	keys, err := vault.LoadOrCreate(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sec := auth.Actor{UserID: 1, Role: auth.Secretariat}
	svc := &consult.Service{DB: db, Keys: keys}
	c, err := svc.Create(ctx, sec, consult.Consultation{TitleEN: "T", TitleFR: "T", SummaryEN: "S", SummaryFR: "S",
		Audiences: []consult.Stakeholder{consult.CivilSociety}, OpensAt: time.Now().Add(-time.Hour), ClosesAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := svc.AddSection(ctx, sec, consult.Section{ConsultationID: c.ID, TitleEN: "S", TitleFR: "S"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveQuestion(ctx, sec, consult.Question{ConsultationID: c.ID, SectionID: s.ID, Kind: consult.ShortText, TextEN: "Q", TextFR: "Q"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStatus(ctx, sec, c.ID, consult.Open); err != nil {
		t.Fatal(err)
	}
	_, token, err := svc.Start(ctx, c.ID, consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.CivilSociety, Name: "Noor Haddad", OrganisationName: "Press Freedom Lab", Email: "noor@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, _, err := runCmd(t, "keys", "rotate")
	if err != nil || !strings.Contains(out, "1 consultation responses") {
		t.Fatalf("keys rotate = %q, %v; want 1 consultation response re-sealed", out, err)
	}
	// Retire key 1: only the index key and key 2 stay.
	path := filepath.Join(keyDir, vault.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "key 1 ") {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err = vault.LoadOrCreate(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := (&consult.Service{DB: db, Keys: keys}).ByToken(ctx, c.ID, token)
	if err != nil || r.About.Name != "Noor Haddad" || r.About.OrganisationName != "Press Freedom Lab" || r.About.Email != "noor@example.org" {
		t.Errorf("response after retiring key 1 = %+v, %v; want its identity", r.About, err)
	}
	file, _ := os.ReadFile(filepath.Join(dir, "pallmall.db"))
	wal, _ := os.ReadFile(filepath.Join(dir, "pallmall.db-wal"))
	if bytes.Contains(append(file, wal...), []byte("noor@example.org")) {
		t.Error("the SQLite files contain the respondent's email in clear")
	}
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
)

// TestSignOffline generates an organisation key, signs the Code of
// Practice against a running platform with `pallmall sign`, and checks the
// platform accepts the signature; a document whose digest does not match
// is refused.
func TestSignOffline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := &App{Demo: true}
	a.DB.dataDir = dir
	url, _ := startApp(t, a)

	keyFile := filepath.Join(dir, "org.key")
	pub, _, err := runCmd(t, "sign", "keygen", "--out", keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", fi.Mode().Perm())
	}
	if _, _, err := runCmd(t, "sign", "keygen", "--out", keyFile); exitCode(err) != 2 {
		t.Errorf("keygen over an existing file: err = %v, want a usage error", err)
	}
	org, err := a.auth.OrganisationByName(ctx, "Japan")
	if err != nil {
		t.Fatal(err)
	}
	svc := &declare.Service{DB: a.db}
	if _, err := svc.RegisterKey(ctx, auth.System, org.ID, strings.TrimSpace(pub)); err != nil {
		t.Fatal(err)
	}
	sig, _, err := runCmd(t, "sign", "--key", keyFile, "--framework", "code-of-practice-states", "--version", "2025", "--url", url)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	e, err := svc.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: "code-of-practice-states", Version: "2025", OrganisationID: org.ID, Method: declare.MethodSignature, Signature: strings.TrimSpace(sig)})
	if err != nil {
		t.Fatalf("Endorse with the signature from pallmall sign: %v", err)
	}
	if e.PublicKey != strings.TrimSpace(pub) {
		t.Errorf("endorsement key = %q, want %q", e.PublicKey, pub)
	}

	// A document whose stated digest does not match its text is refused.
	v, _ := svc.Version(ctx, "code-of-practice-states", "2025")
	doc := `{"id":"code-of-practice-states","versions":[{"version":"2025","document_sha256":"` + strings.Repeat("0", 64) + `","document":` + string(v.Raw) + `}]}`
	docFile := filepath.Join(dir, "fw.json")
	os.WriteFile(docFile, []byte(doc), 0o644)
	if _, _, err := runCmd(t, "sign", "--key", keyFile, "--framework", "code-of-practice-states", "--version", "2025", "--document", docFile); err == nil || !strings.Contains(err.Error(), "not signing") {
		t.Errorf("sign with a wrong digest: err = %v, want a refusal", err)
	}
	if _, _, err := runCmd(t, "sign", "--key", keyFile, "--framework", "code-of-practice-states", "--version", "1999", "--url", url); err == nil {
		t.Errorf("sign an unknown version: no error")
	}
}

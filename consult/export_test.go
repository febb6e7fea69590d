package consult_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/xuri/excelize/v2"
	"golang.org/x/mod/sumdb/note"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestExportsAndPartnerPackage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		identity, _ := age.GenerateX25519Identity()
		c := f.c
		c.PartnerKey = identity.Recipient().String()
		if _, err := f.svc.Update(ctx, secretariat, c, ""); err != nil {
			t.Fatal(err)
		}
		state := consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Rudolf", OrganisationName: "Ruritania", Country: "RR", Email: "r@rr.example"}
		f.submit(t, state, map[int64]consult.Answer{f.q["short"].ID: {Text: "=cmd|' /C calc'!A0"}, f.q["states"].ID: {Text: "We license"}}, true, consult.PublishNamed)
		f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "Journalists"}, f.q["multiple"].ID: {Choices: []string{"1", "other"}, Other: "Bans"}}, false, consult.PublishAnonymous)

		export := func(actor auth.Actor, opt consult.ExportOptions) (string, error) {
			var buf bytes.Buffer
			err := f.svc.Export(ctx, actor, f.c.ID, opt, &buf)
			return buf.String(), err
		}
		tests := []struct {
			name    string
			actor   auth.Actor
			opt     consult.ExportOptions
			want    []string
			notWant []string
			err     error
		}{
			{"secretariat csv", secretariat, consult.ExportOptions{Format: "csv"}, []string{"Rudolf", "Digital Defenders", "Licensing; Other: Bans", "'=cmd"}, nil, nil},
			{"analyst csv", analyst, consult.ExportOptions{Format: "csv"}, []string{"Journalists", ",RR,"}, []string{"Rudolf", "Ruritania", "Ada", "Digital Defenders", "ada@example.org"}, nil},
			{"partner scope", secretariat, consult.ExportOptions{Format: "json", Partner: true}, []string{"Ruritania", "r@rr.example"}, []string{"Ada", "Digital Defenders"}, nil},
			{"partner role without partner scope", auth.Actor{UserID: 9, Role: auth.Partner}, consult.ExportOptions{Format: "csv"}, nil, nil, pallmall.ErrForbidden},
			{"public", public, consult.ExportOptions{Format: "csv"}, nil, nil, pallmall.ErrForbidden},
			{"bad format", secretariat, consult.ExportOptions{Format: "pdf"}, nil, nil, pallmall.ErrInvalid},
		}
		for _, tt := range tests {
			got, err := export(tt.actor, tt.opt)
			if !errors.Is(err, tt.err) {
				t.Errorf("%s: Export error = %v, want %v", tt.name, err, tt.err)
				continue
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: export lacks %q:\n%s", tt.name, w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("%s: export contains %q", tt.name, w)
				}
			}
		}
		csvText, _ := export(secretariat, consult.ExportOptions{Format: "csv"})
		records, err := csv.NewReader(strings.NewReader(csvText)).ReadAll()
		if err != nil || len(records) != 3 || len(records[0]) != len(records[1]) {
			t.Errorf("CSV = %d records (%v), want a header and 2 rows of equal width", len(records), err)
		}
		jsonText, _ := export(analyst, consult.ExportOptions{Format: "json"})
		var rows []map[string]string
		if err := json.Unmarshal([]byte(jsonText), &rows); err != nil || len(rows) != 2 {
			t.Errorf("JSON export = %d rows, %v; want 2", len(rows), err)
		}
		xlsx, err := export(analyst, consult.ExportOptions{Format: "xlsx"})
		if err != nil {
			t.Fatal(err)
		}
		wb, err := excelize.OpenReader(strings.NewReader(xlsx))
		if err != nil {
			t.Fatalf("XLSX: %v", err)
		}
		xrows, _ := wb.GetRows("Sheet1")
		if len(xrows) != 3 {
			t.Errorf("XLSX rows = %d, want 3", len(xrows))
		}

		// The partner package decrypts with the partner's key, holds the
		// consenting state's identity and not the civil society one's, and
		// its manifest verifies with the published key.
		var pkg bytes.Buffer
		if err := f.svc.PartnerExport(ctx, auth.Actor{UserID: 9, Role: auth.Partner}, f.c.ID, &pkg); err != nil {
			t.Fatalf("PartnerExport: %v", err)
		}
		if err := f.svc.PartnerExport(ctx, analyst, f.c.ID, io.Discard); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("PartnerExport as analyst = %v, want ErrForbidden", err)
		}
		plain, err := age.Decrypt(&pkg, identity)
		if err != nil {
			t.Fatalf("age.Decrypt: %v", err)
		}
		zb, _ := io.ReadAll(plain)
		zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			files[zf.Name] = string(b)
		}
		if !strings.Contains(files["responses.csv"], "Ruritania") || strings.Contains(files["responses.csv"], "Digital Defenders") {
			t.Errorf("partner responses.csv identities wrong:\n%s", files["responses.csv"])
		}
		var m consult.Manifest
		if err := json.Unmarshal([]byte(files["manifest.json"]), &m); err != nil || m.Responses != 2 || m.Identities != 1 || len(m.Wordings) != 1 {
			t.Errorf("manifest = %+v, %v; want 2 responses, 1 identity, 1 wording", m, err)
		}
		vkey, _ := f.svc.ManifestVerifierKey(ctx)
		verifier, err := note.NewVerifier(vkey)
		if err != nil {
			t.Fatal(err)
		}
		n, err := note.Open([]byte(files["manifest.sig"]), note.VerifierList(verifier))
		if err != nil || !strings.Contains(n.Text, sha256Hex(files["manifest.json"])) {
			t.Errorf("manifest signature: %v, note %+v", err, n)
		}
	})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

package consult

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
)

// manifestKeyName is the settings row holding the note signer key that
// signs partner-export manifests. Its verifier key is public (see
// ManifestVerifierKey), so a partner can check a manifest came from the
// platform.
const manifestKeyName = "consult_manifest_signer"

// ManifestVerifierKey returns the public key that verifies partner-export
// manifests, creating the signing key on first use.
func (s *Service) ManifestVerifierKey(ctx context.Context) (string, error) {
	_, v, err := s.manifestKeys(ctx)
	return v, err
}

// manifestKeys loads or creates the signer and verifier key pair, kept as
// "skey\nvkey" in the settings table.
func (s *Service) manifestKeys(ctx context.Context) (note.Signer, string, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "pallmall-consult-manifest")
	if err != nil {
		return nil, "", err
	}
	if _, err := s.DB.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, manifestKeyName, skey+"\n"+vkey); err != nil {
		return nil, "", err
	}
	var both string
	if err := s.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, manifestKeyName).Scan(&both); err != nil {
		return nil, "", err
	}
	var sk, vk string
	if _, err := fmt.Sscanf(both, "%s\n%s", &sk, &vk); err != nil {
		return nil, "", fmt.Errorf("manifest key: %w", err)
	}
	signer, err := note.NewSigner(sk)
	if err != nil {
		return nil, "", fmt.Errorf("manifest signer: %w", err)
	}
	return signer, vk, nil
}

// Manifest lists what a partner package contains and the consent wording
// each respondent saw.
type Manifest struct {
	Consultation int64             `json:"consultation"`
	Title        string            `json:"title"`
	Partner      string            `json:"partner"`
	GeneratedAt  time.Time         `json:"generated_at"`
	Files        []ManifestFile    `json:"files"`
	Responses    int               `json:"responses"`
	Identities   int               `json:"identities_included"`
	Wordings     []json.RawMessage `json:"consent_wordings"`
	Consents     []ManifestConsent `json:"consents"`
}

// ManifestFile is one file of the package.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ManifestConsent records one respondent's sharing choice and which
// wording (an index into Wordings) they saw.
type ManifestConsent struct {
	Reference string    `json:"reference"`
	Share     bool      `json:"share"`
	Wording   int       `json:"wording"`
	At        time.Time `json:"at"`
}

// PartnerExport writes the partner-government package: a zip of the
// responses (identities only of respondents who consented to sharing),
// manifest.json and its signature manifest.sig (a signed note; check it
// with ManifestVerifierKey), encrypted with age to the consultation's
// partner key. The secretariat and the partner role may produce it.
func (s *Service) PartnerExport(ctx context.Context, actor auth.Actor, id int64, w io.Writer) error {
	if !actor.Is(auth.Secretariat, auth.Partner) {
		return pallmall.ErrForbidden
	}
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	if c.PartnerKey == "" {
		var v pallmall.ValidationError
		v.Add("partner_key", "consult.error.no_partner_key")
		return &v
	}
	recipient, err := age.ParseX25519Recipient(c.PartnerKey)
	if err != nil {
		var v pallmall.ValidationError
		v.Add("partner_key", "consult.error.partner_key")
		return &v
	}
	signer, _, err := s.manifestKeys(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "pallmall-partner-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	if err := s.Export(ctx, actor, id, ExportOptions{Format: CSV, Partner: true}, io.MultiWriter(tmp, h)); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	m := Manifest{Consultation: c.ID, Title: c.TitleEN, Partner: c.PartnerEN, GeneratedAt: s.now(),
		Files: []ManifestFile{{Name: "responses.csv", Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}}}
	wordings := map[string]int{}
	err = eachSubmitted(ctx, s.DB, s.keys(), id, SharedIdentity, func(r *Submitted) error {
		m.Responses++
		if r.Consent.Share {
			m.Identities++
		}
		i, ok := wordings[r.Consent.Wording]
		if !ok {
			i = len(m.Wordings)
			wordings[r.Consent.Wording] = i
			m.Wordings = append(m.Wordings, json.RawMessage(r.Consent.Wording))
		}
		m.Consents = append(m.Consents, ManifestConsent{Reference: r.Reference, Share: r.Consent.Share, Wording: i, At: r.Consent.At})
		return nil
	})
	if err != nil {
		return err
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	mb = append(mb, '\n')
	sum := sha256.Sum256(mb)
	signed, err := note.Sign(&note.Note{Text: fmt.Sprintf("pallmall partner export manifest\nconsultation %d\nsha256 %s\n", c.ID, hex.EncodeToString(sum[:]))}, signer)
	if err != nil {
		return err
	}
	enc, err := age.Encrypt(w, recipient)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(enc)
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		r    io.Reader
	}{{"responses.csv", tmp}, {"manifest.json", bytes.NewReader(mb)}, {"manifest.sig", bytes.NewReader(signed)}} {
		fw, err := zw.Create(f.name)
		if err != nil {
			return err
		}
		if _, err := io.Copy(fw, f.r); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return audit.Record(ctx, s.DB, actor.UserID, "consultation.partner_export", "consultation", id, fmt.Sprintf("%d responses, %d identities", m.Responses, m.Identities))
}

package declare

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// privateKeyPrefix starts an organisation's private key file.
const privateKeyPrefix = "pallmall-ed25519-private-key:"

// GenerateKey returns a new Ed25519 key pair for an organisation's offline
// endorsements: the private key in the form `pallmall sign` reads, and the
// public key (base64 of its 32 bytes) to register on the platform.
func GenerateKey() (private, public string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	return privateKeyPrefix + base64.StdEncoding.EncodeToString(priv.Seed()), base64.StdEncoding.EncodeToString(pub), nil
}

// ParsePrivateKey parses a private key written by GenerateKey.
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), privateKeyPrefix)
	if !ok {
		return nil, errors.New("not a pallmall Ed25519 private key")
	}
	seed, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("malformed pallmall Ed25519 private key")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ParsePublicKey parses a public key: base64 of 32 bytes.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("not a base64 Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}

// Actions an organisation signs.
const (
	ActionEndorse  = "endorsement"
	ActionWithdraw = "withdrawal"
)

// SignedMessage returns the exact bytes an organisation signs to endorse
// (or withdraw from) a framework version: a domain-separation line, the
// version's label and the SHA-256 of its canonical document.
func SignedMessage(action, label, documentSHA256 string) []byte {
	return []byte("pallmall/" + action + "/v1\n" + label + "\n" + documentSHA256 + "\n")
}

// Sign signs the message for action on a framework version and returns the
// signature in base64, as `pallmall sign` prints it.
func Sign(priv ed25519.PrivateKey, action, label, documentSHA256 string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, SignedMessage(action, label, documentSHA256)))
}

// VerifySignature reports whether sig (base64) is pub's signature of the
// message for action on a framework version.
func VerifySignature(pub ed25519.PublicKey, action, label, documentSHA256, sig string) bool {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(b) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, SignedMessage(action, label, documentSHA256), b)
}

// SigningKey is an organisation's registered public key.
type SigningKey struct {
	ID             int64
	OrganisationID int64
	PublicKey      string
	CreatedAt      time.Time
}

// RegisterKey registers publicKey as the organisation's signing key,
// revoking any earlier one. A delegate with signing authority for the
// organisation, or the secretariat, may do it.
func (s *Service) RegisterKey(ctx context.Context, actor auth.Actor, orgID int64, publicKey string) (SigningKey, error) {
	if !actor.Is(auth.Secretariat) && !(actor.ActsFor(orgID) && actor.SigningAuthority) {
		return SigningKey{}, ErrNoSigningAuthority
	}
	if _, err := ParsePublicKey(publicKey); err != nil {
		v := &pallmall.ValidationError{}
		v.Add("public_key", "declare.error.public_key")
		return SigningKey{}, v
	}
	k := SigningKey{OrganisationID: orgID, PublicKey: strings.TrimSpace(publicKey), CreatedAt: store.Now()}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM organisations WHERE id = $1`, orgID).Scan(&one); err != nil {
			return fmt.Errorf("organisation %d: %w", orgID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET revoked_at = $1 WHERE organisation_id = $2 AND revoked_at IS NULL`, k.CreatedAt, orgID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO signing_keys (organisation_id, public_key, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
			orgID, k.PublicKey, k.CreatedAt, nullID(actor.UserID)).Scan(&k.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "signing_key.register", "organisation", orgID, "")
	})
	return k, err
}

// ActiveKey returns the organisation's registered signing key. Returns
// ErrNotFound if it has none.
func (s *Service) ActiveKey(ctx context.Context, q store.Querier, orgID int64) (SigningKey, error) {
	k := SigningKey{OrganisationID: orgID}
	err := q.QueryRow(ctx, `SELECT id, public_key, created_at FROM signing_keys WHERE organisation_id = $1 AND revoked_at IS NULL`, orgID).Scan(&k.ID, &k.PublicKey, &k.CreatedAt)
	k.CreatedAt = k.CreatedAt.UTC()
	return k, err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

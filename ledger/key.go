package ledger

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// KeyFile is the name of the signing key file inside the key directory.
const KeyFile = "log.key"

// ErrInsecureKeyFile is returned by LoadOrCreateKey when the key file can be
// read or written by anyone but its owner.
var ErrInsecureKeyFile = errors.New("insecure key file permissions")

// Key is the log's signing key.
type Key struct {
	// Signer signs checkpoints. Its name is the log's origin.
	Signer note.Signer
	// Verifier verifies checkpoints signed by Signer.
	Verifier note.Verifier
	// VerifierKey is the public verifier key in note format
	// ("<origin>+<hash>+<base64>"): what `pallmall log key` prints, the
	// Transparency page shows and verifiers pass to Verify.
	VerifierKey string
}

// Origin returns the log's origin, the first line of its checkpoints.
func (k *Key) Origin() string { return k.Signer.Name() }

// LoadOrCreateKey loads the Ed25519 signing key stored in dir/KeyFile, or
// generates and stores one if the file does not exist. The directory is
// created with mode 0700 and the file with mode 0600.
//
// It returns ErrInsecureKeyFile if the existing file is accessible to group
// or others, and an error if the stored key's name differs from origin:
// changing the origin of a running log would invalidate every verifier's
// configuration, so it must be done deliberately, with a new key.
func LoadOrCreateKey(dir, origin string) (*Key, error) {
	if err := checkOrigin(origin); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key directory: %w", err)
	}
	p := filepath.Join(dir, KeyFile)
	skey, err := readKeyFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		skey, err = createKeyFile(p, origin)
	}
	if err != nil {
		return nil, err
	}
	k, err := parseSignerKey(skey)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", p, err)
	}
	if k.Origin() != origin {
		return nil, fmt.Errorf("key file %s is for origin %q, not the configured %q", p, k.Origin(), origin)
	}
	return k, nil
}

func readKeyFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("key file %s is not a regular file", p)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %04o, want 0600 (run chmod 600 %s)", ErrInsecureKeyFile, p, perm, p)
	}
	b := make([]byte, 1024)
	n, err := f.Read(b)
	if err != nil {
		return "", fmt.Errorf("read key file: %w", err)
	}
	return strings.TrimSpace(string(b[:n])), nil
}

// createKeyFile writes a new key with O_EXCL, so two processes starting at
// once cannot both create (and use) different keys.
func createKeyFile(p, origin string) (string, error) {
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(p)
	}
	if err != nil {
		return "", fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("sync key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("close key file: %w", err)
	}
	return skey, nil
}

func parseSignerKey(skey string) (*Key, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("parse signer key: %w", err)
	}
	vkey, err := verifierKeyFromSigner(skey)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("parse verifier key: %w", err)
	}
	return &Key{Signer: s, Verifier: v, VerifierKey: vkey}, nil
}

// verifierKeyFromSigner derives the public verifier key from a note signer
// key "PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>".
func verifierKeyFromSigner(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("malformed signer key")
	}
	return deriveVerifierKey(parts[2], parts[4])
}

func checkOrigin(origin string) error {
	if origin == "" || strings.ContainsAny(origin, "+ \t\n") {
		return fmt.Errorf("invalid log origin %q: must be non-empty, without spaces or '+'", origin)
	}
	return nil
}

// OriginFromURL derives a default log origin from the platform's public
// URL: the host (lower-cased, with any port) and path, followed by "/log".
// For example "https://pallmall.example.org" gives "pallmall.example.org/log"
// and "https://example.org/pallmall/" gives "example.org/pallmall/log".
func OriginFromURL(publicURL string) (string, error) {
	u, err := url.Parse(publicURL)
	if err != nil {
		return "", fmt.Errorf("origin from url: %w", err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("origin from url: %q is not an absolute http(s) URL", publicURL)
	}
	origin := strings.ToLower(u.Host) + path.Clean("/"+u.Path)
	origin = strings.TrimSuffix(origin, "/") + "/log"
	if err := checkOrigin(origin); err != nil {
		return "", err
	}
	return origin, nil
}

// StoredOrigin returns the origin of the key stored in dir/KeyFile, with ok
// false if there is none yet. A server started without a configured origin
// or public URL keeps the origin its key was created with.
func StoredOrigin(dir string) (origin string, ok bool, err error) {
	skey, err := readKeyFile(filepath.Join(dir, KeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	k, err := parseSignerKey(skey)
	if err != nil {
		return "", false, err
	}
	return k.Origin(), true, nil
}

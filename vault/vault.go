// Package vault encrypts identity fields (names, email addresses,
// organisation contacts) before they reach the database, with keys kept
// outside it, so that a database dump or a stolen backup of the database
// alone reveals no one.
//
// A Keyring holds AES-256-GCM keys, each with an id; the newest seals, all
// of them open, so keys can be rotated without downtime: add a key, then
// re-seal the rows (see Rotate in the packages that store sealed fields).
// It also holds a separate key for blind indexes: a keyed HMAC of a
// normalised value, stored beside the ciphertext so that an exact lookup
// (sign-in by email) works without decrypting every row.
package vault

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// prefix marks a sealed value; the key id follows, then the nonce and
// ciphertext in base64: "v1.3.BASE64".
const prefix = "v1."

// ErrUndecryptable means a sealed value could not be opened: an unknown
// key id, a wrong context or a damaged value.
var ErrUndecryptable = errors.New("vault: value cannot be decrypted")

// Keyring holds the keys. It is safe for concurrent use.
type Keyring struct {
	mu      sync.RWMutex
	keys    map[string]cipher.AEAD
	current string
	index   []byte
}

// FileName is the key file's name inside the keys directory.
const FileName = "identity.keys"

// LoadOrCreate reads the keyring from dir/identity.keys, creating it with a
// first key if it does not exist. The file must be readable by its owner
// only; a file others can read is refused.
func LoadOrCreate(dir string) (*Keyring, error) {
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		k := &Keyring{keys: map[string]cipher.AEAD{}}
		var lines []string
		lines = append(lines, "index "+hex.EncodeToString(random(32)))
		lines = append(lines, "key 1 "+hex.EncodeToString(random(32)))
		body := "# pallmall identity keys: keep secret, keep backed up, never in the database.\n" + strings.Join(lines, "\n") + "\n"
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
		if _, err := f.WriteString(body); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		f.Close()
		return k, k.parse([]byte(body))
	}
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	k := &Keyring{keys: map[string]cipher.AEAD{}}
	if err := k.parse(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Ephemeral returns a keyring with random keys that exist only in memory,
// for tests and for tools that never read sealed data back.
func Ephemeral() *Keyring {
	k := &Keyring{keys: map[string]cipher.AEAD{}}
	k.parse([]byte("index " + hex.EncodeToString(random(32)) + "\nkey 1 " + hex.EncodeToString(random(32)) + "\n"))
	return k
}

func (k *Keyring) parse(b []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch {
		case f[0] == "index" && len(f) == 2:
			idx, err := hex.DecodeString(f[1])
			if err != nil || len(idx) != 32 {
				return fmt.Errorf("line %d: index key must be 64 hex digits", line)
			}
			k.index = idx
		case f[0] == "key" && len(f) == 3:
			raw, err := hex.DecodeString(f[2])
			if err != nil || len(raw) != 32 {
				return fmt.Errorf("line %d: key must be 64 hex digits", line)
			}
			if strings.ContainsAny(f[1], ".") {
				return fmt.Errorf("line %d: key id may not contain a dot", line)
			}
			block, _ := aes.NewCipher(raw)
			aead, _ := cipher.NewGCM(block)
			k.keys[f[1]] = aead
			k.current = f[1] // the last key in the file seals
		default:
			return fmt.Errorf("line %d: expected \"index HEX\" or \"key ID HEX\"", line)
		}
	}
	if k.current == "" || k.index == nil {
		return errors.New("needs an index key and at least one key")
	}
	return nil
}

// AddKey appends a new key to dir/identity.keys and makes it the one that
// seals; older keys still open what they sealed. It returns the new id.
func AddKey(dir string) (string, error) {
	path := filepath.Join(dir, FileName)
	k, err := LoadOrCreate(dir)
	if err != nil {
		return "", err
	}
	id := fmt.Sprint(len(k.keys) + 1)
	for k.keys[id] != nil {
		id += "b"
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "key %s %s\n", id, hex.EncodeToString(random(32))); err != nil {
		return "", err
	}
	return id, f.Sync()
}

// Seal encrypts value for a context (such as "users.email") that must be
// given again to open it, so a sealed value cannot be moved to another
// column. The empty string seals to the empty string.
func (k *Keyring) Seal(context, value string) string {
	if value == "" {
		return ""
	}
	k.mu.RLock()
	aead, id := k.keys[k.current], k.current
	k.mu.RUnlock()
	nonce := random(aead.NonceSize())
	out := aead.Seal(nonce, nonce, []byte(value), []byte(context))
	return prefix + id + "." + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a value sealed for context. Returns ErrUndecryptable if it
// cannot.
func (k *Keyring) Open(context, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrUndecryptable
	}
	id, b64, ok := strings.Cut(rest, ".")
	if !ok {
		return "", ErrUndecryptable
	}
	k.mu.RLock()
	aead := k.keys[id]
	k.mu.RUnlock()
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if aead == nil || err != nil || len(raw) < aead.NonceSize() {
		return "", ErrUndecryptable
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context))
	if err != nil {
		return "", ErrUndecryptable
	}
	return string(plain), nil
}

// Current reports whether sealed was sealed with the current key, so a
// rotation knows which rows still need re-sealing.
func (k *Keyring) Current(sealed string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return sealed == "" || strings.HasPrefix(sealed, prefix+k.current+".")
}

// IsSealed reports whether v has the form of a sealed value (not whether
// any key opens it), so that a column being moved to sealed storage can
// tell values written before the move.
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }

// Index returns the blind index of a normalised value for a context: equal
// inputs give equal indexes, and nothing about the value can be learnt
// from it without the index key.
func (k *Keyring) Index(context, value string) string {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(context))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

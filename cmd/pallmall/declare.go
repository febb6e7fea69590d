package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/ledger"
)

func runSignKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("sign keygen", stderr)
	out := fs.String("out", "", "file to write the private key to (created, owner-only; required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"sign keygen needs --out FILE"}
	}
	priv, pub, err := declare.GenerateKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return usageError{*out + " already exists; choose another file (keys are never overwritten)"}
	}
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, priv); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "Private key written to %s (keep it on this computer; anyone holding it can endorse for your organisation).\nRegister this public key on the platform (Frameworks > Your organisation's signing key):\n", *out)
	fmt.Fprintln(stdout, pub)
	return nil
}

// versionDocument is what runSign needs from a framework version.
type versionDocument struct {
	Version        string          `json:"version"`
	Label          string          `json:"label"`
	DocumentSHA256 string          `json:"document_sha256"`
	Document       json.RawMessage `json:"document"`
}

func runSign(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flagSet("sign", stderr)
	keyFile := fset.String("key", "", "the organisation's private key file from 'pallmall sign keygen' (required)")
	framework := fset.String("framework", "", "framework id, e.g. declaration (required)")
	version := fset.String("version", "", "framework version, e.g. 2024 (required)")
	base := fset.String("url", "", "the platform's URL, to fetch the framework's text from its API")
	docFile := fset.String("document", "", "instead of --url, a file holding the API's framework JSON (GET /api/v1/frameworks/ID)")
	withdraw := fset.Bool("withdraw", false, "sign a withdrawal of the endorsement instead")
	if err := parse(fset, args); err != nil {
		return err
	}
	if *keyFile == "" || *framework == "" || *version == "" || (*base == "") == (*docFile == "") {
		return usageError{"sign needs --key, --framework, --version and one of --url or --document"}
	}
	kb, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(*keyFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s can be read by others (mode %04o): run chmod 600 %s", *keyFile, fi.Mode().Perm(), *keyFile)
	}
	key, err := declare.ParsePrivateKey(string(kb))
	if err != nil {
		return fmt.Errorf("%s: %w", *keyFile, err)
	}
	var body []byte
	if *docFile != "" {
		if body, err = os.ReadFile(*docFile); err != nil {
			return err
		}
	} else if body, err = fetchFramework(ctx, *base, *framework); err != nil {
		return err
	}
	var fw struct {
		ID       string            `json:"id"`
		Versions []versionDocument `json:"versions"`
	}
	if err := json.Unmarshal(body, &fw); err != nil {
		return fmt.Errorf("framework %s: not the API's framework JSON: %w", *framework, err)
	}
	var v *versionDocument
	for i := range fw.Versions {
		if fw.Versions[i].Version == *version {
			v = &fw.Versions[i]
		}
	}
	if fw.ID != *framework || v == nil {
		return fmt.Errorf("framework %s has no version %q", *framework, *version)
	}
	// Check the text itself rather than trusting the digest the platform
	// states: the signature commits to the digest we compute here.
	canon, err := ledger.Canonicalize(v.Document)
	if err != nil {
		return fmt.Errorf("framework document: %w", err)
	}
	var doc declare.Document
	if err := json.Unmarshal(canon, &doc); err != nil || doc.Framework != *framework || doc.Version != *version {
		return fmt.Errorf("the document served is not %s version %s", *framework, *version)
	}
	digest := ledger.Digest(canon)
	if digest != v.DocumentSHA256 {
		return fmt.Errorf("the platform states digest %s but the document hashes to %s: not signing", v.DocumentSHA256, digest)
	}
	label := declare.Label(*framework, *version)
	action := declare.ActionEndorse
	if *withdraw {
		action = declare.ActionWithdraw
	}
	fmt.Fprintf(stderr, "Signing the %s of %s:\n  %s\n  SHA-256 %s\nUpload this signature on the platform's endorse (or withdraw) page:\n", action, label, doc.Title.EN, digest)
	fmt.Fprintln(stdout, declare.Sign(key, action, label, digest))
	return nil
}

func fetchFramework(ctx context.Context, base, id string) ([]byte, error) {
	u, err := url.Parse(strings.TrimSuffix(base, "/") + "/api/v1/frameworks/" + url.PathEscape(id))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, usageError{"--url must be the platform's http(s) URL"}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, res.Status)
	}
	return io.ReadAll(io.LimitReader(res.Body, 4<<20))
}

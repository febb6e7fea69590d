package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// addVirtualAuthenticator gives the tab a platform authenticator that
// holds passkeys and verifies the user at once, as Chromium's DevTools
// protocol allows for tests.
func (s *session) addVirtualAuthenticator() {
	s.t.Helper()
	s.do("add a virtual authenticator", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		return err
	}))
}

// waitFor polls until the page's path starts with prefix.
func (s *session) waitFor(prefix string) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.HasPrefix(s.location(), prefix) {
			s.do("page loaded", chromedp.WaitReady(chromedp.CSS("footer")))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	status := get(s, "status", chromedp.Evaluate[string](`(document.getElementById('passkey-status')||{}).textContent || ''`))
	s.t.Fatalf("still at %s, want %s (passkey status %q)", s.location(), prefix, status)
}

func TestBrowserPasskeySignIn(t *testing.T) {
	t.Parallel() // a whole platform of its own: runs beside the other long tests
	// Passkeys need a secure origin, so this site is served as localhost.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	a := &App{PublicURL: fmt.Sprintf("http://localhost:%d", port)}
	a.DB.dataDir = t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	startAppAt(t, a, addr)
	createBrowserAccounts(t, a)
	b := newBrowser(t, a.PublicURL)
	s := b.session()
	s.addVirtualAuthenticator()

	s.signIn("analyst@example.org", browserPassword, "")
	s.do("name the passkey", chromedp.SetValue(chromedp.CSS("#passkey-name"), "Work laptop"))
	s.do("add a passkey", chromedp.Click(chromedp.CSS("#passkey-add")))
	s.waitFor("/account?passkey=added") // the script goes there once the server accepted the passkey
	if table := s.text("main"); !strings.Contains(table, "Work laptop") {
		t.Fatalf("account page does not list the new passkey")
	}
	// Sign out, then back in with the passkey alone.
	s.submit(nil, "form.pm-signout button")
	s.open("/sign-in")
	if hidden := get(s, "passkey block hidden", chromedp.Evaluate[bool](`document.querySelector('[data-passkey-block]').hidden`)); hidden {
		t.Fatal("the passkey sign-in stayed hidden although the browser supports WebAuthn")
	}
	s.do("sign in with the passkey", chromedp.Click(chromedp.CSS("#passkey-sign-in")))
	s.waitFor("/account")
	if got := s.text("#role"); got != "Analyst" {
		t.Errorf("signed in with a passkey, role = %q", got)
	}
}

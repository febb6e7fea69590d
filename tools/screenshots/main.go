// Command screenshots takes screenshots of the platform's key pages at
// desktop and mobile widths, for review: it starts the pallmall binary with
// demo data on a free loopback port, signs in as the demo secretariat where
// a page needs it, and writes PNG files. Run it with `make screenshots`.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pallmall/pallmall/auth"
)

// The key pages: first as the public, then signed in as the secretariat.
var (
	public = []string{"/", "/organisations", "/consultations", "/consultations/1", "/consultations/1/summary", "/frameworks", "/transparency",
		"/register", "/register/stats", "/meetings", "/deliberations", "/accessibility", "/sign-in"}
	signedIn = []string{"/account", "/admin/consultations/1", "/admin/consultations/1/analysis", "/admin/consultations/1/analysis/attachments", "/admin/consultations/1/analysis/campaigns", "/admin/consultations/1/analysis/flags", "/admin/audit", "/admin/users"}
)

func main() {
	bin := flag.String("bin", "bin/pallmall", "the pallmall binary")
	out := flag.String("out", "screenshots", "folder to write the PNG files to")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium binary")
	flag.Parse()
	if err := run(*bin, *out, *chromium); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(bin, out, chromium string) error {
	data, err := os.MkdirTemp("", "pallmall-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	base := fmt.Sprintf("http://localhost:%d", port)
	srv := exec.Command(bin, "serve", "--demo", "--data", data, "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Process.Kill()
	if err := waitReady(base); err != nil {
		return err
	}
	email, password, secret, err := secretariatLogin(filepath.Join(data, "demo-logins.txt"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true))
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		return fmt.Errorf("start Chromium: %w", err)
	}
	shoot := func(path, who string) error {
		for _, width := range []int{1280, 360} {
			err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900), chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("footer")))
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				return err
			}
			name := strings.Trim(strings.NewReplacer("/", "_", "?", "_", "=", "-").Replace(path), "_")
			if name == "" {
				name = "home"
			}
			file := filepath.Join(out, fmt.Sprintf("%s-%s-%d.png", who, name, width))
			if err := os.WriteFile(file, png, 0o644); err != nil {
				return err
			}
			fmt.Println(file)
		}
		return nil
	}
	for _, p := range public {
		if err := shoot(p, "public"); err != nil {
			return err
		}
	}
	code, _ := auth.TOTPCode(secret, time.Now())
	err = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/sign-in"),
		chromedp.SetValue(chromedp.CSS("#email"), email), chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")), chromedp.WaitReady(chromedp.CSS("#code")),
		chromedp.SetValue(chromedp.CSS("#code"), code), chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS("#role")))
	if err != nil {
		return fmt.Errorf("sign in as the demo secretariat: %w", err)
	}
	for _, p := range signedIn {
		if err := shoot(p, "secretariat"); err != nil {
			return err
		}
	}
	return nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the platform did not start at %s", base)
}

func secretariatLogin(path string) (email, password, secret string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 4 && fields[0] == "secretariat" {
			return fields[1], fields[2], fields[3], nil
		}
	}
	return "", "", "", fmt.Errorf("no secretariat login in %s", path)
}

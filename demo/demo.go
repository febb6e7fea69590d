// Package demo loads realistic demonstration content into an empty
// platform: organisations taking part in the Pall Mall Process and an
// account for each role. Each capability adds its own demo content here.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Config is what Load needs.
type Config struct {
	DB        *store.DB
	Auth      *auth.Service
	DataDir   string // the logins file is written here
	PublicURL string
	Out       io.Writer
}

// LoginsFile is the name, in the data directory, of the file that keeps the
// demo logins (owner-only), so they can be found again after a restart.
const LoginsFile = "demo-logins.txt"

var organisations = []auth.Organisation{
	{NameEN: "United Kingdom", NameFR: "Royaume-Uni", Kind: auth.State, Country: "GB"},
	{NameEN: "France", NameFR: "France", Kind: auth.State, Country: "FR"},
	{NameEN: "Ghana", NameFR: "Ghana", Kind: auth.State, Country: "GH"},
	{NameEN: "Japan", NameFR: "Japon", Kind: auth.State, Country: "JP"},
	{NameEN: "Poland", NameFR: "Pologne", Kind: auth.State, Country: "PL"},
	{NameEN: "Ireland", NameFR: "Irlande", Kind: auth.State, Country: "IE"},
	{NameEN: "Côte d'Ivoire", NameFR: "Côte d’Ivoire", Kind: auth.State, Country: "CI"},
	{NameEN: "Switzerland", NameFR: "Suisse", Kind: auth.State, Country: "CH"},
	{NameEN: "Council of Europe", NameFR: "Conseil de l’Europe", Kind: auth.International},
	{NameEN: "Organisation for Economic Co-operation and Development", NameFR: "Organisation de coopération et de développement économiques", Kind: auth.International},
	{NameEN: "Halyard Secure Systems (fictional)", NameFR: "Halyard Secure Systems (fictif)", Kind: auth.Industry},
	{NameEN: "Meridian Platforms (fictional)", NameFR: "Meridian Platforms (fictif)", Kind: auth.Industry},
	{NameEN: "Northlight Threat Research (fictional)", NameFR: "Northlight Threat Research (fictif)", Kind: auth.Industry},
	{NameEN: "Digital Defenders Network (fictional)", NameFR: "Réseau des défenseurs numériques (fictif)", Kind: auth.CivilSociety},
	{NameEN: "Press Freedom Lab (fictional)", NameFR: "Laboratoire pour la liberté de la presse (fictif)", Kind: auth.CivilSociety},
	{NameEN: "Institute for Cyber Policy (fictional)", NameFR: "Institut de politique cyber (fictif)", Kind: auth.Academia},
}

// Login is one demo account's credentials.
type Login struct {
	Email, Name, Password, TOTPSecret string
	Role                              auth.Role
	Org                               string
}

var logins = []Login{
	{Email: "secretariat@pallmall.example", Name: "Sam Okafor", Role: auth.Secretariat},
	{Email: "delegate.uk@pallmall.example", Name: "Harriet Lane", Role: auth.Delegate, Org: "United Kingdom"},
	{Email: "delegate.fr@pallmall.example", Name: "Camille Besson", Role: auth.Delegate, Org: "France"},
	{Email: "delegate.ngo@pallmall.example", Name: "Amara Mensah", Role: auth.Delegate, Org: "Digital Defenders Network (fictional)"},
	{Email: "analyst@pallmall.example", Name: "Jonas Weber", Role: auth.Analyst},
	{Email: "partner@pallmall.example", Name: "Élise Marchand", Role: auth.Partner},
}

// Load fills an empty platform with demo content once; on later starts it
// only says where the logins are.
func Load(ctx context.Context, c Config) error {
	var done string
	err := c.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'demo_loaded'`).Scan(&done)
	if err == nil {
		fmt.Fprintf(c.Out, "Demo data already loaded; the demo logins are in %s\n", filepath.Join(c.DataDir, LoginsFile))
		return nil
	}
	if !errors.Is(err, pallmall.ErrNotFound) {
		return err
	}
	byName := map[string]int64{}
	for _, o := range organisations {
		created, err := c.Auth.CreateOrganisation(ctx, auth.System, o)
		if err != nil {
			return fmt.Errorf("organisation %s: %w", o.NameEN, err)
		}
		byName[o.NameEN] = created.ID
	}
	var out []Login
	for _, l := range logins {
		u, _, err := c.Auth.CreateUser(ctx, auth.System, auth.NewUser{
			Email: l.Email, Name: l.Name, Role: l.Role, OrganisationID: byName[l.Org], SigningAuthority: l.Role == auth.Delegate,
		}, time.Hour)
		if err != nil {
			return fmt.Errorf("user %s: %w", l.Email, err)
		}
		l.Password = password()
		if err := c.Auth.SetPasswordDirect(ctx, auth.System, u.ID, l.Password); err != nil {
			return err
		}
		if l.Role.RequiresTwoFactor() {
			l.TOTPSecret = auth.NewTOTPSecret()
			if err := c.Auth.SetTOTP(ctx, auth.System, u.ID, l.TOTPSecret, ""); err != nil {
				return err
			}
		}
		out = append(out, l)
	}
	if err := loadDeclare(ctx, c, byName); err != nil {
		return fmt.Errorf("declare demo: %w", err)
	}
	// Meetings (issue 7): after declare, whose endorsements they link.
	if err := loadMeetings(ctx, c, byName); err != nil {
		return fmt.Errorf("meetings demo: %w", err)
	}
	// Market oversight register (issue 6): wholly fictional firms and cases.
	if err := loadRegister(ctx, c, byName); err != nil {
		return fmt.Errorf("register demo: %w", err)
	}
	// Consultations (issue 3): the good-practice consultation with
	// generated responses.
	if err := loadConsult(ctx, c, byName); err != nil {
		return fmt.Errorf("consultation demo: %w", err)
	}
	// Deliberations (issue 5): one deliberation with generated voters,
	// part of the consultation.
	if err := loadDeliberate(ctx, c); err != nil {
		return fmt.Errorf("deliberation demo: %w", err)
	}

	if _, err := c.DB.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('demo_loaded', $1)`, store.Now().Format(time.RFC3339)); err != nil {
		return err
	}
	var b strings.Builder
	writeLogins(&b, c.PublicURL, out)
	path := filepath.Join(c.DataDir, LoginsFile)
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	fmt.Fprint(c.Out, b.String())
	fmt.Fprintf(c.Out, "(Also saved, readable only by you, in %s)\n", path)
	return nil
}

func writeLogins(w io.Writer, publicURL string, ls []Login) {
	fmt.Fprintf(w, "Demo logins for %s/sign-in (demo data only: never use --demo in production)\n", publicURL)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tEMAIL\tPASSWORD\tTOTP SECRET\tORGANISATION")
	for _, l := range ls {
		secret := "-"
		if l.TOTPSecret != "" {
			secret = l.TOTPSecret
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Role, l.Email, l.Password, secret, l.Org)
	}
	tw.Flush()
	fmt.Fprintln(w, "Add the TOTP secret to any authenticator app to get the secretariat's 6-digit codes.")
}

// password returns a random, readable 20-character password.
func password() string {
	b := make([]byte, 10)
	rand.Read(b)
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

func runUserCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("user create", stderr)
	var d dbFlags
	d.register(fs)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "", "role: secretariat, delegate, analyst or partner (required)")
	org := fs.String("org", "", "organisation name (English or French), required for delegates")
	signing := fs.Bool("signing-authority", false, "delegate may endorse frameworks for the organisation")
	publicURL := fs.String("public-url", "http://localhost:8080", "URL the platform is reached at, for the link")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, done, err := d.accounts(ctx)
	if err != nil {
		return err
	}
	defer done()
	n := auth.NewUser{Email: *email, Name: *name, Role: auth.Role(*role), SigningAuthority: *signing}
	if *org != "" {
		o, err := svc.OrganisationByName(ctx, *org)
		if errors.Is(err, pallmall.ErrNotFound) {
			return usageError{fmt.Sprintf("no organisation named %q", *org)}
		}
		if err != nil {
			return err
		}
		n.OrganisationID = o.ID
	}
	u, token, err := svc.CreateUser(ctx, auth.System, n, 72*time.Hour)
	var v *pallmall.ValidationError
	if errors.As(err, &v) {
		return usageError{describeValidation(v)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created %s account %d for %s.\nSet-password link (one use, 72 hours; send it through a channel you trust):\n%s/account/set-password/%s\n",
		u.Role, u.ID, u.Email, *publicURL, token)
	if u.Role.RequiresTwoFactor() {
		fmt.Fprintln(stdout, "This role must set up an authenticator app at first sign-in.")
	}
	return nil
}

// describeValidation turns message keys into a line for the terminal.
func describeValidation(v *pallmall.ValidationError) string {
	return "invalid input: " + v.Error()[len("invalid input: "):]
}

func runUserList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("user list", stderr)
	var d dbFlags
	d.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, done, err := d.accounts(ctx)
	if err != nil {
		return err
	}
	defer done()
	users, err := svc.Users(ctx, auth.System, 0)
	if err != nil {
		return err
	}
	orgs, err := svc.Organisations(ctx, "", 0, 0)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range orgs {
		names[o.ID] = o.NameEN
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tORGANISATION\t2FA\tDISABLED")
	for _, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, names[u.OrganisationID], yesNo(u.TwoFactor), yesNo(u.Disabled))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func runTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("token create", stderr)
	var d dbFlags
	d.register(fs)
	email := fs.String("email", "", "email of the account the token acts as (required)")
	name := fs.String("name", "command line", "a name to recognise the token by")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"--email is required"}
	}
	svc, done, err := d.accounts(ctx)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UserByEmail(ctx, *email)
	if errors.Is(err, pallmall.ErrNotFound) {
		return usageError{fmt.Sprintf("no account with email %q", *email)}
	}
	if err != nil {
		return err
	}
	tok, err := svc.CreateAPIToken(ctx, auth.System, u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	fmt.Fprintln(stderr, "This token is shown once; only its hash is stored. Use it as: Authorization: Bearer TOKEN")
	return nil
}

// accounts opens the database with the identity keys, for the commands
// that read or write accounts; done closes it.
func (d *dbFlags) accounts(ctx context.Context) (svc *auth.Service, done func() error, err error) {
	db, err := d.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	keys, err := d.keys()
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return &auth.Service{DB: db, Keys: keys}, db.Close, nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// runMeetingsSendMail delivers the meetings' email outbox, and the
// consultations' resume links, through an SMTP server, once or every
// --every. Without --smtp-addr nothing is sent: the
// messages stay in the outbox, where the secretariat reads them at
// /admin/outbox (the development and test set-up).
func runMeetingsSendMail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("meetings send-mail", stderr)
	var d dbFlags
	d.register(fs)
	addr := fs.String("smtp-addr", "", "SMTP server host:port (required), such as smtp.example.org:587")
	from := fs.String("smtp-from", "", "sender address (required), such as meetings@pallmall.example")
	user := fs.String("smtp-user", "", "SMTP user name, if the server wants one (sent only over TLS)")
	pass := fs.String("smtp-password", "", "SMTP password; prefer the environment variable to the flag")
	every := fs.Duration("every", 0, "keep running and deliver at this interval, such as 1m; 0 delivers once and stops")
	limit := fs.Int("limit", 100, "most messages to send per round")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *addr == "" || *from == "" {
		return usageError{"--smtp-addr and --smtp-from are required (or PALLMALL_SMTP_ADDR and PALLMALL_SMTP_FROM)"}
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := d.keys()
	if err != nil {
		return err
	}
	mailer := meet.SMTPMailer{Addr: *addr, From: *from, Username: *user, Password: *pass}
	owner := store.NewLeaseOwner()
	for {
		n, links, held, err := deliverMail(ctx, db, keys, mailer, *limit, owner)
		if err != nil {
			return err
		}
		if held {
			fmt.Fprintf(stdout, "%s sent %d message(s) and %d resume link(s)\n", time.Now().UTC().Format(time.RFC3339), n, links)
		} else {
			fmt.Fprintf(stdout, "%s another process is sending the emails; nothing sent\n", time.Now().UTC().Format(time.RFC3339))
		}
		if *every <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}

// mailLease is how long one round of email delivery holds its lease.
const mailLease = 5 * time.Minute

// deliverMail sends what waits in the meetings' outbox and the resume-link
// outbox, under the "mail" lease, so that of several servers (and a
// `meetings send-mail` run) only one sends at a time and nothing goes
// twice. held is false when another process holds the lease.
func deliverMail(ctx context.Context, db *store.DB, keys *vault.Keyring, mailer meet.Mailer, limit int, owner string) (messages, links int, held bool, err error) {
	held, err = db.TryLease(ctx, "mail", owner, mailLease)
	if err != nil || !held {
		return 0, 0, held, err
	}
	defer db.ReleaseLease(context.WithoutCancel(ctx), "mail", owner)
	if messages, err = meet.DeliverOutbox(ctx, db, keys, mailer, limit); err != nil {
		return messages, 0, true, err
	}
	// The consultations' resume links go through the same sender.
	links, err = consult.DeliverMail(ctx, db, keys, mailer, limit)
	return messages, links, true, err
}

// sweepMail delivers waiting emails every MailEvery until ctx ends.
func (a *App) sweepMail(ctx context.Context) {
	owner := store.NewLeaseOwner()
	every := a.MailEvery
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, links, _, err := deliverMail(ctx, a.db, a.auth.Keys, a.Mail, 100, owner)
		switch {
		case err != nil && ctx.Err() == nil:
			a.Logger.Warn("email delivery", "error", err.Error())
		case n+links > 0:
			a.Logger.Info("emails delivered", "messages", n, "resume_links", links)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/meet"
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
	for {
		n, err := meet.DeliverOutbox(ctx, db, keys, mailer, *limit)
		if err != nil {
			return err
		}
		// The consultations' resume links go through the same sender.
		links, err := consult.DeliverMail(ctx, db, keys, mailer, *limit)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s sent %d message(s) and %d resume link(s)\n", time.Now().UTC().Format(time.RFC3339), n, links)
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

package meet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// Mailer delivers one email.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// SMTPMailer sends email through an SMTP server, with STARTTLS when the
// server offers it. Credentials, when set, are only sent over TLS or to
// localhost (net/smtp refuses otherwise).
type SMTPMailer struct {
	Addr     string // host:port
	From     string // the sender address, like meetings@pallmall.example
	Username string
	Password string
}

// Send delivers m.
func (s SMTPMailer) Send(ctx context.Context, m Message) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp address %q: %w", s.Addr, err)
	}
	var a smtp.Auth
	if s.Username != "" {
		a = smtp.PlainAuth("", s.Username, s.Password, host)
	}
	msg, err := FormatEmail(s.From, m)
	if err != nil {
		return err
	}
	return smtp.SendMail(s.Addr, a, s.From, []string{m.ToAddress}, msg)
}

// FormatEmail writes m as an RFC 5322 message in UTF-8, its body quoted-printable.
func FormatEmail(from string, m Message) ([]byte, error) {
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("sender address %q: %w", from, err)
	}
	to := mail.Address{Name: m.ToName, Address: m.ToAddress}
	domain := "pallmall.invalid"
	if i := strings.LastIndex(from, "@"); i >= 0 {
		domain = strings.Trim(from[i+1:], "> ")
	}
	id := make([]byte, 12)
	rand.Read(id)
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", (&mail.Address{Name: "Pall Mall Process", Address: from}).String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", m.CreatedAt.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", `text/plain; charset="utf-8"`)
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DeliverOutbox sends up to limit waiting emails, oldest first, with
// mailer, marking each sent or recording the error. It gives up on a
// message after five attempts. It returns how many it sent; a failure to
// send one does not stop the others. Run one sender at a time: two at once
// could both send a message. keys opens the sealed recipients and bodies:
// the same keys the platform sealed them with.
func DeliverOutbox(ctx context.Context, db *store.DB, keys *vault.Keyring, mailer Mailer, limit int) (sent int, err error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.Query(ctx, `SELECT `+messageColumns+` FROM meeting_outbox WHERE sent_at IS NULL AND attempts < 5 ORDER BY id LIMIT $1`, limit)
	msgs, err := store.ScanAll(rows, err, scanMessageRows)
	msgs, err = openMessages(keys, msgs, err)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		if serr := mailer.Send(ctx, m); serr != nil {
			msg := serr.Error()
			if len(msg) > 500 {
				msg = msg[:500]
			}
			if _, err := db.Exec(ctx, `UPDATE meeting_outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2`, msg, m.ID); err != nil {
				return sent, err
			}
			continue
		}
		if _, err := db.Exec(ctx, `UPDATE meeting_outbox SET attempts = attempts + 1, sent_at = $1, last_error = '' WHERE id = $2`, store.Now(), m.ID); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

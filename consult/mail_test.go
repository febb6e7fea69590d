package consult_test

import (
	"context"
	"errors"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/meet/smtptest"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

type failingMailer struct{ n int }

func (f *failingMailer) Send(ctx context.Context, m meet.Message) error {
	f.n++
	return errors.New("550 <" + m.ToAddress + ">: mailbox unavailable")
}

func outboxRows(t *testing.T, db *store.DB) (n int, text string) {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT to_address, subject, body, last_error FROM consult_mail_outbox`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var a, s, body, e string
		if err := rows.Scan(&a, &s, &body, &e); err != nil {
			t.Fatal(err)
		}
		n++
		b.WriteString(a + s + body + e)
	}
	return n, b.String()
}

func TestResumeLinkEmailedThroughSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.svc.Keys = vault.Ephemeral()
		_, token, err := f.svc.Start(ctx, f.c.ID, civil())
		if err != nil {
			t.Fatal(err)
		}
		link := "https://pallmall.example/consultations/1/resume/" + token
		if err := f.svc.EmailResumeLink(ctx, f.c.ID, token, "not an address", "en", link); fieldErrors(err)["email"] != "error.email" {
			t.Errorf("EmailResumeLink(bad address) = %v, want an email error", err)
		}
		if err := f.svc.EmailResumeLink(ctx, f.c.ID, "wrong-token", "me@example.org", "en", link); err == nil {
			t.Errorf("EmailResumeLink with a wrong token succeeded")
		}
		if err := f.svc.EmailResumeLink(ctx, f.c.ID, token, " me@example.org ", "fr", link); err != nil {
			t.Fatal(err)
		}
		// Queued sealed: neither the address nor the token in clear.
		n, text := outboxRows(t, db)
		if n != 1 || strings.Contains(text, "me@example.org") || strings.Contains(text, token) {
			t.Fatalf("outbox = %d rows %q; want one, sealed", n, text)
		}
		for range consult.MaxResumeEmails - 1 {
			if err := f.svc.EmailResumeLink(ctx, f.c.ID, token, "me@example.org", "en", link); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.svc.EmailResumeLink(ctx, f.c.ID, token, "someone.else@example.org", "en", link); fieldErrors(err)["email"] != "consult.error.email_limit" {
			t.Errorf("EmailResumeLink beyond the limit = %v, want consult.error.email_limit", err)
		}

		sink := smtptest.Start(t)
		sent, err := consult.DeliverMail(ctx, db, f.svc.Keys, meet.SMTPMailer{Addr: sink.Addr, From: "consultations@pallmall.example"}, 0)
		if err != nil || sent != consult.MaxResumeEmails {
			t.Fatalf("DeliverMail = %d, %v; want %d sent", sent, err, consult.MaxResumeEmails)
		}
		rcpt, data := sink.Recipients(), sink.Messages()
		if len(rcpt) != 3 || rcpt[0] != "me@example.org" || len(data) != 3 {
			t.Fatalf("SMTP server got recipients %v and %d messages", rcpt, len(data))
		}
		msg, err := mail.ReadMessage(strings.NewReader(data[0]))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if !strings.Contains(string(body), link) || !strings.Contains(string(body), "Bonnes pratiques") || !strings.Contains(msg.Header.Get("Subject"), "=?utf-8?") {
			t.Errorf("first email (French) = %q, %q; want the link and the French title", msg.Header.Get("Subject"), body)
		}
		// Sent: nothing of the address is left.
		if n, _ := outboxRows(t, db); n != 0 {
			t.Errorf("outbox after sending has %d rows, want none", n)
		}
		if again, err := consult.DeliverMail(ctx, db, f.svc.Keys, meet.SMTPMailer{Addr: sink.Addr, From: "consultations@pallmall.example"}, 0); err != nil || again != 0 {
			t.Errorf("DeliverMail again = %d, %v; want nothing to send", again, err)
		}
	})
}

func TestResumeEmailFailuresForgetTheAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.svc.Keys = vault.Ephemeral()
		_, token, _ := f.svc.Start(ctx, f.c.ID, civil())
		if err := f.svc.EmailResumeLink(ctx, f.c.ID, token, "gone@example.org", "en", "https://x.example/r/"+token); err != nil {
			t.Fatal(err)
		}
		failing := &failingMailer{}
		for i := 1; i <= 5; i++ {
			if sent, err := consult.DeliverMail(ctx, db, f.svc.Keys, failing, 0); err != nil || sent != 0 {
				t.Fatalf("DeliverMail with a failing server = %d, %v", sent, err)
			}
			n, text := outboxRows(t, db)
			if i < 5 && (n != 1 || strings.Contains(text, "gone@example.org") || !strings.Contains(text, "[address]")) {
				t.Errorf("after failure %d: %d rows, %q; want the row kept, the error without the address", i, n, text)
			}
			if i == 5 && n != 0 {
				t.Errorf("after five failures the row is kept")
			}
		}
		if failing.n != 5 {
			t.Errorf("attempts = %d, want 5", failing.n)
		}
		// Withdrawing drops a waiting email with the response.
		token = f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "x"}}, false, consult.PublishNone)
		if err := f.svc.EmailResumeLink(ctx, f.c.ID, token, "gone@example.org", "en", "https://x.example/r/"+token); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Withdraw(ctx, f.c.ID, token); err != nil {
			t.Fatal(err)
		}
		if n, _ := outboxRows(t, db); n != 0 {
			t.Errorf("outbox after withdrawal has %d rows, want none", n)
		}
	})
}

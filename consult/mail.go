package consult

import (
	"context"
	"database/sql"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// MaxResumeEmails is how many times one response may have its resume link
// emailed, so that the form cannot be used to send mail to anyone.
const MaxResumeEmails = 3

// Contexts for sealing the resume-link outbox.
const (
	sealMailAddress = "consult_mail_outbox.to_address"
	sealMailBody    = "consult_mail_outbox.body"
)

// resumeTexts holds the resume email's subject and body in English and
// French: %[1]s is the consultation's title, %[2]s the response's
// reference, %[3]s the link.
var resumeTexts = map[string][2]string{
	"en": {"Your link to come back to the consultation",
		"You asked for the private link to your response to “%[1]s” (reference %[2]s).\n\n" +
			"Open it to come back to your answers until the consultation closes, and after it closes to withdraw your response:\n\n%[3]s\n\n" +
			"Anyone with this link can read and change your response: do not forward this email, and delete it if you share this mailbox. " +
			"If you did not ask for it, ignore it.\n\nWe have not kept your email address.\n\nPall Mall Process"},
	"fr": {"Votre lien pour revenir à la consultation",
		"Vous avez demandé le lien privé vers votre réponse à « %[1]s » (référence %[2]s).\n\n" +
			"Ouvrez-le pour revenir à vos réponses jusqu’à la clôture de la consultation, et après la clôture pour retirer votre réponse :\n\n%[3]s\n\n" +
			"Toute personne qui a ce lien peut lire et modifier votre réponse : ne transférez pas ce message, et supprimez-le si vous partagez cette boîte. " +
			"Si vous ne l’avez pas demandé, ignorez-le.\n\nNous n’avons pas conservé votre adresse électronique.\n\nProcessus de Pall Mall"},
}

// EmailResumeLink queues an email to address with the response's resume
// link, in lang ("en" or "fr"). link is the full resume URL, built by the
// caller from the token. The address and the body (which holds the link)
// are sealed, and the row is deleted once sent (see DeliverMail): the
// address is stored nowhere else. Returns a ValidationError on "email"
// for an invalid address or when MaxResumeEmails were already asked for,
// ErrNotFound for an unknown token, ErrClosed once the consultation
// closed.
func (s *Service) EmailResumeLink(ctx context.Context, consultationID int64, token, address, lang, link string) error {
	address = strings.TrimSpace(address)
	var v pallmall.ValidationError
	if addr, err := mail.ParseAddress(address); address == "" || err != nil || addr.Address != address || len(address) > 254 {
		v.Add("email", "error.email")
		return &v
	}
	texts, ok := resumeTexts[lang]
	if !ok {
		texts = resumeTexts["en"]
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, r, err := s.editable(ctx, tx, consultationID, token, true)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE consult_responses SET resume_emails = resume_emails + 1 WHERE id = $1 AND resume_emails < $2`, r.ID, MaxResumeEmails)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			v.Add("email", "consult.error.email_limit")
			return &v
		}
		body := fmt.Sprintf(texts[1], c.Title(lang), r.Reference, link)
		k := s.keys()
		_, err = tx.Exec(ctx, `INSERT INTO consult_mail_outbox (response_id, to_address, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)`,
			r.ID, k.Seal(sealMailAddress, address), texts[0], k.Seal(sealMailBody, body), s.now())
		return err
	})
}

type outboxMail struct {
	id        int64
	createdAt time.Time
	to, body  string
	subject   string
	attempts  int
}

// DeliverMail sends up to limit waiting resume emails, oldest first, with
// mailer (meet's SMTP sender). A sent email's row is deleted; a failed
// one is tried again on later runs, its error kept without the address,
// and deleted after five attempts, so no address outlives its email. keys
// opens the sealed addresses and bodies. Run one sender at a time. It
// returns how many it sent.
func DeliverMail(ctx context.Context, db *store.DB, keys *vault.Keyring, mailer meet.Mailer, limit int) (sent int, err error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.Query(ctx, `SELECT id, created_at, to_address, subject, body, attempts FROM consult_mail_outbox ORDER BY id LIMIT $1`, limit)
	mails, err := store.ScanAll(rows, err, func(r *sql.Rows) (outboxMail, error) {
		var m outboxMail
		err := r.Scan(&m.id, &m.createdAt, &m.to, &m.subject, &m.body, &m.attempts)
		return m, err
	})
	if err != nil {
		return 0, err
	}
	for _, m := range mails {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		to, err1 := keys.Open(sealMailAddress, m.to)
		body, err2 := keys.Open(sealMailBody, m.body)
		if err1 != nil || err2 != nil {
			return sent, fmt.Errorf("resume email %d: %w", m.id, vault.ErrUndecryptable)
		}
		serr := mailer.Send(ctx, meet.Message{ID: m.id, CreatedAt: m.createdAt.UTC(), ToAddress: to, Subject: m.subject, Body: body})
		if serr == nil || m.attempts+1 >= 5 {
			if _, err := db.Exec(ctx, `DELETE FROM consult_mail_outbox WHERE id = $1`, m.id); err != nil {
				return sent, err
			}
			if serr == nil {
				sent++
			}
			continue
		}
		msg := strings.ReplaceAll(serr.Error(), to, "[address]")
		if len(msg) > 500 {
			msg = msg[:500]
		}
		if _, err := db.Exec(ctx, `UPDATE consult_mail_outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2`, msg, m.id); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// ResealMail seals the waiting resume emails again with keys' current key,
// for a key rotation. It returns how many it re-sealed.
func ResealMail(ctx context.Context, db *store.DB, keys *vault.Keyring) (int, error) {
	rows, err := db.Query(ctx, `SELECT id, to_address, body FROM consult_mail_outbox ORDER BY id`)
	mails, err := store.ScanAll(rows, err, func(r *sql.Rows) (outboxMail, error) {
		var m outboxMail
		err := r.Scan(&m.id, &m.to, &m.body)
		return m, err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range mails {
		if keys.Current(m.to) && keys.Current(m.body) {
			continue
		}
		to, err1 := keys.Open(sealMailAddress, m.to)
		body, err2 := keys.Open(sealMailBody, m.body)
		if err1 != nil || err2 != nil {
			return n, fmt.Errorf("resume email %d: %w", m.id, vault.ErrUndecryptable)
		}
		res, err := db.Exec(ctx, `UPDATE consult_mail_outbox SET to_address = $1, body = $2 WHERE id = $3 AND to_address = $4`,
			keys.Seal(sealMailAddress, to), keys.Seal(sealMailBody, body), m.id, m.to)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
		}
	}
	return n, nil
}

package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/meet/smtptest"
)

// With --smtp-addr, serve delivers a resume link a respondent asked for by
// email on its own, and one process at a time sends (the "mail" lease).
func TestServeDeliversWaitingEmails(t *testing.T) {
	srv := smtptest.Start(t)
	a := &App{Demo: true, Mail: meet.SMTPMailer{Addr: srv.Addr, From: "consultations@pallmall.example"}, MailEvery: 100 * time.Millisecond}
	a.DB.dataDir = t.TempDir()
	startApp(t, a)
	ctx := context.Background()

	// Another sender holds the lease: this round sends nothing. serve's
	// own rounds (every 100 ms) hold it while they run, so wait for one
	// to end.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		held, err := a.db.TryLease(ctx, "mail", "someone-else", time.Minute)
		if err != nil {
			t.Fatalf("take the mail lease: %v", err)
		}
		if held {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve held the mail lease for 15 s")
		}
	}
	svc := &consult.Service{DB: a.db, Keys: a.auth.Keys}
	var id int64
	if err := a.db.QueryRow(ctx, `SELECT min(id) FROM consultations WHERE status = 'open'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	_, token, err := svc.Start(ctx, id, consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.EmailResumeLink(ctx, id, token, "ada@example.org", "en", a.URL()+"/consultations/1/resume/"+token); err != nil {
		t.Fatal(err)
	}
	n, links, held, err := deliverMail(ctx, a.db, a.auth.Keys, a.Mail, 100, "me")
	if err != nil || held || n+links != 0 {
		t.Fatalf("deliverMail while another holds the lease = %d, %d, %v, %v; want nothing sent", n, links, held, err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := srv.Recipients(); len(got) != 0 {
		t.Fatalf("sent to %v while another process held the lease", got)
	}
	if err := a.db.ReleaseLease(ctx, "mail", "someone-else"); err != nil {
		t.Fatal(err)
	}
	// Released: serve's own round sends it within a few rounds.
	deadline := time.Now().Add(15 * time.Second)
	for !slices.Contains(srv.Recipients(), "ada@example.org") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not deliver the resume link; the SMTP server got %v", srv.Recipients())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var waiting int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM consult_mail_outbox`).Scan(&waiting); err != nil || waiting != 0 {
		t.Errorf("resume-link outbox after delivery holds %d rows (%v), want none", waiting, err)
	}
}

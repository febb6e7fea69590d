package meet_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/meet/smtptest"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
	"github.com/pallmall/pallmall/vault"
)

type failingMailer struct{}

func (failingMailer) Send(context.Context, meet.Message) error {
	return errors.New("connection refused")
}

func TestDeliverOutboxOverSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.create(t, f.meeting())
		for _, o := range f.orgs[:2] {
			if err := f.svc.Invite(ctx, f.secretariat, m.ID, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		// A failing server leaves the messages waiting, with the error.
		if n, err := meet.DeliverOutbox(ctx, db, f.svc.Keys, failingMailer{}, 10); n != 0 || err != nil {
			t.Fatalf("DeliverOutbox(failing) = %d, %v; want 0, nil", n, err)
		}
		msgs, _ := f.svc.Outbox(ctx, f.secretariat, 0, 10)
		if len(msgs) != 2 || msgs[0].Attempts != 1 || msgs[0].LastError == "" || !msgs[0].SentAt.IsZero() {
			t.Fatalf("outbox after a failure = %+v, want 2 waiting with the error", msgs)
		}

		srv := smtptest.Start(t)
		n, err := meet.DeliverOutbox(ctx, db, f.svc.Keys, meet.SMTPMailer{Addr: srv.Addr, From: "meetings@pallmall.example"}, 10)
		if err != nil || n != 2 {
			t.Fatalf("DeliverOutbox = %d, %v; want 2, nil", n, err)
		}
		if n, _ := meet.DeliverOutbox(ctx, db, f.svc.Keys, meet.SMTPMailer{Addr: srv.Addr, From: "meetings@pallmall.example"}, 10); n != 0 {
			t.Errorf("DeliverOutbox again sent %d, want 0", n)
		}
		got, rcpt := srv.Messages(), srv.Recipients()
		if len(got) != 2 || rcpt[0] != "da@example.org" {
			t.Fatalf("server got %d messages for %v, want 2 starting with da@example.org", len(got), rcpt)
		}
		msg, err := mail.ReadMessage(strings.NewReader(got[0]))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subject != "[Pall Mall] Invitation: Intermediary meeting / Invitation : Réunion intermédiaire" {
			t.Errorf("Subject = %q, %v", subject, err)
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		for _, want := range []string{
			"Dear Delegate Ruritania",
			"Wednesday 10 June 2026, 09:00 BST", // 08:00 UTC on the venue's clock
			"https://pallmall.example/meetings/",
			"Votre organisation est invitée à Réunion intermédiaire",
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("body lacks %q:\n%s", want, body)
			}
		}
		msgs, _ = f.svc.Outbox(ctx, f.secretariat, 0, 10)
		if msgs[0].SentAt.IsZero() || msgs[0].LastError != "" {
			t.Errorf("outbox after sending = %+v, want sent", msgs[0])
		}
	})
}

func TestParticipantsCSV(t *testing.T) {
	regs := []meet.Registration{
		{OrganisationID: 1, Status: meet.Confirmed, Rank: 1, Interpretation: meet.IntoFrench, Participants: []meet.Participant{
			{Name: "Ana", Head: true, Dietary: "vegetarian"}, {Name: "=HYPERLINK(\"x\")", AccessNeeds: "wheelchair"}}},
		{OrganisationID: 2, Status: meet.Cancelled, Participants: []meet.Participant{{Name: "Gone", Head: true}}},
	}
	var buf bytes.Buffer
	if err := meet.WriteParticipantsCSV(&buf, regs, func(id int64) string { return map[int64]string{1: "Ruritania"}[id] }); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"organisation", "status", "rank", "name", "job_title", "head_of_delegation", "interpretation", "dietary", "access_needs"},
		{"Ruritania", "confirmed", "1", "Ana", "", "yes", "fr", "vegetarian", ""},
		{"Ruritania", "confirmed", "1", "'=HYPERLINK(\"x\")", "", "no", "fr", "", "wheelchair"},
	}
	if len(rows) != len(want) {
		t.Fatalf("CSV has %d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %v, want %v", i, rows[i], want[i])
		}
	}
	var x bytes.Buffer
	if err := meet.WriteParticipantsXLSX(&x, regs, func(int64) string { return "Ruritania" }); err != nil || !bytes.HasPrefix(x.Bytes(), []byte("PK")) {
		t.Errorf("WriteParticipantsXLSX = %d bytes, %v; want a zip file", x.Len(), err)
	}
}

func TestOutboxIsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		dir := f.keysDir
		_, _, err := f.auth.CreateUser(ctx, auth.System, auth.NewUser{Email: "marker.delegate@example.net", Name: "Marker Delegate", Role: auth.Delegate, OrganisationID: f.orgs[2].ID}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		m := f.create(t, f.meeting())
		if err := f.svc.Invite(ctx, f.secretariat, m.ID, f.orgs[2].ID); err != nil {
			t.Fatal(err)
		}
		// An email written before the outbox was sealed, in clear.
		if _, err := db.Exec(ctx, `INSERT INTO meeting_outbox (created_at, meeting_id, event, to_address, to_name, subject, body) VALUES ($1, $2, 'invited', 'legacy.clear@example.net', 'Legacy Clear', 'Old', 'Dear Legacy Clear')`,
			store.Now(), m.ID); err != nil {
			t.Fatal(err)
		}
		dump := storetest.Dump(t, db)
		for _, clear := range []string{"marker.delegate@example.net", "Marker Delegate"} {
			if strings.Contains(dump, clear) {
				t.Errorf("the database holds %q in clear", clear)
			}
		}
		// The secretariat's outbox and the sender open them.
		msgs, err := f.svc.Outbox(ctx, f.secretariat, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range msgs {
			got = append(got, m.ToAddress)
			if m.ToAddress == "marker.delegate@example.net" && !strings.Contains(m.Body, "Dear Marker Delegate") {
				t.Errorf("opened body = %q, want the greeting", m.Body)
			}
		}
		if !slices.Contains(got, "marker.delegate@example.net") || !slices.Contains(got, "legacy.clear@example.net") {
			t.Errorf("Outbox recipients = %v, want the sealed and the legacy one opened", got)
		}

		// keys rotate: a new key re-seals every message, the legacy one too.
		if _, err := vault.AddKey(dir); err != nil {
			t.Fatal(err)
		}
		rotated, err := vault.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		n, err := meet.ResealOutbox(ctx, db, rotated)
		if err != nil || n != len(msgs) {
			t.Fatalf("ResealOutbox = %d, %v; want %d", n, err, len(msgs))
		}
		if n, err := meet.ResealOutbox(ctx, db, rotated); err != nil || n != 0 {
			t.Errorf("ResealOutbox again = %d, %v; want 0", n, err)
		}
		dump = storetest.Dump(t, db)
		for _, clear := range []string{"marker.delegate@example.net", "Marker Delegate", "legacy.clear@example.net", "Legacy Clear"} {
			if strings.Contains(dump, clear) {
				t.Errorf("after rotation the database holds %q in clear", clear)
			}
		}
		srv := smtptest.Start(t)
		if n, err := meet.DeliverOutbox(ctx, db, rotated, meet.SMTPMailer{Addr: srv.Addr, From: "meetings@pallmall.example"}, 10); err != nil || n != len(msgs) {
			t.Fatalf("DeliverOutbox after rotation = %d, %v; want %d", n, err, len(msgs))
		}
		if rcpt := srv.Recipients(); !slices.Contains(rcpt, "marker.delegate@example.net") || !slices.Contains(rcpt, "legacy.clear@example.net") {
			t.Errorf("the sender delivered to %v, want both recipients", rcpt)
		}
	})
}

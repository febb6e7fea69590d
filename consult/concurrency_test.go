package consult_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestConcurrentSubmitsOfOneDraft submits the same draft from many
// requests at once (tabs, retries, a script): one response, one receipt,
// one transparency-log entry, whichever database.
func TestConcurrentSubmitsOfOneDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, token, err := f.svc.Start(ctx, f.c.ID, civil())
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, map[int64]consult.Answer{f.q["short"].ID: {Text: "Once"}}, true); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetConsent(ctx, f.c.ID, token, "en", no(), no(), consult.PublishNone); err != nil {
			t.Fatal(err)
		}
		const n = 24
		var wg sync.WaitGroup
		receipts := make([]consult.Receipt, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				receipts[i], errs[i] = f.svc.Submit(ctx, f.c.ID, token)
			}()
		}
		wg.Wait()
		commitment := ""
		for i := range n {
			switch {
			case errors.Is(errs[i], pallmall.ErrConflict):
				// lost the race inside the transaction; nothing stored
			case errs[i] != nil:
				t.Fatalf("Submit %d: %v", i, errs[i])
			case commitment == "":
				commitment = receipts[i].Commitment
			case receipts[i].Commitment != commitment:
				t.Errorf("Submit %d gave commitment %s, another %s", i, receipts[i].Commitment, commitment)
			}
		}
		if commitment == "" {
			t.Fatal("no Submit succeeded")
		}
		var responses, entries int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE consultation_id = $1 AND status = 'submitted'`, f.c.ID).Scan(&responses); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM ledger_outbox WHERE entry LIKE $1`, "%"+commitment+"%").Scan(&entries); err != nil {
			t.Fatal(err)
		}
		var all int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM ledger_outbox WHERE entry LIKE '%consultation-receipt%'`).Scan(&all)
		if responses != 1 || entries != 1 || all != 1 {
			t.Errorf("after %d concurrent submits: %d submitted responses, %d log entries with the commitment, %d receipt entries; want 1, 1, 1", n, responses, entries, all)
		}
		back, err := f.svc.ByToken(ctx, f.c.ID, token)
		if err != nil || back.Commitment != commitment {
			t.Errorf("ByToken = %q, %v; want commitment %q", back.Commitment, err, commitment)
		}
	})
}

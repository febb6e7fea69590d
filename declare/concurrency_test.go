package declare_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestConcurrentEndorsementsOfOneVersion has an organisation's delegate
// endorse in the browser and the secretariat record a paper endorsement
// of the same framework version, 24 times at once: exactly one
// endorsement, one log outbox entry and one audit event are stored, and
// every other attempt is refused as already endorsed. After a withdrawal
// the same race gives exactly one new endorsement (issue 9, control 13).
func TestConcurrentEndorsementsOfOneVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		race := func(round int) int64 {
			t.Helper()
			outboxBefore := count(t, db, "ledger_outbox")
			const n = 24
			var wg sync.WaitGroup
			ids := make([]int64, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var e declare.Endorsement
					if i%2 == 0 {
						e, errs[i] = w.svc.Endorse(ctx, w.ukSigner, declare.EndorseInput{FrameworkID: "declaration", Method: declare.MethodBrowser})
					} else {
						e, errs[i] = w.svc.Endorse(ctx, w.sec, declare.EndorseInput{FrameworkID: "declaration", OrganisationID: w.uk.ID, Method: declare.MethodPaper, PaperReference: "Note verbale"})
					}
					ids[i] = e.ID
				}()
			}
			wg.Wait()
			var won int64
			for i := range n {
				switch {
				case errors.Is(errs[i], declare.ErrAlreadyEndorsed):
				case errs[i] != nil:
					t.Errorf("round %d: Endorse %d: %v, want success or ErrAlreadyEndorsed", round, i, errs[i])
				case won != 0:
					t.Errorf("round %d: Endorse %d succeeded as endorsement %d after endorsement %d did", round, i, ids[i], won)
				default:
					won = ids[i]
				}
			}
			if won == 0 {
				t.Fatalf("round %d: no Endorse succeeded", round)
			}
			var active, events int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM endorsements WHERE organisation_id = $1 AND withdrawn_at IS NULL`, w.uk.ID).Scan(&active); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'endorsement.create'`).Scan(&events); err != nil {
				t.Fatal(err)
			}
			entries := count(t, db, "ledger_outbox") - outboxBefore
			if active != 1 || entries != 1 || events != round {
				t.Errorf("round %d: after %d concurrent endorsements: %d active endorsements, %d new log outbox entries, %d audit events in all; want 1, 1, %d", round, n, active, entries, events, round)
			}
			list, err := w.svc.Endorsements(ctx, declare.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].ID != won {
				t.Errorf("round %d: Endorsements lists %d, want only endorsement %d", round, len(list), won)
			}
			return won
		}
		first := race(1)
		if _, err := w.svc.Withdraw(ctx, w.ukSigner, declare.WithdrawInput{EndorsementID: first}); err != nil {
			t.Fatalf("Withdraw: %v", err)
		}
		if second := race(2); second == first {
			t.Errorf("the second round returned the withdrawn endorsement %d", first)
		}
		if n := count(t, db, "endorsements"); n != 2 {
			t.Errorf("%d endorsements stored, want the withdrawn one and the new one", n)
		}
	})
}

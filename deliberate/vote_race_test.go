package deliberate_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestConcurrentVoteChanges has every participant change each of their
// votes from several goroutines at once (agree, disagree and pass racing
// on the same row) while analyses run: afterwards every participant has
// one stored vote per statement, the tallies, each participant's own
// progress and the analysis's counts all equal what a plain count of the
// stored votes gives, no change was lost from the change counter that
// schedules analyses, and a slower analysis never replaced a newer one
// (issue 9, control 13).
func TestConcurrentVoteChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, false, 3)
		const voters, writers = 8, 6
		tokens := make([]string, voters)
		ids := make([]int64, voters)
		for i := range tokens {
			p, tok, err := svc.Join(ctx, d.ID, auth.OrgKinds[i%len(auth.OrgKinds)])
			if err != nil {
				t.Fatal(err)
			}
			tokens[i], ids[i] = tok, p.ID
		}
		changes := func() int64 {
			var n int64
			if err := db.QueryRow(ctx, `SELECT changes FROM deliberations WHERE id = $1`, d.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := changes()
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i, tok := range tokens {
			for _, st := range sts {
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := svc.Vote(ctx, d.ID, tok, st.ID, deliberate.Value((i+w)%3-1)); err != nil {
							t.Errorf("concurrent Vote: %v", err)
							return
						}
						mu.Lock()
						ok++
						mu.Unlock()
					}()
				}
			}
		}
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.Analyse(ctx, d.ID); err != nil {
					t.Errorf("concurrent Analyse: %v", err)
				}
			}()
		}
		wg.Wait()
		if got := changes() - before; got != int64(ok) || ok != voters*len(sts)*writers {
			t.Errorf("change counter moved by %d for %d accepted votes, want %d", got, ok, voters*len(sts)*writers)
		}

		// What the stored rows say, counted here.
		type key struct{ participant, statement int64 }
		stored := map[key]deliberate.Value{}
		rows, err := db.Query(ctx, `SELECT participant_id, statement_id, value FROM deliberation_votes WHERE deliberation_id = $1`, d.ID)
		list, err := store.ScanAll(rows, err, func(r *sql.Rows) (struct {
			k key
			v int
		}, error) {
			var x struct {
				k key
				v int
			}
			return x, r.Scan(&x.k.participant, &x.k.statement, &x.v)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]deliberate.Tally{}
		for _, x := range list {
			stored[x.k] = deliberate.Value(x.v)
			tl := want[x.k.statement]
			tl.StatementID = x.k.statement
			switch deliberate.Value(x.v) {
			case deliberate.Agree:
				tl.Agrees++
			case deliberate.Disagree:
				tl.Disagrees++
			default:
				tl.Passes++
			}
			want[x.k.statement] = tl
		}
		if len(list) != voters*len(sts) {
			t.Fatalf("stored votes = %d, want %d (one per participant and statement)", len(list), voters*len(sts))
		}
		tallies, err := svc.Tallies(ctx, auth.Actor{}, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, tallies); diff != "" {
			t.Errorf("Tallies differ from the stored votes (-stored +tallies):\n%s", diff)
		}
		for i, tok := range tokens {
			pr, err := svc.Progress(ctx, d.ID, tok)
			if err != nil {
				t.Fatal(err)
			}
			if pr.Voted != len(sts) || len(pr.Votes) != len(sts) {
				t.Errorf("Progress: voted %d with %d votes, want %d", pr.Voted, len(pr.Votes), len(sts))
			}
			for stID, v := range pr.Votes {
				if sv, ok := stored[key{ids[i], stID}]; !ok || sv != v {
					t.Errorf("participant %d: Progress shows vote %d on statement %d, the stored row %d", ids[i], v, stID, sv)
				}
			}
		}

		a, err := svc.Analyse(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Votes != len(list) || a.Participants != voters || a.Changes != changes() {
			t.Errorf("Analyse votes, participants, changes = %d, %d, %d; want %d, %d, %d", a.Votes, a.Participants, a.Changes, len(list), voters, changes())
		}
		for _, st := range a.Result.Statements {
			tl := want[int64(st.ID)]
			if st.Agrees != tl.Agrees || st.Disagrees != tl.Disagrees || st.Passes != tl.Passes {
				t.Errorf("analysis counts for statement %d = %d/%d/%d, stored votes give %+v", st.ID, st.Agrees, st.Disagrees, st.Passes, tl)
			}
		}
		latest, err := svc.Latest(ctx, auth.Actor{}, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if latest.Changes != a.Changes || latest.Votes != a.Votes {
			t.Errorf("Latest analysis reflects %d changes and %d votes, want the last run's %d and %d", latest.Changes, latest.Votes, a.Changes, a.Votes)
		}
	})
}

package deliberate_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, false, 2)
		ok := []deliberate.ImportedParticipant{{Stakeholder: auth.State, Votes: map[int64]deliberate.Value{sts[0].ID: deliberate.Agree, sts[1].ID: deliberate.Pass}}}
		tests := []struct {
			name  string
			actor auth.Actor
			ps    []deliberate.ImportedParticipant
			field string
			err   error
		}{
			{"delegate", auth.Actor{UserID: 3, Role: auth.Delegate}, ok, "", pallmall.ErrForbidden},
			{"unknown statement", secretariat, []deliberate.ImportedParticipant{{Votes: map[int64]deliberate.Value{999999: deliberate.Agree}}}, "statement", nil},
			{"bad value", secretariat, []deliberate.ImportedParticipant{{Votes: map[int64]deliberate.Value{sts[0].ID: 3}}}, "vote", nil},
			{"bad stakeholder", secretariat, []deliberate.ImportedParticipant{{Stakeholder: "pirates"}}, "stakeholder", nil},
			{"ok", secretariat, ok, "", nil},
		}
		for _, tc := range tests {
			err := svc.Import(ctx, tc.actor, d.ID, tc.ps)
			switch {
			case tc.field != "":
				if fieldErr(err, tc.field) == "" {
					t.Errorf("%s: Import = %v, want an error on %s", tc.name, err, tc.field)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Errorf("%s: Import = %v, want %v", tc.name, err, tc.err)
				}
			case err != nil:
				t.Errorf("%s: Import = %v", tc.name, err)
			}
		}
		// Refused imports left nothing behind.
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM deliberation_votes WHERE deliberation_id = $1`, d.ID).Scan(&n)
		if n != 2 {
			t.Errorf("stored votes after imports = %d, want 2 (only the good import)", n)
		}
	})
}

// TestVotingWhileAnalysing votes from several goroutines while the runner
// re-analyses: no vote fails or waits on the analysis, and the final
// analysis counts every stored vote.
func TestVotingWhileAnalysing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, false, 10)
		var bulk []deliberate.ImportedParticipant
		rng := rand.New(rand.NewPCG(1, 2))
		for range 300 {
			p := deliberate.ImportedParticipant{Votes: map[int64]deliberate.Value{}}
			for _, st := range sts {
				p.Votes[st.ID] = deliberate.Value(rng.IntN(3) - 1)
			}
			bulk = append(bulk, p)
		}
		if err := svc.Import(ctx, secretariat, d.ID, bulk); err != nil {
			t.Fatal(err)
		}
		r := &deliberate.Runner{Service: svc, Poll: 5 * time.Millisecond, Quiet: time.Millisecond, MaxWait: 20 * time.Millisecond}
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 5 {
					_, tok, err := svc.Join(ctx, d.ID, "")
					if err != nil {
						t.Errorf("Join: %v", err)
						return
					}
					for j, st := range sts {
						if err := svc.Vote(ctx, d.ID, tok, st.ID, deliberate.Value((g+i+j)%3-1)); err != nil {
							t.Errorf("Vote while analysing: %v", err)
						}
					}
				}
			}()
		}
		wg.Wait()
		want := 300*10 + 4*5*10
		for range 500 {
			a, err := svc.Latest(ctx, auth.Actor{}, d.ID)
			if err == nil && a.Votes == want {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		a, err := svc.Latest(ctx, auth.Actor{}, d.ID)
		if err != nil || a.Votes != want || a.Participants != 320 {
			t.Errorf("final analysis = %d votes, %d participants, %v; want %d, 320", a.Votes, a.Participants, err, want)
		}
		cancel()
		<-done
	})
}

func TestForgetAndForConsultation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PostModeration, false, 2)
		_, tok, _ := svc.Join(ctx, d.ID, auth.Academia)
		_, other, _ := svc.Join(ctx, d.ID, "")
		for _, st := range sts {
			svc.Vote(ctx, d.ID, tok, st.ID, deliberate.Agree)
			svc.Vote(ctx, d.ID, other, st.ID, deliberate.Disagree)
		}
		mine, _ := svc.Submit(ctx, d.ID, tok, "en", "Mine")
		if err := svc.Forget(ctx, d.ID, tok); err != nil {
			t.Fatal(err)
		}
		if err := svc.Forget(ctx, d.ID, tok); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Forget twice = %v, want ErrNotFound", err)
		}
		if _, err := svc.ByToken(ctx, d.ID, tok); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("ByToken after Forget = %v, want ErrNotFound", err)
		}
		tallies, _ := svc.Tallies(ctx, auth.Actor{}, d.ID)
		if tl := tallies[sts[0].ID]; tl.Agrees != 0 || tl.Disagrees != 1 {
			t.Errorf("tally after Forget = %+v, want only the other participant's disagree", tl)
		}
		all, _ := svc.Statements(ctx, auth.Actor{}, d.ID, "")
		if len(all) != 3 || all[2].ID != mine.ID {
			t.Errorf("statements after Forget = %d, want the forgotten participant's statement kept", len(all))
		}
		a, _ := svc.Analyse(ctx, d.ID)
		if a.Participants != 1 || a.Votes != 2 {
			t.Errorf("analysis after Forget = %d participants, %d votes; want 1, 2", a.Participants, a.Votes)
		}
		c, err := (&consult.Service{DB: db}).Create(ctx, secretariat, consult.Consultation{TitleEN: "C", TitleFR: "C", SummaryEN: "S", SummaryFR: "S",
			Audiences: consult.Stakeholders[:1], OpensAt: time.Now(), ClosesAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		d.ConsultationID = c.ID
		if _, err := svc.Update(ctx, secretariat, d); err != nil {
			t.Fatal(err)
		}
		list, err := svc.ForConsultation(ctx, auth.Actor{}, c.ID)
		if err != nil || len(list) != 1 || list[0].ID != d.ID {
			t.Errorf("ForConsultation = %v, %v; want the linked deliberation", list, err)
		}
	})
}

// TestOrderPerParticipant checks each participant meets the statements in
// an order of their own, stable across page loads.
func TestOrderPerParticipant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, false, 12)
		firsts := map[int64]bool{}
		for range 8 {
			_, tok, _ := svc.Join(ctx, d.ID, "")
			a, _ := svc.Progress(ctx, d.ID, tok)
			b, _ := svc.Progress(ctx, d.ID, tok)
			if a.Next != b.Next || a.Next == 0 {
				t.Fatalf("Progress.Next = %d then %d, want the same statement twice", a.Next, b.Next)
			}
			firsts[a.Next] = true
			// Voting through every statement visits each once.
			seen := map[int64]bool{}
			for pr := a; pr.Next != 0; pr, _ = svc.Progress(ctx, d.ID, tok) {
				if seen[pr.Next] {
					t.Fatalf("statement %d offered twice", pr.Next)
				}
				seen[pr.Next] = true
				if err := svc.Vote(ctx, d.ID, tok, pr.Next, deliberate.Pass); err != nil {
					t.Fatal(err)
				}
			}
			if len(seen) != len(sts) {
				t.Errorf("visited %d statements, want %d", len(seen), len(sts))
			}
		}
		if len(firsts) < 2 {
			t.Errorf("8 participants all started with the same statement; want orders of their own")
		}
	})
}

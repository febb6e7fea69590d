package deliberate_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var secretariat = auth.Actor{UserID: 0, System: true}

// open creates an open deliberation with n seeded statements.
func open(t *testing.T, svc *deliberate.Service, mod deliberate.Moderation, requireStakeholder bool, n int) (deliberate.Deliberation, []deliberate.Statement) {
	t.Helper()
	ctx := context.Background()
	d, err := svc.Create(ctx, secretariat, deliberate.Deliberation{TitleEN: "Good practice", TitleFR: "Bonnes pratiques",
		Moderation: mod, RequireStakeholder: requireStakeholder, Status: deliberate.Open})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	var sts []deliberate.Statement
	for i := range n {
		st, err := svc.AddSeed(ctx, secretariat, d.ID, fmt.Sprintf("Statement %d", i), fmt.Sprintf("Affirmation %d", i))
		if err != nil {
			t.Fatalf("AddSeed: %v", err)
		}
		sts = append(sts, st)
	}
	return d, sts
}

func fieldErr(err error, field string) string {
	var v *pallmall.ValidationError
	if errors.As(err, &v) {
		return v.Fields[field]
	}
	return ""
}

func TestCreateValidatesAndHidesDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		_, err := svc.Create(ctx, auth.Actor{UserID: 5, Role: auth.Delegate}, deliberate.Deliberation{TitleEN: "x", TitleFR: "x", Moderation: deliberate.PreModeration})
		if !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Create as delegate = %v, want ErrForbidden", err)
		}
		_, err = svc.Create(ctx, secretariat, deliberate.Deliberation{TitleEN: " ", Moderation: "sometimes"})
		for field, want := range map[string]string{"title_en": "error.required", "title_fr": "error.required", "moderation": "error.choose_one"} {
			if got := fieldErr(err, field); got != want {
				t.Errorf("Create(bad) field %s = %q, want %q", field, got, want)
			}
		}
		_, err = svc.Create(ctx, secretariat, deliberate.Deliberation{TitleEN: "x", TitleFR: "x", Moderation: deliberate.PreModeration, ConsultationID: 999})
		if got := fieldErr(err, "consultation_id"); got != "deliberate.error.consultation" {
			t.Errorf("Create(unknown consultation) = %v, want consultation_id error", err)
		}
		d, err := svc.Create(ctx, secretariat, deliberate.Deliberation{TitleEN: "Draft", TitleFR: "Brouillon", Moderation: deliberate.PostModeration})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx, auth.Actor{}, d.ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Get(draft) as public = %v, want ErrNotFound", err)
		}
		if _, _, err := svc.Join(ctx, d.ID, ""); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Join(draft) = %v, want ErrNotFound", err)
		}
		list, _ := svc.List(ctx, auth.Actor{})
		if len(list) != 0 {
			t.Errorf("List as public = %d deliberations, want 0 (draft hidden)", len(list))
		}
	})
}

func TestVoting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, true, 3)
		if _, _, err := svc.Join(ctx, d.ID, ""); fieldErr(err, "stakeholder") == "" {
			t.Errorf("Join without required stakeholder = %v, want stakeholder error", err)
		}
		if _, _, err := svc.Join(ctx, d.ID, "pirates"); fieldErr(err, "stakeholder") == "" {
			t.Errorf("Join(pirates) = %v, want stakeholder error", err)
		}
		_, tok, err := svc.Join(ctx, d.ID, auth.CivilSociety)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := open(t, svc, deliberate.PreModeration, false, 1)
		pending, err := svc.Submit(ctx, d.ID, tok, "fr", "  Une  proposition  ")
		if err != nil || pending.Status != deliberate.Pending || pending.TextFR != "Une proposition" {
			t.Fatalf("Submit = %+v, %v; want pending French text", pending, err)
		}
		rejected, _ := svc.Submit(ctx, d.ID, tok, "en", "Reject me")
		if err := svc.Moderate(ctx, secretariat, d.ID, rejected.ID, deliberate.Rejected, "", ""); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name      string
			delib     int64
			token     string
			statement int64
			value     deliberate.Value
			field     string
			err       error
		}{
			{"agree", d.ID, tok, sts[0].ID, deliberate.Agree, "", nil},
			{"replace", d.ID, tok, sts[0].ID, deliberate.Disagree, "", nil},
			{"pass", d.ID, tok, sts[1].ID, deliberate.Pass, "", nil},
			{"bad value", d.ID, tok, sts[1].ID, 7, "vote", nil},
			{"unknown statement", d.ID, tok, 99999, deliberate.Agree, "statement", nil},
			{"other deliberation's statement", other.ID, tok, sts[2].ID, deliberate.Agree, "", pallmall.ErrNotFound},
			{"pending statement", d.ID, tok, pending.ID, deliberate.Agree, "statement", nil},
			{"moderated out", d.ID, tok, rejected.ID, deliberate.Agree, "statement", nil},
			{"bad token", d.ID, "nope", sts[0].ID, deliberate.Agree, "", pallmall.ErrNotFound},
		}
		for _, tc := range tests {
			err := svc.Vote(ctx, tc.delib, tc.token, tc.statement, tc.value)
			switch {
			case tc.field != "":
				if fieldErr(err, tc.field) == "" {
					t.Errorf("%s: Vote = %v, want an error on %s", tc.name, err, tc.field)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Errorf("%s: Vote = %v, want %v", tc.name, err, tc.err)
				}
			case err != nil:
				t.Errorf("%s: Vote = %v, want nil", tc.name, err)
			}
		}
		if got := fieldErr(svc.Vote(ctx, d.ID, tok, rejected.ID, deliberate.Agree), "statement"); got != "deliberate.error.statement_moderated" {
			t.Errorf("Vote(moderated out) key = %q, want deliberate.error.statement_moderated", got)
		}
		pr, err := svc.Progress(ctx, d.ID, tok)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Voted != 2 || pr.Statements != 3 || pr.Next != sts[2].ID || pr.Votes[sts[0].ID] != deliberate.Disagree {
			t.Errorf("Progress = %+v, want 2 of 3 voted, next %d, first replaced by disagree", pr, sts[2].ID)
		}
		tallies, _ := svc.Tallies(ctx, auth.Actor{}, d.ID)
		if got := tallies[sts[0].ID]; got.Agrees != 0 || got.Disagrees != 1 {
			t.Errorf("Tallies[first] = %+v, want one disagree (the replaced vote)", got)
		}
		// Accepting the pending statement lets people vote on it.
		if err := svc.Moderate(ctx, secretariat, d.ID, pending.ID, deliberate.Accepted, "A proposal", ""); err != nil {
			t.Fatal(err)
		}
		if err := svc.Vote(ctx, d.ID, tok, pending.ID, deliberate.Agree); err != nil {
			t.Errorf("Vote(accepted) = %v", err)
		}
		sts2, _ := svc.Statements(ctx, auth.Actor{}, d.ID, "")
		if len(sts2) != 4 || sts2[3].TextEN != "A proposal" || sts2[3].TextFR != "Une proposition" {
			t.Errorf("public Statements = %+v, want 3 seeds and the accepted, translated proposal", sts2)
		}
		// Closing stops voting.
		d.Status = deliberate.Closed
		if _, err := svc.Update(ctx, secretariat, d); err != nil {
			t.Fatal(err)
		}
		if err := svc.Vote(ctx, d.ID, tok, sts[2].ID, deliberate.Agree); !errors.Is(err, pallmall.ErrConflict) {
			t.Errorf("Vote(closed) = %v, want ErrConflict", err)
		}
	})
}

func TestSubmitModerationAndRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, _ := open(t, svc, deliberate.PostModeration, false, 1)
		_, tok, _ := svc.Join(ctx, d.ID, "")
		if _, err := svc.Submit(ctx, d.ID, tok, "en", ""); fieldErr(err, "text") != "error.required" {
			t.Errorf("Submit(empty) = %v, want text required", err)
		}
		long := string(bytes.Repeat([]byte("é"), deliberate.MaxStatementLength+1))
		if _, err := svc.Submit(ctx, d.ID, tok, "en", long); fieldErr(err, "text") != "deliberate.error.statement_too_long" {
			t.Errorf("Submit(too long) = %v, want too long", err)
		}
		for i := range deliberate.SubmissionLimit {
			st, err := svc.Submit(ctx, d.ID, tok, "en", fmt.Sprintf("Idea %d", i))
			if err != nil || st.Status != deliberate.Accepted {
				t.Fatalf("Submit %d under post-moderation = %+v, %v; want accepted", i, st, err)
			}
		}
		if _, err := svc.Submit(ctx, d.ID, tok, "en", "One too many"); !errors.Is(err, pallmall.ErrRateLimited) {
			t.Errorf("Submit beyond the limit = %v, want ErrRateLimited", err)
		}
		queue, _ := svc.Statements(ctx, secretariat, d.ID, deliberate.Pending)
		if len(queue) != 0 {
			t.Errorf("pending under post-moderation = %d, want 0", len(queue))
		}
	})
}

// TestConcurrentVotes has many participants vote, and re-vote, at once:
// afterwards the counts equal the stored votes, one per participant and
// statement.
func TestConcurrentVotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, false, 4)
		const voters = 12
		tokens := make([]string, voters)
		for i := range tokens {
			_, tokens[i], _ = svc.Join(ctx, d.ID, auth.OrgKinds[i%len(auth.OrgKinds)])
		}
		var wg sync.WaitGroup
		errs := make(chan error, voters*len(sts)*3)
		for i, tok := range tokens {
			for round := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j, st := range sts {
						v := deliberate.Value((i+j+round)%3 - 1)
						if err := svc.Vote(ctx, d.ID, tok, st.ID, v); err != nil {
							errs <- err
						}
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent Vote: %v", err)
		}
		var stored int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM deliberation_votes WHERE deliberation_id = $1`, d.ID).Scan(&stored)
		if stored != voters*len(sts) {
			t.Errorf("stored votes = %d, want %d (one per participant and statement)", stored, voters*len(sts))
		}
		tallies, _ := svc.Tallies(ctx, auth.Actor{}, d.ID)
		for _, st := range sts {
			tl := tallies[st.ID]
			if n := tl.Agrees + tl.Disagrees + tl.Passes; n != voters {
				t.Errorf("Tallies[%d] sums to %d, want %d", st.ID, n, voters)
			}
		}
		a, err := svc.Analyse(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Votes != stored || a.Participants != voters {
			t.Errorf("Analyse votes, participants = %d, %d; want %d, %d", a.Votes, a.Participants, stored, voters)
		}
		for _, st := range a.Result.Statements {
			tl := tallies[int64(st.ID)]
			if st.Agrees != tl.Agrees || st.Disagrees != tl.Disagrees || st.Passes != tl.Passes {
				t.Errorf("analysis counts for %d = %d/%d/%d, stored %+v", st.ID, st.Agrees, st.Disagrees, st.Passes, tl)
			}
		}
	})
}

func TestAnalyseStoresAndWarmStarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, false, 8)
		if _, err := svc.Latest(ctx, auth.Actor{}, d.ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Latest before any analysis = %v, want ErrNotFound", err)
		}
		// Two planted camps that agree on the last statement.
		var first int64
		for i := range 30 {
			k := auth.State
			if i%2 == 1 {
				k = auth.CivilSociety
			}
			p, tok, _ := svc.Join(ctx, d.ID, k)
			if i == 0 {
				first = p.ID
			}
			for j, st := range sts {
				v := deliberate.Agree
				if j < len(sts)-1 && (i+j)%2 == 1 {
					v = deliberate.Disagree
				}
				if err := svc.Vote(ctx, d.ID, tok, st.ID, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		a, err := svc.Analyse(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Result.K != 2 {
			t.Errorf("K = %d, want 2 planted groups", a.Result.K)
		}
		got, err := svc.Latest(ctx, auth.Actor{}, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Votes != 240 || got.Result.K != a.Result.K || len(got.Result.Participants) != 30 {
			t.Errorf("Latest = %d votes, k %d, %d participants; want 240, %d, 30", got.Votes, got.Result.K, len(got.Result.Participants), a.Result.K)
		}
		if p, ok := got.Position(first); !ok || !p.InConversation {
			t.Errorf("Position(first participant) = %+v, %v; want in the conversation", p, ok)
		}
		last := sts[len(sts)-1].ID
		if tl := got.Communities[int(last)][string(auth.State)]; tl.Votes != 15 || tl.Agrees != 15 {
			t.Errorf("state tally on the shared statement = %+v, want 15 of 15", tl)
		}
		if b := got.Bridging(1, 1); len(b) != 1 || int64(b[0].ID) != last {
			t.Errorf("top bridging = %+v, want the statement everyone agrees on (%d)", b, last)
		}
		// A second run warm-starts from the stored state and agrees.
		b, err := svc.Analyse(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Result.K != a.Result.K {
			t.Errorf("warm re-run K = %d, want %d", b.Result.K, a.Result.K)
		}
		statements, _ := svc.Statements(ctx, auth.Actor{}, d.ID, "")
		e := deliberate.NewExport(d, got, statements)
		var buf bytes.Buffer
		if err := deliberate.WriteCSV(&buf, e); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(rows) != 1+len(sts) {
			t.Errorf("CSV export = %d rows, %v; want header + %d", len(rows), err, len(sts))
		}
		if len(e.Map) != 30 || len(e.Groups) != 2 {
			t.Errorf("export map %d points, %d groups; want 30, 2", len(e.Map), len(e.Groups))
		}
	})
}

func TestRunnerAnalysesAfterVotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, false, 2)
		r := &deliberate.Runner{Service: svc, Poll: 10 * time.Millisecond, Quiet: 20 * time.Millisecond, MaxWait: 200 * time.Millisecond}
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		_, tok, _ := svc.Join(ctx, d.ID, "")
		svc.Vote(ctx, d.ID, tok, sts[0].ID, deliberate.Agree)
		svc.Vote(ctx, d.ID, tok, sts[1].ID, deliberate.Pass)
		deadline := time.Now().Add(5 * time.Second)
		for {
			a, err := svc.Latest(ctx, auth.Actor{}, d.ID)
			if err == nil && a.Votes == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("runner did not analyse the 2 votes within 5s: %+v, %v", a.Votes, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
	})
}

// TestRunnersOnTwoInstancesAnalyseOnce runs two runners on one database, as
// two instances would, and checks that each change is analysed once.
func TestRunnersOnTwoInstancesAnalyseOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		svc := &deliberate.Service{DB: db}
		d, sts := open(t, svc, deliberate.PreModeration, false, 2)
		_, tok, _ := svc.Join(ctx, d.ID, "")
		svc.Vote(ctx, d.ID, tok, sts[0].ID, deliberate.Agree)
		svc.Vote(ctx, d.ID, tok, sts[1].ID, deliberate.Pass)
		var logs [2]*lockedBuffer
		var done [2]chan struct{}
		for i := range 2 {
			logs[i] = &lockedBuffer{}
			done[i] = make(chan struct{})
			r := &deliberate.Runner{Service: svc, Logger: slog.New(slog.NewTextHandler(logs[i], nil)), Owner: fmt.Sprint("instance-", i),
				Poll: 5 * time.Millisecond, Quiet: time.Millisecond, MaxWait: 10 * time.Millisecond}
			go func() { r.Run(ctx); close(done[i]) }()
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			a, err := svc.Latest(ctx, auth.Actor{}, d.ID)
			if err == nil && a.Votes == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("runners did not analyse the 2 votes within 5s: %+v, %v", a.Votes, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		// Give the other runner many polls in which to analyse again.
		time.Sleep(200 * time.Millisecond)
		cancel()
		<-done[0]
		<-done[1]
		n := strings.Count(logs[0].String(), "deliberation analysed") + strings.Count(logs[1].String(), "deliberation analysed")
		if n != 1 {
			t.Errorf("two runners analysed the deliberation %d times, want 1\n%s\n%s", n, logs[0], logs[1])
		}
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

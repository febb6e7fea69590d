package deliberate_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/store/storetest"
)

// BenchmarkAnalyseStored measures a whole re-analysis as the runner does
// it on SQLite: read the votes, run the engine warm-started, store the
// result and state. Planted: three opinion groups, 50 votes each.
//
//	go test ./deliberate -run '^$' -bench AnalyseStored -benchtime 5x
func BenchmarkAnalyseStored(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprintf("%dvotes", n*50), func(b *testing.B) {
			ctx := context.Background()
			db := storetest.SQLite(b)
			svc := &deliberate.Service{DB: db}
			d, err := svc.Create(ctx, auth.System, deliberate.Deliberation{TitleEN: "b", TitleFR: "b", Moderation: deliberate.PreModeration, Status: deliberate.Open})
			if err != nil {
				b.Fatal(err)
			}
			var ids []int64
			for i := range 200 {
				st, err := svc.AddSeed(ctx, auth.System, d.ID, fmt.Sprint("s", i), fmt.Sprint("a", i))
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, st.ID)
			}
			rng := rand.New(rand.NewPCG(7, 7))
			ps := make([]deliberate.ImportedParticipant, n)
			for i := range ps {
				g := i % 3
				ps[i] = deliberate.ImportedParticipant{Stakeholder: auth.OrgKinds[g], Votes: map[int64]deliberate.Value{}}
				for _, j := range rng.Perm(len(ids))[:50] {
					v := deliberate.Agree
					if (j+g)%3 == 0 {
						v = deliberate.Disagree
					}
					if rng.IntN(10) == 0 {
						v = deliberate.Pass
					}
					ps[i].Votes[ids[j]] = v
				}
			}
			if err := svc.Import(ctx, auth.System, d.ID, ps); err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Analyse(ctx, d.ID); err != nil {
				b.Fatal(err)
			}
			var engine float64
			b.ResetTimer()
			for range b.N {
				a, err := svc.Analyse(ctx, d.ID)
				if err != nil {
					b.Fatal(err)
				}
				engine += float64(a.Duration.Microseconds()) / 1000
			}
			b.ReportMetric(engine/float64(b.N), "engine-ms/op")
		})
	}
}

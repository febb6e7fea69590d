package consult_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/consult/consulttest"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// BenchmarkExport exports n seeded responses (consulttest.Seed: a text
// and a Likert answer each, sealed identities) as the secretariat, to CSV,
// JSON and XLSX, at each size in PALLMALL_BENCH_SIZES (default
// 100000,1000000), on SQLite, or on PostgreSQL with
// PALLMALL_BENCH_DB=postgres and PALLMALL_TEST_DATABASE_URL set:
//
//	go test ./consult -run '^$' -bench Export -benchtime 1x
//
// Besides ns/op it reports the process CPU time of the export, the peak
// Go heap in use above what was in use before it (sampled every 5 ms;
// HeapInuse, so uncollected garbage counts too),
// allocations per response, and the time of a baseline measured in the
// same run: the same number of CSV rows of the same shape, pre-built in
// memory and written with encoding/csv through a bufio.Writer, with the
// ratio export ÷ baseline.
func BenchmarkExport(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if s := os.Getenv("PALLMALL_BENCH_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("PALLMALL_BENCH_SIZES: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	var db *store.DB
	if os.Getenv("PALLMALL_BENCH_DB") == "postgres" {
		db = storetest.Postgres(b)
	} else {
		db = storetest.SQLite(b)
	}
	svc := &consult.Service{DB: db}
	seeded := map[int]int64{}
	seed := func(b *testing.B, n int) int64 {
		if id, ok := seeded[n]; ok {
			return id
		}
		start := time.Now()
		s, err := consulttest.Seed(context.Background(), svc, n)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d responses on %s in %v", n, db.Dialect(), time.Since(start).Round(time.Millisecond))
		seeded[n] = s.ConsultationID
		return s.ConsultationID
	}
	for _, format := range []string{consult.CSV, consult.JSON, consult.XLSX} {
		b.Run(format, func(b *testing.B) {
			for _, n := range sizes {
				b.Run(sizeName(n), func(b *testing.B) {
					id := seed(b, n)
					benchExport(b, svc, id, n, format)
				})
			}
		})
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

func benchExport(b *testing.B, svc *consult.Service, id int64, n int, format string) {
	ctx := context.Background()
	baseline := csvBaseline(n)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	heapBefore := heapInUse()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if h := heapInUse(); h > peak.Load() {
					peak.Store(h)
				}
			}
		}
	}()
	cpu0 := cpuTime()
	b.ResetTimer()
	var written int64
	for range b.N {
		cw := &countingWriter{}
		if err := svc.Export(ctx, auth.System, id, consult.ExportOptions{Format: format}, cw); err != nil {
			b.Fatal(err)
		}
		written = cw.n
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	close(stop)
	<-done
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	elapsed := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(n), "responses")
	b.ReportMetric(float64(written)/1e6, "MB-written")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), heapBefore))/(1<<20), "peak-heap-growth-MiB")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N)/float64(n), "allocs/response")
	b.ReportMetric(baseline.Seconds(), "baseline-s")
	b.ReportMetric(elapsed.Seconds()/baseline.Seconds(), "x-baseline")
}

// csvBaseline writes n pre-built rows shaped like the export's (1,024
// distinct rows, cycled) with encoding/csv through a bufio.Writer, and
// returns how long the writing took.
func csvBaseline(n int) time.Duration {
	rows := make([][]string, 1024)
	for i := range rows {
		rows[i] = []string{"PM-1-" + strconv.Itoa(i), "2026-11-22T13:32:54Z", "organisation", "industry", "", "Jonas Weber", "Intrusion Solutions GmbH",
			"compliance@intrusion.example", strconv.FormatBool(i%2 == 0), "anonymous", "false", "2026-11-22T13:32:54Z",
			fmt.Sprintf("Vendors should be licensed, audited and transparent about their customers (respondent %d).", i), "Disagree", ""}
	}
	start := time.Now()
	bw := bufio.NewWriterSize(&countingWriter{}, 64<<10)
	w := csv.NewWriter(bw)
	for i := range n {
		w.Write(rows[i%len(rows)])
	}
	w.Flush()
	bw.Flush()
	return time.Since(start)
}

// heapInUse is runtime.MemStats.HeapInuse read through runtime/metrics,
// which unlike ReadMemStats does not stop the world: sampling every 5 ms
// must not slow down what it measures.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

func cpuTime() time.Duration {
	var r syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

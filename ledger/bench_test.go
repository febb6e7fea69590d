package ledger

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAppendWithReceipt measures sustained throughput: 128×GOMAXPROCS concurrent
// writers each append an entry, wait until a published checkpoint covers it
// and build its receipt. It reports appends/s.
func BenchmarkAppendWithReceipt(b *testing.B) {
	ctx := context.Background()
	l := openTestLog(b, b.TempDir(), testKey(b))
	var n atomic.Int64
	b.SetParallelism(128) // × GOMAXPROCS writers: throughput is bound by writers / publish latency
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := l.AppendWithReceipt(ctx, testEntry(b, "bench", int(i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}

// BenchmarkPublishLatency measures, for one writer alone, the time from
// Append until a published checkpoint covers the entry (ns/op), and the
// time until Append returns (sequenced, ms/sequenced).
func BenchmarkPublishLatency(b *testing.B) {
	ctx := context.Background()
	l := openTestLog(b, b.TempDir(), testKey(b))
	var sequenced time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		idx, err := l.Append(ctx, testEntry(b, "lat", i))
		if err != nil {
			b.Fatal(err)
		}
		sequenced += time.Since(t0)
		if _, err := l.WaitPublished(ctx, idx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sequenced.Milliseconds())/float64(b.N), "ms/sequenced")
}

// BenchmarkBaselineWriteFsync is the baseline for the two above on the
// same disk: write the same entry bytes to a new file, fsync it and its
// directory, one entry at a time. It reports writes/s.
func BenchmarkBaselineWriteFsync(b *testing.B) {
	dir := b.TempDir()
	d, err := os.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprint(i)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(testEntry(b, "base", i)); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		if err := d.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "writes/s")
}

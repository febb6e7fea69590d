package bench

import (
	"context"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Sample is what Measure saw of one measured section.
type Sample struct {
	Elapsed time.Duration
	// PeakHeap and PeakRSS are the highest live Go heap and process
	// resident size during the section, above their level at its start.
	PeakHeap, PeakRSS uint64
}

// Measure runs fn as a measured section named part: it times it, samples
// memory every few milliseconds, and writes CPU and heap profiles when
// asked. The run's Seconds add up its sections and its peaks keep the
// highest.
func (e *Env) Measure(part string, fn func() error) (Sample, error) {
	return e.measure(part, fn, true)
}

// MeasureApart measures fn as Measure does, but leaves it out of the
// run's cost and peaks: for work that does not run at every scale (an
// XLSX export stops at a worksheet's rows), which would otherwise make
// the growth exponent compare different work. The case reports its
// figures itself.
func (e *Env) MeasureApart(part string, fn func() error) (Sample, error) {
	return e.measure(part, fn, false)
}

func (e *Env) measure(part string, fn func() error, counted bool) (Sample, error) {
	label := e.label
	if part != "" {
		label += "-" + part
	}
	var stopCPU func()
	if e.cfg.CPUProfile {
		p, err := e.profilePathFor(label, "cpu")
		if err != nil {
			return Sample{}, err
		}
		f, err := os.Create(p)
		if err != nil {
			return Sample{}, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return Sample{}, err
		}
		stopCPU = func() { pprof.StopCPUProfile(); f.Close() }
	}
	runtime.GC()
	sm := startSampler()
	start := time.Now()
	err := fn()
	elapsed := time.Since(start)
	heap, rss := sm.stop()
	if stopCPU != nil {
		stopCPU()
	}
	if e.cfg.MemProfile {
		p, perr := e.profilePathFor(label, "heap")
		if perr == nil {
			if f, ferr := os.Create(p); ferr == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}
	}
	s := Sample{Elapsed: elapsed, PeakHeap: heap, PeakRSS: rss}
	if err == nil && counted {
		e.Result.Seconds += elapsed.Seconds()
		e.Result.PeakHeapBytes = max(e.Result.PeakHeapBytes, heap)
		e.Result.PeakRSSBytes = max(e.Result.PeakRSSBytes, rss)
	}
	return s, err
}

func (e *Env) profilePathFor(label, kind string) (string, error) {
	saved := e.label
	e.label = label
	defer func() { e.label = saved }()
	return e.profilePath(kind)
}

// sampler records the peak heap and RSS above their starting level.
type sampler struct {
	baseHeap, baseRSS uint64
	mu                sync.Mutex
	heap, rss         uint64
	done              chan struct{}
	wg                sync.WaitGroup
}

func startSampler() *sampler {
	s := &sampler{done: make(chan struct{})}
	s.baseHeap, s.baseRSS = heapBytes(), rssBytes()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				s.take()
			}
		}
	}()
	return s
}

func (s *sampler) take() {
	h, r := heapBytes(), rssBytes()
	s.mu.Lock()
	s.heap, s.rss = max(s.heap, h), max(s.rss, r)
	s.mu.Unlock()
}

func (s *sampler) stop() (heap, rss uint64) {
	s.take()
	close(s.done)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return sub(s.heap, s.baseHeap), sub(s.rss, s.baseRSS)
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

var heapMetric = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
var heapMu sync.Mutex

func heapBytes() uint64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	metrics.Read(heapMetric)
	return heapMetric[0].Value.Uint64()
}

// rssBytes is the process's resident set size (0 where /proc is missing).
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// Latencies summarises how long each operation took.
type Latencies []time.Duration

// Percentile returns the p-th percentile (0 < p <= 100), nearest rank.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// cpuTime is the CPU time (user and system) this process has used so
// far. On a machine shared with other work, CPU time per operation is
// steadier than wall time: it does not count the time spent waiting for
// a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ms is a duration in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Load is the outcome of a load run.
type Load struct {
	Done      int
	Errors    int
	FirstErr  error
	Elapsed   time.Duration
	Latencies Latencies
	// CPU is the process's CPU time during the load, the load
	// generator's included.
	CPU time.Duration
}

// CPUPerOp is CPU milliseconds per completed operation.
func (l Load) CPUPerOp() float64 {
	if l.Done == 0 {
		return 0
	}
	return ms(l.CPU) / float64(l.Done)
}

// Rate is completed operations per second.
func (l Load) Rate() float64 {
	if l.Elapsed <= 0 {
		return 0
	}
	return float64(l.Done) / l.Elapsed.Seconds()
}

// load runs total operations (op(ctx, i) for i in [0, total)) from
// clients goroutines and times each. After deadline (if non-zero) no new
// operation starts; those in flight finish and count.
func load(ctx context.Context, clients, total int, deadline time.Duration, op func(ctx context.Context, i int) error) Load {
	var (
		next int
		mu   sync.Mutex
		out  Load
		wg   sync.WaitGroup
	)
	start, cpu0 := time.Now(), cpuTime()
	lat := make([][]time.Duration, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= total || (deadline > 0 && time.Since(start) > deadline) {
					return
				}
				t0 := time.Now()
				err := op(ctx, i)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					out.Errors++
					if out.FirstErr == nil {
						out.FirstErr = err
					}
				} else {
					out.Done++
				}
				mu.Unlock()
				if err == nil {
					lat[c] = append(lat[c], d)
				}
			}
		}()
	}
	wg.Wait()
	out.Elapsed, out.CPU = time.Since(start), cpuTime()-cpu0
	for _, l := range lat {
		out.Latencies = append(out.Latencies, l...)
	}
	return out
}

// memAvailable is the memory the kernel can give without swapping
// (MemAvailable in /proc/meminfo), 0 where that is unknown.
func memAvailable() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0
			}
			kb, _ := strconv.ParseUint(f[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

var goMemMetric = []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}

// limitMemory sets the Go runtime's soft memory limit to what the process
// holds plus 90 % of the memory available, and returns it and a function
// that restores the previous limit. Without a limit the collector lets
// the heap grow to twice what is live, which a run holding half the
// machine's memory cannot afford; with it, the collector works harder
// near the limit instead (its time counts in the figures). GOMEMLIMIT,
// when set, is left alone (and 0 returned).
func limitMemory() (uint64, func()) {
	avail := memAvailable()
	if os.Getenv("GOMEMLIMIT") != "" || avail == 0 {
		return 0, func() {}
	}
	heapMu.Lock()
	metrics.Read(goMemMetric)
	heapMu.Unlock()
	held := sub(goMemMetric[0].Value.Uint64(), goMemMetric[1].Value.Uint64())
	limit := held + avail/10*9
	old := debug.SetMemoryLimit(int64(min(limit, math.MaxInt64)))
	return limit, func() { debug.SetMemoryLimit(old) }
}

// diskFree is the space free for an unprivileged user on the filesystem
// holding dir, 0 where that is unknown.
func diskFree(dir string) uint64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0
	}
	return st.Bavail * uint64(st.Bsize)
}

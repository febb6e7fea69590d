package web

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// ServerGCPercent is the garbage collector's target (GOGC) that serve runs
// with unless GOGC is set. Serving a crowd allocates quickly (net/http's
// request and header maps, the response buffers) while the live heap stays
// small, so Go's default of 100 collects several times a second, and each
// collection's pauses and assists set the tail latency: under 200 clients
// on two cores the public pages' p99 fell from about 40-55 ms at GOGC=100
// to 20-32 ms at 400 (docs/performance.md, pages case).
const ServerGCPercent = 400

// TuneGC sets the collector for serving. Unless GOGC is set, the target
// becomes ServerGCPercent; unless GOMEMLIMIT is set, a soft memory limit
// of half the memory the process may use (the cgroup's limit, or the
// machine's memory) brings collections back well before that memory runs
// out when the live heap is large (a campaign detection run, say). It
// returns the target and the limit in effect (0: no limit set here), for
// the log.
func TuneGC(getenv func(string) string) (percent int, limit int64) {
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	if getenv("GOGC") == "" {
		debug.SetGCPercent(ServerGCPercent)
		percent = ServerGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		if total := memoryAvailableToProcess(); total > 0 {
			limit = total / 2
			debug.SetMemoryLimit(limit)
		}
	}
	return percent, limit
}

// memoryAvailableToProcess is the cgroup's memory limit if there is one,
// else the machine's memory (MemTotal), else 0.
func memoryAvailableToProcess() int64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			return n
		}
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 2 && fields[1] == "kB" {
				if kb, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

package web

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(oldPercent); debug.SetMemoryLimit(oldLimit) })

	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	percent, limit := TuneGC(getenv)
	if percent != ServerGCPercent || debug.SetGCPercent(ServerGCPercent) != ServerGCPercent {
		t.Errorf("without GOGC: percent %d, want %d", percent, ServerGCPercent)
	}
	if total := memoryAvailableToProcess(); total > 0 && (limit != total/2 || debug.SetMemoryLimit(-1) != total/2) {
		t.Errorf("without GOMEMLIMIT: limit %d, want half of %d", limit, total)
	}

	// The operator's settings win.
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 40)
	env["GOGC"], env["GOMEMLIMIT"] = "150", "1TiB"
	percent, limit = TuneGC(getenv)
	if percent != 150 || limit != 0 || debug.SetGCPercent(-1) != 150 || debug.SetMemoryLimit(-1) != 1<<40 {
		t.Errorf("with GOGC and GOMEMLIMIT set: percent %d, limit %d; want 150 and untouched", percent, limit)
	}
}

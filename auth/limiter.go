package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"sync"
	"time"
)

// Limiter allows at most Max events per key in each Window. It keeps only
// an HMAC of each key, with a key that exists only in this process's memory,
// and forgets a key when its window ends: client addresses are never
// stored, logged or recoverable.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time // nil means time.Now

	mu      sync.Mutex
	secret  []byte
	buckets map[[32]byte]*bucket
	swept   time.Time
}

type bucket struct {
	start time.Time
	n     int
}

// NewLimiter returns a limiter allowing max events per window per key.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window}
}

// Allow records an event for key and reports whether it is within the limit.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	if l.secret == nil {
		l.secret = make([]byte, 32)
		rand.Read(l.secret)
		l.buckets = make(map[[32]byte]*bucket)
	}
	if now.Sub(l.swept) > l.Window {
		for k, b := range l.buckets {
			if now.Sub(b.start) > l.Window {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte(key))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	b := l.buckets[k]
	if b == nil || now.Sub(b.start) > l.Window {
		b = &bucket{start: now}
		l.buckets[k] = b
	}
	b.n++
	return b.n <= l.Max
}

// Len reports how many keys are remembered, for tests and metrics.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func toLowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

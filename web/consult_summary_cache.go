package web

import (
	"context"
	"sync"
	"time"

	"github.com/pallmall/pallmall/consult"
)

// summaryMaxAge bounds how long a cached summary is served even when its
// stamp has not changed, in case something it is built from escapes the
// stamp.
const summaryMaxAge = time.Minute

// summaryCache keeps the summary of each published consultation, shared
// by every reader: building one reads every response (seconds at 100,000
// responses), while checking that it is still current costs one small
// query (consult.SummaryStamp). One reader builds a missing or outdated
// summary; the others arriving meanwhile wait for it rather than build
// their own.
type summaryCache struct {
	mu      sync.Mutex
	entries map[int64]*summaryEntry
}

type summaryEntry struct {
	mu    sync.Mutex // held while building
	sum   consult.Summary
	stamp string
	at    time.Time
}

// get returns the cached summary of consultation id if its stamp is
// current, else builds it with build and caches it.
func (c *summaryCache) get(ctx context.Context, svc *consult.Service, id int64, build func() (consult.Summary, error)) (consult.Summary, error) {
	stamp, err := svc.SummaryStamp(ctx, id)
	if err != nil {
		return consult.Summary{}, err
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[int64]*summaryEntry{}
	}
	e := c.entries[id]
	if e == nil {
		e = &summaryEntry{}
		c.entries[id] = e
	}
	c.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stamp == stamp && time.Since(e.at) < summaryMaxAge {
		return e.sum, nil
	}
	sum, err := build()
	if err != nil {
		return sum, err
	}
	e.sum, e.stamp, e.at = sum, stamp, time.Now()
	return sum, nil
}

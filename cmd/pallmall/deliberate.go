package main

import (
	"context"

	"github.com/pallmall/pallmall/deliberate"
)

// startDeliberationRunner re-analyses deliberations in the background as
// votes arrive (debounced; see deliberate.Runner). It stops with ctx;
// Serve waits for it before closing the database.
func (a *App) startDeliberationRunner(ctx context.Context) (wait func()) {
	r := &deliberate.Runner{Service: &deliberate.Service{DB: a.db}, Logger: a.Logger}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	return func() { <-done }
}

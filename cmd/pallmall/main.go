// Command pallmall runs the Pall Mall Process platform: the web pages, the
// JSON API and the operator's commands, on SQLite or PostgreSQL.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pallmall:", err)
		os.Exit(exitCode(err))
	}
}

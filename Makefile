# pallmall: see README.md. The two commands for a fresh machine are `make run` and `make test`.
GO ?= go

.PHONY: run test build assets
build:
	$(GO) build -o bin/pallmall ./cmd/pallmall

# Front-end assets: GOV.UK Frontend restyled for the Pall Mall Process.
# Rebuilds web/assets/static/ (committed, so a plain `go install` needs no npm).
# Reproducible: running it twice gives byte-identical output.
NPM ?= npm
assets:
	$(NPM) ci --prefix web/assets --no-audit --no-fund --silent
	$(NPM) run --prefix web/assets --silent build

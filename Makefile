# pallmall: see README.md. The two commands for a fresh machine are
# `make run` (the platform with demo data on SQLite) and `make test`.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.1.4

.PHONY: run test test-resilience build lint vulncheck assets screenshots bench
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/pallmall ./cmd/pallmall

# Builds and serves the platform on http://127.0.0.1:8080 with demo data in
# ./pallmall-data (SQLite). The demo logins are printed and kept in
# ./pallmall-data/demo-logins.txt.
run: build
	./bin/pallmall serve --demo

# Runs vet and every test: unit, storage (SQLite always; PostgreSQL too when
# PALLMALL_TEST_DATABASE_URL is set) and browser tests (Debian's chromium).
# The accessibility tests run axe-core, an npm package pinned with the
# front-end assets; this installs it on a fresh machine.
AXE := web/assets/node_modules/axe-core/axe.min.js
$(AXE): web/assets/package-lock.json
	$(NPM) ci --prefix web/assets --no-audit --no-fund --silent
	@touch $@

test: $(AXE)
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 12m ./...

# The heavy failure tests (docs/security.md, control 11): the real binary
# killed with SIGKILL while hundreds of respondents submit, on SQLite and
# (with PALLMALL_TEST_DATABASE_URL) PostgreSQL. CI runs it after make test.
test-resilience:
	$(GO) test -count=1 -timeout 5m -tags resilience ./resilience/...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

vulncheck:
	$(GO) run $(GOVULNCHECK) ./...

# Front-end assets: GOV.UK Frontend restyled for the Pall Mall Process.
# Rebuilds web/assets/static/ (committed, so a plain `go install` needs no npm).
# Reproducible: running it twice gives byte-identical output.
NPM ?= npm
assets:
	$(NPM) ci --prefix web/assets --no-audit --no-fund --silent
	$(NPM) run --prefix web/assets --silent build

# Screenshots of the key pages at desktop and mobile widths, for review,
# into ./screenshots (Debian's chromium).
screenshots: build
	$(GO) run ./tools/screenshots --bin bin/pallmall --out screenshots

# Benchmarks on generated data (see docs/performance.md): every case at
# 0.1×, 1× and 10× the issue's sizes, each figure beside a baseline
# measured in the same run. Writes bench-report/report.{md,json}.
# BENCH_FLAGS adds flags, e.g. BENCH_FLAGS="--only export --cpuprofile"
# or BENCH_FLAGS="--database postgres://postgres@127.0.0.1:5432/postgres".
BENCH_FLAGS ?=
bench: build
	./bin/pallmall bench --out bench-report $(BENCH_FLAGS)

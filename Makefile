# pallmall: see README.md. The two commands for a fresh machine are `make run` and `make test`.
GO ?= go

.PHONY: run test build
build:
	$(GO) build -o bin/pallmall ./cmd/pallmall

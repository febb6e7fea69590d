// Package resilience holds the heavy failure tests of docs/security.md
// (control 11): they build the real pallmall binary, start it on loopback,
// load it with hundreds of concurrent respondents and kill it with
// SIGKILL, then reconcile what clients were told against what is stored.
// They need the build tag: `make test-resilience`, which CI runs after
// `make test`.
package resilience

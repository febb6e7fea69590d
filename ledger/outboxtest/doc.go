// Package outboxtest holds the database-backed tests of the ledger outbox
// and its worker, including the crash test. They live in a package of their
// own because they need storetest.Main as TestMain, and the ledger package's
// own tests need a different one.
package outboxtest

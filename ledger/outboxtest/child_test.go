package outboxtest

// runChild runs the crash test's child process when the test binary is
// re-executed for it, and reports whether it did.
func runChild() bool { return false }

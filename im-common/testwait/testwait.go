// Package testwait lets tests wait for a condition by polling it instead of
// sleeping a guessed time: a test waits exactly as long as the system under
// test needs, up to a deadline, and fails with the condition's last error.
// Every module's tests share it so that each waits the same way.
package testwait

import (
	"errors"
	"testing"
	"time"
)

// every is the polling period: short enough that a test does not idle
// noticeably, long enough not to load the services it polls.
const every = 20 * time.Millisecond

// Poll calls fn until it returns nil or timeout passes, and returns fn's
// last error. It needs no *testing.T, for TestMain.
func Poll(timeout time.Duration, fn func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(every)
	}
}

// Eventually fails the test unless fn returns nil within timeout.
func Eventually(t testing.TB, timeout time.Duration, fn func() error) {
	t.Helper()
	if err := Poll(timeout, fn); err != nil {
		t.Fatalf("not within %v: %v", timeout, err)
	}
}

// Until is Eventually for a condition without an error of its own; what
// names it in the failure.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	Eventually(t, timeout, func() error {
		if cond() {
			return nil
		}
		return errors.New("timed out waiting for " + what)
	})
}

// Never fails the test as soon as fn returns an error during window: the
// negative check that something stays true (no message arrives, no row
// appears).
func Never(t testing.TB, window time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(window)
	for time.Now().Before(deadline) {
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(every)
	}
}

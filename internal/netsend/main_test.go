package netsend

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if a goroutine outlives the tests: a connection
// goroutine of net/http that Close should have ended, or one a test started
// and did not end.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if left := leftGoroutines(2 * time.Second); left != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", left)
			code = 1
		}
	}
	os.Exit(code)
}

// leftGoroutines waits up to wait for the goroutines of this package and of
// net/http's connections to end, and returns the stacks of those left.
func leftGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var left []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "netsend.TestMain") || strings.Contains(g, "netsend.leftGoroutines") {
				continue
			}
			if strings.Contains(g, "netsend.") || strings.Contains(g, "net/http.(*persistConn)") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(left, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// batch returns records back to back and the ends that describe them.
func batch(records ...string) ([]byte, []int) {
	var p []byte
	var ends []int
	for _, r := range records {
		p = append(p, r...)
		ends = append(ends, len(p))
	}
	return p, ends
}

// bigBatch returns a batch of n records of size bytes each, newline framed.
func bigBatch(n, size int) ([]byte, []int) {
	rec := strings.Repeat("x", size-1) + "\n"
	p := make([]byte, 0, n*size)
	ends := make([]int, 0, n)
	for range n {
		p = append(p, rec...)
		ends = append(ends, len(p))
	}
	return p, ends
}

// within fails t if f does not return within d, and returns how long it took.
func within(t *testing.T, d time.Duration, f func()) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(d):
		t.Fatalf("did not return within %v", d)
		return 0
	}
}

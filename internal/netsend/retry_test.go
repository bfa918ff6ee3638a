package netsend

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestRetryable(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantRetry bool
		wantAfter time.Duration
	}{
		{"nil", nil, false, 0},
		{"closed", ErrClosed, false, 0},
		{"closed wrapped", fmt.Errorf("x: %w", ErrClosed), false, 0},
		{"malformed batch", checkBatch([]byte("ab"), []int{1}), false, 0},
		{"503 with Retry-After", &HTTPError{StatusCode: 503, RetryAfter: 2 * time.Second}, true, 2 * time.Second},
		{"500", &HTTPError{StatusCode: 500}, true, 0},
		{"408", &HTTPError{StatusCode: 408}, true, 0},
		{"429", &HTTPError{StatusCode: 429, RetryAfter: time.Second}, true, time.Second},
		{"400", &HTTPError{StatusCode: 400}, false, 0},
		{"413", &HTTPError{StatusCode: 413}, false, 0},
		{"301", &HTTPError{StatusCode: 301}, false, 0},
		{"HTTP network error", &HTTPError{Err: syscall.ECONNRESET}, true, 0},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true, 0},
		{"timeout", fmt.Errorf("w: %w", os.ErrDeadlineExceeded), true, 0},
		{"unknown error", errors.New("something"), true, 0},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false, 0},
		{"wrong host", fmt.Errorf("d: %w", x509.HostnameError{Host: "x"}), false, 0},
		{"peer rejects our certificate", fmt.Errorf("w: %w", tls.AlertError(42)), false, 0},
		{"other TLS alert", fmt.Errorf("w: %w", tls.AlertError(80)), true, 0},
		{"datagram too long", &net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EMSGSIZE)}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, after := Retryable(tt.err)
			if retry != tt.wantRetry || after != tt.wantAfter {
				t.Fatalf("Retryable(%v) = %v, %v, want %v, %v", tt.err, retry, after, tt.wantRetry, tt.wantAfter)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name     string
		b        Backoff
		min, max time.Duration // the steps Wait takes as its effective Min and Max
	}{
		{"defaults", Backoff{}, 100 * time.Millisecond, 30 * time.Second},
		{"set", Backoff{Min: 10 * time.Millisecond, Max: time.Second}, 10 * time.Millisecond, time.Second},
		{"max below min", Backoff{Min: time.Second, Max: time.Millisecond}, time.Second, time.Second},
		{"huge", Backoff{Min: time.Hour, Max: math.MaxInt64}, time.Hour, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prevStep := time.Duration(0)
			for attempt := 0; attempt <= 100; attempt++ {
				step := tt.max
				if attempt < 62 && tt.min <= tt.max>>attempt {
					step = tt.min << attempt
				}
				if step < prevStep {
					t.Fatalf("attempt %d: step %v below the previous %v", attempt, step, prevStep)
				}
				prevStep = step
				for range 20 {
					if w := tt.b.Wait(attempt); w < step/2 || w > step {
						t.Fatalf("Wait(%d) = %v, want within [%v, %v]", attempt, w, step/2, step)
					}
				}
			}
			for _, attempt := range []int{-1, math.MaxInt} {
				step := tt.min
				if attempt > 0 {
					step = tt.max
				}
				if w := tt.b.Wait(attempt); w < step/2 || w > step {
					t.Fatalf("Wait(%d) = %v, want within [%v, %v]", attempt, w, step/2, step)
				}
			}
		})
	}
}

// This file owns the retry policy's two halves that know the transports:
// which errors are worth a retry (Retryable), and how long to wait between
// retries (Backoff).

package netsend

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"syscall"
	"time"
)

// Retryable reports whether a failed Send may succeed if tried again, and
// how long the peer asked to wait first (0: no preference).
//
// Retryable:
//   - network errors: timeouts, connection refused or reset, a broken pipe,
//     a failed dial or name lookup, and any other error a Send returns that
//     is not listed below;
//   - HTTP 408, 429 and 5xx answers, with the wait of their Retry-After.
//
// Not retryable, because the same batch to the same peer with the same
// configuration would fail again:
//   - nil;
//   - [ErrClosed]: the Sender was closed;
//   - HTTP answers other than 408, 429 and 5xx: another 4xx (the batch would
//     never be accepted), a 3xx (redirects are not followed), a 1xx;
//   - TLS certificate verification failures, of the peer's certificate by
//     us (unknown authority, wrong host name, expired) or of ours by the peer
//     (a certificate alert such as bad_certificate or unknown_ca);
//   - a datagram too long for the socket (EMSGSIZE: MaxDatagram is too big);
//   - a malformed batch (ends that do not describe p).
func Retryable(err error) (retry bool, after time.Duration) {
	if err == nil || errors.Is(err, ErrClosed) || errors.Is(err, errBatch) {
		return false, 0
	}
	var he *HTTPError
	if errors.As(err, &he) && he.StatusCode != 0 {
		switch c := he.StatusCode; {
		case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500 && c <= 599:
			return true, he.RetryAfter
		default:
			return false, 0
		}
	}
	if isCertificateError(err) || errors.Is(err, syscall.EMSGSIZE) {
		return false, 0
	}
	return true, 0
}

// isCertificateError reports whether err is a failed verification of a TLS
// certificate, on either side.
func isCertificateError(err error) bool {
	var (
		verr   *tls.CertificateVerificationError
		unauth x509.UnknownAuthorityError
		host   x509.HostnameError
		inval  x509.CertificateInvalidError
		alert  tls.AlertError
	)
	switch {
	case errors.As(err, &verr), errors.As(err, &unauth), errors.As(err, &host), errors.As(err, &inval):
		return true
	case errors.As(err, &alert):
		switch alert {
		case 42, 43, 44, 45, 46, 48, 116:
			// bad_certificate, unsupported_certificate, certificate_revoked,
			// certificate_expired, certificate_unknown, unknown_ca,
			// certificate_required (RFC 8446 section 6.2)
			return true
		}
	}
	return false
}

// Backoff computes the waits between retries: exponential from Min,
// doubling with each attempt, capped at Max, with "equal jitter" (AWS
// architecture blog, "Exponential Backoff And Jitter"): the wait for a step
// d is drawn uniformly from [d/2, d], so it grows with the attempt while
// senders that failed together spread apart. The zero value works.
type Backoff struct {
	// Min is the step of the first retry. 0: 100ms.
	Min time.Duration
	// Max caps the step. 0: 30s; a Max below Min is taken as Min.
	Max time.Duration
}

// Defaults of Backoff.
const (
	defaultBackoffMin = 100 * time.Millisecond
	defaultBackoffMax = 30 * time.Second
)

// Wait returns the wait before retry number attempt, attempt 0 being the
// first retry. It never overflows, however large attempt is; a negative
// attempt is taken as 0. It is safe for concurrent use.
func (b Backoff) Wait(attempt int) time.Duration {
	d := b.step(attempt)
	return d/2 + time.Duration(rand.Int64N(int64(d-d/2)+1))
}

// step returns Min doubled attempt times, capped at Max.
func (b Backoff) step(attempt int) time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = defaultBackoffMin
	}
	if hi <= 0 {
		hi = defaultBackoffMax
	}
	if hi < lo {
		hi = lo
	}
	d := lo
	for i := 0; i < attempt; i++ {
		if d > hi/2 {
			return hi // doubling would pass hi, or overflow
		}
		d *= 2
	}
	return d
}

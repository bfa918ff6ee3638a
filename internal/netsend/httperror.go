// This file owns HTTPError, the error of an HTTP Send, and the parsing of
// the Retry-After header it carries.

package netsend

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HTTPError is the error of an HTTP Send that did not deliver its batch:
// either the server answered with a status other than 2xx, or the request
// failed on the network (StatusCode 0, Err set).
type HTTPError struct {
	// URL is the request's URL, as RedactURL shows it.
	URL string
	// StatusCode is the answer's status, 0 for a network error.
	StatusCode int
	// RetryAfter is the wait the answer's Retry-After header asked for
	// (delay-seconds or HTTP-date), 0 if there was none or it did not parse.
	RetryAfter time.Duration
	// Body is the start of the answer's body, up to 512 bytes, for the
	// error message.
	Body string
	// Err is the network error when StatusCode is 0.
	Err error
}

// Error says which request failed and how: "netsend: POST URL: 503 Service
// Unavailable: body", or "netsend: POST URL: " and the network error.
func (e *HTTPError) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("netsend: POST %s: %v", e.URL, e.Err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "netsend: POST %s: %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	return b.String()
}

// Unwrap returns Err, the network error, or nil for an answer.
func (e *HTTPError) Unwrap() error { return e.Err }

// retryAfter parses h's Retry-After header: delay-seconds, or an HTTP-date
// taken relative to the answer's Date header (the server's clock, so clock
// skew does not matter) or to now if it has none. It returns 0 for a
// missing, unparsable or past value.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	d := at.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}

// maxRetryAfter caps what a Retry-After header may ask for, so that a
// nonsense value cannot overflow a Duration or park a destination for years.
const maxRetryAfter = 24 * time.Hour

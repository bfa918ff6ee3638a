// This file owns what every transport shares: the Sender interface, its
// Options and their defaults, ErrClosed, and the check of a batch's shape.

package netsend

import (
	"crypto/tls"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Sender delivers batches of whole records to one peer.
//
// A Sender is used by one goroutine at a time: the caller serializes Send.
// Close may be called from another goroutine while Send is blocked, and makes
// that Send return promptly with an error; Close is safe to call more than
// once.
type Sender interface {
	// Send delivers p, which holds whole records: record i is
	// p[ends[i-1]:ends[i]] (ends[-1] taken as 0), ends ascending, and
	// ends[len(ends)-1] == len(p). It returns how many records, from the
	// first, were delivered as far as the transport can tell, and an error
	// if not all were. Send does not keep p or ends after it returns.
	Send(p []byte, ends []int) (int, error)
	// Close closes the connection and makes any Send in progress, and every
	// later one, fail with ErrClosed.
	Close() error
}

// ErrClosed is the error of a Send on a Sender that was closed, or that was
// closed while the Send was in progress. [Retryable] reports it as not
// retryable.
var ErrClosed = errors.New("netsend: sender closed")

// errBatch marks a batch whose ends do not describe p: a bug of the caller,
// which no retry can mend.
var errBatch = errors.New("netsend: malformed batch")

// Options configures a Sender. The zero value works: every field says its
// default.
type Options struct {
	// DialTimeout bounds a dial, the TLS handshake included. 0: 5s.
	DialTimeout time.Duration
	// WriteTimeout bounds each Send on streams and datagrams, and each
	// request for HTTP (answer included). 0: 10s.
	WriteTimeout time.Duration
	// TLS configures tls:// and https://. nil: system roots, TLS 1.2 at
	// least. The Sender uses a clone; for tls:// an empty ServerName is set
	// from the address's host.
	TLS *tls.Config
	// MaxDatagram is the longest datagram, in bytes, that udp:// and
	// unixgram:// send: a longer record is cut to this many bytes.
	// 0: 65507, the most a UDP datagram over IPv4 can carry.
	MaxDatagram int

	// Headers are set on every HTTP request. HTTP only.
	Headers map[string]string
	// Gzip compresses the HTTP request body and sets
	// Content-Encoding: gzip. HTTP only.
	Gzip bool
	// ContentType is the HTTP request's Content-Type.
	// "": application/x-ndjson. HTTP only.
	ContentType string
}

// Defaults of Options.
const (
	defaultDialTimeout  = 5 * time.Second
	defaultWriteTimeout = 10 * time.Second
	defaultMaxDatagram  = 65507
	defaultContentType  = "application/x-ndjson"
)

// withDefaults returns o with its zero fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.DialTimeout <= 0 {
		o.DialTimeout = defaultDialTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = defaultWriteTimeout
	}
	if o.MaxDatagram <= 0 {
		o.MaxDatagram = defaultMaxDatagram
	}
	if o.ContentType == "" {
		o.ContentType = defaultContentType
	}
	return o
}

// checkBatch reports an error wrapping errBatch if ends does not describe p.
func checkBatch(p []byte, ends []int) error {
	if len(ends) == 0 {
		if len(p) != 0 {
			return fmt.Errorf("%w: %d bytes but no record ends", errBatch, len(p))
		}
		return nil
	}
	if last := ends[len(ends)-1]; last != len(p) {
		return fmt.Errorf("%w: last record ends at %d, len(p) is %d", errBatch, last, len(p))
	}
	prev := 0
	for i, e := range ends {
		if e < prev {
			return fmt.Errorf("%w: ends[%d] = %d comes before %d", errBatch, i, e, prev)
		}
		prev = e
	}
	return nil
}

// whole returns how many records lie wholly within the first n bytes of the
// batch that ends describes.
func whole(ends []int, n int) int {
	return sort.Search(len(ends), func(i int) bool { return ends[i] > n })
}

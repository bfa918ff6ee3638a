// This file owns the datagram sender: udp://, unixgram:// and unix:// (as a
// datagram socket) carrying one record per datagram.

package netsend

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"
)

var _ Sender = (*DatagramSender)(nil)

// DatagramSender is a Sender that sends one datagram per record. Datagram
// returns it. Like every Sender it is used by one goroutine at a time, but
// Close and Truncated are safe from any goroutine.
type DatagramSender struct {
	conn      *lazyConn
	timeout   time.Duration
	max       int
	truncated atomic.Uint64
}

// Datagram returns a Sender for "udp://host:port" or "unixgram:///path";
// "unix:///path" is taken as a datagram unix socket too, as /dev/log is.
// Each record is sent as one datagram; a record longer than
// opts.MaxDatagram is cut to MaxDatagram bytes, sent, and counted in
// [DatagramSender.Truncated].
//
// The socket is connected lazily on the first Send, and again on the Send
// after any error. A record counts as delivered once the kernel accepted its
// datagram: a datagram may still be lost on the way. A send that fails ends
// the Send, which returns how many records were sent before it. On udp, a
// peer with no listener shows up as ECONNREFUSED on a later send (the kernel
// learns it from an ICMP answer to an earlier one): that is an error, and
// the next Send connects anew. A write deadline of opts.WriteTimeout bounds
// each Send, since a unix datagram socket blocks while its reader lags.
func Datagram(address string, opts Options) (*DatagramSender, error) {
	scheme, addr, err := ParseAddress(address)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	var network string
	switch scheme {
	case "udp":
		network = "udp"
	case "unix", "unixgram":
		network = "unixgram"
	default:
		return nil, fmt.Errorf("netsend: Datagram %q: %s is a stream transport (want udp, unixgram or unix; use Stream)", address, scheme)
	}
	dialer := &net.Dialer{Timeout: opts.DialTimeout}
	dial := func(ctx context.Context) (net.Conn, error) { return dialer.DialContext(ctx, network, addr) }
	return &DatagramSender{
		conn:    newLazyConn(address, dial),
		timeout: opts.WriteTimeout,
		max:     opts.MaxDatagram,
	}, nil
}

// Send sends each record of p as one datagram, in order, under one deadline
// of WriteTimeout for the whole batch.
func (s *DatagramSender) Send(p []byte, ends []int) (int, error) {
	c, err := s.conn.prepare(p, ends, s.timeout, false)
	if c == nil {
		return 0, err
	}
	start := 0
	for i, end := range ends {
		rec := p[start:end]
		start = end
		cut := len(rec) > s.max
		if cut {
			rec = rec[:s.max]
		}
		if _, err := c.Write(rec); err != nil {
			return i, s.conn.failed(c, err)
		}
		if cut {
			s.truncated.Add(1)
		}
	}
	return len(ends), nil
}

// Truncated returns how many records were cut to MaxDatagram bytes so far.
// It is safe to call from any goroutine.
func (s *DatagramSender) Truncated() uint64 { return s.truncated.Load() }

// Close closes the socket; a Send in progress returns ErrClosed.
func (s *DatagramSender) Close() error { return s.conn.close() }

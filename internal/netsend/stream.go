// This file owns the stream sender: tcp://, tls:// and unix:// sockets that
// carry a batch as one write of records back to back.

package netsend

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

var _ Sender = (*streamSender)(nil)

// Stream returns a Sender for "tcp://host:port", "tls://host:port" or
// "unix:///path" (a unix stream socket). Each Send writes the batch's
// records back to back in one Write: framing (a newline, octet counting) is
// the caller's, already in p.
//
// The connection is dialed lazily on the first Send, and again on the Send
// after any error: a failed or short write closes it. A write deadline of
// opts.WriteTimeout bounds each Send, so a peer that stalls cannot hang the
// caller.
//
// A record counts as delivered when it lies wholly within the bytes the
// kernel accepted: acceptance by the kernel, not by the peer, since plain
// TCP has no acknowledgement a sender can see. Records the kernel accepted
// are lost if the connection then fails before the peer reads them.
//
// For tls://, the Sender uses a clone of opts.TLS (nil: system roots, TLS 1.2
// at least) whose ServerName, if empty, is the address's host.
func Stream(address string, opts Options) (Sender, error) {
	scheme, addr, err := ParseAddress(address)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	dialer := &net.Dialer{Timeout: opts.DialTimeout}
	var dial func(ctx context.Context) (net.Conn, error)
	switch scheme {
	case "tcp":
		dial = func(ctx context.Context) (net.Conn, error) { return dialer.DialContext(ctx, "tcp", addr) }
	case "unix":
		dial = func(ctx context.Context) (net.Conn, error) { return dialer.DialContext(ctx, "unix", addr) }
	case "tls":
		cfg := tlsFor(opts.TLS)
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(addr) // ParseAddress checked it
			cfg.ServerName = host
		}
		td := &tls.Dialer{NetDialer: dialer, Config: cfg}
		dial = func(ctx context.Context) (net.Conn, error) {
			// tls.Dialer bounds the handshake by the dialer's Timeout too.
			return td.DialContext(ctx, "tcp", addr)
		}
	default:
		return nil, fmt.Errorf("netsend: Stream %q: %s is a datagram transport (want tcp, tls or unix; use Datagram)", address, scheme)
	}
	return &streamSender{conn: newLazyConn(address, dial), timeout: opts.WriteTimeout}, nil
}

// tlsFor returns a clone of cfg, or a fresh config if cfg is nil, with TLS
// 1.2 at least.
func tlsFor(cfg *tls.Config) *tls.Config {
	if cfg == nil {
		return &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return cfg.Clone()
}

// streamSender is the Sender that Stream returns.
type streamSender struct {
	conn    *lazyConn
	timeout time.Duration
}

// Send writes p in one Write under a deadline of WriteTimeout.
func (s *streamSender) Send(p []byte, ends []int) (int, error) {
	c, err := s.conn.prepare(p, ends, s.timeout, true)
	if c == nil {
		return 0, err
	}
	n, err := c.Write(p)
	if err != nil {
		return whole(ends, n), s.conn.failed(c, err)
	}
	return len(ends), nil
}

// Close closes the connection; a Send blocked in Write returns ErrClosed.
func (s *streamSender) Close() error { return s.conn.close() }

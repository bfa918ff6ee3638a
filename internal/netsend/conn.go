// This file owns the connection that stream and datagram senders share: it
// is dialed lazily, dropped after a failure, and closed for good by Close,
// which also unblocks a Send in progress.

package netsend

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// lazyConn is a connection dialed on first use and again after drop.
//
// One goroutine at a time calls get and drop (the Sender's caller); close may
// be called from any goroutine at any time. mu guards conn and closed; the
// dial runs outside mu, and close cancels it through ctx.
type lazyConn struct {
	address string // as the user wrote it, for error messages
	dial    func(ctx context.Context) (net.Conn, error)

	ctx    context.Context // cancelled by close: ends a dial in progress
	cancel context.CancelFunc

	mu     sync.Mutex
	conn   net.Conn // nil: not dialed, or dropped
	closed bool
}

func newLazyConn(address string, dial func(ctx context.Context) (net.Conn, error)) *lazyConn {
	ctx, cancel := context.WithCancel(context.Background())
	return &lazyConn{address: address, dial: dial, ctx: ctx, cancel: cancel}
}

// get returns the connection, dialing it if there is none.
func (l *lazyConn) get() (net.Conn, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	if c := l.conn; c != nil {
		l.mu.Unlock()
		return c, nil
	}
	l.mu.Unlock()

	c, err := l.dial(l.ctx)
	if err != nil {
		if l.isClosed() {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("netsend: dial %s: %w", l.address, err)
	}
	l.mu.Lock()
	if l.closed {
		// close ran during the dial: it could not see c, so c is ours to close.
		l.mu.Unlock()
		_ = c.Close()
		return nil, ErrClosed
	}
	l.conn = c
	l.mu.Unlock()
	return c, nil
}

// prepare checks a batch and returns the connection to send it on, dialed
// if need be, with a write deadline of timeout set: nil, and no error, for
// an empty batch. With probe (streams), a connection whose peer closed it
// since the last batch is dialed anew first (see peerClosed).
func (l *lazyConn) prepare(p []byte, ends []int, timeout time.Duration, probe bool) (net.Conn, error) {
	if err := checkBatch(p, ends); err != nil {
		return nil, err
	}
	if len(ends) == 0 {
		return nil, nil
	}
	c, err := l.get()
	if err != nil {
		return nil, err
	}
	if probe && peerClosed(c) {
		// A write would still be accepted by the kernel, and lost.
		l.drop(c)
		if c, err = l.get(); err != nil {
			return nil, err
		}
	}
	if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return nil, l.failed(c, err)
	}
	return c, nil
}

// drop closes c after a failed write, so that the next get dials anew.
func (l *lazyConn) drop(c net.Conn) {
	l.mu.Lock()
	if l.conn == c {
		l.conn = nil
	}
	l.mu.Unlock()
	_ = c.Close()
}

// failed returns the error for a write on c that failed with err, and drops
// c: ErrClosed if the sender was closed (close closing c is what failed the
// write), else err wrapped with the address.
func (l *lazyConn) failed(c net.Conn, err error) error {
	l.drop(c)
	if l.isClosed() {
		return ErrClosed
	}
	return fmt.Errorf("netsend: write %s: %w", l.address, err)
}

func (l *lazyConn) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// close closes the connection for good. Closing it makes a Write blocked on
// it return at once. close is idempotent: only the first call closes.
func (l *lazyConn) close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	c := l.conn
	l.conn = nil
	l.mu.Unlock()

	l.cancel()
	if c == nil {
		return nil
	}
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("netsend: close %s: %w", l.address, err)
	}
	return nil
}

//go:build unix

// This file owns the check, on unix, that a stream's peer has not closed
// the connection while it sat idle.

package netsend

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// peerClosed reports whether the peer of c has closed the connection (or
// reset it), as far as this end knows now. A receiver of logs never sends
// anything, so a write into a connection it closed would be taken by the
// kernel and lost: the batch must go to a new connection instead. The
// check peeks at the socket without waiting and without taking what it
// finds (a TLS session ticket stays for the TLS layer): no bytes and no
// error is the end of the stream. One system call; rsyslog's omfwd makes
// the same check. (A read with a deadline in the past would not do: Go
// returns the timeout without reading.)
func peerClosed(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			closed = n == 0
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EINTR):
		default:
			closed = true // a reset, or worse
		}
		return true // done: never wait for readability
	})
	return closed || err != nil
}

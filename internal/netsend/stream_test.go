package netsend

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// server is a stream listener on loopback whose connections a test handles
// one after the other with the functions it was given; it owns the
// goroutine that accepts them, which ends at cleanup.
type server struct {
	ln   net.Listener
	done chan struct{}
}

// serve listens on network ("tcp" or "unix") and hands its connections, in
// order, to handlers; connections past the last handler are closed.
// stop is closed at cleanup, before the listener is, for handlers that wait.
func serve(t *testing.T, network string, handlers ...func(c net.Conn, stop <-chan struct{})) (address string) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "s.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if i < len(handlers) {
				handlers[i](c, stop)
			}
			c.Close()
		}
	}()
	t.Cleanup(func() {
		close(stop)
		ln.Close()
		<-done
	})
	if network == "unix" {
		return "unix://" + addr
	}
	return "tcp://" + ln.Addr().String()
}

// readAll returns a handler that sends all its connection reads on got.
func readAll(got chan<- []byte) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, _ <-chan struct{}) {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		got <- b
	}
}

// stall is a handler that never reads until the test ends.
func stall(_ net.Conn, stop <-chan struct{}) { <-stop }

func TestStreamDelivers(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			got := make(chan []byte, 1)
			s, err := Stream(serve(t, network, readAll(got)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			for _, b := range [][]string{{"a\n", "bb\n"}, {"<14>1 c\n"}, {"7 d e f\n", "", "g\n"}} {
				p, ends := batch(b...)
				if n, err := s.Send(p, ends); n != len(ends) || err != nil {
					t.Fatalf("Send(%q) = %d, %v, want %d, nil", p, n, err, len(ends))
				}
				want = append(want, p...)
			}
			if n, err := s.Send(nil, nil); n != 0 || err != nil {
				t.Fatalf("Send of no records = %d, %v, want 0, nil", n, err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if b := <-got; string(b) != string(want) {
				t.Fatalf("peer read %q, want %q", b, want)
			}
		})
	}
}

func TestStreamPeerClosesMidStreamThenRedial(t *testing.T) {
	got := make(chan []byte, 1)
	closeEarly := func(c net.Conn, _ <-chan struct{}) {
		_, _ = io.ReadFull(c, make([]byte, 1000))
		// Closing with bytes unread resets the connection.
	}
	s, err := Stream(serve(t, "tcp", closeEarly, readAll(got)), Options{WriteTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	p, ends := bigBatch(16<<10, 1024) // 16 MB: more than the kernel buffers hold
	var n int
	within(t, 5*time.Second, func() { n, err = s.Send(p, ends) })
	if err == nil {
		t.Fatalf("Send to a peer that closed = %d, nil, want an error", n)
	}
	if n < 0 || n >= len(ends) {
		t.Fatalf("Send to a peer that closed delivered %d records of %d", n, len(ends))
	}
	if retry, _ := Retryable(err); !retry {
		t.Fatalf("Retryable(%v) = false, want true", err)
	}

	p, ends = batch("after\n", "redial\n")
	if n, err := s.Send(p, ends); n != len(ends) || err != nil {
		t.Fatalf("Send after the failure = %d, %v, want %d, nil", n, err, len(ends))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != string(p) {
		t.Fatalf("second connection read %q, want %q", b, p)
	}
}

func TestStreamStalledPeerTimesOut(t *testing.T) {
	const timeout = 200 * time.Millisecond
	s, err := Stream(serve(t, "tcp", stall), Options{WriteTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, ends := bigBatch(16<<10, 1024)
	var n int
	took := within(t, 5*time.Second, func() { n, err = s.Send(p, ends) })
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Send to a stalled peer: %v, want a timeout", err)
	}
	if n >= len(ends) {
		t.Fatalf("Send to a stalled peer delivered %d of %d records", n, len(ends))
	}
	if took < timeout || took > timeout+time.Second {
		t.Fatalf("Send took %v, want about %v", took, timeout)
	}
	if retry, _ := Retryable(err); !retry {
		t.Fatalf("Retryable(%v) = false, want true", err)
	}
}

func TestStreamCloseUnblocksSend(t *testing.T) {
	s, err := Stream(serve(t, "tcp", stall), Options{WriteTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	p, ends := bigBatch(16<<10, 1024)
	sent := make(chan error, 1)
	go func() {
		_, err := s.Send(p, ends)
		sent <- err
	}()
	time.Sleep(100 * time.Millisecond) // let Send fill the buffers and block
	closed := make(chan error, 2)
	go func() { closed <- s.Close() }() // Close twice, concurrently
	go func() { closed <- s.Close() }()
	select {
	case err := <-sent:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Send blocked when closed: %v, want ErrClosed", err)
		}
		if retry, _ := Retryable(err); retry {
			t.Fatalf("Retryable(%v) = true, want false", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Send still blocked 2s after Close")
	}
	for range 2 {
		if err := <-closed; err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if n, err := s.Send(batch("late\n")); n != 0 || !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close = %d, %v, want 0, ErrClosed", n, err)
	}
}

func TestStreamRejectsMalformedBatch(t *testing.T) {
	s, err := Stream("tcp://127.0.0.1:1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name string
		p    []byte
		ends []int
	}{
		{"last end short of p", []byte("abc"), []int{1, 2}},
		{"bytes without ends", []byte("abc"), nil},
		{"ends descending", []byte("abc"), []int{2, 1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.Send(tt.p, tt.ends)
			if n != 0 || !errors.Is(err, errBatch) {
				t.Fatalf("Send = %d, %v, want 0 and a malformed batch error", n, err)
			}
		})
	}
}

package netsend

import (
	"errors"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// listenPacket listens for datagrams on network ("udp" or "unixgram") and
// returns the connection and the address a Datagram sender takes for it.
func listenPacket(t *testing.T, network, scheme string) (net.PacketConn, string) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unixgram" {
		addr = filepath.Join(t.TempDir(), "g.sock")
	}
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc, scheme + "://" + pc.LocalAddr().String()
}

// readDatagrams reads n datagrams from pc.
func readDatagrams(t *testing.T, pc net.PacketConn, n int) []string {
	t.Helper()
	if err := pc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	var got []string
	buf := make([]byte, 1<<16)
	for range n {
		m, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, string(buf[:m]))
	}
	return got
}

func TestDatagramOneRecordPerDatagram(t *testing.T) {
	tests := []struct{ network, scheme string }{
		{"udp", "udp"},
		{"unixgram", "unixgram"},
		{"unixgram", "unix"}, // unix:// as a datagram socket, as /dev/log is
	}
	for _, tt := range tests {
		t.Run(tt.scheme, func(t *testing.T) {
			pc, addr := listenPacket(t, tt.network, tt.scheme)
			s, err := Datagram(addr, Options{MaxDatagram: 10})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			p, ends := batch("<14>one", "<14>two", "<14>longer than ten")
			if n, err := s.Send(p, ends); n != len(ends) || err != nil {
				t.Fatalf("Send = %d, %v, want %d, nil", n, err, len(ends))
			}
			got := readDatagrams(t, pc, 3)
			want := []string{"<14>one", "<14>two", "<14>longer"}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("datagrams %q, want %q", got, want)
				}
			}
			if n := s.Truncated(); n != 1 {
				t.Fatalf("Truncated() = %d, want 1", n)
			}
		})
	}
}

func TestDatagramNoListenerIsRetryableError(t *testing.T) {
	pc, addr := listenPacket(t, "udp", "udp")
	pc.Close() // nobody listens on the port any more: the kernel answers with ICMP
	s, err := Datagram(addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, ends := batch("<14>lost")
	for i := 0; ; i++ {
		_, err = s.Send(p, ends)
		if err != nil {
			break
		}
		if i == 20 {
			t.Fatal("20 sends to a port with no listener, no error")
		}
		time.Sleep(10 * time.Millisecond) // for the ICMP answer
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Send error %v, want ECONNREFUSED", err)
	}
	if retry, _ := Retryable(err); !retry {
		t.Fatalf("Retryable(%v) = false, want true", err)
	}

	// A listener back on the port gets the next Send: it dials anew.
	pc2, err := net.ListenPacket("udp", pc.LocalAddr().String())
	if err != nil {
		t.Skipf("port taken again before the test could: %v", err)
	}
	defer pc2.Close()
	if n, err := s.Send(p, ends); n != 1 || err != nil {
		t.Fatalf("Send after a listener came back = %d, %v, want 1, nil", n, err)
	}
	if got := readDatagrams(t, pc2, 1); got[0] != string(p) {
		t.Fatalf("datagram %q, want %q", got[0], p)
	}
}

func TestDatagramClose(t *testing.T) {
	_, addr := listenPacket(t, "udp", "udp")
	s, err := Datagram(addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Send(batch("x")); n != 1 || err != nil {
		t.Fatalf("Send = %d, %v", n, err)
	}
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if n, err := s.Send(batch("y")); n != 0 || !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close = %d, %v, want 0, ErrClosed", n, err)
	}
}

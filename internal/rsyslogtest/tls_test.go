// This file owns the test of the TLS listener.

package rsyslogtest

import (
	"crypto/tls"
	"fmt"
	"net"
	"testing"
	"time"
)

func TestServerTLS(t *testing.T) {
	files := NewTLSFiles(t)
	s := Start(t, Options{TLS: files})
	cfg, err := files.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		c, err := tls.DialWithDialer(&netDialer, "tcp", s.TLSAddr, cfg)
		if err != nil {
			t.Fatalf("round %d: dial: %v", round, err)
		}
		msg := fmt.Sprintf("<134>1 2026-03-05T07:08:09.123456Z host app 7 tls%d - over tls", round)
		if err := c.SetDeadline(time.Now().Add(waitTimeout)); err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Fprintf(c, "%d %s", len(msg), msg); err != nil {
			t.Fatalf("round %d: write: %v", round, err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}
		got := s.WaitMessages(t, round+1, waitTimeout)
		if len(got) != round+1 {
			t.Fatalf("round %d: got %d messages, want %d", round, len(got), round+1)
		}
		checkMessage(t, got[round], Message{Facility: 16, Severity: 6, Hostname: "host", AppName: "app", ProcID: "7",
			MsgID: fmt.Sprintf("tls%d", round), Input: "imtcp", Msg: "over tls"})
		if round == 0 {
			s.Kill()
			s.Restart(t)
		}
	}
}

// netDialer bounds the TLS dials of the tests.
var netDialer = net.Dialer{Timeout: waitTimeout}

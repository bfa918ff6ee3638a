// This file owns the tests of the helper itself: hand-written messages
// over each transport, parsed back; a kill and a restart; a stop.

package rsyslogtest

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// waitTimeout bounds every wait for messages in these tests.
const waitTimeout = 10 * time.Second

// transport sends one message over one of the server's inputs.
type transport struct {
	name  string
	input string // rsyslog's inputname
	send  func(t *testing.T, s *Server, msg string)
}

var transports = []transport{
	{"tcp", "imtcp", func(t *testing.T, s *Server, msg string) {
		t.Helper()
		send(t, "tcp", s.TCPAddr, fmt.Sprintf("%d %s", len(msg), msg))
	}},
	{"udp", "imudp", func(t *testing.T, s *Server, msg string) {
		t.Helper()
		send(t, "udp", s.UDPAddr, msg)
	}},
	{"unix", "imuxsock", func(t *testing.T, s *Server, msg string) {
		t.Helper()
		send(t, "unixgram", s.SocketPath, msg)
	}},
}

func send(t *testing.T, network, addr, data string) {
	t.Helper()
	if err := dialSend(network, addr, []byte(data)); err != nil {
		t.Fatalf("send over %s to %s: %v", network, addr, err)
	}
}

// checkMessage fails t unless got has the fields of want that are set,
// with Input and Msg always compared.
func checkMessage(t *testing.T, got, want Message) {
	t.Helper()
	if got.Facility != want.Facility || got.Severity != want.Severity {
		t.Errorf("facility.severity = %d.%d, want %d.%d (raw %s)", got.Facility, got.Severity, want.Facility, want.Severity, got.Raw)
	}
	for _, f := range []struct{ name, got, want string }{
		{"hostname", got.Hostname, want.Hostname},
		{"appname", got.AppName, want.AppName},
		{"procid", got.ProcID, want.ProcID},
		{"msgid", got.MsgID, want.MsgID},
		{"input", got.Input, want.Input},
		{"msg", got.Msg, want.Msg},
	} {
		if f.got != f.want {
			t.Errorf("%s = %q, want %q (raw %s)", f.name, f.got, f.want, got.Raw)
		}
	}
}

func TestServerTransports(t *testing.T) {
	s := Start(t, Options{TCP: true, UDP: true, Unix: true})
	for _, addr := range []string{s.TCPAddr, s.UDPAddr} {
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("address %q, want 127.0.0.1:port", addr)
		}
	}
	if _, err := os.Stat(s.SocketPath); err != nil {
		t.Errorf("socket: %v", err)
	}

	want := make([]Message, 0, 2*len(transports))
	sendAll := func(round string) {
		t.Helper()
		for i, tr := range transports {
			facility, severity := 16+i, i+1
			msg := fmt.Sprintf("<%d>1 2026-03-05T07:08:09.123456+02:00 host-%s app-%s %d ID%s - hello %s\tround %s",
				facility*8+severity, tr.name, tr.name, 100+i, round, tr.name, round)
			tr.send(t, s, msg)
			want = append(want, Message{
				Facility: facility, Severity: severity,
				Hostname: "host-" + tr.name, AppName: "app-" + tr.name,
				ProcID: fmt.Sprint(100 + i), MsgID: "ID" + round,
				Input: tr.input, Msg: "hello " + tr.name + "\tround " + round,
			})
		}
	}
	check := func() {
		t.Helper()
		got := s.WaitMessages(t, len(want), waitTimeout)
		if len(got) != len(want) {
			t.Fatalf("got %d messages, want %d: %+v", len(got), len(want), got)
		}
		// Inputs run on their own threads: match by MSGID and input.
		for _, w := range want {
			found := false
			for _, g := range got {
				if g.Input == w.Input && g.MsgID == w.MsgID {
					checkMessage(t, g, w)
					found = true
				}
			}
			if !found {
				t.Errorf("no message from %s with msgid %s in %+v", w.Input, w.MsgID, got)
			}
		}
	}

	sendAll("1")
	check()

	s.Kill()
	if err := dialSend("tcp", s.TCPAddr, []byte("3 abc")); err == nil {
		t.Errorf("a TCP connection succeeded after Kill")
	}
	s.Restart(t)
	sendAll("2")
	check()

	s.Stop()
	if got := s.Messages(t); len(got) != len(want) {
		t.Errorf("after Stop: %d messages, want %d", len(got), len(want))
	}
	s.Stop() // twice is fine
}

func TestServerRestartRunning(t *testing.T) {
	s := Start(t, Options{UDP: true})
	s.Restart(t)
	transports[1].send(t, s, "<14>1 - h a 1 after-restart - x")
	got := s.WaitMessages(t, 1, waitTimeout)
	if len(got) != 1 || got[0].MsgID != "after-restart" {
		t.Fatalf("messages %+v, want one with msgid after-restart", got)
	}
}

func TestServerRestartPortTaken(t *testing.T) {
	s := Start(t, Options{TCP: true})
	s.Stop()
	l, err := net.Listen("tcp", s.TCPAddr)
	if err != nil {
		t.Skipf("port of the stopped rsyslogd taken meanwhile: %v", err)
	}
	defer l.Close()
	s.readyTimeout = time.Second
	err = s.run()
	if err == nil {
		t.Fatal("run succeeded with its TCP port taken")
	}
	for _, want := range []string{"not ready on tcp", "Address already in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	s.mu.Lock()
	running := s.proc != nil
	s.mu.Unlock()
	if running {
		t.Error("rsyslogd still recorded as running after a failed start")
	}
}

func TestServerLongMessage(t *testing.T) {
	s := Start(t, Options{TCP: true, UDP: true})
	body := strings.Repeat("x", 60000)
	msg := "<14>1 - h a 1 long - " + body
	transports[0].send(t, s, msg)
	transports[1].send(t, s, msg)
	got := s.WaitMessages(t, 2, waitTimeout)
	if len(got) != 2 {
		t.Fatalf("got %d messages, want 2", len(got))
	}
	for _, m := range got {
		if m.Msg != body {
			t.Errorf("%s: msg of %d bytes, want %d", m.Input, len(m.Msg), len(body))
		}
	}
}

func TestTLSDriver(t *testing.T) {
	tests := []struct {
		name        string
		modules     []string
		wantDriver  string
		wantMissing string
	}{
		{"gtls", []string{"imtcp.so", "lmnsd_ptcp.so", "lmnsd_gtls.so"}, "gtls", ""},
		{"ossl only", []string{"imtcp.so", "lmnsd_ossl.so"}, "ossl", ""},
		{"both", []string{"imtcp.so", "lmnsd_gtls.so", "lmnsd_ossl.so"}, "gtls", ""},
		{"none", []string{"imtcp.so", "lmnsd_ptcp.so"}, "", "apt-get install -y rsyslog-gnutls"},
		{"no module directory", nil, "gtls", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, m := range tt.modules {
				if err := os.WriteFile(dir+"/"+m, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			driver, missing := tlsDriverIn([]string{dir})
			if driver != tt.wantDriver || !strings.Contains(missing, tt.wantMissing) || (tt.wantMissing == "") != (missing == "") {
				t.Errorf("tlsDriverIn = %q, %q; want %q, one containing %q", driver, missing, tt.wantDriver, tt.wantMissing)
			}
		})
	}
}

func TestMessagesPartialLine(t *testing.T) {
	dir := t.TempDir()
	s := &Server{Out: dir + "/out.jsonl"}
	if got := s.Messages(t); len(got) != 0 {
		t.Errorf("Messages of a missing Out = %v, want none", got)
	}
	content := `{"facility":"1", "severity":"6", "hostname":"h", "appname":"a", "procid":"1", "msgid":"m", "tag":"a[1]", "input":"imudp", "msg":"x\ty", "rawmsg":"r"}` + "\n" + `{"facility":"1"`
	if err := os.WriteFile(s.Out, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got := s.Messages(t)
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1 (the partial line left)", len(got))
	}
	checkMessage(t, got[0], Message{Facility: 1, Severity: 6, Hostname: "h", AppName: "a", ProcID: "1", MsgID: "m", Input: "imudp", Msg: "x\ty"})
}

package hydra

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hydralog/hydra/internal/rsyslogtest"
	"github.com/stretchr/testify/require"
)

// seqOf returns the "seq" attribute of a JSON record body.
func seqOf(t testing.TB, body string) int {
	t.Helper()
	var rec struct{ Seq int }
	require.NoError(t, json.Unmarshal([]byte(body), &rec), "body %q", body)
	return rec.Seq
}

// requireSeqs checks that msgs hold the records 0..n-1 exactly once each,
// in order.
func requireSeqs(t testing.TB, msgs []rsyslogtest.Message, n int) {
	t.Helper()
	require.Len(t, msgs, n)
	for i, m := range msgs {
		if got := seqOf(t, m.Msg); got != i {
			var around []int
			for _, m := range msgs[max(0, i-3):min(len(msgs), i+300)] {
				around = append(around, seqOf(t, m.Msg))
			}
			t.Fatalf("message %d is record %d: %q; from %d: %v", i, got, m.Msg, max(0, i-3), around)
		}
	}
}

// 100,000 records over TCP reach a real rsyslog exactly once each, in
// order, with the facility, severity, app name, host and msgid parsed as
// hydra wrote them.
func TestSyslogTCPToRsyslog(t *testing.T) {
	srv := rsyslogtest.Start(t, rsyslogtest.Options{TCP: true})
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	h := newTest(t, oneLayer(Destination{Type: "syslog", Address: "tcp://" + srv.TCPAddr, Format: "json",
		Syslog: &SyslogOptions{Facility: "local3", AppName: "hydratest", Hostname: "box1"}}))
	l := slog.New(h)
	for i := range n {
		l.Info("m", "seq", i)
	}
	l.Error("boom", "seq", n, "msgid", "E42")
	l.Warn("careful", "seq", n+1)
	require.NoError(t, h.Flush(context.Background()))
	msgs := srv.WaitMessages(t, n+2, 60*time.Second)
	requireSeqs(t, msgs, n+2)
	for _, m := range msgs[:n] {
		require.Equal(t, 19, m.Facility, m.Raw) // local3
		require.Equal(t, 6, m.Severity, m.Raw)  // info
		require.Equal(t, "hydratest", m.AppName)
		require.Equal(t, "box1", m.Hostname)
		require.Equal(t, strconv.Itoa(os.Getpid()), m.ProcID)
		require.Equal(t, "-", m.MsgID)
	}
	require.Equal(t, 3, msgs[n].Severity)
	require.Equal(t, "E42", msgs[n].MsgID)
	require.Equal(t, 4, msgs[n+1].Severity)
	st := destStats(t, h, "syslog:tcp://"+srv.TCPAddr)
	require.Equal(t, uint64(n+2), st.Written)
	require.Zero(t, st.Failed+st.Dropped)
}

// RFC 3164 over UDP, and text bodies: what an old receiver gets.
func TestSyslogRFC3164OverUDP(t *testing.T) {
	srv := rsyslogtest.Start(t, rsyslogtest.Options{UDP: true})
	h := newTest(t, oneLayer(Destination{Type: "syslog", Address: "udp://" + srv.UDPAddr,
		Syslog: &SyslogOptions{Facility: "daemon", AppName: "old", RFC3164: true}}))
	l := slog.New(h)
	for i := range 20 {
		l.Warn("hello", "seq", i)
	}
	require.NoError(t, h.Flush(context.Background()))
	msgs := srv.WaitMessages(t, 20, 10*time.Second)
	require.Len(t, msgs, 20) // loopback, a handful: none lost
	for _, m := range msgs {
		require.Equal(t, 3, m.Facility)
		require.Equal(t, 4, m.Severity)
		require.Equal(t, "old", m.AppName)
		require.Contains(t, m.Msg, "level=WARN msg=hello seq=")
	}
}

// A record longer than MaxDatagram is cut, sent and counted.
func TestSyslogUDPTruncates(t *testing.T) {
	srv := rsyslogtest.Start(t, rsyslogtest.Options{UDP: true})
	h := newTest(t, oneLayer(Destination{Type: "syslog", Address: "udp://" + srv.UDPAddr,
		Network: &NetworkOptions{MaxDatagram: 200}}))
	l := slog.New(h)
	l.Info("short")
	l.Info("long", "pad", string(make([]byte, 1000)))
	require.NoError(t, h.Flush(context.Background()))
	msgs := srv.WaitMessages(t, 2, 10*time.Second)
	require.Len(t, msgs, 2)
	require.LessOrEqual(t, len(msgs[1].RawMsg), 200)
	st := h.Stats().Destinations[0]
	require.Equal(t, uint64(1), st.Truncated)
	require.Equal(t, uint64(2), st.Written)
}

// unix:// sends to a local syslog daemon's datagram socket, as /dev/log.
func TestSyslogUnixSocket(t *testing.T) {
	srv := rsyslogtest.Start(t, rsyslogtest.Options{Unix: true})
	h := newTest(t, oneLayer(Destination{Type: "syslog", Address: "unix://" + srv.SocketPath,
		Syslog: &SyslogOptions{AppName: "local"}}))
	slog.New(h).Error("via the socket", "k", "v")
	require.NoError(t, h.Flush(context.Background()))
	msgs := srv.WaitMessages(t, 1, 10*time.Second)
	require.Len(t, msgs, 1)
	require.Equal(t, "local", msgs[0].AppName)
	require.Equal(t, 1, msgs[0].Facility) // user
	require.Equal(t, 3, msgs[0].Severity)
	require.Contains(t, msgs[0].Msg, `msg="via the socket" k=v`)
}

// tls:// with the CA from the config: the records arrive; with another CA
// the certificate is refused, counted as failed, and reported, not retried.
func TestSyslogTLS(t *testing.T) {
	files := rsyslogtest.NewTLSFiles(t)
	srv := rsyslogtest.Start(t, rsyslogtest.Options{TLS: files})
	h := newTest(t, oneLayer(Destination{Type: "syslog", Address: "tls://" + srv.TLSAddr, Format: "json",
		TLS: &TLSOptions{CAFile: files.CA, ServerName: "localhost"}}))
	l := slog.New(h)
	for i := range 100 {
		l.Info("secret", "seq", i)
	}
	require.NoError(t, h.Flush(context.Background()))
	requireSeqs(t, srv.WaitMessages(t, 100, 20*time.Second), 100)

	other := rsyslogtest.NewTLSFiles(t) // a CA the server's certificate is not from
	var errs errorList
	cfg := oneLayer(Destination{Type: "syslog", Address: "tls://" + srv.TLSAddr,
		TLS: &TLSOptions{CAFile: other.CA, ServerName: "localhost"}})
	cfg.OnError = errs.add
	h2 := newTest(t, cfg)
	slog.New(h2).Info("never")
	err := h2.Flush(context.Background())
	require.ErrorContains(t, err, "certificate")
	st := h2.Stats().Destinations[0]
	require.Equal(t, uint64(1), st.Failed)
	require.Zero(t, st.Retries)
}

// A config file can say all of it, TLS files included.
func TestSyslogFromAConfigFile(t *testing.T) {
	files := rsyslogtest.NewTLSFiles(t)
	srv := rsyslogtest.Start(t, rsyslogtest.Options{TLS: files})
	path := filepath.Join(t.TempDir(), "hydra.yaml")
	require.NoError(t, os.WriteFile(path, fmt.Appendf(nil, `
default_layer: APP
layers:
  APP:
    destinations:
      - type: syslog
        address: tls://%s
        format: json
        syslog: {facility: local7, app_name: fromfile}
        tls: {ca_file: %q, server_name: localhost}
        network: {write_timeout: 2s, backoff_max: 1s}
`, srv.TLSAddr, files.CA), 0o600))
	cfg, err := LoadConfig(path)
	require.NoError(t, err)
	h := newTest(t, cfg)
	slog.New(h).Info("configured", "seq", 0)
	require.NoError(t, h.Flush(context.Background()))
	msgs := srv.WaitMessages(t, 1, 20*time.Second)
	require.Len(t, msgs, 1)
	require.Equal(t, 23, msgs[0].Facility)
	require.Equal(t, "fromfile", msgs[0].AppName)
}

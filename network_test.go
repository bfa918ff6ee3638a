package hydra

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hydralog/hydra/internal/rsyslogtest"
	"github.com/stretchr/testify/require"
)

// A Reload that points a buffered destination at a collector that is up
// hands its disk buffer to the new destination: what waited there is sent
// first, in order, and the totals of Stats hold across the Reload.
func TestReloadHandsTheDiskBufferOver(t *testing.T) {
	dir := t.TempDir()
	down := Destination{Type: "syslog", Address: "tcp://" + deadAddr(t), Format: "json",
		Network: fastRetry, Buffer: &DiskBuffer{Dir: dir}}
	h := newTest(t, oneLayer(down))
	l := slog.New(h)
	for i := range 1000 {
		l.Info("m", "seq", i)
	}
	require.NoError(t, h.Flush(context.Background()))
	require.Equal(t, uint64(1000), h.Stats().Buffered)

	srv := rsyslogtest.Start(t, rsyslogtest.Options{TCP: true})
	up := down
	up.Address = "tcp://" + srv.TCPAddr
	require.NoError(t, h.Reload(oneLayer(up)))
	for i := 1000; i < 1010; i++ {
		l.Info("m", "seq", i)
	}
	require.NoError(t, h.Flush(context.Background()))
	requireSeqs(t, srv.WaitMessages(t, 1010, 20*time.Second), 1010)
	require.True(t, waitFor(5*time.Second, func() bool { return h.Stats().Buffered == 0 }), "%+v", h.Stats())
	st := h.Stats()
	require.Equal(t, uint64(1010), st.Accepted)
	require.Equal(t, uint64(1010), st.Written)
	for _, d := range st.Destinations {
		require.Zero(t, d.Recovered, "%s: records of this run counted as an earlier run's", d.Name)
	}
}

// A Reload that changes nothing of a network destination keeps it: the
// same connection, no records held back.
func TestReloadKeepsAnUnchangedNetworkDestination(t *testing.T) {
	srv := rsyslogtest.Start(t, rsyslogtest.Options{TCP: true})
	cfg := oneLayer(Destination{Type: "syslog", Address: "tcp://" + srv.TCPAddr, Format: "json",
		TLS: nil, Network: fastRetry, Syslog: &SyslogOptions{AppName: "same"}})
	h := newTest(t, cfg)
	before := h.Stats().Destinations[0].Name
	cfg2 := oneLayer(cfg.Layers["L"].Destinations[0])
	cfg2.Layers["L"] = Layer{Level: slog.LevelDebug, Destinations: cfg.Layers["L"].Destinations}
	require.NoError(t, h.Reload(cfg2))
	st := h.Stats()
	require.Len(t, st.Destinations, 1, "the destination was replaced: %+v", st.Destinations)
	require.Equal(t, before, st.Destinations[0].Name)
	slog.New(h).Debug("now at debug", "seq", 0)
	require.NoError(t, h.Flush(context.Background()))
	require.Len(t, srv.WaitMessages(t, 1, 10*time.Second), 1)
}

// Under the default policy a network destination blocks while its
// collector is slow, and drops, counted, while it is down: a collector
// that is down never stops the program, one that is slow loses nothing.
func TestNetworkDefaultPolicyDropsOnlyWhileDown(t *testing.T) {
	t.Run("down", func(t *testing.T) {
		cfg := oneLayer(Destination{Type: "syslog", Address: "tcp://" + deadAddr(t), Network: fastRetry})
		cfg.Async = AsyncOptions{QueueSize: 64}
		h := newTest(t, cfg)
		l := slog.New(h)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range 10_000 {
				l.Info("m", "seq", i)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("logging blocked on a collector that is down")
		}
		st := h.Stats().Destinations[0]
		require.Equal(t, Block, st.Policy)
		require.Greater(t, st.Dropped, uint64(9000), "%+v", st)
	})
	t.Run("slow", func(t *testing.T) {
		srv := rsyslogtest.Start(t, rsyslogtest.Options{TCP: true})
		cfg := oneLayer(Destination{Type: "syslog", Address: "tcp://" + srv.TCPAddr, Format: "json", Network: fastRetry})
		cfg.Async = AsyncOptions{QueueSize: 64} // far smaller than the burst: callers wait for room
		h := newTest(t, cfg)
		l := slog.New(h)
		for i := range 20_000 {
			l.Info("m", "seq", i)
		}
		require.NoError(t, h.Flush(context.Background()))
		st := h.Stats().Destinations[0]
		require.Zero(t, st.Dropped)
		require.Greater(t, st.Blocked, time.Duration(0), "the burst never waited: the test shows nothing")
		requireSeqs(t, srv.WaitMessages(t, 20_000, 30*time.Second), 20_000)
	})
}

// Each mistake in a network destination fails New, named.
func TestNetworkConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		d    Destination
		want []string
	}{
		{"ftp URL", Destination{Type: "http", URL: "ftp://x"}, []string{`URL "ftp://x": want an http:// or https:// URL`}},
		{"http with Address", Destination{Type: "http", URL: "http://127.0.0.1:1", Address: "tcp://127.0.0.1:1"},
			[]string{"Address is only for syslog, tcp or udp destinations"}},
		{"Buffer on udp", Destination{Type: "udp", Address: "udp://127.0.0.1:1", Buffer: &DiskBuffer{Dir: dir}},
			[]string{`Buffer does not apply to "udp://127.0.0.1:1"`}},
		{"Sync", Destination{Type: "tcp", Address: "tcp://127.0.0.1:1", Sync: true},
			[]string{"Sync does not apply to tcp destinations"}},
		{"TLS on tcp", Destination{Type: "tcp", Address: "tcp://127.0.0.1:1", TLS: &TLSOptions{InsecureSkipVerify: true}},
			[]string{`TLS is only for tls:// addresses and https:// URLs, not "tcp://127.0.0.1:1"`}},
		{"backoff", Destination{Type: "http", URL: "http://127.0.0.1:1",
			Network: &NetworkOptions{BackoffMin: time.Second, BackoffMax: time.Millisecond}},
			[]string{"Network.BackoffMin (1s) is more than BackoffMax (1ms)"}},
		{"console", Destination{Type: "http", URL: "http://127.0.0.1:1", Format: "console"},
			[]string{`Format "console" is for people at a terminal, not for http destinations`}},
		{"network Fallback", Destination{Type: "http", URL: "http://127.0.0.1:1", Breaker: &Breaker{},
			Fallback: &Destination{Type: "tcp", Address: "tcp://127.0.0.1:2"}},
			[]string{"a Fallback is written on its destination's goroutine when the network fails: it cannot be a network destination itself"}},
		{"datagram too big", Destination{Type: "udp", Address: "udp://127.0.0.1:1", Network: &NetworkOptions{MaxDatagram: 100_000}},
			[]string{"Network.MaxDatagram is 100000: a UDP datagram holds at most 65507 bytes"}},
		// Every problem of a destination is named, those of its fields
		// and those of its network settings together.
		{"all at once", Destination{Type: "http", URL: "ftp://x", Sync: true, Format: "Console", Syslog: &SyslogOptions{},
			Network: &NetworkOptions{BackoffMin: time.Second, BackoffMax: time.Millisecond}, Buffer: &DiskBuffer{MaxMB: -3}},
			[]string{"want an http:// or https:// URL", "Sync does not apply", "Syslog is only for syslog destinations",
				"BackoffMin (1s) is more than BackoffMax", `Format "console"`, "Buffer.Dir is required", "Buffer.MaxMB is -3"}},
		{"a token in the URL", Destination{Type: "http", URL: "ftp://x/?token=secret"},
			[]string{`URL "ftp://x/?token=xxxxx"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(oneLayer(tc.d))
			if err == nil {
				h.Close()
			}
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "hydra: "), "%q", err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "secret")
		})
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "a failed New leaves no buffer behind")
}

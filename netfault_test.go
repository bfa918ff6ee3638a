package hydra

// Faults of the network destinations against a real rsyslog: the receiver
// killed and restarted mid-stream, and a program killed with records in its
// disk buffer.

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hydralog/hydra/internal/rsyslogtest"
	"github.com/stretchr/testify/require"
)

// deadAddr returns a loopback address where nothing listens.
func deadAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// fastRetry retries quickly, for tests.
var fastRetry = &NetworkOptions{BackoffMin: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond, WriteTimeout: 2 * time.Second}

// childBuffer is a program that logs to a syslog receiver that is down,
// with a disk buffer: once its 5,000 records are all buffered it prints
// BUFFERED and waits to be killed.
func childBuffer(dir, addr string) int {
	h, err := New(oneLayer(Destination{Type: "syslog", Address: "tcp://" + addr, Format: "json",
		Network: fastRetry, Buffer: &DiskBuffer{Dir: dir}}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l := slog.New(h)
	for i := range 5000 {
		l.Info("m", "seq", i)
	}
	if err := h.Flush(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("BUFFERED %d\n", h.Stats().Buffered)
	select {} // until killed
}

// A program killed with a full disk buffer loses nothing: the next New
// with the same Dir sends every record, in order, and counts them as
// recovered.
func TestDiskBufferSurvivesAKill(t *testing.T) {
	dir := t.TempDir()
	cmd := child(t, "buffer", dir)
	cmd.Env = append(cmd.Env, childAddr+"="+deadAddr(t))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "BUFFERED 5000\n", line)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	cmd.Wait()

	srv := rsyslogtest.Start(t, rsyslogtest.Options{TCP: true})
	h := newTest(t, oneLayer(Destination{Type: "syslog", Address: "tcp://" + srv.TCPAddr, Format: "json",
		Network: fastRetry, Buffer: &DiskBuffer{Dir: dir}}))
	slog.New(h).Info("after", "seq", 5000)
	require.NoError(t, h.Flush(context.Background()))
	requireSeqs(t, srv.WaitMessages(t, 5001, 30*time.Second), 5001)
	require.True(t, waitFor(5*time.Second, func() bool { return h.Stats().Destinations[0].Recovered == 5000 }))
	st := h.Stats().Destinations[0]
	require.Equal(t, uint64(1), st.Written) // this run's one record
	require.Zero(t, st.Buffered)
	require.Zero(t, st.BufferLost)
	require.NoError(t, h.Close())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasSuffix(e.Name(), ".seg"), "segment %s left after everything was sent", e.Name())
	}
}

// rsyslog killed and restarted while records flow: hydra reconnects and
// every record logged after the restart arrives. Plain TCP syslog has no
// acknowledgements, so the records the kernel accepted for the killed
// rsyslog, and those of the batch that found the connection dead, are
// lost: the test measures how many, and checks that they are the records
// just before the kill and no others.
func TestSyslogReceiverKilledAndRestarted(t *testing.T) {
	for _, buffered := range []bool{false, true} {
		t.Run(fmt.Sprintf("buffer=%v", buffered), func(t *testing.T) {
			srv := rsyslogtest.Start(t, rsyslogtest.Options{TCP: true})
			// Async set: block through the outage, so that nothing is
			// dropped and what is lost is what TCP lost.
			d := Destination{Type: "syslog", Address: "tcp://" + srv.TCPAddr, Format: "json", Network: fastRetry,
				Async: &AsyncOptions{}}
			if buffered {
				d.Buffer = &DiskBuffer{Dir: t.TempDir()}
			}
			h := newTest(t, oneLayer(d))
			l := slog.New(h)
			const n = 20_000
			var seq atomic.Int64
			logged := make(chan struct{})
			go func() {
				defer close(logged)
				for i := range n {
					seq.Store(int64(i))
					l.Info("m", "seq", i)
					if i%100 == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			}()
			require.True(t, waitFor(10*time.Second, func() bool { return seq.Load() > n/4 }))
			srv.Kill()
			killedAt := seq.Load()
			time.Sleep(100 * time.Millisecond)
			srv.Restart(t)
			restartedAt := seq.Load()
			<-logged
			require.NoError(t, h.Flush(context.Background()))
			// Wait until rsyslog has what it will get.
			var msgs []rsyslogtest.Message
			waitFor(20*time.Second, func() bool {
				msgs = srv.Messages(t)
				return len(msgs) > 0 && seqOf(t, msgs[len(msgs)-1].Msg) == n-1
			})
			seen := make([]int, n)
			for _, m := range msgs {
				seen[seqOf(t, m.Msg)]++
			}
			missing, dup, firstMissing, lastMissing := 0, 0, -1, -1
			for i, c := range seen {
				if c == 0 {
					missing++
					if firstMissing < 0 {
						firstMissing = i
					}
					lastMissing = i
				}
				if c > 1 {
					dup += c - 1
				}
			}
			st := h.Stats().Destinations[0]
			t.Logf("killed at record %d, restarted at %d: %d records lost (%d..%d), %d duplicated; retries %d, replayed %d",
				killedAt, restartedAt, missing, firstMissing, lastMissing, dup, st.Retries, st.Replayed)
			require.Equal(t, uint64(n), st.Written+st.Failed)
			require.Zero(t, st.Failed)
			if missing > 0 {
				// What is lost was sent before the restart.
				require.LessOrEqual(t, int64(lastMissing), restartedAt, "a record logged after the restart is missing")
			}
			require.Less(t, missing, n/4, "too much lost")
			require.Greater(t, st.Retries, uint64(0), "the outage went unnoticed")
		})
	}
}

// UDP under load: the queue drops what it cannot take (counted), and the
// counts add up; what rsyslog received is at most what hydra sent, since
// a datagram the receiver had no room for is lost without a word.
func TestSyslogUDPUnderLoad(t *testing.T) {
	srv := rsyslogtest.Start(t, rsyslogtest.Options{UDP: true})
	h := newTest(t, oneLayer(Destination{Type: "syslog", Address: "udp://" + srv.UDPAddr, Format: "json",
		Async: &AsyncOptions{QueueSize: 256, Overflow: DropNewest}}))
	l := slog.New(h)
	const n = 50_000
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range n / 4 {
				l.Info("m", "seq", g*n/4+i)
			}
		}()
	}
	for range 4 {
		<-done
	}
	require.NoError(t, h.Flush(context.Background()))
	st := h.Stats().Destinations[0]
	require.Equal(t, uint64(n), st.Accepted)
	require.Equal(t, st.Accepted, st.Written+st.Dropped+st.Failed)
	time.Sleep(500 * time.Millisecond) // rsyslog writes what it received
	got := 0
	for _, m := range srv.Messages(t) {
		if strings.Contains(m.Msg, `"seq":`) { // not a drop notice, which is not counted
			got++
		}
	}
	t.Logf("%d records: %d sent, %d dropped by the queue, %d received by rsyslog", n, st.Written, st.Dropped, got)
	require.LessOrEqual(t, uint64(got), st.Written)
	require.Greater(t, got, 0)
}

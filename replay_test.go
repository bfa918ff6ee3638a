package hydra

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The disk buffer of a network destination through an outage of an HTTP
// collector, and across a restart of the program; see netfault_test.go for
// a program killed with records in its buffer, network_test.go for a
// Reload that hands a buffer over.

// While the collector is down (nothing listens), the batches go to the
// disk buffer and Flush does not wait for them; once it is back, the
// replay goroutine sends them, in order, once each.
func TestHTTPBufferThroughOutage(t *testing.T) {
	addr := deadAddr(t)
	dir := t.TempDir()
	var heard errorList
	cfg := oneLayer(Destination{Type: "http", URL: "http://" + addr + "/in", Network: fastNet(),
		Buffer: &DiskBuffer{Dir: dir}})
	cfg.OnError = heard.add
	h := newTest(t, cfg)
	l := slog.New(h)
	const n = 5000
	pad := strings.Repeat("p", 60)
	for i := range n {
		l.Info("r", "id", i, "pad", pad)
	}
	flush(t, h) // nothing is returned: no record failed
	d := onlyDest(t, h)
	require.Equal(t, n, d.Buffered)
	require.Positive(t, d.BufferBytes)
	require.Zero(t, d.Written)
	requireSettledBuffered(t, d)
	require.True(t, waitFor(5*time.Second, func() bool { return onlyDest(t, h).Retries > 0 }),
		"the replay goroutine does not try again")
	require.Equal(t, uint64(n), h.Stats().Buffered)
	require.Equal(t, 1, countContaining(heard.get(), "(sending again with backoff)"))

	c := &collector{t: t, answer: ok}
	serveAt(t, addr, c)
	require.True(t, waitFor(5*time.Second, func() bool { return onlyDest(t, h).Buffered == 0 }),
		"the buffer never drained: %+v", onlyDest(t, h))
	d = onlyDest(t, h)
	require.Equal(t, uint64(n), d.Replayed)
	require.Equal(t, uint64(n), d.Written)
	require.Zero(t, d.Failed)
	require.Zero(t, d.Recovered)
	requireSettledBuffered(t, d)
	requireSettled(t, h.Stats())

	counts, order := c.arrived()
	require.Len(t, order, n, "each record once")
	for i, id := range order {
		require.Equal(t, i, id, "records arrive in the order they were logged")
	}
	require.Len(t, counts, n)
	require.True(t, waitFor(time.Second, func() bool {
		return countContaining(heard.get(), "sending again after an outage") == 1
	}), "%v", heard.get())
	require.NoError(t, h.Close())
}

// Records still on disk when a Handler closes are sent by the next one
// that opens the same Buffer.Dir, and counted there as Recovered.
func TestHTTPBufferSurvivesRestart(t *testing.T) {
	var up atomic.Bool
	c, srv := startCollector(t, func(_ int, w http.ResponseWriter, _ *http.Request) (bool, bool) {
		if !up.Load() {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return false, false
		}
		return true, true
	})
	dir := t.TempDir()
	dest := Destination{Type: "http", URL: srv.URL, Buffer: &DiskBuffer{Dir: dir},
		Network: &NetworkOptions{BackoffMin: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
			CloseTimeout: 100 * time.Millisecond}}
	const n = 2000

	cfg1 := oneLayer(dest)
	var heard errorList
	cfg1.OnError = heard.add
	h1, err := New(cfg1)
	require.NoError(t, err)
	l := slog.New(h1)
	for i := range n {
		l.Info("r", "id", i)
	}
	flush(t, h1)
	start := time.Now()
	require.NoError(t, h1.Close(), "what stays on disk has not failed")
	require.Equal(t, 1, countContaining(heard.get(), "2000 records left in the disk buffer "+dir+", for the next run"), "%v", heard.get())
	require.Less(t, time.Since(start), 2*time.Second)
	d := onlyDest(t, h1)
	require.Equal(t, n, d.Buffered, "after Close the records wait on disk")
	require.Zero(t, d.Written)
	require.Zero(t, d.Failed)
	require.Positive(t, d.BufferBytes)
	requireSettledBuffered(t, d)
	counts, _ := c.arrived()
	require.Empty(t, counts)

	up.Store(true)
	h2 := newTest(t, oneLayer(dest))
	require.True(t, waitFor(5*time.Second, func() bool { return onlyDest(t, h2).Recovered == n }),
		"the second handler sent %+v", onlyDest(t, h2))
	d = onlyDest(t, h2)
	require.Zero(t, d.Accepted, "an earlier run's records are not this one's")
	require.Zero(t, d.Written)
	require.Zero(t, d.Replayed)
	require.Zero(t, d.Buffered)
	counts, order := c.arrived()
	require.Len(t, order, n)
	for i, id := range order {
		require.Equal(t, i, id)
	}
	require.Len(t, counts, n)
	require.NoError(t, h2.Close())
	require.Zero(t, onlyDest(t, h2).BufferBytes, "the buffer is empty")
}

package hydra

// The "http" destination against real net/http servers: retries through
// 5xx, 429 with Retry-After, a reset and a stall; gzip, headers and
// Content-Type; a refused batch; a Breaker with a file Fallback; Close
// while the collector is down. The disk buffer's tests are in
// replay_test.go, the Config errors of network destinations in
// network_test.go.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The collector answers 500, then 429 with Retry-After: 1, then resets the
// connection, then keeps a batch but stalls past the request timeout, then
// takes everything. Every record arrives; the only duplicates are records
// of the batch that was retried; the Retry-After wait is honoured; the
// outage is told to OnError once as it starts and once as it ends, and
// Flush returns neither.
func TestHTTPRetriesThroughFaults(t *testing.T) {
	const goroutines, each = 16, 5000
	c, srv := startCollector(t, func(n int, w http.ResponseWriter, r *http.Request) (bool, bool) {
		switch n {
		case 0:
			http.Error(w, "collector is sad", http.StatusInternalServerError)
			return false, false
		case 1:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return false, false
		case 2:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return false, false
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // a reset, not a clean close
			}
			conn.Close()
			return false, false
		case 3:
			// The records are kept, but the answer comes too late.
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return true, false
		}
		return true, true
	})
	var heard errorList
	cfg := oneLayer(Destination{Type: "http", URL: srv.URL + "/ingest",
		HTTP: &HTTPOptions{Timeout: time.Second}, Network: fastNet(),
		Async: &AsyncOptions{}}) // block through the outage: nothing dropped
	cfg.OnError = heard.add
	h := newTest(t, cfg)
	l := slog.New(h)

	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				l.Info("r", "id", g*each+i)
			}
		}()
	}
	wg.Wait()
	start := time.Now()
	flush(t, h)
	t.Logf("flushed in %v", time.Since(start))

	reqs := c.requests()
	require.Greater(t, len(reqs), 4)
	require.GreaterOrEqual(t, reqs[2].at.Sub(reqs[1].at), 950*time.Millisecond,
		"the request after the 429 came before its Retry-After: 1")

	// The batch sent again is the one that failed, with the same records.
	for _, r := range reqs[:4] {
		require.Equal(t, reqs[0].ids, r.ids, "a retry sends the same batch")
	}
	// Any batch sent more than once (on a slow machine, a request that
	// took longer than the timeout too) was retried; only its records may
	// arrive twice.
	sent := map[string]int{}
	for _, r := range reqs {
		sent[fmt.Sprint(r.ids)]++
	}
	retried := map[int]bool{}
	for _, r := range reqs {
		if sent[fmt.Sprint(r.ids)] > 1 {
			for _, id := range r.ids {
				retried[id] = true
			}
		}
	}
	counts, _ := c.arrived()
	dups := 0
	for id := range goroutines * each {
		require.NotZero(t, counts[id], "record %d never arrived", id)
		if counts[id] > 1 {
			require.True(t, retried[id], "record %d arrived %d times but its batch was never retried", id, counts[id])
			dups += counts[id] - 1
		}
	}
	require.Len(t, counts, goroutines*each, "ids that were never logged arrived")
	require.LessOrEqual(t, dups, len(retried))
	t.Logf("%d requests, %d records in the retried batch, %d duplicates", len(reqs), len(retried), dups)

	d := onlyDest(t, h)
	require.Equal(t, uint64(goroutines*each), d.Written)
	require.Zero(t, d.Failed)
	require.Zero(t, d.Dropped)
	require.GreaterOrEqual(t, d.Retries, uint64(4), "500, 429, reset and stall: four failed sends, each retried")
	requireSettled(t, h.Stats())

	errs := heard.get()
	require.Equal(t, 1, countContaining(errs, "(sending again with backoff)"), "%v", errs)
	require.Equal(t, 1, countContaining(errs, "sending again after an outage"), "%v", errs)
	require.Len(t, errs, 2, "nothing failed: only the outage's two notes")
	require.Contains(t, errs[0].Error(), "500")
	require.NoError(t, h.Close())
}

// Gzip and Headers reach the collector, and the Content-Type says what
// the lines are.
func TestHTTPGzipHeadersContentType(t *testing.T) {
	for _, tc := range []struct {
		name, format string
		gzip         bool
		wantType     string
		wantLine     string
	}{
		{"json gzip", "", true, "application/x-ndjson", `"msg":"hello","id":7}`},
		{"json plain", "json", false, "application/x-ndjson", `"msg":"hello","id":7}`},
		{"text gzip", "text", true, "text/plain; charset=utf-8", `level=INFO msg=hello id=7`},
		{"text plain", "TEXT", false, "text/plain; charset=utf-8", `level=INFO msg=hello id=7`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := startCollector(t, ok)
			h := newTest(t, oneLayer(Destination{Type: "http", URL: srv.URL, Format: tc.format,
				HTTP: &HTTPOptions{Gzip: tc.gzip, Headers: map[string]string{
					"Authorization": "Bearer s3cret", "X-Tenant": "blue"}}}))
			slog.New(h).Info("hello", "id", 7)
			flush(t, h)
			reqs := c.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			require.Equal(t, "Bearer s3cret", r.header.Get("Authorization"))
			require.Equal(t, "blue", r.header.Get("X-Tenant"))
			require.Equal(t, tc.wantType, r.header.Get("Content-Type"))
			if tc.gzip {
				require.Equal(t, "gzip", r.header.Get("Content-Encoding"))
			} else {
				require.Empty(t, r.header.Get("Content-Encoding"))
			}
			require.Len(t, r.lines, 1)
			require.Contains(t, r.lines[0], tc.wantLine)
			require.NoError(t, h.Close())
		})
	}
}

// A 400 fails the batch at once: its records are Failed, the error names
// the status and the URL, reaches OnError and the next Flush, and the
// batch is not sent again.
func TestHTTPBadRequestFailsBatch(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	c, srv := startCollector(t, func(_ int, w http.ResponseWriter, _ *http.Request) (bool, bool) {
		if refuse.Load() {
			http.Error(w, "bad batch", http.StatusBadRequest)
			return false, false
		}
		return true, true
	})
	var heard errorList
	cfg := oneLayer(Destination{Type: "http", URL: srv.URL + "/v1/logs", Network: fastNet()})
	cfg.OnError = heard.add
	h := newTest(t, cfg)
	l := slog.New(h)
	for i := range 10 {
		l.Info("r", "id", i)
	}
	err := h.Flush(context.Background())
	require.Error(t, err)
	require.Contains(t, err.Error(), "400 Bad Request")
	require.Contains(t, err.Error(), srv.URL+"/v1/logs")
	require.Contains(t, err.Error(), "bad batch", "the start of the answer's body")
	require.NotEmpty(t, heard.get())
	require.Contains(t, heard.get()[0].Error(), "400")
	d := onlyDest(t, h)
	require.Equal(t, uint64(10), d.Failed)
	require.Zero(t, d.Written)
	require.Zero(t, d.Retries)
	requireSettled(t, h.Stats())
	require.NoError(t, h.Flush(context.Background()), "an error is returned once")

	refuse.Store(false)
	for i := 10; i < 15; i++ {
		l.Info("r", "id", i)
	}
	flush(t, h)
	seen := 0
	for _, r := range c.requests() {
		seen += len(r.ids)
	}
	require.Equal(t, 15, seen, "each record was sent once: a refused batch is not retried")
	d = onlyDest(t, h)
	require.Equal(t, uint64(5), d.Written)
	require.Zero(t, d.Retries)
	// The ten refused records may have gone in more than one batch (the
	// consumer may wake before the tenth is queued): the first refusal is
	// reported at once, the others within the second are held back and
	// reported, counted, at Close.
	if err := h.Close(); err != nil {
		require.Contains(t, err.Error(), "records failed since the last report")
	}
}

// With a Breaker, a collector that answers 503 for ever loses nothing:
// the failed batches and everything after them go to the file Fallback.
func TestHTTPBreakerFallsBackToFile(t *testing.T) {
	c, srv := startCollector(t, func(_ int, w http.ResponseWriter, _ *http.Request) (bool, bool) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return false, false
	})
	path := filepath.Join(t.TempDir(), "spare.log")
	h := newTest(t, oneLayer(Destination{Type: "http", URL: srv.URL, Network: fastNet(),
		Breaker:  &Breaker{Failures: 2, Cooldown: time.Hour},
		Fallback: &Destination{Type: "file", Path: path, Format: "json"}}))
	l := slog.New(h)
	const n = 3000
	for i := range n {
		l.Info("r", "id", i)
		if i%500 == 499 {
			_ = h.Flush(context.Background()) // several batches: the first fail, then the breaker opens
		}
	}
	_ = h.Flush(context.Background())
	d := onlyDest(t, h)
	require.Equal(t, "open", d.Breaker)
	require.Equal(t, uint64(n), d.Written)
	require.Equal(t, uint64(n), d.FallbackWritten)
	require.Zero(t, d.Failed)
	require.Zero(t, d.Retries, "under a Breaker a failed batch is not sent again")
	requireSettled(t, h.Stats())
	require.NoError(t, h.Close())

	got := map[int]int{}
	for _, rec := range readAll(t, filepath.Dir(path), "spare.log") {
		got[int(rec["id"].(float64))]++
	}
	for i := range n {
		require.Equal(t, 1, got[i], "record %d in the fallback file", i)
	}
	require.Len(t, got, n)
	require.Len(t, c.requests(), 2, "the breaker opened after two failed batches")
}

// Close gives a collector that is down CloseTimeout to come back, then
// fails what it could not send, and says so.
func TestHTTPCloseWhileDown(t *testing.T) {
	addr := deadAddr(t)
	var heard errorList
	cfg := oneLayer(Destination{Type: "http", URL: "http://" + addr, Network: &NetworkOptions{
		BackoffMin: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond, CloseTimeout: 300 * time.Millisecond}})
	cfg.OnError = heard.add
	h, err := New(cfg)
	require.NoError(t, err)
	l := slog.New(h)
	const n = 100
	for i := range n {
		l.Info("r", "id", i)
	}
	start := time.Now()
	err = h.Close()
	took := time.Since(start)
	require.Error(t, err)
	require.Contains(t, err.Error(), "not sent by the deadline of Close or Shutdown")
	require.Contains(t, err.Error(), addr)
	require.GreaterOrEqual(t, took, 250*time.Millisecond, "Close waits CloseTimeout for the collector")
	require.Less(t, took, 1500*time.Millisecond, "Close waits no more than CloseTimeout")
	d := onlyDest(t, h)
	require.Equal(t, uint64(n), d.Failed)
	require.Zero(t, d.Written)
	requireSettled(t, h.Stats())
	// The batches in hand at the deadline are reported once, together.
	require.Equal(t, 1, countContaining(heard.get(), "not sent by the deadline of Close or Shutdown"), "%v", heard.get())
	require.Contains(t, err.Error(), fmt.Sprintf("%d records not sent by the deadline", n))
}

// A token in the URL's query never reaches a message: not the names, not
// the errors of failed sends.
func TestHTTPTokenInURLStaysOutOfErrors(t *testing.T) {
	var heard errorList
	cfg := oneLayer(Destination{Type: "http", URL: "http://" + deadAddr(t) + "/logs?token=secret&x=1",
		Network: &NetworkOptions{BackoffMin: time.Millisecond, BackoffMax: 5 * time.Millisecond, CloseTimeout: 100 * time.Millisecond}})
	cfg.OnError = heard.add
	h, err := New(cfg)
	require.NoError(t, err)
	slog.New(h).Info("r")
	require.True(t, waitFor(5*time.Second, func() bool { return len(heard.get()) > 0 }))
	closeErr := h.Close()
	require.Error(t, closeErr)
	for _, e := range append(heard.get(), closeErr) {
		require.NotContains(t, e.Error(), "secret")
		require.Contains(t, e.Error(), "token=xxxxx")
	}
	require.NotContains(t, h.Stats().Destinations[0].Name, "secret")
}

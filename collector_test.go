package hydra

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// An HTTP log collector for the tests of network destinations: it records
// every request's records and answers as the test says; and the helpers
// those tests share.

// collected is one request a collector saw.
type collected struct {
	at       time.Time
	header   http.Header
	lines    []string // the body's lines, gunzipped
	ids      []int    // the "id" of each JSON line, in order
	accepted bool     // the collector kept the records (it may still have lost the answer)
	answered bool     // the answer was a 2xx that reached the client (as far as the collector knows)
}

// collector is an HTTP log collector. Its answer function decides, for
// the n-th request (from 0), what happens: it writes the answer, or
// hijacks the connection, and returns whether the records were kept.
type collector struct {
	t      testing.TB
	answer func(n int, w http.ResponseWriter, r *http.Request) (kept, answered bool)

	mu   sync.Mutex
	reqs []collected
	n    int
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			c.t.Errorf("gzip body: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		c.t.Errorf("reading the body: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	req := collected{at: at, header: r.Header.Clone(), lines: lines(data)}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-ndjson") {
		for _, l := range req.lines {
			var rec struct{ ID *int }
			if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.ID == nil {
				c.t.Errorf("request line %q: want a JSON record with an id (%v)", l, err)
				continue
			}
			req.ids = append(req.ids, *rec.ID)
		}
	}
	c.mu.Lock()
	n := c.n
	c.n++
	c.mu.Unlock()
	req.accepted, req.answered = c.answer(n, w, r)
	c.mu.Lock()
	c.reqs = append(c.reqs, req)
	c.mu.Unlock()
}

// requests returns the requests seen so far, in the order they were
// answered.
func (c *collector) requests() []collected {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]collected(nil), c.reqs...)
}

// arrived returns how many times each id was kept, and the ids of
// requests kept in order.
func (c *collector) arrived() (map[int]int, []int) {
	counts := map[int]int{}
	var order []int
	for _, r := range c.requests() {
		if r.accepted {
			for _, id := range r.ids {
				counts[id]++
				order = append(order, id)
			}
		}
	}
	return counts, order
}

// ok answers 200 and keeps the records.
func ok(int, http.ResponseWriter, *http.Request) (bool, bool) { return true, true }

// startCollector serves c on a fresh loopback port until the test ends.
func startCollector(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request) (bool, bool)) (*collector, *httptest.Server) {
	t.Helper()
	c := &collector{t: t, answer: answer}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

// fastNet retries quickly, so that the tests are.
func fastNet() *NetworkOptions {
	return &NetworkOptions{BackoffMin: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond}
}

// requireSettledBuffered checks the accounting identity of a destination
// whose disk buffer may hold records.
func requireSettledBuffered(t testing.TB, d DestinationStats) {
	t.Helper()
	require.Equal(t, d.Accepted, d.Written+d.Dropped+d.Failed+uint64(d.Buffered),
		"%s: accepted %d != written %d + dropped %d + failed %d + buffered %d",
		d.Name, d.Accepted, d.Written, d.Dropped, d.Failed, d.Buffered)
	require.Zero(t, d.Queued, "%s: queued", d.Name)
}

// onlyDest returns the stats of h's only destination.
func onlyDest(t testing.TB, h *Handler) DestinationStats {
	t.Helper()
	ds := h.Stats().Destinations
	require.Len(t, ds, 1)
	return ds[0]
}

// countContaining returns how many of errs have sub in their message.
func countContaining(errs []error, sub string) int {
	n := 0
	for _, err := range errs {
		if strings.Contains(err.Error(), sub) {
			n++
		}
	}
	return n
}

// serveAt serves c at addr (which must be free) until the test ends.
func serveAt(t *testing.T, addr string, c *collector) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	srv := &http.Server{Handler: c}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
}

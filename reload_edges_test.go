package hydra

// Reload at its edges: Shutdown and Rotate during a Reload, what a Reload
// keeps of New, and the destinations it links. Records caught in flight:
// reload_inflight_test.go.

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rotate while a Reload waits for a retired sink succeeds: a retired sink
// that is done already is passed over, not taken for a closed Handler.
func TestRotateDuringAReload(t *testing.T) {
	dir := t.TempDir()
	stall := newStallWriter()
	cfg := Config{DefaultLayer: "A", Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "a.log"), Sync: true}}},
		"B": {Destinations: []Destination{{Type: "writer", Writer: stall}}},
	}}
	h := newTest(t, cfg)
	t.Cleanup(stall.Release) // before Close
	slog.New(h).Info("stuck", "layer", "B")
	<-stall.started
	next := Config{DefaultLayer: "A", Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "a.log"), Format: "json", Sync: true}}},
		"B": {Destinations: []Destination{{Type: "writer", Writer: stall, Format: "json"}}},
	}}
	reloaded := make(chan error, 1)
	go func() { reloaded <- h.Reload(next) }()
	require.True(t, waitFor(5*time.Second, func() bool {
		h.c.retiredMu.Lock()
		defer h.c.retiredMu.Unlock()
		return len(h.c.retiring) == 2
	}))
	err := h.Rotate()
	stall.Release()
	require.NoError(t, <-reloaded)
	assert.NoError(t, err, "Rotate on an open Handler")
}

// A write error of a retired sink's last batch reaches the next Flush or
// Close, though the sink is gone when Reload returns.
func TestReloadKeepsTheErrorsOfRetiredDestinations(t *testing.T) {
	fw := &failWriter{}
	fw.set(true)
	cfg := Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Destinations: []Destination{
		{Type: "writer", Writer: fw},
	}}}}
	var heard errorList
	cfg.OnError = heard.add
	h := newTest(t, cfg)
	slog.New(h).Info("fails")
	next := cfg
	next.Layers = map[string]Layer{"L": {Destinations: []Destination{{Type: "writer", Writer: fw, Format: "json"}}}}
	require.NoError(t, h.Reload(next))
	st := h.Stats()
	t.Logf("failed %d, OnError heard %d", st.Failed, len(heard.get()))
	require.Equal(t, uint64(1), st.Failed)
	err := h.Close()
	assert.ErrorIs(t, err, errDisk, "Close returns the write error not returned before")
}

// A destination a Reload builds does not announce again the layer's
// throttled records that the destination it replaced announced.
func TestReloadAnnouncesSkippedRecordsOnce(t *testing.T) {
	out := &syncBuffer{}
	mk := func(size int) Config {
		return Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {
			RateLimit:    &RateLimit{PerSecond: 0.001, Burst: 1},
			Destinations: []Destination{{Type: "writer", Writer: out, Format: "json", Async: &AsyncOptions{QueueSize: size}}},
		}}}
	}
	h := newTest(t, mk(64))
	l := slog.New(h)
	logN(l, "r", 5) // 1 passes, 4 throttled
	flush(t, h)     // Flush forces the notice
	require.NoError(t, h.Reload(mk(128)))
	l.Info("after") // throttled too: the new sink's first batch runs anyway
	require.NoError(t, h.Close())
	var throttled float64
	for _, r := range jsonRecords(t, out.Bytes()) {
		if r["msg"] == SkipNotice {
			throttled += r["throttled"].(float64)
		}
	}
	assert.Equal(t, float64(h.Stats().Throttled), throttled, "notices announce each throttled record once\n%s", out)
}

var _ = errors.New
var _ = context.Background

// A Reload that Shutdown gave up waiting for starts no Monitor once the
// Handler is closed, and returns ErrClosed.
func TestReloadAfterShutdownGaveUpStartsNoMonitor(t *testing.T) {
	stall := newStallWriter()
	cfg := Config{DefaultLayer: "A", Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "null"}}},
		"B": {Destinations: []Destination{{Type: "writer", Writer: stall}}},
	}}
	h, err := New(cfg)
	require.NoError(t, err)
	slog.New(h).Info("stuck", "layer", "B")
	<-stall.started
	next := cfg
	next.Layers = map[string]Layer{
		"A": cfg.Layers["A"],
		"B": {Destinations: []Destination{{Type: "writer", Writer: stall, Format: "json"}}},
	}
	next.Monitor = &Monitor{Layer: "A", Interval: time.Millisecond}
	reloaded := make(chan error, 1)
	go func() { reloaded <- h.Reload(next) }()
	require.True(t, waitFor(5*time.Second, func() bool {
		h.c.retiredMu.Lock()
		defer h.c.retiredMu.Unlock()
		return len(h.c.retiring) == 1
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	t.Logf("Shutdown: %v", h.Shutdown(ctx))
	stall.Release()
	rerr := <-reloaded
	mon := h.c.monitor.Load()
	running := false
	if mon != nil {
		select {
		case <-mon.done:
		case <-time.After(100 * time.Millisecond):
			running = true
		}
	}
	h.Close() // stops it, for goleak
	assert.ErrorIs(t, rerr, ErrClosed, "Reload on a Handler closed meanwhile")
	assert.False(t, running, "a monitor goroutine runs after Shutdown returned")
}

// reloadPastStall logs a record to layer A's stalled writer, then starts a
// Reload that replaces A's sink (its format) and adds layer C, written
// synchronously to out; it returns once the Reload has published.
func reloadPastStall(t *testing.T) (*Handler, *stallWriter, *syncBuffer, chan error) {
	stall := newStallWriter()
	out := &syncBuffer{}
	cfg := Config{DefaultLayer: "A", Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "writer", Writer: stall}}},
	}}
	h := newTest(t, cfg)
	t.Cleanup(stall.Release) // before Close
	slog.New(h).Info("stuck")
	<-stall.started
	next := Config{DefaultLayer: "A", Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "writer", Writer: stall, Format: "json"}}},
		"C": {Destinations: []Destination{{Type: "writer", Writer: out, Sync: true}}},
	}}
	reloaded := make(chan error, 1)
	go func() { reloaded <- h.Reload(next) }()
	require.True(t, waitFor(5*time.Second, func() bool { return h.c.table.Load().layers["C"] != nil }))
	return h, stall, out, reloaded
}

// A caller logging to a layer that Reload added, written synchronously,
// does not wait for an unrelated replaced destination to drain.
func TestReloadNewSyncDestinationWaitsOnlyForItsTarget(t *testing.T) {
	h, stall, out, reloaded := reloadPastStall(t)
	logged := make(chan struct{})
	go func() { defer close(logged); slog.New(h).Info("to C", "layer", "C") }()
	select {
	case <-logged:
	case <-time.After(time.Second):
		t.Errorf("logging to layer C (a Sync writer) blocks on layer A's stalled old writer")
	}
	stall.Release()
	<-logged
	require.NoError(t, <-reloaded)
	assert.Contains(t, out.String(), "to C")
}

// Shutdown's deadline holds while a Reload waits for a stalled retired
// destination and a caller logs to a new Sync one.
func TestShutdownDeadlineDuringAReload(t *testing.T) {
	h, stall, _, reloaded := reloadPastStall(t)
	logged := make(chan struct{})
	go func() { defer close(logged); slog.New(h).Info("to C", "layer", "C") }()
	time.Sleep(50 * time.Millisecond) // the caller waits in C's sink, holding its lock
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- h.Shutdown(ctx) }()
	returned := false
	select {
	case err := <-shut:
		returned = true
		t.Logf("Shutdown: %v", err)
	case <-time.After(2 * time.Second):
		t.Errorf("Shutdown with a 50ms deadline has not returned after 2s")
	}
	stall.Release()
	<-logged
	<-reloaded
	if !returned {
		<-shut
	}
}

// A Handler bound to a layer name before a Reload adds that layer follows
// it, as one bound to a layer that Reload removes and adds back does.
func TestReloadAddsALayerABoundHandlerNamed(t *testing.T) {
	cfg, bufs := writerLayers("json", DefaultLayerName)
	h := newTest(t, cfg)
	db := slog.New(h).With("layer", "DB") // DB is not configured yet
	dbBuf := &syncBuffer{}
	cfg.Layers["DB"] = Layer{Destinations: []Destination{{Type: "writer", Writer: dbBuf, Format: "json"}}}
	require.NoError(t, h.Reload(cfg))
	db.Info("to DB")
	slog.New(h).Info("to DB by attribute", "layer", "DB")
	flush(t, h)
	t.Logf("DEFAULT: %sDB: %sUnknown: %d", bufs[DefaultLayerName], dbBuf, h.Stats().Unknown)
	assert.Equal(t, 2, len(lines(dbBuf.Bytes())), "both records reach DB")
}

// A Reload that makes another destination write to the writer of a
// Breaker's Fallback replaces that destination, so that both take the
// target's lock: their writes never overlap.
func TestReloadLocksAFallbackWriterThatBecameShared(t *testing.T) {
	fw := &failWriter{}
	fw.set(true)
	fb := &overlapWriter{}
	a := Layer{Destinations: []Destination{{Type: "writer", Writer: fw,
		Breaker: &Breaker{Failures: 1, Cooldown: time.Hour}, Fallback: &Destination{Type: "writer", Writer: fb}}}}
	cfg := Config{DefaultLayer: "A", Layers: map[string]Layer{"A": a}}
	h := newTest(t, cfg)
	l := slog.New(h)
	l.Info("opens the breaker")
	h.Flush(context.Background()) // returns the write error
	cfg.Layers = map[string]Layer{"A": a, "B": {Destinations: []Destination{{Type: "writer", Writer: fb}}}}
	require.NoError(t, h.Reload(cfg))
	// A's sink is replaced: its Fallback's writer is shared now, and the
	// sink that writes it must take the lock.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 {
			l.Info("to B", "layer", "B", "i", i)
		}
	}()
	for i := range 2000 {
		l.Info("to A, diverted", "i", i)
	}
	<-done
	h.Flush(context.Background())
	t.Logf("%v", func() []string {
		var n []string
		for _, d := range h.Stats().Destinations {
			n = append(n, d.Name)
		}
		return n
	}())
	assert.Zero(t, fb.overlaps.Load(), "writes to the shared Fallback writer overlapped")
}

// Reload keeps the callbacks New was given: a destination it builds takes
// ReplaceAttr, OnError and OnDrop from New's Config, not from the one
// given to Reload (as loaded from a file, which has none).
func TestReloadKeepsTheCallbacksOfNew(t *testing.T) {
	fw := &failWriter{}
	var heard errorList
	cfg := Config{DefaultLayer: "L", OnError: heard.add,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
		Layers: map[string]Layer{"L": {Destinations: []Destination{{Type: "writer", Writer: fw}}}},
	}
	h := newTest(t, cfg)
	next := Config{DefaultLayer: "L", // as LoadConfig gives it: no code
		Layers: map[string]Layer{"L": {Destinations: []Destination{{Type: "writer", Writer: fw, Format: "json"}}}}}
	require.NoError(t, h.Reload(next))
	slog.New(h).Info("after")
	flush(t, h)
	fw.mu.Lock()
	out := fw.out.String()
	fw.mu.Unlock()
	assert.NotContains(t, out, `"time"`, "ReplaceAttr New was given still applies")
	fw.set(true)
	slog.New(h).Info("fails")
	h.Flush(context.Background())
	assert.Len(t, heard.get(), 1, "OnError New was given hears the write error")
}

// A Monitor that Reload starts logs through the root Handler: the
// attributes of the Handler Reload was called on stay out of its records.
func TestReloadStartsTheMonitorOnTheRoot(t *testing.T) {
	mon := &syncBuffer{}
	cfg := Config{DefaultLayer: "APP", Layers: map[string]Layer{
		"APP": {Destinations: []Destination{{Type: "null"}}},
		"MON": {Destinations: []Destination{{Type: "writer", Writer: mon, Format: "json"}}},
	}}
	h := newTest(t, cfg)
	derived := slog.New(h).With("request_id", "r-1").Handler().(*Handler)
	cfg.Monitor = &Monitor{Layer: "MON", Interval: time.Millisecond}
	require.NoError(t, derived.Reload(cfg))
	require.True(t, waitFor(5*time.Second, func() bool { return len(mon.Bytes()) > 0 }))
	require.NoError(t, h.Close())
	rec := jsonRecords(t, mon.Bytes())[0]
	assert.Equal(t, StatsMessage, rec["msg"])
	assert.NotContains(t, rec, "request_id")
}

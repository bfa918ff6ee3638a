package hydra

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReloadWithABadConfigChangesNothing(t *testing.T) {
	cfg, bufs := writerLayers("json", "API", DefaultLayerName)
	h := newTest(t, cfg)
	before := h.Stats()
	bad := cfg
	bad.Layers = map[string]Layer{"API": {Destinations: []Destination{{Type: "file"}}}}
	err := h.Reload(bad)
	require.ErrorContains(t, err, "Path is required")
	slog.New(h).Info("still here", "layer", "API")
	flush(t, h)
	assert.Len(t, lines(bufs["API"].Bytes()), 1)
	after := h.Stats()
	require.Len(t, after.Destinations, len(before.Destinations))
	for i := range before.Destinations {
		assert.Equal(t, before.Destinations[i].Name, after.Destinations[i].Name)
	}

	other := cfg
	other.LayerKey = "component"
	assert.ErrorContains(t, h.Reload(other), "LayerKey")
	require.NoError(t, h.Close())
	assert.ErrorIs(t, h.Reload(cfg), ErrClosed)
}

func TestReloadChangesLevelsInPlace(t *testing.T) {
	out := &syncBuffer{}
	cfg := Config{DefaultLayer: "APP", Layers: map[string]Layer{
		"APP":   {Destinations: []Destination{{Type: "writer", Writer: out, Format: "json"}}},
		"OTHER": {Destinations: []Destination{{Type: "null"}}},
	}}
	h := newTest(t, cfg)
	bound := slog.New(h).With("layer", "APP", "k", "v")
	bound.Debug("hidden")
	require.False(t, h.Enabled(context.Background(), slog.LevelDebug))

	cfg.Layers["APP"] = Layer{Level: slog.LevelDebug, Destinations: cfg.Layers["APP"].Destinations}
	require.NoError(t, h.Reload(cfg))
	assert.True(t, h.Enabled(context.Background(), slog.LevelDebug), "Enabled follows the new level")
	bound.Debug("shown") // a Handler derived before the Reload follows it
	flush(t, h)
	recs := jsonRecords(t, out.Bytes())
	require.Len(t, recs, 1)
	assert.Equal(t, "shown", recs[0]["msg"])
	assert.Equal(t, "v", recs[0]["k"])
	assert.Len(t, h.Stats().Destinations, 2, "the destinations were kept")
	assert.Equal(t, slog.LevelDebug, h.Stats().Layers[0].Level)
}

func TestReloadAddsRemovesAndReplacesDestinations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	extra := &syncBuffer{}
	cfg := Config{DefaultLayer: "APP", Layers: map[string]Layer{
		"APP":   {Destinations: []Destination{{Type: "file", Path: path}}},
		"AUDIT": {Destinations: []Destination{{Type: "null"}}},
	}}
	h := newTest(t, cfg)
	l := slog.New(h)
	audit := l.With("layer", "AUDIT") // bound before AUDIT is removed
	scoped := l.With("req", 7)        // a scope made before a destination is added
	l.Info("text 1")

	// The file's format changes (a new sink on the same file), a writer is
	// added, AUDIT is removed.
	cfg.Layers = map[string]Layer{"APP": {Destinations: []Destination{
		{Type: "file", Path: path, Format: "json"},
		{Type: "writer", Writer: extra, Format: "json"},
	}}}
	require.NoError(t, h.Reload(cfg))
	l.Info("json 2")
	scoped.Info("json 3")
	audit.Info("json 4: AUDIT is gone, to the default layer")
	require.NoError(t, h.Close())

	got := strings.Split(strings.TrimSpace(string(must(os.ReadFile(path)))), "\n")
	require.Len(t, got, 4)
	assert.Contains(t, got[0], `msg="text 1"`)
	for _, line := range got[1:] {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
	}
	recs := jsonRecords(t, extra.Bytes())
	require.Len(t, recs, 3)
	assert.Equal(t, float64(7), recs[1]["req"], "the scope reaches the new destination")
	st := h.Stats()
	requireSettled(t, st)
	assert.Equal(t, uint64(1), st.Unknown, "the record bound to the removed layer")
	names := []string{}
	for _, d := range st.Destinations {
		names = append(names, d.Name)
	}
	assert.ElementsMatch(t, []string{"file:" + path, "writer", RetiredName}, names)
	assert.Equal(t, uint64(7), st.Accepted, "1 before, 3 to the file and 3 to the writer after")
}

// TestReloadUnderLoad reloads a hundred times between two configs while
// sixteen goroutines log: every record reaches the file exactly once, in
// its producer's order, whatever the file's format at the time, and the
// accounting stays exact across the swaps.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	other := &syncBuffer{}
	configs := [2]Config{
		{DefaultLayer: "APP", Layers: map[string]Layer{"APP": {Destinations: []Destination{
			{Type: "file", Path: path, Format: "json", Async: &AsyncOptions{QueueSize: 256}},
		}}}},
		{DefaultLayer: "APP", Layers: map[string]Layer{"APP": {Level: slog.LevelDebug, Destinations: []Destination{
			{Type: "file", Path: path, Format: "json", Async: &AsyncOptions{QueueSize: 1024}},
			{Type: "writer", Writer: other, Format: "json"},
		}}}},
	}
	h := newTest(t, configs[0])
	const producers = 16
	limit := 20000
	if raceEnabled {
		limit = 3000
	}
	stop := make(chan struct{})
	counts := make([]int, producers)
	var wg sync.WaitGroup
	for g := range producers {
		wg.Go(func() {
			l := slog.New(h)
			if g%2 == 0 {
				l = l.With("layer", "APP") // bound before the reloads
			}
			for i := 0; ; i++ {
				select {
				case <-stop:
					counts[g] = i
					return
				default:
				}
				if i == limit { // bounded: under the race detector reloads are slow
					<-stop
					counts[g] = i
					return
				}
				l.Info("r", "g", g, "i", i)
			}
		})
	}
	for reloads := range 100 {
		require.NoError(t, h.Reload(configs[(reloads+1)%2]))
		time.Sleep(200 * time.Microsecond)
	}
	close(stop)
	wg.Wait()
	require.NoError(t, h.Close())

	next := make([]int, producers)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var rec struct{ G, I int }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), sc.Text())
		require.Equal(t, next[rec.G], rec.I, "producer %d: out of order, lost or twice", rec.G)
		next[rec.G]++
		n++
	}
	assert.Equal(t, counts, next, "every record once in the file")
	st := h.Stats()
	requireSettled(t, st)
	assert.Equal(t, uint64(n+len(lines(other.Bytes()))), st.Written)
	assert.Positive(t, len(lines(other.Bytes())), "records went to the writer too")
}

func TestReloadChangesTheMonitor(t *testing.T) {
	mon := &syncBuffer{}
	cfg := Config{DefaultLayer: "APP", Layers: map[string]Layer{
		"APP": {Destinations: []Destination{{Type: "null"}}},
		"MON": {Destinations: []Destination{{Type: "writer", Writer: mon, Format: "json"}}},
	}}
	h := newTest(t, cfg)
	cfg.Monitor = &Monitor{Layer: "MON", Interval: time.Millisecond}
	require.NoError(t, h.Reload(cfg))
	require.True(t, waitFor(5*time.Second, func() bool { return len(mon.Bytes()) > 0 }), "the new monitor logs")
	cfg.Monitor = nil
	require.NoError(t, h.Reload(cfg))
	flush(t, h)
	n := len(lines(mon.Bytes()))
	time.Sleep(20 * time.Millisecond)
	flush(t, h)
	assert.Equal(t, n, len(lines(mon.Bytes())), "the monitor stopped")
	assert.Equal(t, StatsMessage, jsonRecords(t, mon.Bytes())[0]["msg"])
}

func TestAFailedReloadKeepsTheLevels(t *testing.T) {
	out := &syncBuffer{}
	cfg := Config{DefaultLayer: "API", Layers: map[string]Layer{
		"API":   {Destinations: []Destination{{Type: "writer", Writer: out}}},
		"OTHER": {Level: slog.LevelDebug, Destinations: []Destination{{Type: "null"}}},
	}}
	h := newTest(t, cfg)
	bad := Config{DefaultLayer: "API", Layers: map[string]Layer{
		"API":   {Level: slog.LevelError, Destinations: []Destination{{Type: "file"}}},
		"OTHER": {Level: slog.LevelDebug, Destinations: []Destination{{Type: "null"}}},
	}}
	require.ErrorContains(t, h.Reload(bad), "Path is required")
	slog.New(h).Info("kept", "layer", "API")
	flush(t, h)
	assert.Contains(t, out.String(), "kept", "the level did not change")
	assert.Equal(t, slog.LevelInfo, h.Stats().Layers[0].Level)
}

func TestReloadKeepsTheSkipCountsOfRemovedLayers(t *testing.T) {
	cfg := Config{DefaultLayer: "A", Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "null"}}},
		"B": {Destinations: []Destination{{Type: "null"}}, RateLimit: &RateLimit{PerSecond: 1}},
	}}
	h := newTest(t, cfg)
	l := slog.New(h).With("layer", "B")
	for range 10 {
		l.Info("x")
	}
	require.Equal(t, uint64(9), h.Stats().Throttled)
	delete(cfg.Layers, "B")
	require.NoError(t, h.Reload(cfg))
	st := h.Stats()
	assert.Equal(t, uint64(9), st.Throttled, "the totals never go down")
	assert.Len(t, st.Layers, 1)
}

package hydra

// Sharing (share.go): one sink per target whatever the layers, one Write
// at a time on a shared writer, and unique names.

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSharedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shared.log")
	other := filepath.Join(dir, "sub", "..", "shared.log")
	h := newTest(t, Config{Layers: map[string]Layer{
		"A":              {Destinations: []Destination{{Type: "file", Path: path, Format: "json"}}},
		"B":              {Destinations: []Destination{{Type: "file", Path: other, Format: "json"}}},
		DefaultLayerName: {Destinations: []Destination{{Type: "null"}}},
	}})
	files := 0
	for _, d := range h.Stats().Destinations {
		if strings.HasPrefix(d.Name, "file:") {
			files++
			assert.Equal(t, []string{"A", "B"}, d.Layers)
		}
	}
	assert.Equal(t, 1, files, "one sink for both layers")

	l := slog.New(h)
	for i := range 100 {
		l.Info("m", "layer", []string{"A", "B"}[i%2], "i", i)
	}
	require.NoError(t, h.Close())
	recs := jsonRecords(t, must(os.ReadFile(path)))
	require.Len(t, recs, 100)
	for i, r := range recs {
		assert.Equal(t, float64(i), r["i"], "one queue keeps the order")
	}
}

// exclusiveWriter fails the test if two Writes overlap.
type exclusiveWriter struct {
	t      *testing.T
	inside atomic.Bool
	out    syncBuffer
}

func (w *exclusiveWriter) Write(p []byte) (int, error) {
	if !w.inside.CompareAndSwap(false, true) {
		w.t.Error("two Writes at once")
	}
	defer w.inside.Store(false)
	time.Sleep(10 * time.Microsecond)
	return w.out.Write(p)
}

func TestSharedWriterWithDifferentSettings(t *testing.T) {
	w := &exclusiveWriter{t: t}
	h := newTest(t, Config{Layers: map[string]Layer{
		"TEXT":           {Destinations: []Destination{{Type: "writer", Writer: w}}},
		"JSON":           {Destinations: []Destination{{Type: "writer", Writer: w, Format: "json"}}},
		DefaultLayerName: {Destinations: []Destination{{Type: "writer", Writer: w, Format: "json"}}},
	}})
	st := h.Stats()
	require.Len(t, st.Destinations, 2, "JSON and DEFAULT share a queue; TEXT has its own")
	assert.Equal(t, []string{DefaultLayerName, "JSON"}, st.Destinations[0].Layers)
	assert.Equal(t, []string{"TEXT"}, st.Destinations[1].Layers)

	l := slog.New(h)
	var wg sync.WaitGroup
	for _, layer := range []string{"TEXT", "JSON"} {
		wg.Go(func() { logN(l.With("layer", layer), layer, 2000) })
	}
	wg.Wait()
	require.NoError(t, h.Close())
	var textLines, jsonLines int
	for _, line := range lines(w.out.Bytes()) {
		switch {
		case strings.HasPrefix(line, "time=") && strings.Contains(line, "msg=TEXT"):
			textLines++
		case strings.HasPrefix(line, `{"time":`) && strings.Contains(line, `"msg":"JSON"`):
			jsonLines++
		default:
			t.Fatalf("torn or mixed line %q", line)
		}
	}
	assert.Equal(t, 2000, textLines)
	assert.Equal(t, 2000, jsonLines)
}

func TestWriterSharedWithAFallbackIsWrittenOneBatchAtATime(t *testing.T) {
	shared := &overlapWriter{}
	broken := &failWriter{failing: true}
	h := newTest(t, Config{DefaultLayer: "A", Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "writer", Writer: shared, Async: &AsyncOptions{QueueSize: 64}}}},
		"B": {Destinations: []Destination{{
			Type: "writer", Writer: broken, Async: &AsyncOptions{QueueSize: 64},
			Breaker:  &Breaker{Failures: 1, Cooldown: time.Hour},
			Fallback: &Destination{Type: "writer", Writer: shared},
		}}},
	}})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			l := slog.New(h).With("layer", []string{"A", "B"}[g%2])
			for i := range 2000 {
				l.Info("record", "i", i)
			}
		})
	}
	wg.Wait()
	require.ErrorIs(t, h.Close(), errDisk, "B's primary failed")
	assert.Zero(t, shared.overlaps.Load(), "Writes overlapped")
	assert.Equal(t, int64(8000), shared.n.Load(), "every record, A's and B's fallback's")
	requireSettled(t, h.Stats())
}

func TestDestinationNamesAreUnique(t *testing.T) {
	var a, b, c byteCounter
	h := newTest(t, Config{DefaultLayer: "API", Layers: map[string]Layer{
		"API": {Destinations: []Destination{
			{Type: "writer", Writer: &a},
			{Type: "writer", Writer: &b},
			{Type: "stderr", Level: slog.LevelError},
			{Type: "null"},
		}},
		"AUDIT": {Destinations: []Destination{
			{Type: "writer", Writer: &c},
			{Type: "stderr", Format: "json", Level: slog.LevelError},
			{Type: "null"},
		}},
		"DEBUG": {Destinations: []Destination{{Type: "stdout", Level: slog.LevelError}}},
	}})
	var names []string
	for _, d := range h.Stats().Destinations {
		names = append(names, d.Name)
	}
	assert.ElementsMatch(t, []string{
		"writer:API", "writer:API#2", "writer:AUDIT",
		"stderr:API", "stderr:AUDIT", "stdout", "null",
	}, names)
}

package hydra

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDestinationNamesAreUnique(t *testing.T) {
	var a, b, c bytes3
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

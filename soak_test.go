package hydra

import (
	"context"
	"flag"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var soak = flag.Duration("hydra.soak", 0, "run TestSoak this long instead of its short default (e.g. -hydra.soak=10m)")

// TestSoak runs 64 goroutines logging to six layers that cover every
// policy, two pairs of them sharing a file, the files rotating at 1 MB,
// while other goroutines change levels and rotate files, and closes the
// handler at a random moment. Afterwards every destination's counts add
// up, and every file holds whole records only, each once, in each
// producer's order, exactly as many as were counted as written.
func TestSoak(t *testing.T) {
	run := 2 * time.Second
	if testing.Short() {
		run = 300 * time.Millisecond
	}
	if *soak > 0 {
		run = *soak
	}
	dir := t.TempDir()
	file := func(name string, opts AsyncOptions) Destination {
		return Destination{Type: "file", Path: filepath.Join(dir, name), Format: "json", Rotation: Rotation{MaxSizeMB: 1}, Async: &opts}
	}
	timeout := AsyncOptions{QueueSize: 256, BlockTimeout: time.Millisecond}
	oldest := AsyncOptions{QueueSize: 256, Overflow: DropOldest, NeverDrop: slog.LevelError}
	newest := &syncBuffer{}
	h, err := New(Config{DefaultLayer: "NEWEST", Layers: map[string]Layer{
		"BLOCK-A":  {Level: slog.LevelDebug, Destinations: []Destination{file("block.log", AsyncOptions{QueueSize: 256})}},
		"BLOCK-B":  {Destinations: []Destination{file("block.log", AsyncOptions{QueueSize: 256})}},
		"OLDEST-A": {Destinations: []Destination{file("oldest.log", oldest)}},
		"OLDEST-B": {Destinations: []Destination{file("oldest.log", oldest), file("timeout.log", timeout)}},
		"NEWEST":   {Destinations: []Destination{{Type: "writer", Writer: newest, Format: "json", Async: &AsyncOptions{QueueSize: 64, Overflow: DropNewest}}}},
		"TIMEOUT":  {Destinations: []Destination{file("timeout.log", timeout)}},
	}})
	require.NoError(t, err)
	layers := []string{"BLOCK-A", "BLOCK-B", "OLDEST-A", "OLDEST-B", "NEWEST", "TIMEOUT"}
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

	start := time.Now()
	stop := make(chan struct{})
	var logged atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			l := slog.New(h)
			for i := 0; ; i++ {
				r := slog.NewRecord(time.Now(), levels[rng.IntN(len(levels))], "soak", 0)
				r.AddAttrs(slog.String("layer", layers[rng.IntN(len(layers))]), slog.Int("g", g), slog.Int("i", i))
				if err := l.Handler().Handle(context.Background(), r); err != nil {
					require.ErrorIs(t, err, ErrClosed)
					return
				}
				logged.Add(1)
			}
		})
	}
	for _, chaos := range []func(*rand.Rand){
		func(rng *rand.Rand) { h.SetLevel(layers[rng.IntN(len(layers))], levels[rng.IntN(len(levels)-1)]) },
		func(*rand.Rand) {
			if err := h.Rotate(); err != nil {
				require.ErrorIs(t, err, ErrClosed)
			}
		},
		func(*rand.Rand) { h.Stats() },
	} {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 2))
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(rng.IntN(5)) * time.Millisecond):
					chaos(rng)
				}
			}
		})
	}
	time.Sleep(run/2 + rand.N(run/2)) // close at a random moment
	require.NoError(t, h.Close())
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()

	st := h.Stats()
	requireSettled(t, st)
	t.Logf("%v: %d records logged by 64 goroutines, %.0f records/s; accepted %d, written %d, dropped %d, failed %d",
		elapsed.Round(time.Millisecond), logged.Load(), float64(logged.Load())/elapsed.Seconds(), st.Accepted, st.Written, st.Dropped, st.Failed)
	assert.Zero(t, st.Failed)
	for _, d := range st.Destinations {
		if d.Name == "writer" {
			checkStream(t, d, jsonRecords(t, newest.Bytes()))
			continue
		}
		prefix := filepath.Base(d.Name[len("file:"):])
		prefix = prefix[:len(prefix)-len(".log")]
		checkStream(t, d, readAll(t, dir, prefix))
	}
}

// checkStream checks one destination's output (a file and its backups, or
// a buffer) against its stats: every record whole (readAll and
// jsonRecords parse each line), each once, as many as Written.
func checkStream(t *testing.T, d DestinationStats, recs []map[string]any) {
	t.Helper()
	t.Logf("%s: %d written", d.Name, d.Written)
	requireEachOnce(t, recs, int(d.Written))
}

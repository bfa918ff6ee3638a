package hydra

// The soak test: every policy under load from many goroutines, with
// rotation and level changes, closed at a random moment.

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"math/rand/v2"
	"os"
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
	h, err := New(Config{DefaultLayer: "NEWEST", Layers: map[string]Layer{
		"BLOCK-A":  {Level: slog.LevelDebug, Destinations: []Destination{file("block.log", AsyncOptions{QueueSize: 256})}},
		"BLOCK-B":  {Destinations: []Destination{file("block.log", AsyncOptions{QueueSize: 256})}},
		"OLDEST-A": {Destinations: []Destination{file("oldest.log", oldest)}},
		"OLDEST-B": {Destinations: []Destination{file("oldest.log", oldest), file("timeout.log", timeout)}},
		"NEWEST":   {Destinations: []Destination{file("newest.log", AsyncOptions{QueueSize: 64, Overflow: DropNewest})}},
		"TIMEOUT":  {Destinations: []Destination{file("timeout.log", timeout)}},
	}})
	require.NoError(t, err)
	layers := []string{"BLOCK-A", "BLOCK-B", "OLDEST-A", "OLDEST-B", "NEWEST", "TIMEOUT"}
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

	// Half the goroutines name the layer in each record; the others log
	// through handlers bound to it, which know the layer before reading
	// the record (and may drop it unread).
	bound := make([]slog.Handler, len(layers))
	for i, name := range layers {
		bound[i] = h.WithAttrs([]slog.Attr{slog.String("layer", name)})
	}

	start := time.Now()
	stop := make(chan struct{})
	var logged atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := 0; ; i++ {
				r := slog.NewRecord(time.Now(), levels[rng.IntN(len(levels))], "soak", 0)
				layer := rng.IntN(len(layers))
				var handler slog.Handler = h
				if g%2 == 0 {
					r.AddAttrs(slog.String("layer", layers[layer]))
				} else {
					handler = bound[layer]
				}
				r.AddAttrs(slog.Int("g", g), slog.Int("i", i))
				if err := handler.Handle(context.Background(), r); err != nil {
					assert.ErrorIs(t, err, ErrClosed) // not require: this is not the test's goroutine
					return
				}
				logged.Add(1)
				if *soak > 0 && i%4 == 3 {
					// A long run is paced, at most about 250k records a
					// second, so that the files it checks fit on the disk.
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	// Each chaos returns false, having reported why, if its goroutine should
	// stop.
	for _, chaos := range []func(*rand.Rand) bool{
		func(rng *rand.Rand) bool {
			h.SetLevel(layers[rng.IntN(len(layers))], levels[rng.IntN(len(levels)-1)])
			return true
		},
		func(*rand.Rand) bool {
			err := h.Rotate()
			return err == nil || assert.ErrorIs(t, err, ErrClosed)
		},
		func(*rand.Rand) bool { h.Stats(); return true },
	} {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 2))
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(rng.IntN(5)) * time.Millisecond):
					if !chaos(rng) {
						return
					}
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
		name := filepath.Base(d.Name[len("file:"):])
		checkFiles(t, d, filepath.Join(dir, name[:len(name)-len(".log")]))
	}
}

// checkFiles checks a file destination's output, its file and rotated
// backups, against its stats without holding the records in memory:
// every line is one whole JSON record, every record is there once, in its
// producer's order, and there are as many as Written.
func checkFiles(t *testing.T, d DestinationStats, prefix string) {
	t.Helper()
	// Oldest first: lumberjack's backups (prefix-<time>.log) sort by time,
	// and before the current file (prefix.log), as '-' sorts before '.'.
	files, err := filepath.Glob(prefix + "*")
	require.NoError(t, err)
	seen := map[int][]uint64{} // a bitset of record numbers per goroutine
	last := map[int]int{}      // the last record number written per goroutine
	written := 0
	for _, f := range files {
		file, err := os.Open(f)
		require.NoError(t, err)
		scanner := bufio.NewScanner(file)
		for scanner.Scan() {
			var r struct {
				Msg  string
				G, I int
			}
			require.NoError(t, json.Unmarshal(scanner.Bytes(), &r), "%s: %q", f, scanner.Text())
			if r.Msg == DropNotice || r.Msg == SkipNotice {
				continue
			}
			bits := seen[r.G]
			for len(bits) <= r.I/64 {
				bits = append(bits, 0)
			}
			require.Zero(t, bits[r.I/64]&(1<<(r.I%64)), "%s: record %d/%d written twice", f, r.G, r.I)
			if prev, ok := last[r.G]; ok {
				require.Greater(t, r.I, prev, "%s: record %d/%d written after %d/%d", f, r.G, r.I, r.G, prev)
			}
			last[r.G] = r.I
			bits[r.I/64] |= 1 << (r.I % 64)
			seen[r.G] = bits
			written++
		}
		require.NoError(t, scanner.Err(), f)
		file.Close()
	}
	assert.Equal(t, int(d.Written), written, "%s: records in the files vs Written", d.Name)
}

package hydra

// The lock-free Sync path across Reloads: destinations replaced while
// goroutines write, added by a Reload, closed before their first write,
// and given RateLimit by one.

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Reload that adds RateLimit to a layer keeps its Sync destination, and
// the notices of what the limit throttles still fall due on the callers'
// path: the destination learns that it may owe one.
func TestSyncConcurrentWriterSkipNoticesAfterReloadAddsShaping(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		cfg := Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {
			Destinations: []Destination{{Type: "file", Path: path, Format: "json", Sync: true}},
		}}}
		h, err := New(cfg)
		require.NoError(t, err)
		s := h.c.table.Load().sinks[0]
		require.False(t, s.free.shaped.Load(), "no layer shapes")
		l := slog.New(h)
		l.Info("before")
		lc := cfg.Layers["L"]
		lc.RateLimit = &RateLimit{PerSecond: 1, Burst: 1}
		cfg.Layers["L"] = lc
		require.NoError(t, h.Reload(cfg))
		require.Same(t, s, h.c.table.Load().sinks[0], "the destination is kept")
		logN(l, "first", 10) // one passes, nine are throttled
		time.Sleep(1100 * time.Millisecond)
		l.Info("later")
		msgs := func() (msgs []any) {
			for _, r := range jsonRecords(t, must(os.ReadFile(path))) {
				msgs = append(msgs, r["msg"])
			}
			return msgs
		}
		assert.Equal(t, []any{"before", "first", SkipNotice, "later"}, msgs(), "the notice before Close")
		require.NoError(t, h.Close())
	})
}

// Reloads that replace a Sync file destination written without the lock,
// while many goroutines log to it: no record is lost or written twice, and
// each goroutine's records stay in order across the sinks.
func TestSyncConcurrentWriterReloadStress(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	cfg := func(format string) Config {
		return oneLayer(Destination{Type: "file", Path: path, Format: format, Sync: true})
	}
	h := newTest(t, cfg("json"))
	const goroutines, perG = 8, 3000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				assert.NoError(t, h.Handle(context.Background(), numbered(g, i)))
			}
		})
	}
	for i, format := range []string{"text", "json", "text"} {
		require.True(t, waitFor(10*time.Second, func() bool {
			return h.Stats().Written >= uint64(goroutines*perG*(i+1)/4)
		}))
		require.NoError(t, h.Reload(cfg(format)))
	}
	wg.Wait()
	require.NoError(t, h.Close())
	st := h.Stats()
	assert.Equal(t, uint64(goroutines*perG), st.Written)
	assert.Zero(t, st.Dropped+st.Failed)

	re := regexp.MustCompile(`"?g"?[:=](\d+)[ ,]"?i"?[:=](\d+)`)
	last := make(map[string]int)
	n := 0
	for _, line := range lines(must(os.ReadFile(path))) {
		m := re.FindStringSubmatch(line)
		require.NotNil(t, m, "a line that is no record: %q", line)
		i := must(strconv.Atoi(m[2]))
		if prev, ok := last[m[1]]; ok {
			require.Equal(t, prev+1, i, "goroutine %s: record %d after %d", m[1], i, prev)
		}
		last[m[1]] = i
		n++
	}
	assert.Equal(t, goroutines*perG, n)
}

// A Sync destination that a Reload adds to a layer that has throttled
// records starts from what is already announced: it writes without the
// lock, rather than waiting for a notice about records that are not its.
func TestSyncConcurrentWriterAddedByReloadWritesWithoutTheLock(t *testing.T) {
	dir := t.TempDir()
	layer := Layer{RateLimit: &RateLimit{PerSecond: 1e-9, Burst: 1},
		Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "a.log"), Format: "json"}}}
	h := newTest(t, Config{DefaultLayer: "L", Layers: map[string]Layer{"L": layer}})
	logN(slog.New(h), "m", 10) // one passes, nine are throttled
	layer.Destinations = append(layer.Destinations, Destination{Type: "file", Path: filepath.Join(dir, "b.log"), Format: "json", Sync: true})
	require.NoError(t, h.Reload(Config{DefaultLayer: "L", Layers: map[string]Layer{"L": layer}}))
	var added *sink
	for _, s := range h.c.table.Load().sinks {
		if s.free != nil {
			added = s
		}
	}
	require.NotNil(t, added)
	assert.False(t, added.skipsPending(), "the nine throttled before it was built are not its to announce")
}

// A Sync destination a Reload built, closed before its first record, does
// not open its file afterwards for a record that arrives too late: the
// record is refused and no file is left open.
func TestSyncSuccessorClosedBeforeItsFirstWriteOpensNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	cfg := func(format string) Config {
		return oneLayer(Destination{Type: "file", Path: path, Format: format, Sync: true})
	}
	h := newTest(t, cfg("text"))
	slog.New(h).Info("before")
	require.NoError(t, h.Reload(cfg("json")))
	s := h.c.table.Load().sinks[0]
	require.Len(t, s.later, 1, "the successor opens the file after its predecessor")
	require.NoError(t, h.Close())
	require.ErrorIs(t, h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "late", 0)), ErrClosed)
	f, _ := s.later[0].file()
	assert.Nil(t, f, "the file was opened after Close")
}

// Close racing a Reload successor's first write: run with -race.
func TestSyncSuccessorFirstWriteRacesClose(t *testing.T) {
	for range 20 {
		path := filepath.Join(t.TempDir(), "a.log")
		cfg := func(format string) Config {
			return oneLayer(Destination{Type: "file", Path: path, Format: format, Sync: true,
				Level: slog.LevelInfo})
		}
		c := cfg("text")
		c.Layers["L"] = Layer{RateLimit: &RateLimit{PerSecond: 1e-9, Burst: 1}, Destinations: c.Layers["L"].Destinations}
		h, err := New(c)
		require.NoError(t, err)
		logN(slog.New(h), "m", 3) // one passes, two throttled: notices to take up
		next := cfg("json")
		next.Layers["L"] = Layer{RateLimit: &RateLimit{PerSecond: 1e-9, Burst: 1}, Destinations: next.Layers["L"].Destinations}
		require.NoError(t, h.Reload(next))
		var wg sync.WaitGroup
		wg.Go(func() { slog.New(h).Info("first") })
		wg.Go(func() { h.Close() })
		wg.Wait()
		st := h.Stats()
		requireSettled(t, st)
	}
}

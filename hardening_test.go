package hydra

// What a new user broke in the first hour: user callbacks that panic, the
// zero Handler, Shutdown's deadline with a Monitor, writers shared with a
// Fallback, names that collide, unknown layers, one file under two paths.

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceAttrPanicFailsOneRecord(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var heard errorList
			out := &syncBuffer{}
			cfg := oneLayer(Destination{Type: "writer", Writer: out, Format: format})
			cfg.OnError = heard.add
			cfg.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == "boom" {
					panic("ReplaceAttr exploded")
				}
				return a
			}
			h := newTest(t, cfg)
			l := slog.New(h)
			l.Info("before")
			l.Info("x", "boom", 1)
			l.With("boom", 2).Info("bound") // the panic comes from the scope's attributes
			l.Info("after")
			err := h.Flush(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "ReplaceAttr exploded")
			require.Len(t, heard.get(), 2, "OnError hears of each")
			got := out.String()
			assert.Contains(t, got, "before")
			assert.Contains(t, got, "after")
			assert.NotContains(t, got, "bound")
			assert.Len(t, lines(out.Bytes()), 2, "no half record is left behind")
			st := h.Stats()
			assert.Equal(t, uint64(2), st.Failed)
			assert.Equal(t, uint64(2), st.Written)
			requireSettled(t, st)
		})
	}
}

func TestPanickingOnErrorIsRecovered(t *testing.T) {
	w := &failWriter{failing: true}
	cfg := oneLayer(Destination{Type: "writer", Writer: w})
	cfg.OnError = func(error) { panic("OnError exploded") }
	h := newTest(t, cfg)
	slog.New(h).Info("x")
	err := h.Flush(context.Background())
	require.ErrorIs(t, err, errDisk, "the write error is still returned")
	assert.Contains(t, err.Error(), "OnError panicked: OnError exploded")
	requireSettled(t, h.Stats())
}

func TestPanickingOnDropIsRecovered(t *testing.T) {
	h, l, w := stalled(t, AsyncOptions{QueueSize: 2, Overflow: DropNewest})
	h.c.sinks[0].onDrop = func(string, uint64) { panic("OnDrop exploded") }
	logN(l, "burst", 10)
	w.Release()
	err := h.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "OnDrop panicked: OnDrop exploded")
	assert.Equal(t, 1, strings.Count(w.out.String(), DropNotice), "the notice is written all the same")
	requireSettled(t, h.Stats())
}

// enabledPanics is a handler whose Enabled panics: the monitor's
// goroutine calls it when it logs into the handler's layer.
type enabledPanics struct{ slog.Handler }

func (enabledPanics) Enabled(context.Context, slog.Level) bool { panic("Enabled exploded") }

func TestMonitorSurvivesAPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var heard errorList
		h, err := New(Config{
			DefaultLayer: "APP",
			OnError:      heard.add,
			Monitor:      &Monitor{Layer: "MON", Interval: time.Second},
			Layers: map[string]Layer{
				"APP": {Destinations: []Destination{{Type: "null"}}},
				"MON": {Destinations: []Destination{{Type: "handler", Handler: enabledPanics{slog.DiscardHandler}}}},
			},
		})
		require.NoError(t, err)
		time.Sleep(2*time.Second + time.Millisecond)
		synctest.Wait()
		err = h.Close()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Monitor: logging the stats panicked: Enabled exploded")
		assert.Len(t, heard.get(), 2, "one report a tick")
	})
}

func TestZeroHandlerWritesToStderr(t *testing.T) {
	var h Handler
	l := slog.New(&h)
	before := h.Stats().Written
	require.NotPanics(t, func() {
		l.Debug("below INFO")
		l.Info("zero handler test: this line is expected on stderr")
		l.With("k", "v").WithGroup("g").Info("zero handler test: and this one")
	})
	assert.True(t, h.Enabled(context.Background(), slog.LevelInfo))
	assert.False(t, h.Enabled(context.Background(), slog.LevelDebug))
	st := h.Stats()
	assert.Equal(t, before+2, st.Written)
	assert.Equal(t, "stderr", st.Destinations[0].Name)
	assert.True(t, st.Destinations[0].Sync, "the zero Handler owns no goroutine")
	assert.NoError(t, h.Flush(context.Background()))
	assert.NoError(t, h.Rotate())
	assert.NoError(t, h.Reopen())
	assert.NoError(t, h.Close())
	l.Info("zero handler test: Close leaves it open")
	assert.Equal(t, before+3, h.Stats().Written)
	assert.ErrorContains(t, h.SetLevel(DefaultLayerName, slog.LevelDebug), "zero Handler")
}

func TestShutdownDeadlineWithAMonitorWaitingForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newStallWriter()
		h, err := New(Config{
			DefaultLayer: "APP",
			Monitor:      &Monitor{Layer: "MON", Interval: time.Second},
			Layers: map[string]Layer{
				"APP": {Destinations: []Destination{{Type: "null"}}},
				"MON": {Destinations: []Destination{{Type: "writer", Writer: w, Async: &AsyncOptions{QueueSize: 2}}}},
			},
		})
		require.NoError(t, err)
		// The first record stalls in Write, two fill the queue, the fourth
		// leaves the monitor waiting for room.
		time.Sleep(4*time.Second + time.Millisecond)
		synctest.Wait()
		require.Equal(t, 2, h.Stats().Destinations[1].Queued-1, "one record in the stalled write, two queued")

		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err = h.Shutdown(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "records not written by the deadline")
		assert.Equal(t, 200*time.Millisecond, time.Since(start), "Shutdown returns at its deadline")

		w.Release() // the stalled write returns: every goroutine ends
		synctest.Wait()
		requireSettled(t, h.Stats())
		assert.NoError(t, h.Close(), "a second close finds everything done")
	})
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

func TestBreakerFallbackTakesEveryRecordOfAFailedBatch(t *testing.T) {
	primary := &failWriter{failing: true}
	spare := &syncBuffer{}
	h := newTest(t, oneLayer(Destination{
		Type: "writer", Writer: primary, Format: "json",
		Breaker:  &Breaker{Failures: 3, Cooldown: time.Hour},
		Fallback: &Destination{Type: "writer", Writer: spare, Format: "json"},
	}))
	l := slog.New(h)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() { logN(l, fmt.Sprint("g", g), 500) })
	}
	wg.Wait()
	err := h.Close()
	require.ErrorIs(t, err, errDisk, "the failures are still reported")
	d := h.Stats().Destinations[0]
	assert.Zero(t, d.Failed, "a failed batch goes to the fallback")
	assert.Equal(t, uint64(2000), d.FallbackWritten)
	assert.Len(t, lines(spare.Bytes()), 2000)
	requireSettled(t, h.Stats())
}

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

func TestUnknownLayersAreCountedAndReportedOnce(t *testing.T) {
	var heard errorList
	cfg, bufs := writerLayers("json", "AUDIT", DefaultLayerName)
	cfg.OnError = heard.add
	h := newTest(t, cfg)
	l := slog.New(h)
	for range 3 {
		l.Info("typo", "layer", "AUIDT")
	}
	l.Info("other", "layer", "XX")
	bound := l.With("layer", "NOPE")
	bound.Info("bound")
	bound.Info("bound")
	l.InfoContext(ContextWithLayer(context.Background(), "CTX?"), "from the context")
	l.Info("known", "layer", "AUDIT")
	flush(t, h)
	assert.Equal(t, uint64(7), h.Stats().Unknown)
	assert.Len(t, lines(bufs[DefaultLayerName].Bytes()), 7, "they went to the default layer")
	var reported []string
	for _, err := range heard.get() {
		reported = append(reported, err.Error())
	}
	assert.ElementsMatch(t, []string{
		`hydra: unknown layer "AUIDT" (under key "layer"): its records go to layer "DEFAULT"`,
		`hydra: unknown layer "XX" (under key "layer"): its records go to layer "DEFAULT"`,
		`hydra: unknown layer "NOPE" (under key "layer"): its records go to layer "DEFAULT"`,
		`hydra: unknown layer "CTX?" (under key "layer"): its records go to layer "DEFAULT"`,
	}, reported)
}

func TestUnknownLayerReportsAreBounded(t *testing.T) {
	var heard errorList
	cfg := Config{OnError: heard.add, Layers: map[string]Layer{
		"A":              {Destinations: []Destination{{Type: "null"}}},
		DefaultLayerName: {Destinations: []Destination{{Type: "null"}}},
	}}
	h := newTest(t, cfg)
	l := slog.New(h)
	for i := range 1000 {
		l.Info("hostile", "layer", fmt.Sprint("L", i))
	}
	assert.Equal(t, uint64(1000), h.Stats().Unknown)
	assert.Len(t, heard.get(), maxUnknownNames+1, "each of the first names, then one word for the rest")
	n := 0
	h.c.unknown.names.Range(func(any, any) bool { n++; return true })
	assert.LessOrEqual(t, n, maxUnknownNames, "memory stays bounded")
}

func TestContextLayerAddsTheLayerAttribute(t *testing.T) {
	cfg, bufs := writerLayers("json", "API", DefaultLayerName)
	h := newTest(t, cfg)
	ctx := ContextWithLayer(context.Background(), "API")
	l := slog.New(h)
	l.InfoContext(ctx, "five", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5) // the layer is the sixth
	l.WithGroup("g").InfoContext(ctx, "grouped", "a", 1)
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "mine", 0)
	r.AddAttrs(slog.Int("a", 1))
	require.NoError(t, h.Handle(ctx, r))
	flush(t, h)
	recs := jsonRecords(t, bufs["API"].Bytes())
	require.Len(t, recs, 3)
	assert.Equal(t, "API", recs[0]["layer"])
	assert.Equal(t, float64(5), recs[0]["e"])
	assert.Equal(t, map[string]any{"a": float64(1), "layer": "API"}, recs[1]["g"])
	assert.Equal(t, "API", recs[2]["layer"])
	assert.Equal(t, 1, r.NumAttrs(), "the caller's record is not changed")
}

func TestOneFileUnderTwoPathsIsOneFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "app.log")
	require.NoError(t, os.WriteFile(real, nil, 0o600))
	link := filepath.Join(dir, "link.log")
	require.NoError(t, os.Symlink(real, link))
	linkedDir := filepath.Join(dir, "linked")
	require.NoError(t, os.Symlink(dir, linkedDir))
	hard := filepath.Join(dir, "hard.log")
	require.NoError(t, os.Link(real, hard))

	twoLayers := func(a, b Destination) Config {
		return Config{DefaultLayer: "A", Layers: map[string]Layer{
			"A": {Destinations: []Destination{a}},
			"B": {Destinations: []Destination{b}},
		}}
	}
	t.Run("symlink, formats differ", func(t *testing.T) {
		_, err := New(twoLayers(Destination{Type: "file", Path: real}, Destination{Type: "file", Path: link, Format: "json"}))
		require.ErrorContains(t, err, "Format differs")
	})
	t.Run("symlinked directory, new file", func(t *testing.T) {
		_, err := New(twoLayers(Destination{Type: "file", Path: filepath.Join(dir, "new.log")},
			Destination{Type: "file", Path: filepath.Join(linkedDir, "new.log"), Format: "json"}))
		require.ErrorContains(t, err, "Format differs")
	})
	t.Run("symlink, same settings: one sink", func(t *testing.T) {
		h := newTest(t, twoLayers(Destination{Type: "file", Path: real}, Destination{Type: "file", Path: link}))
		require.Len(t, h.Stats().Destinations, 1)
		assert.Equal(t, []string{"A", "B"}, h.Stats().Destinations[0].Layers)
	})
	t.Run("hard link", func(t *testing.T) {
		_, err := New(twoLayers(Destination{Type: "file", Path: real}, Destination{Type: "file", Path: hard}))
		require.ErrorContains(t, err, "is the same file as")
	})
}

func TestFormatIsCaseInsensitive(t *testing.T) {
	out := &syncBuffer{}
	cfg := oneLayer(Destination{Type: "WRITER", Writer: out, Format: "JSON"})
	h := newTest(t, cfg)
	slog.New(h).Info("x")
	flush(t, h)
	assert.Equal(t, "x", jsonRecords(t, out.Bytes())[0]["msg"])
}

func TestFlushWithADoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h, _, w := stalled(t, AsyncOptions{QueueSize: 4})
	w.Release()
	flush(t, h)
	assert.NoError(t, h.Flush(ctx), "nothing to wait for is success")

	h2, l2, w2 := stalled(t, AsyncOptions{QueueSize: 4})
	defer w2.Release()
	l2.Info("waits")
	err := h2.Flush(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "2 records not written yet")
}

func TestPublishExpvarConcurrently(t *testing.T) {
	h := newTest(t, namedLayer(Destination{Type: "null"}))
	base := fmt.Sprintf("hydra-test-%d", time.Now().UnixNano())
	for round := range 300 { // the race is narrow: try it often
		name := fmt.Sprint(base, "-", round)
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if h.PublishExpvar(name) == nil {
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), ok.Load(), "exactly one publishes %s", name)
	}
}

// filesIn returns the names of the files in dir.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestReopenAfterAnExternalRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	h := newTest(t, oneLayer(Destination{Type: "file", Path: path, Format: "json", Async: &AsyncOptions{QueueSize: 64}}))
	l := slog.New(h)
	stop := make(chan struct{})
	var logged atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			l.Info("r", "i", i)
			logged.Add(1)
		}
	})
	for i := range 3 { // as logrotate does: move, then tell the program
		for logged.Load() < int64(1000*(i+1)) {
			time.Sleep(time.Millisecond)
		}
		require.NoError(t, os.Rename(path, fmt.Sprintf("%s.%d", path, i+1)))
		require.NoError(t, h.Reopen())
	}
	close(stop)
	wg.Wait()
	require.NoError(t, h.Close())
	assert.ElementsMatch(t, []string{"app.log", "app.log.1", "app.log.2", "app.log.3"}, filesIn(t, dir),
		"Reopen makes no backup of its own")
	total := 0
	for _, name := range filesIn(t, dir) {
		total += len(lines(must(os.ReadFile(filepath.Join(dir, name)))))
	}
	assert.Equal(t, int(logged.Load()), total, "nothing lost, nothing twice")
	requireSettled(t, h.Stats())
	assert.ErrorIs(t, h.Reopen(), ErrClosed)
}

func TestNegativeMaxSizeTurnsSizeRotationOff(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.log")
	cfg := oneLayer(Destination{Type: "file", Path: path, Rotation: Rotation{MaxSizeMB: -1}})
	h := newTest(t, cfg)
	l := slog.New(h)
	big := strings.Repeat("x", 1<<10)
	for range 1500 { // 1.5 MB: past any MaxSizeMB of 1
		l.Info(big)
	}
	require.NoError(t, h.Close())
	assert.Equal(t, []string{"big.log"}, filesIn(t, dir))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Greater(t, info.Size(), int64(1500<<10))
}

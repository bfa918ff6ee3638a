package hydra

// The Handler's lifecycle (lifecycle.go): Close, Shutdown, Flush, Rotate
// and SetLevel.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestHandleAfterClose(t *testing.T) {
	cfg, _ := writerLayers("json", "A")
	cfg.Layers["S"] = Layer{Destinations: []Destination{{Type: "writer", Writer: io.Discard, Sync: true}}}
	h := newTest(t, cfg)
	require.NoError(t, h.Close())
	for _, tc := range []struct{ name, layer string }{
		{"async", "A"},
		{"sync", "S"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "late", 0)
			r.AddAttrs(slog.String("layer", tc.layer))
			err := h.Handle(context.Background(), r)
			require.ErrorIs(t, err, ErrClosed, tc.layer)
		})
	}
	st := h.Stats()
	assert.Equal(t, uint64(2), st.Dropped, "records after Close are counted as dropped")
	requireSettled(t, st)
	assert.ErrorIs(t, h.Rotate(), ErrClosed)
}

func TestCloseTwice(t *testing.T) {
	cfg, bufs := writerLayers("json", "A")
	h := newTest(t, cfg)
	slog.New(h).Info("m", "layer", "A")
	require.NoError(t, h.Close())
	require.NoError(t, h.Close())
	require.NoError(t, h.Shutdown(context.Background()))
	assert.Len(t, lines(bufs["A"].Bytes()), 1)
}

func TestCloseStopsEveryGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dir := t.TempDir()
	h, err := New(Config{Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "a.log")}, {Type: "stdout"}, {Type: "handler", Handler: slog.DiscardHandler}}},
		"B": {Destinations: []Destination{{Type: "writer", Writer: io.Discard, Async: &AsyncOptions{Overflow: DropOldest}}}},
	}})
	require.NoError(t, err)
	logN(slog.New(h).With("layer", "B"), "m", 100)
	require.NoError(t, h.Close())
}

// TestNewCloseCyclesLeaveNothingBehind opens and closes handlers with file
// destinations many times: goroutines and open files must stay flat
// (lumberjack alone leaves a goroutine per Logger, natefinch/lumberjack#56).
func TestNewCloseCyclesLeaveNothingBehind(t *testing.T) {
	dir := t.TempDir()
	cycle := func(i int) {
		h, err := New(Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "a.log"), Rotation: Rotation{MaxBackups: 2, Compress: true}}}},
			"B": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, fmt.Sprintf("b%d.log", i))}}},
		}})
		require.NoError(t, err)
		l := slog.New(h)
		l.Info("a", "layer", "A")
		l.Info("b", "layer", "B")
		require.NoError(t, h.Rotate())
		require.NoError(t, h.Close())
	}
	cycle(0) // warm up: the first cycle starts what stays (timers, pools)
	millsDone := func() bool {
		buf := make([]byte, 1<<20)
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "lumberjack")
	}
	// A compression lumberjack started may outlive Close by a moment; it
	// must then end, and its goroutine with it.
	require.True(t, waitFor(5*time.Second, millsDone), "lumberjack's goroutines ended")
	goroutines, files := runtime.NumGoroutine(), openFiles(t)
	for i := 1; i <= 50; i++ {
		cycle(i)
	}
	require.True(t, waitFor(5*time.Second, millsDone), "lumberjack goroutines remain")
	assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "goroutines after 50 cycles")
	assert.LessOrEqual(t, openFiles(t), files, "open files")
}

func openFiles(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd to count open files")
	}
	return len(entries)
}

// TestCloseDuringWrites closes the handler while goroutines log: every
// record is either written or counted as dropped, and every Handle that
// returned nil under Block had its record written.
func TestCloseDuringWrites(t *testing.T) {
	for _, policy := range []Policy{Block, DropNewest, DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			buf := &syncBuffer{}
			h := newTest(t, oneLayer(Destination{Type: "writer", Writer: buf, Format: "json", Async: &AsyncOptions{QueueSize: 64, Overflow: policy}}))
			var ok, closed atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			logging := make(chan struct{}) // closed once a goroutine has logged 100 records
			var once sync.Once
			for g := range 8 {
				wg.Go(func() {
					defer once.Do(func() { close(logging) }) // if it returns before its 100th
					<-start
					for i := 0; ; i++ {
						if i == 100 {
							once.Do(func() { close(logging) })
						}
						r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
						r.AddAttrs(slog.Int("g", g), slog.Int("i", i))
						if err := h.Handle(context.Background(), r); err != nil {
							assert.ErrorIs(t, err, ErrClosed)
							closed.Add(1)
							return
						}
						ok.Add(1)
					}
				})
			}
			close(start)
			<-logging // Close comes while records are being logged
			require.NoError(t, h.Close())
			wg.Wait()
			st := h.Stats()
			requireSettled(t, st)
			assert.Equal(t, uint64(ok.Load()+closed.Load()), st.Accepted)
			written := len(lines(buf.Bytes())) - len(matching(messages(t, buf.Bytes()), DropNotice))
			assert.Equal(t, st.Written, uint64(written))
			if policy == Block {
				assert.Equal(t, uint64(ok.Load()), st.Written, "under Block every accepted record is written")
			}
		})
	}
}

func TestShutdownGivesUpAtDeadline(t *testing.T) {
	w := newStallWriter()
	h, err := New(namedLayer(Destination{Type: "writer", Writer: w, Format: "json"}))
	require.NoError(t, err)
	l := slog.New(h).With("layer", "L")
	l.Info("first")
	<-w.started // the consumer is stuck writing "first"
	logN(l, "queued", 10)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = h.Shutdown(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "11 records not written by the deadline")

	w.Release()
	require.NoError(t, h.Close(), "Close waits for the stuck write, then returns")
	d := destStats(t, h, "writer")
	assert.Equal(t, uint64(1), d.Written)
	assert.Equal(t, uint64(10), d.Dropped, "records queued at the deadline are dropped")
	requireSettled(t, h.Stats())
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

func TestFlushWaitsForWritesAndHonoursContext(t *testing.T) {
	w := newStallWriter()
	h := newTest(t, namedLayer(Destination{Type: "writer", Writer: w, Format: "json"}))
	defer w.Release()
	slog.New(h).Info("m", "layer", "L")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := h.Flush(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "1 record not written yet")

	w.Release()
	flush(t, h)
	assert.Len(t, lines(w.out.Bytes()), 1)
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

func TestRotate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	h := newTest(t, namedLayer(Destination{Type: "file", Path: path}))
	l := slog.New(h).With("layer", "L")
	l.Info("before")
	flush(t, h)
	require.NoError(t, h.Rotate())
	l.Info("after")
	require.NoError(t, h.Close())

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "the current file and one backup")
	assert.Contains(t, string(must(os.ReadFile(path))), "msg=after")
	assert.NotContains(t, string(must(os.ReadFile(path))), "msg=before")
}

type fixedLeveler slog.Level

func (l fixedLeveler) Level() slog.Level { return slog.Level(l) }

func TestSetLevelOnUserLevelers(t *testing.T) {
	v := new(slog.LevelVar)
	h := newTest(t, Config{Layers: map[string]Layer{
		"VAR":    {Level: v, Destinations: []Destination{{Type: "null"}}},
		"CUSTOM": {Level: fixedLeveler(slog.LevelWarn), Destinations: []Destination{{Type: "null"}}},
	}})
	require.NoError(t, h.SetLevel("VAR", slog.LevelError))
	assert.Equal(t, slog.LevelError, v.Level(), "SetLevel sets the user's LevelVar")
	err := h.SetLevel("CUSTOM", slog.LevelInfo)
	require.ErrorContains(t, err, "hydra.fixedLeveler")
}

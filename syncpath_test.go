package hydra

import (
	"bytes"
	"context"
	"io"
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

// A Sync text or JSON destination formats outside its lock: two callers
// are inside ReplaceAttr at once, which a lock held across formatting
// would never allow.
func TestSyncFormatsOutsideTheLock(t *testing.T) {
	var inside atomic.Int32
	both := make(chan struct{})
	var once sync.Once
	cfg := oneLayer(Destination{Type: "writer", Writer: new(syncBuffer), Format: "json", Sync: true})
	cfg.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "wait" {
			if inside.Add(1) == 2 {
				once.Do(func() { close(both) })
			}
			select {
			case <-both:
			case <-time.After(5 * time.Second):
			}
		}
		return a
	}
	h := newTest(t, cfg)
	l := slog.New(h)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { l.Info("m", "wait", true) })
	}
	wg.Wait()
	select {
	case <-both:
	default:
		t.Fatal("the two callers never formatted at once: formatting holds the lock")
	}
	require.Equal(t, uint64(2), h.Stats().Written)
}

// syncPipe returns a Handler with one Sync JSON destination writing to
// the write end of a pipe, which nobody reads yet, and the pipe's read
// end; the sink is the destination's.
func syncPipe(t *testing.T) (*Handler, *sink, *os.File) {
	t.Helper()
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { pr.Close(); pw.Close() })
	h := newTest(t, oneLayer(Destination{Type: "writer", Writer: pw, Format: "json", Sync: true}))
	s := h.c.table.Load().sinks[0]
	require.NotNil(t, s.free, "a Sync destination writing to an *os.File writes without the sink's lock")
	return h, s, pr
}

// logBlocked logs, on a goroutine of its own, a record larger than a
// pipe holds, and returns once the caller is inside its Write, which
// blocks until the pipe is read.
func logBlocked(t *testing.T, h *Handler, s *sink) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.Handle(context.Background(), bigRecord()) }()
	require.True(t, waitFor(5*time.Second, func() bool { return s.free.inside() == 1 }), "the caller never got to its Write")
	return done
}

func bigRecord() slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "big", 0)
	r.AddAttrs(slog.String("pad", strings.Repeat("x", 1<<20)))
	return r
}

// Where the writer is safe for concurrent use, a Sync caller writes
// without the sink's lock: it is free while a Write blocks.
func TestSyncConcurrentWriterWritesWithoutTheLock(t *testing.T) {
	h, s, pr := syncPipe(t)
	done := logBlocked(t, h, s)
	require.True(t, s.mu.TryLock(), "the sink's lock is held across the Write")
	s.mu.Unlock()
	go io.Copy(io.Discard, pr)
	require.NoError(t, <-done)
	require.NoError(t, h.Close())
	st := destStats(t, h, s.name)
	assert.Equal(t, uint64(1), st.Written)
	assert.Equal(t, uint64(1), st.Accepted)
}

// Close waits for the Sync callers writing without the lock: when it
// returns, their records are counted, and a record after it is refused
// and counted as dropped.
func TestSyncConcurrentWriterCloseWaitsForWrites(t *testing.T) {
	h, s, pr := syncPipe(t)
	done := logBlocked(t, h, s)
	closed := make(chan error, 1)
	go func() { closed <- h.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a record was being written", err)
	case <-time.After(100 * time.Millisecond):
	}
	go io.Copy(io.Discard, pr)
	require.NoError(t, <-done)
	require.NoError(t, <-closed)
	st := destStats(t, h, s.name)
	assert.Equal(t, uint64(1), st.Written, "the record written while Close waited")
	require.ErrorIs(t, h.Handle(context.Background(), bigRecord()), ErrClosed)
	st = destStats(t, h, s.name)
	assert.Equal(t, uint64(2), st.Accepted)
	assert.Equal(t, uint64(1), st.Dropped)
	assert.Equal(t, st.Accepted, st.Written+st.Dropped+st.Failed)
}

// The gate's counts: a caller inside is accepted and not yet written; one
// that comes after Close backs out, and once Close has returned its
// passage is not counted at any moment, so that the counts Reload keeps
// of a retired sink, read then, add up.
func TestFreeGateCounts(t *testing.T) {
	var g freeGate
	st := g.stripe()
	require.True(t, g.enter(st))
	w, f, a := g.counts()
	assert.Equal(t, [3]uint64{0, 0, 1}, [3]uint64{w, f, a}, "inside: accepted, not written")
	assert.Equal(t, uint64(1), g.inside())
	closed := make(chan struct{})
	go func() { g.close(); close(closed) }()
	require.Eventually(t, g.closed.Load, 5*time.Second, time.Millisecond)
	select {
	case <-closed:
		t.Fatal("close returned with a caller inside")
	case <-time.After(20 * time.Millisecond):
	}
	st.written.Add(1) // the caller leaves
	<-closed
	assert.Zero(t, g.inside())

	// A caller that loaded the sink before it closed comes in now: between
	// its enter and its back-out, the counts still add up.
	st.entered.Add(1)
	w, f, a = g.counts()
	assert.Equal(t, [3]uint64{1, 0, 1}, [3]uint64{w, f, a})
	st.backedOut.Add(1)
	require.False(t, g.enter(st), "closed")
	w, f, a = g.counts()
	assert.Equal(t, [3]uint64{1, 0, 1}, [3]uint64{w, f, a})
	assert.Zero(t, g.inside())
}

// Many goroutines write a Sync file without the lock while the file is
// rotated and, half-way, the Handler closed: every record accepted is in
// the files once, whole, each goroutine's in the order it logged them, and
// the counts add up.
func TestSyncConcurrentWriterStress(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	h := newTest(t, oneLayer(Destination{Type: "file", Path: path, Format: "json", Sync: true}))
	require.NotNil(t, h.c.table.Load().sinks[0].free, "a Sync file destination writes without the sink's lock")
	const goroutines, perG = 8, 4000
	var wg sync.WaitGroup
	var refused atomic.Int64
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				if err := h.Handle(context.Background(), numbered(g, i)); err != nil {
					assert.ErrorIs(t, err, ErrClosed)
					refused.Add(1)
				}
			}
		})
	}
	stop := make(chan struct{})
	var rotations sync.WaitGroup
	rotations.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				if err := h.Rotate(); err != nil {
					assert.ErrorIs(t, err, ErrClosed)
				}
			}
		}
	})
	require.True(t, waitFor(10*time.Second, func() bool { return h.Stats().Written >= goroutines*perG/2 }))
	require.NoError(t, h.Close())
	wg.Wait()
	close(stop)
	rotations.Wait()

	st := h.Stats()
	requireSettled(t, st)
	ds := st.Destinations[0]
	assert.Equal(t, uint64(goroutines*perG), ds.Accepted)
	assert.Equal(t, ds.Accepted, ds.Written+ds.Dropped+ds.Failed)
	assert.Equal(t, uint64(refused.Load()), ds.Dropped)
	assert.Zero(t, ds.Failed)

	recs := readAll(t, dir, "app")
	require.Len(t, recs, int(ds.Written))
	last := make(map[float64]float64)
	for _, r := range recs {
		g, i := r["g"].(float64), r["i"].(float64)
		if prev, ok := last[g]; ok {
			require.Greater(t, i, prev, "goroutine %v's records out of order", g)
		}
		last[g] = i
	}
}

// numbered is record i of goroutine g.
func numbered(g, i int) slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.Int("g", g), slog.Int("i", i))
	return r
}

// A Sync destination written without the lock still writes its skip
// notices as they fall due, not only at Close: the caller that finds
// throttled records unannounced takes the locked path, which writes them.
func TestSyncConcurrentWriterWritesSkipNotices(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		h, err := New(Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {
			RateLimit:    &RateLimit{PerSecond: 1, Burst: 1},
			Destinations: []Destination{{Type: "file", Path: path, Format: "json", Sync: true}},
		}}})
		require.NoError(t, err)
		require.NotNil(t, h.c.table.Load().sinks[0].free)
		l := slog.New(h)
		logN(l, "first", 10) // one passes, nine are throttled
		time.Sleep(1100 * time.Millisecond)
		l.Info("later") // a token again, and a notice due
		require.NoError(t, h.Close())

		var msgs []any
		for _, r := range jsonRecords(t, must(os.ReadFile(path))) {
			msgs = append(msgs, r["msg"])
			if r["msg"] == SkipNotice {
				assert.Equal(t, float64(9), r["throttled"])
			}
		}
		assert.Equal(t, []any{"first", SkipNotice, "later"}, msgs)
	})
}

// boomWriter panics on a record that says boom and keeps the others.
type boomWriter struct{ out syncBuffer }

func (w *boomWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("boom")) {
		panic("no disk")
	}
	return w.out.Write(p)
}

// A panic while a Sync record is formatted (in ReplaceAttr) or written
// (in the writer) fails that record alone, on the lock-free path as on
// the locked one: the call returns the error, the record is counted as
// failed, and the records around it are written.
func TestSyncPanicFailsOneRecord(t *testing.T) {
	explode := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "explode" {
			panic("ReplaceAttr exploded")
		}
		return a
	}
	for _, tc := range []struct {
		name string
		free bool   // the destination writes without the sink's lock
		attr string // the attribute of the failing record
		want string
		cfg  func(w *boomWriter, path string) Config
	}{
		{"format, lock-free", true, "explode", "formatting a record panicked: ReplaceAttr exploded", func(_ *boomWriter, path string) Config {
			return Config{DefaultLayer: "L", ReplaceAttr: explode, Layers: map[string]Layer{"L": {Destinations: []Destination{{Type: "file", Path: path, Format: "json", Sync: true}}}}}
		}},
		{"format, locked", false, "explode", "formatting a record panicked: ReplaceAttr exploded", func(w *boomWriter, _ string) Config {
			return Config{DefaultLayer: "L", ReplaceAttr: explode, Layers: map[string]Layer{"L": {Destinations: []Destination{{Type: "writer", Writer: w, Format: "json", Sync: true}}}}}
		}},
		{"write, lock-free", true, "boom", "writer panicked: no disk", func(w *boomWriter, _ string) Config {
			return Config{DefaultLayer: "L", Layers: map[string]Layer{ // a shared writer: behind hydra's lock for it
				"L": {Destinations: []Destination{{Type: "writer", Writer: w, Format: "json", Sync: true}}},
				"M": {Destinations: []Destination{{Type: "writer", Writer: w, Format: "text", Sync: true}}},
			}}
		}},
		{"write, locked", false, "boom", "writer panicked: no disk", func(w *boomWriter, _ string) Config {
			return Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Destinations: []Destination{{Type: "writer", Writer: w, Format: "json", Sync: true}}}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &boomWriter{}
			path := filepath.Join(t.TempDir(), "app.log")
			h := newTest(t, tc.cfg(w, path))
			s := h.c.table.Load().layers["L"].state.Load().routes[0].sink
			require.Equal(t, tc.free, s.free != nil)
			ctx := context.Background()
			rec := func(msg string, attrs ...slog.Attr) slog.Record {
				r := slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0)
				r.AddAttrs(attrs...)
				return r
			}
			require.NoError(t, h.Handle(ctx, rec("before")))
			err := h.Handle(ctx, rec("failing", slog.String(tc.attr, "boom")))
			require.ErrorContains(t, err, tc.want)
			require.NoError(t, h.Handle(ctx, rec("after")))
			st := destStats(t, h, s.name)
			assert.Equal(t, [3]uint64{3, 2, 1}, [3]uint64{st.Accepted, st.Written, st.Failed})
			require.NoError(t, h.Close())
			out := w.out.String()
			if tc.cfg(w, path).Layers["L"].Destinations[0].Type == "file" {
				out = string(must(os.ReadFile(path)))
			}
			assert.Contains(t, out, `"msg":"before"`)
			assert.Contains(t, out, `"msg":"after"`)
			assert.NotContains(t, out, "failing")
		})
	}
}

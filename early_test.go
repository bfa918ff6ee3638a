package hydra

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heavyRecordOf is record i of goroutine g with a group of 20 attributes: heavy
// enough to be formatted early. Its time is fixed, so that its bytes are
// the same whoever formats it.
func heavyRecordOf(g, i int, extra ...slog.Attr) slog.Record {
	r := slog.NewRecord(time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC), slog.LevelInfo, "heavy", 0)
	attrs := make([]any, 20)
	for k := range attrs {
		attrs[k] = slog.Int(fmt.Sprintf("k%02d", k), k*i)
	}
	r.AddAttrs(slog.Int("g", g), slog.Int("i", i), slog.Group("grp", attrs...))
	r.AddAttrs(extra...)
	return r
}

// Callers that find the queue full under Block format heavy records
// themselves: the output is byte for byte what the consumer writes, in
// each goroutine's order, every record once, and the counts add up.
func TestEarlyFormattingKeepsBytesAndOrder(t *testing.T) {
	h, l, w := stalled(t, AsyncOptions{QueueSize: 64})
	s := h.c.table.Load().sinks[0]
	require.NotNil(t, s.q.early)
	const goroutines, perG = 4, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				assert.NoError(t, l.Handler().Handle(context.Background(), heavyRecordOf(g, i)))
			}
		})
	}
	require.True(t, waitFor(5*time.Second, func() bool { return s.q.early.formatted.Load() > 0 }),
		"no caller formatted its record while the queue was full")
	w.Release()
	wg.Wait()
	require.NoError(t, h.Close())
	t.Logf("formatted early: %d of %d", s.q.early.formatted.Load(), goroutines*perG)
	assert.Zero(t, s.q.early.inflight.Load(), "every early buffer was given back")
	st := h.Stats()
	requireSettled(t, st)
	assert.Equal(t, uint64(goroutines*perG+1), st.Written)

	// The same records formatted by a Sync destination, the reference.
	var want syncBuffer
	ref := newTest(t, oneLayer(Destination{Type: "writer", Writer: &want, Format: "json", Sync: true}))
	for g := range goroutines {
		for i := range perG {
			require.NoError(t, ref.Handle(context.Background(), heavyRecordOf(g, i)))
		}
	}
	got := lines(w.out.Bytes())[1:] // after "first"
	exp := lines(want.Bytes())
	require.Len(t, got, len(exp))
	next := make([]int, goroutines)
	for _, line := range got {
		var g, i int
		_, err := fmt.Sscanf(line[bytes.Index([]byte(line), []byte(`"g":`)):], `"g":%d,"i":%d`, &g, &i)
		require.NoError(t, err, line)
		require.Equal(t, next[g], i, "goroutine %d out of order", g)
		next[g]++
		require.Equal(t, exp[g*perG+i], line)
	}
	slices.Sort(got)
	slices.Sort(exp)
	assert.Equal(t, exp, got)
}

// A record whose early formatting panics (in ReplaceAttr) is queued as it
// is: it fails on the consumer, alone, as it would have.
func TestEarlyFormattingPanicFailsThatRecordOnly(t *testing.T) {
	w := newStallWriter()
	t.Cleanup(w.Release)
	cfg := oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: 8}})
	cfg.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "boom" {
			panic("boom")
		}
		return a
	}
	var heard errorList
	cfg.OnError = heard.add
	h := newTest(t, cfg)
	s := h.c.table.Load().sinks[0]
	l := slog.New(h)
	l.Info("first")
	<-w.started
	for i := range 8 { // fill the queue
		l.Info("fill", "i", i)
	}
	// One heavy record formatted early, then four whose formatting
	// panics, from five callers that then all wait for room.
	var wg sync.WaitGroup
	wg.Go(func() { assert.NoError(t, h.Handle(context.Background(), heavyRecordOf(0, 0))) })
	require.True(t, waitFor(5*time.Second, func() bool { return s.q.early.formatted.Load() == 1 }))
	for g := 1; g <= 4; g++ {
		wg.Go(func() { h.Handle(context.Background(), heavyRecordOf(g, 0, slog.Bool("boom", true))) })
	}
	require.True(t, waitFor(5*time.Second, func() bool { return s.q.room.waiters.Load() == 5 }))
	assert.Equal(t, uint64(1), s.q.early.formatted.Load(), "a record whose formatting panicked is not queued formatted")
	w.Release()
	wg.Wait()
	h.Close()
	st := h.Stats()
	requireSettled(t, st)
	assert.Equal(t, uint64(4), st.Failed, "the four records with boom")
	assert.Equal(t, uint64(1+8+1), st.Written)
	require.NotEmpty(t, heard.get())
	assert.Contains(t, heard.get()[0].Error(), "formatting a record panicked")
	assert.Zero(t, s.q.early.inflight.Load())
}

func TestHeavy(t *testing.T) {
	rec := func(attrs ...slog.Attr) *slog.Record {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
		r.AddAttrs(attrs...)
		return &r
	}
	ints := func(n int) []slog.Attr {
		var a []slog.Attr
		for i := range n {
			a = append(a, slog.Int(fmt.Sprint("k", i), i))
		}
		return a
	}
	group := func(n int) slog.Attr {
		var a []any
		for _, x := range ints(n) {
			a = append(a, x)
		}
		return slog.Group("g", a...)
	}
	for _, c := range []struct {
		name string
		r    *slog.Record
		want bool
	}{
		{"bare", rec(), false},
		{"15 simple", rec(ints(15)...), false},
		{"16 simple", rec(ints(16)...), true},
		{"one Any", rec(slog.Any("v", []int{1}), slog.Int("a", 1)), false},
		{"two Any", rec(slog.Any("v", []int{1}), slog.Any("w", map[string]int{})), true},
		{"a group of 14", rec(group(14)), false},
		{"a group of 15", rec(group(15)), true},
		{"a LogValuer and 8", rec(append(ints(8), slog.Any("lazy", lazyInt(1)))...), true},
	} {
		assert.Equal(t, c.want, heavy(c.r), c.name)
	}
}

// A record formatted early and then dropped (its BlockTimeout expired)
// gives its buffer back: the bytes waiting formatted stay bounded by what
// is queued.
func TestEarlyFormattedRecordDroppedGivesItsBufferBack(t *testing.T) {
	h, l, w := stalled(t, AsyncOptions{QueueSize: 4, BlockTimeout: 10 * time.Millisecond})
	q := h.c.table.Load().sinks[0].q
	logN(l, "fill", 4)
	for i := range 3 {
		require.NoError(t, h.Handle(context.Background(), heavyRecordOf(0, i)))
	}
	assert.Equal(t, uint64(3), q.early.formatted.Load())
	assert.Zero(t, q.early.inflight.Load(), "the dropped records' bytes are not counted as waiting")
	assert.Len(t, q.early.spare, 1, "each buffer is spare again, and taken by the next")
	w.Release()
	require.NoError(t, h.Close())
	st := h.Stats()
	requireSettled(t, st)
	assert.Equal(t, uint64(3), st.Dropped)
}

package hydra

// The circuit breaker (breaker.go): it opens, diverts to its fallback,
// probes and closes; its Config errors.

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// breakerHandler returns a handler whose layer "L" writes JSON to w behind
// a breaker, falling back to fallback (if not nil), one record per write:
// each record is logged and flushed on its own.
func breakerHandler(t *testing.T, w *faultyWriter, br Breaker, fallback *Destination) (*Handler, func(msg string) error) {
	t.Helper()
	h, err := New(oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Breaker: &br, Fallback: fallback}))
	require.NoError(t, err)
	l := slog.New(h)
	return h, func(msg string) error {
		l.Info(msg)
		return h.Flush(context.Background())
	}
}

func TestBreakerOpensFallsBackProbesAndCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		primary := &faultyWriter{}
		primary.mode.Store(fwEIO)
		spare := &syncBuffer{}
		h, logAndFlush := breakerHandler(t, primary, Breaker{Failures: 3, Cooldown: time.Second},
			&Destination{Type: "writer", Writer: spare, Format: "json"})
		for range 3 {
			require.Error(t, logAndFlush("failing"), "the first failures are reported")
		}
		assert.Equal(t, []string{"failing", "failing", "failing"}, messages(t, spare.Bytes()),
			"the records of a failed write go to the fallback")
		d := h.Stats().Destinations[0]
		assert.Equal(t, "open", d.Breaker)
		assert.Equal(t, uint64(1), d.BreakerOpened)

		require.NoError(t, logAndFlush("diverted 1"))
		primary.mode.Store(fwOK) // the fault clears, but the breaker rests
		require.NoError(t, logAndFlush("diverted 2"))
		assert.Equal(t, []string{"failing", "failing", "failing", "diverted 1", "diverted 2"}, messages(t, spare.Bytes()))

		time.Sleep(time.Second) // cooled down: the next write is a probe
		require.NoError(t, logAndFlush("probe"))
		require.NoError(t, logAndFlush("after"))
		assert.Equal(t, []string{"probe", "after"}, messages(t, primary.out.Bytes()))
		d = h.Stats().Destinations[0]
		assert.Equal(t, "closed", d.Breaker)
		assert.Zero(t, d.Failed, "nothing is lost")
		assert.Equal(t, uint64(7), d.Written)
		assert.Equal(t, uint64(5), d.FallbackWritten)
		require.NoError(t, h.Close())
		requireSettled(t, h.Stats())
	})
}

func TestBreakerFailedProbeOpensAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		primary := &faultyWriter{}
		primary.mode.Store(fwEIO)
		spare := &syncBuffer{}
		h, logAndFlush := breakerHandler(t, primary, Breaker{Failures: 1, Cooldown: time.Second},
			&Destination{Type: "writer", Writer: spare, Format: "json"})
		require.Error(t, logAndFlush("fails"))
		require.NoError(t, logAndFlush("diverted"))
		time.Sleep(time.Second)
		require.Error(t, logAndFlush("probe fails"))
		d := h.Stats().Destinations[0]
		assert.Equal(t, "open", d.Breaker)
		assert.Equal(t, uint64(2), d.BreakerOpened)
		require.NoError(t, logAndFlush("diverted again"))
		assert.Equal(t, []string{"fails", "diverted", "probe fails", "diverted again"}, messages(t, spare.Bytes()))
		require.NoError(t, h.Close())
		requireSettled(t, h.Stats())
	})
}

func TestBreakerWithoutFallbackDropsAndAnnounces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		primary := &faultyWriter{}
		primary.mode.Store(fwEIO)
		var drops []uint64
		cfg := oneLayer(Destination{Type: "writer", Writer: primary, Format: "json", Breaker: &Breaker{Failures: 2, Cooldown: time.Minute}})
		cfg.OnDrop = func(_ string, n uint64) { drops = append(drops, n) }
		h, err := New(cfg)
		require.NoError(t, err)
		l := slog.New(h)
		for range 2 {
			l.Info("fails")
			require.Error(t, h.Flush(context.Background()))
		}
		logN(l, "shed", 10)
		require.NoError(t, h.Flush(context.Background()))
		d := h.Stats().Destinations[0]
		assert.Equal(t, uint64(10), d.Dropped, "records meet an open breaker with no fallback")
		requireSettled(t, h.Stats())

		primary.mode.Store(fwOK)
		time.Sleep(time.Minute)
		l.Info("back")
		require.NoError(t, h.Close())
		assert.Equal(t, []string{DropNotice, "back"}, messages(t, primary.out.Bytes()), "the notice waited for the breaker")
		assert.Equal(t, uint64(10), noticed(t, primary.out.Bytes()))
		assert.Equal(t, []uint64{10}, drops)
	})
}

func TestBreakerOnAHandlerFallsBackToAFile(t *testing.T) {
	inner := &faultyHandler{}
	inner.mode.Store(2) // fails
	path := filepath.Join(t.TempDir(), "spare.log")
	h := newTest(t, oneLayer(Destination{
		Type: "handler", Handler: inner, Breaker: &Breaker{Failures: 1, Cooldown: time.Hour},
		Fallback: &Destination{Type: "file", Path: path, Format: "json"},
	}))
	l := slog.New(h)
	l.Info("fails")
	require.Error(t, h.Flush(context.Background()))
	logN(l, "spare", 5)
	require.NoError(t, h.Rotate()) // rotates the fallback's file too
	l.Info("spare after rotation")
	require.NoError(t, h.Close())
	msgs := matching(messages(t, must(os.ReadFile(path))), "spare after rotation")
	assert.Len(t, msgs, 1)
	d := h.Stats().Destinations[0]
	assert.Equal(t, uint64(7), d.FallbackWritten, "the record that failed, and the rest")
	assert.Zero(t, d.Failed)
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

func TestBreakerConfigErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.log")
	br := &Breaker{}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"fallback without breaker", namedLayer(Destination{Type: "stdout", Fallback: &Destination{Type: "null"}}), "Fallback needs a Breaker"},
		{"negative breaker", namedLayer(Destination{Type: "stdout", Breaker: &Breaker{Failures: -1}}), "Breaker has a negative value"},
		{"breaker on null", namedLayer(Destination{Type: "null", Breaker: br}), "Breaker does not apply to null"},
		{"fallback with a queue", namedLayer(Destination{Type: "stdout", Breaker: br, Fallback: &Destination{Type: "null", Async: &AsyncOptions{}}}),
			`Destinations[0].Fallback: a Fallback takes Type, Format and its target's fields only`},
		{"bad fallback", namedLayer(Destination{Type: "stdout", Breaker: br, Fallback: &Destination{Type: "file"}}),
			`Destinations[0].Fallback (file): Path is required`},
		{"fallback writes to a destination's file", Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "file", Path: file}}},
			"B": {Destinations: []Destination{{Type: "stdout", Breaker: br, Fallback: &Destination{Type: "file", Path: file}}}},
		}}, `layer "B": Destinations[0].Fallback (file "` + file + `"): layer "A": Destinations[0] writes to this file already`},
		{"a breaker cannot share", Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "stdout"}}},
			"B": {Destinations: []Destination{{Type: "stdout", Breaker: br}}},
		}}, `writes where layer "A": Destinations[0] writes: a destination with a Breaker keeps its target to itself`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

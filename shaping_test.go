package hydra

// The rate limit and the sampling of a layer (shaping.go), and the skip
// notices that announce them.

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shaped returns a handler whose layer "L" has rl and sm and writes JSON to
// the returned buffer, queued with opts.
func shaped(t *testing.T, rl *RateLimit, sm *Sampling, opts AsyncOptions) (*Handler, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	h, err := New(Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {
		RateLimit:    rl,
		Sampling:     sm,
		Destinations: []Destination{{Type: "writer", Writer: buf, Format: "json", Async: &opts}},
	}}})
	require.NoError(t, err)
	return h, buf
}

func layerStats(t *testing.T, h *Handler, name string) LayerStats {
	t.Helper()
	for _, l := range h.Stats().Layers {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no layer %q", name)
	return LayerStats{}
}

// skips sums the throttled and sampled counts of the SkipNotices in JSON
// output.
func skips(t *testing.T, out []byte) (throttled, sampled uint64) {
	t.Helper()
	for _, r := range jsonRecords(t, out) {
		if r["msg"] == SkipNotice {
			assert.Equal(t, "WARN", r["level"])
			assert.Equal(t, "L", r["layer"])
			throttled += uint64(r["throttled"].(float64))
			sampled += uint64(r["sampled"].(float64))
		}
	}
	return throttled, sampled
}

func TestRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, buf := shaped(t, &RateLimit{PerSecond: 10, Burst: 5}, nil, AsyncOptions{})
		l := slog.New(h)
		logN(l, "burst", 100) // all at the same instant: the burst passes
		require.NoError(t, h.Flush(context.Background()))
		ls := layerStats(t, h, "L")
		assert.Equal(t, LayerStats{Name: "L", Level: slog.LevelInfo, Routed: 100, Throttled: 95}, ls)
		assert.Len(t, matching(messages(t, buf.Bytes()), "burst"), 5)
		throttled, _ := skips(t, buf.Bytes())
		assert.Equal(t, uint64(95), throttled, "the gap is announced")

		time.Sleep(300 * time.Millisecond) // three tokens come back
		logN(l, "later", 10)
		require.NoError(t, h.Close())
		assert.Len(t, matching(messages(t, buf.Bytes()), "later"), 3)
		st := h.Stats()
		assert.Equal(t, uint64(102), st.Throttled)
		assert.Equal(t, uint64(8), st.Accepted, "the destination saw only what passed")
		requireSettled(t, st)
	})
}

func TestRateLimitFromManyGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := shaped(t, &RateLimit{PerSecond: 1, Burst: 50}, nil, AsyncOptions{})
		l := slog.New(h)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() { logN(l, "m", 100) })
		}
		wg.Wait()
		require.NoError(t, h.Close())
		ls := layerStats(t, h, "L")
		assert.Equal(t, uint64(1600), ls.Routed)
		assert.Equal(t, uint64(1550), ls.Throttled, "no more than the burst passes in no time")
		assert.Equal(t, uint64(50), h.Stats().Written)
	})
}

func TestSampling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, buf := shaped(t, nil, &Sampling{Tick: time.Second, First: 3, Thereafter: 10}, AsyncOptions{})
		l := slog.New(h)
		for range 100 {
			l.Info("same")
			l.Info("other")
			l.Warn("same") // another level, another count
		}
		require.NoError(t, h.Flush(context.Background()))
		msgs := messages(t, buf.Bytes())
		// Of each kind: the first 3, then the 13th, 23rd, ..., 93rd.
		assert.Len(t, matching(msgs, "same"), 24)
		assert.Len(t, matching(msgs, "other"), 12)
		ls := layerStats(t, h, "L")
		assert.Equal(t, uint64(300), ls.Routed)
		assert.Equal(t, uint64(300-36), ls.Sampled)
		_, sampled := skips(t, buf.Bytes())
		assert.Equal(t, ls.Sampled, sampled)

		time.Sleep(time.Second) // a new tick: the counts start over
		for range 5 {
			l.Info("same")
		}
		require.NoError(t, h.Close())
		assert.Len(t, matching(messages(t, buf.Bytes()), "same"), 24+3)
	})
}

func TestNeverDropRecordsAreNotShaped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, buf := shaped(t, &RateLimit{PerSecond: 1, Burst: 1}, &Sampling{First: 1}, AsyncOptions{NeverDrop: slog.LevelError})
		l := slog.New(h)
		for range 20 {
			l.Info("info")
			l.Error("error")
		}
		require.NoError(t, h.Close())
		msgs := messages(t, buf.Bytes())
		assert.Len(t, matching(msgs, "info"), 1)
		assert.Len(t, matching(msgs, "error"), 20, "protected records skip the rate limit and the sampling")
	})
}

func TestSkipNoticesAtMostOnceASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, buf := shaped(t, &RateLimit{PerSecond: 1000, Burst: 1}, nil, AsyncOptions{})
		l := slog.New(h)
		for range 20 { // each second: one passes, the rest are throttled
			logN(l, "m", 5)
			synctest.Wait()
			time.Sleep(100 * time.Millisecond)
		}
		require.NoError(t, h.Close())
		notices := 0
		for _, r := range jsonRecords(t, buf.Bytes()) {
			if r["msg"] == SkipNotice {
				notices++
			}
		}
		assert.LessOrEqual(t, notices, 3, "2 seconds of throttling: a notice a second, and the last one at Close")
		throttled, _ := skips(t, buf.Bytes())
		assert.Equal(t, h.Stats().Throttled, throttled, "every skipped record is announced")
	})
}

func TestShapingConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		rl   *RateLimit
		sm   *Sampling
		want string
	}{
		{"zero rate", &RateLimit{}, nil, "RateLimit.PerSecond 0 is not a positive number"},
		{"NaN rate", &RateLimit{PerSecond: math.NaN()}, nil, "RateLimit.PerSecond NaN"},
		{"infinite rate", &RateLimit{PerSecond: math.Inf(1)}, nil, "RateLimit.PerSecond +Inf"},
		{"negative burst", &RateLimit{PerSecond: 1, Burst: -1}, nil, "RateLimit.Burst -1 is negative"},
		{"negative sampling", nil, &Sampling{First: -1}, "Sampling has a negative value"},
		{"sampling keeps nothing", nil, &Sampling{}, "Sampling keeps nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Layers: map[string]Layer{"L": {RateLimit: tc.rl, Sampling: tc.sm, Destinations: []Destination{{Type: "null"}}}}})
			require.ErrorContains(t, err, `layer "L": `+tc.want)
		})
	}
}

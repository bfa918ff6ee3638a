package hydra

// The Handler itself (handler.go): slogtest, the caller's allocation
// budget, the zero Handler, Check, and ContextAttrs.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlogtest(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		for _, isSync := range []bool{false, true} {
			name := format + "/async"
			if isSync {
				name = format + "/sync"
			}
			t.Run(name, func(t *testing.T) {
				var h *Handler
				var buf *syncBuffer
				slogtest.Run(t, func(t *testing.T) slog.Handler {
					buf = &syncBuffer{}
					h = newTest(t, Config{Layers: map[string]Layer{DefaultLayerName: {Destinations: []Destination{
						{Type: "writer", Writer: buf, Format: format, Sync: isSync},
					}}}})
					return h
				}, func(t *testing.T) map[string]any {
					if !isSync {
						flush(t, h) // the async path has written nothing yet
					}
					out := lines(buf.Bytes())
					require.Len(t, out, 1)
					if format == "json" {
						return jsonRecords(t, buf.Bytes())[0]
					}
					m, err := parseText(out[0])
					require.NoError(t, err)
					return m
				})
			})
		}
	}
}

// parseText parses the simple text lines slogtest produces into nested
// maps: "a.b=1" becomes {"a": {"b": "1"}}. It does not handle quoting,
// which slogtest does not need.
func parseText(line string) (map[string]any, error) {
	top := map[string]any{}
	for _, kv := range strings.Fields(line) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("no '=' in %q", kv)
		}
		keys := strings.Split(k, ".")
		m := top
		for _, key := range keys[:len(keys)-1] {
			sub, ok := m[key].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[key] = sub
			}
			m = sub
		}
		m[keys[len(keys)-1]] = v
	}
	return top, nil
}

// TestHandleDoesNotAllocate holds the caller to its budget: no allocation
// for a record of up to five attributes, unbound or bound by WithAttrs.
func TestHandleDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	h := newTest(t, oneLayer(Destination{Type: "writer", Writer: io.Discard, Format: "json", Async: &AsyncOptions{QueueSize: 1 << 16}}))
	bound := h.WithAttrs([]slog.Attr{slog.String("layer", "L"), slog.String("svc", "api")})
	ctx := context.Background()
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request handled", 0)
	rec.AddAttrs(slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", time.Millisecond),
		slog.Int("i", 1), slog.String("layer", "L"))
	for _, tc := range []struct {
		name string
		hd   slog.Handler
	}{
		{"unbound", h},
		{"bound", bound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(1000, func() {
				if err := tc.hd.Handle(ctx, rec); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs, "allocations per Handle")
			flush(t, h)
		})
	}
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

func TestCheckBuildsNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	st, err := Check(Config{DefaultLayer: "API", Layers: map[string]Layer{
		"API":   {Level: slog.LevelDebug, Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "api.log"), Async: &AsyncOptions{Overflow: DropOldest, QueueSize: 100}}}},
		"AUDIT": {Destinations: []Destination{{Type: "stdout", Sync: true}}},
	}})
	require.NoError(t, err)
	_, statErr := os.Stat(dir)
	assert.True(t, os.IsNotExist(statErr), "Check creates no directory or file")
	require.Len(t, st.Destinations, 2)
	d := st.Destinations[0]
	assert.Equal(t, "file:"+filepath.Join(dir, "api.log"), d.Name)
	assert.Equal(t, DropOldest, d.Policy)
	assert.Equal(t, 128, d.Capacity)
	assert.True(t, st.Destinations[1].Sync)
	require.Len(t, st.Layers, 2)
	assert.Equal(t, slog.LevelDebug, st.Layers[0].Level)

	_, err = Check(namedLayer(Destination{Type: "file"}))
	assert.ErrorContains(t, err, "Path is required")
}

type requestIDKey struct{}

func TestContextAttrsReachEveryDestination(t *testing.T) {
	var heard errorList
	path := filepath.Join(t.TempDir(), "app.log")
	out := &syncBuffer{}
	cfg := oneLayer(
		Destination{Type: "writer", Writer: out, Format: "json"},
		Destination{Type: "file", Path: path, Format: "json"},
	)
	cfg.OnError = heard.add
	cfg.ContextAttrs = func(ctx context.Context) []slog.Attr {
		id, ok := ctx.Value(requestIDKey{}).(string)
		switch {
		case id == "boom":
			panic("ContextAttrs exploded")
		case !ok:
			return nil
		}
		return []slog.Attr{slog.String("request_id", id), slog.Any("lazy", lazyInt(7))}
	}
	h := newTest(t, cfg)
	l := slog.New(h)
	ctx := context.WithValue(context.Background(), requestIDKey{}, "r-42")
	l.InfoContext(ctx, "with", "a", 1)
	l.Info("without")
	l.InfoContext(context.WithValue(ctx, requestIDKey{}, "boom"), "survives")
	l.InfoContext(ctx, "bare") // no attributes of its own: queued whole all the same
	require.Error(t, h.Close())
	for _, tc := range []struct {
		name string
		out  []byte
	}{
		{"writer", out.Bytes()},
		{"file", must(os.ReadFile(path))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := jsonRecords(t, tc.out)
			require.Len(t, recs, 4)
			assert.Equal(t, "r-42", recs[0]["request_id"])
			assert.Equal(t, float64(7), recs[0]["lazy"], "LogValuers are resolved")
			assert.NotContains(t, recs[1], "request_id")
			assert.Equal(t, "survives", recs[2]["msg"])
			assert.Equal(t, "r-42", recs[3]["request_id"])
			assert.Equal(t, float64(7), recs[3]["lazy"])
		})
	}
	require.Len(t, heard.get(), 1)
	assert.ErrorContains(t, heard.get()[0], "ContextAttrs panicked: ContextAttrs exploded")
}

func TestCheckTakesNoQueueMemory(t *testing.T) {
	big := &AsyncOptions{QueueSize: MaxQueueSize}
	cfg := Config{Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "stdout", Async: big}, {Type: "stderr", Async: big}}},
		"B": {Destinations: []Destination{{Type: "stderr", Format: "json", Async: big}}},
	}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	st, err := Check(cfg)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, MaxQueueSize, st.Destinations[0].Capacity)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "Check allocated the queues New would (344 bytes a slot)")
}

package hydra

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlogtest(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		for _, sync := range []bool{false, true} {
			name := format + "/async"
			if sync {
				name = format + "/sync"
			}
			t.Run(name, func(t *testing.T) {
				var h *Handler
				var buf *syncBuffer
				slogtest.Run(t, func(t *testing.T) slog.Handler {
					buf = &syncBuffer{}
					h = newTest(t, Config{Layers: map[string]Layer{DefaultLayerName: {Destinations: []Destination{
						{Type: "writer", Writer: buf, Format: format, Sync: sync},
					}}}})
					return h
				}, func(t *testing.T) map[string]any {
					if !sync {
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

func TestSyncDestinationWritesBeforeHandleReturns(t *testing.T) {
	buf := &syncBuffer{}
	h := newTest(t, namedLayer(Destination{Type: "writer", Writer: buf, Sync: true}))
	slog.New(h).Info("now", "layer", "L")
	assert.Contains(t, buf.String(), "msg=now", "no Flush needed")
	d := destStats(t, h, "writer")
	assert.True(t, d.Sync)
	assert.Equal(t, uint64(1), d.Written)
}

func TestSyncWriteErrorReachesCaller(t *testing.T) {
	w := &failWriter{failing: true}
	var reported []error
	cfg := namedLayer(Destination{Type: "writer", Writer: w, Sync: true})
	cfg.OnError = func(err error) { reported = append(reported, err) }
	h := newTest(t, cfg)
	err := h.WithAttrs([]slog.Attr{slog.String("layer", "L")}).Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0))
	require.ErrorIs(t, err, errDisk)
	require.Len(t, reported, 1)
	assert.ErrorIs(t, reported[0], errDisk)
	assert.Equal(t, uint64(1), destStats(t, h, "writer").Failed)
	assert.NoError(t, h.Flush(context.Background()), "the caller had the error: Flush does not return it again")
	assert.NoError(t, h.Close(), "nor does Close")
}

func TestWriteErrorsAreCountedAndReported(t *testing.T) {
	w := &failWriter{failing: true}
	var mu sync.Mutex
	var reported []error
	cfg := oneLayer(Destination{Type: "writer", Writer: w, Format: "json"})
	cfg.OnError = func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	}
	h := newTest(t, cfg)
	l := slog.New(h)
	logN(l, "lost", 10)
	err := h.Flush(context.Background())
	require.ErrorIs(t, err, errDisk)
	assert.Contains(t, err.Error(), "hydra: writer (layer L): 10 records not written", "names the destination and its layer")
	assert.NoError(t, h.Flush(context.Background()), "an error is returned once")

	w.set(false)
	logN(l, "kept", 5)
	flush(t, h)

	d := destStats(t, h, "writer")
	assert.Equal(t, uint64(10), d.Failed)
	assert.Equal(t, uint64(5), d.Written)
	requireSettled(t, h.Stats())
	assert.Equal(t, []string{"kept", "kept", "kept", "kept", "kept"}, messages(t, w.out.Bytes()), "the writer recovered")
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, reported)
	assert.ErrorIs(t, reported[0], errDisk)
}

type panicHandler struct{ slog.Handler }

func (panicHandler) Handle(context.Context, slog.Record) error { panic("boom") }
func (h panicHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h panicHandler) WithGroup(string) slog.Handler           { return h }

type errHandler struct{ panicHandler }

func (errHandler) Handle(context.Context, slog.Record) error { return errDisk }

func TestHandlerDestinationFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		inner slog.Handler
		want  string
	}{
		{"panics", panicHandler{slog.NewTextHandler(io.Discard, nil)}, "handler panicked: boom"},
		{"errors", errHandler{panicHandler{slog.NewTextHandler(io.Discard, nil)}}, errDisk.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			cfg := oneLayer(Destination{Type: "handler", Handler: tc.inner})
			cfg.OnError = func(err error) { calls.Add(1) }
			h := newTest(t, cfg)
			logN(slog.New(h), "m", 3)
			err := h.Flush(context.Background())
			require.ErrorContains(t, err, tc.want)
			d := destStats(t, h, "handler")
			assert.Equal(t, uint64(3), d.Failed)
			assert.Equal(t, int32(3), calls.Load())
			requireSettled(t, h.Stats())
		})
	}
}

func TestHandlerDestinationSeesScopeAndContext(t *testing.T) {
	var got, want bytes.Buffer
	inner := slog.NewJSONHandler(&got, nil)
	h := newTest(t, Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Level: slog.LevelDebug, Destinations: []Destination{{Type: "handler", Handler: inner}}}}})
	direct := slog.NewJSONHandler(&want, nil)
	for _, hd := range []slog.Handler{h, direct} {
		l := slog.New(hd).With("a", 1).WithGroup("g").With("b", 2)
		l.Info("m", "c", 3)
		l.Debug("inner level filters")
		l.WithGroup("h").Info("n", slog.Group("x", "y", 4))
	}
	require.NoError(t, h.Close())
	assert.Equal(t, strip(want.String()), strip(got.String()))
	assert.Equal(t, uint64(2), h.Stats().Written, "the inner handler's Enabled is asked first")

	// The caller's context reaches the inner handler.
	var seen atomic.Value
	h2 := newTest(t, oneLayer(Destination{Type: "handler", Handler: &ctxRecorder{Handler: slog.DiscardHandler, seen: &seen}}))
	slog.New(h2).InfoContext(context.WithValue(context.Background(), testCtxKey{}, "v"), "m")
	flush(t, h2)
	assert.Equal(t, "v", seen.Load())
}

type testCtxKey struct{}

// ctxRecorder records the testCtxKey value of the context it handles.
type ctxRecorder struct {
	slog.Handler
	seen *atomic.Value
}

func (c *ctxRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (c *ctxRecorder) Handle(ctx context.Context, _ slog.Record) error {
	c.seen.Store(ctx.Value(testCtxKey{}))
	return nil
}

// strip removes the time from JSON lines so outputs made at different
// moments compare equal.
func strip(s string) string {
	var b strings.Builder
	for _, l := range lines([]byte(s)) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			return s
		}
		delete(m, "time")
		b.Write(must(json.Marshal(m)))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestTextOutputCannotForgeARecord(t *testing.T) {
	cfg, bufs := writerLayers("text", "A")
	h := newTest(t, cfg)
	slog.New(h).Info("real\ntime=2000-01-01T00:00:00Z level=ERROR msg=forged", "layer", "A", "k\nx", "v\r\nlevel=ERROR")
	flush(t, h)
	assert.Len(t, lines(bufs["A"].Bytes()), 1)
}

type counter struct{ n *int }

func (c counter) LogValue() slog.Value { return slog.IntValue(*c.n) }

func TestLogValuersResolveAtCallTime(t *testing.T) {
	cfg, _ := writerLayers("json", "A")
	w := newStallWriter()
	cfg.Layers["A"].Destinations[0].Writer = w
	h := newTest(t, cfg)
	n := 1
	l := slog.New(h).With("layer", "A", "bound", counter{&n})
	l.Info("m", "v", counter{&n}, slog.Group("g", "nested", counter{&n}))
	n = 2 // the consumer has not formatted the record yet: the writer is stalled
	w.Release()
	flush(t, h)
	recs := jsonRecords(t, w.out.Bytes())
	require.Len(t, recs, 1)
	assert.Equal(t, float64(1), recs[0]["bound"])
	assert.Equal(t, float64(1), recs[0]["v"])
	assert.Equal(t, map[string]any{"nested": float64(1)}, recs[0]["g"])
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
	require.Error(t, h.Close())
	for _, got := range [][]byte{out.Bytes(), must(os.ReadFile(path))} {
		recs := jsonRecords(t, got)
		require.Len(t, recs, 3)
		assert.Equal(t, "r-42", recs[0]["request_id"])
		assert.Equal(t, float64(7), recs[0]["lazy"], "LogValuers are resolved")
		assert.NotContains(t, recs[1], "request_id")
		assert.Equal(t, "survives", recs[2]["msg"])
	}
	require.Len(t, heard.get(), 1)
	assert.ErrorContains(t, heard.get()[0], "ContextAttrs panicked: ContextAttrs exploded")
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

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
	"go.uber.org/goleak"
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

type layerValuer struct{ calls *atomic.Int32 }

func (v layerValuer) LogValue() slog.Value {
	v.calls.Add(1)
	return slog.StringValue("A")
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestRouting(t *testing.T) {
	ctxB := ContextWithLayer(context.Background(), "B")
	for _, tc := range []struct {
		name string
		log  func(l *slog.Logger)
		want string // the layer whose output holds the record
	}{
		{"record attribute", func(l *slog.Logger) { l.Info("m", "layer", "A") }, "A"},
		{"no layer", func(l *slog.Logger) { l.Info("m") }, DefaultLayerName},
		{"unknown layer", func(l *slog.Logger) { l.Info("m", "layer", "Z") }, DefaultLayerName},
		{"context", func(l *slog.Logger) { l.InfoContext(ctxB, "m") }, "B"},
		{"record beats context", func(l *slog.Logger) { l.InfoContext(ctxB, "m", "layer", "A") }, "A"},
		{"WithAttrs beats record", func(l *slog.Logger) { l.With("layer", "B").Info("m", "layer", "A") }, "B"},
		{"WithAttrs beats context", func(l *slog.Logger) { l.With("layer", "A").InfoContext(ctxB, "m") }, "A"},
		{"later WithAttrs wins", func(l *slog.Logger) { l.With("layer", "A").With("layer", "B").Info("m") }, "B"},
		{"first record attribute wins", func(l *slog.Logger) { l.Info("m", "layer", "B", "layer", "A") }, "B"},
		{"WithAttrs survives WithGroup", func(l *slog.Logger) { l.With("layer", "A").WithGroup("g").Info("m") }, "A"},
		{"record attribute in a WithGroup does not route", func(l *slog.Logger) { l.WithGroup("g").Info("m", "layer", "A") }, DefaultLayerName},
		{"WithAttrs in a WithGroup does not route", func(l *slog.Logger) { l.WithGroup("g").With("layer", "A").Info("m") }, DefaultLayerName},
		{"attribute in a group does not route", func(l *slog.Logger) { l.Info("m", slog.Group("g", "layer", "A")) }, DefaultLayerName},
		{"group in a WithGroup falls back to context", func(l *slog.Logger) { l.WithGroup("g").InfoContext(ctxB, "m", "layer", "A") }, "B"},
		{"non-string value", func(l *slog.Logger) { l.Info("m", "layer", stringer("B")) }, "B"},
		{"LogValuer value", func(l *slog.Logger) { l.Info("m", "layer", layerValuer{new(atomic.Int32)}) }, "A"},
		{"more than five attributes", func(l *slog.Logger) { l.Info("m", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "layer", "A") }, "A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, bufs := writerLayers("json", "A", "B", DefaultLayerName)
			h := newTest(t, cfg)
			tc.log(slog.New(h))
			flush(t, h)
			for name, buf := range bufs {
				if name == tc.want {
					assert.Len(t, lines(buf.Bytes()), 1, "layer %s", name)
				} else {
					assert.Empty(t, buf.String(), "layer %s", name)
				}
			}
		})
	}
}

func TestLayerAttributeStaysInOutput(t *testing.T) {
	cfg, bufs := writerLayers("json", "A")
	h := newTest(t, cfg)
	slog.New(h).Info("m", "layer", "A", "k", "v")
	slog.New(h).With("layer", "A").Info("bound")
	flush(t, h)
	recs := jsonRecords(t, bufs["A"].Bytes())
	require.Len(t, recs, 2)
	assert.Equal(t, "A", recs[0]["layer"])
	assert.Equal(t, "v", recs[0]["k"])
	assert.Equal(t, "A", recs[1]["layer"])
}

func TestWithAttrsResolvesLayerOnce(t *testing.T) {
	cfg, bufs := writerLayers("json", "A")
	h := newTest(t, cfg)
	calls := new(atomic.Int32)
	l := slog.New(h).With("layer", layerValuer{calls})
	logN(l, "m", 10)
	flush(t, h)
	assert.Len(t, lines(bufs["A"].Bytes()), 10)
	assert.Equal(t, int32(1), calls.Load(), "LogValue calls")
}

func TestZeroConfigWritesTextToStderr(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stderr := os.Stderr
	os.Stderr = w
	h, err := New(Config{})
	os.Stderr = stderr
	require.NoError(t, err)

	l := slog.New(h)
	l.Debug("hidden")
	l.Info("shown", "k", 1)
	require.NoError(t, h.Close())
	require.NoError(t, w.Close())
	out, err := io.ReadAll(r)
	require.NoError(t, err)

	got := lines(out)
	require.Len(t, got, 1)
	assert.Regexp(t, `^time=\S+ level=INFO msg=shown k=1$`, got[0])
	st := h.Stats()
	require.Len(t, st.Destinations, 1)
	assert.Equal(t, "stderr", st.Destinations[0].Name)
	assert.Equal(t, []string{DefaultLayerName}, st.Destinations[0].Layers)
}

func TestDefaultLayerIsAddedWhenMissing(t *testing.T) {
	cfg, _ := writerLayers("json", "A")
	cfg.DefaultLayer = "FALLBACK"
	h := newTest(t, cfg)
	var names []string
	for _, d := range h.Stats().Destinations {
		names = append(names, d.Name+fmt.Sprint(d.Layers))
	}
	assert.ElementsMatch(t, []string{"writer[A]", "stderr[FALLBACK]"}, names)
	require.NoError(t, h.SetLevel("FALLBACK", slog.LevelError)) // it is a real layer
	_, ok := cfg.Layers["FALLBACK"]
	assert.False(t, ok, "New must not modify the caller's map")
}

func TestCustomLayerKey(t *testing.T) {
	cfg, bufs := writerLayers("json", "A", DefaultLayerName)
	cfg.LayerKey = "subsystem"
	h := newTest(t, cfg)
	slog.New(h).Info("m", "subsystem", "A")
	slog.New(h).Info("m", "layer", "A")
	flush(t, h)
	assert.Len(t, lines(bufs["A"].Bytes()), 1)
	assert.Len(t, lines(bufs[DefaultLayerName].Bytes()), 1)
}

func TestLevels(t *testing.T) {
	all, warn := &syncBuffer{}, &syncBuffer{}
	h := newTest(t, Config{Layers: map[string]Layer{
		"A": {Level: slog.LevelDebug, Destinations: []Destination{
			{Type: "writer", Writer: all, Format: "json"},
			{Type: "writer", Writer: warn, Format: "json", Level: slog.LevelWarn},
		}},
		DefaultLayerName: {Level: slog.LevelError, Destinations: []Destination{{Type: "null"}}},
	}})
	l := slog.New(h).With("layer", "A")
	l.Debug("d")
	l.Info("i")
	l.Warn("w")
	flush(t, h)
	assert.Equal(t, []string{"d", "i", "w"}, messages(t, all.Bytes()))
	assert.Equal(t, []string{"w"}, messages(t, warn.Bytes()))

	require.NoError(t, h.SetLevel("A", slog.LevelWarn))
	l.Info("hidden")
	l.Error("e")
	flush(t, h)
	assert.Equal(t, []string{"d", "i", "w", "e"}, messages(t, all.Bytes()))

	err := h.SetLevel("nope", slog.LevelInfo)
	require.ErrorContains(t, err, `unknown layer "nope"`)
}

func TestEnabled(t *testing.T) {
	ctx := context.Background()
	userVar := new(slog.LevelVar)
	userVar.Set(slog.LevelWarn)
	for _, static := range []bool{true, false} {
		t.Run(fmt.Sprintf("static=%v", static), func(t *testing.T) {
			var lvl slog.Leveler = slog.LevelWarn
			if !static {
				lvl = userVar
			}
			h := newTest(t, Config{Layers: map[string]Layer{
				"A":              {Level: slog.LevelDebug, Destinations: []Destination{{Type: "null", Level: slog.LevelInfo}}},
				"B":              {Level: lvl, Destinations: []Destination{{Type: "null"}}},
				DefaultLayerName: {Level: slog.LevelError, Destinations: []Destination{{Type: "null"}}},
			}})
			assert.Equal(t, static, h.c.static.Load())
			bound := func(layer string) slog.Handler { return h.WithAttrs([]slog.Attr{slog.String("layer", layer)}) }

			assert.False(t, h.Enabled(ctx, slog.LevelDebug), "unbound: no layer takes DEBUG")
			assert.True(t, h.Enabled(ctx, slog.LevelInfo), "unbound: A takes INFO")
			assert.False(t, bound("A").Enabled(ctx, slog.LevelDebug), "A's destination wants INFO")
			assert.True(t, bound("A").Enabled(ctx, slog.LevelInfo))
			assert.False(t, bound("B").Enabled(ctx, slog.LevelInfo))
			assert.True(t, bound("B").Enabled(ctx, slog.LevelWarn))
			assert.False(t, bound("Z").Enabled(ctx, slog.LevelWarn), "unknown layer: the default's level")

			// Lowering a level must be seen at once, whoever sets it.
			if static {
				require.NoError(t, h.SetLevel("B", slog.LevelDebug))
			} else {
				userVar.Set(slog.LevelDebug)
				defer userVar.Set(slog.LevelWarn)
			}
			assert.True(t, bound("B").Enabled(ctx, slog.LevelDebug))
			assert.True(t, h.Enabled(ctx, slog.LevelDebug))
		})
	}
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

func TestSharedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shared.log")
	other := filepath.Join(dir, "sub", "..", "shared.log")
	h := newTest(t, Config{Layers: map[string]Layer{
		"A":              {Destinations: []Destination{{Type: "file", Path: path, Format: "json"}}},
		"B":              {Destinations: []Destination{{Type: "file", Path: other, Format: "json"}}},
		DefaultLayerName: {Destinations: []Destination{{Type: "null"}}},
	}})
	files := 0
	for _, d := range h.Stats().Destinations {
		if strings.HasPrefix(d.Name, "file:") {
			files++
			assert.Equal(t, []string{"A", "B"}, d.Layers)
		}
	}
	assert.Equal(t, 1, files, "one sink for both layers")

	l := slog.New(h)
	for i := range 100 {
		l.Info("m", "layer", []string{"A", "B"}[i%2], "i", i)
	}
	require.NoError(t, h.Close())
	recs := jsonRecords(t, must(os.ReadFile(path)))
	require.Len(t, recs, 100)
	for i, r := range recs {
		assert.Equal(t, float64(i), r["i"], "one queue keeps the order")
	}
}

// exclusiveWriter fails the test if two Writes overlap.
type exclusiveWriter struct {
	t      *testing.T
	inside atomic.Bool
	out    syncBuffer
}

func (w *exclusiveWriter) Write(p []byte) (int, error) {
	if !w.inside.CompareAndSwap(false, true) {
		w.t.Error("two Writes at once")
	}
	defer w.inside.Store(false)
	time.Sleep(10 * time.Microsecond)
	return w.out.Write(p)
}

func TestSharedWriterWithDifferentSettings(t *testing.T) {
	w := &exclusiveWriter{t: t}
	h := newTest(t, Config{Layers: map[string]Layer{
		"TEXT":           {Destinations: []Destination{{Type: "writer", Writer: w}}},
		"JSON":           {Destinations: []Destination{{Type: "writer", Writer: w, Format: "json"}}},
		DefaultLayerName: {Destinations: []Destination{{Type: "writer", Writer: w, Format: "json"}}},
	}})
	st := h.Stats()
	require.Len(t, st.Destinations, 2, "JSON and DEFAULT share a queue; TEXT has its own")
	assert.Equal(t, []string{DefaultLayerName, "JSON"}, st.Destinations[0].Layers)
	assert.Equal(t, []string{"TEXT"}, st.Destinations[1].Layers)

	l := slog.New(h)
	var wg sync.WaitGroup
	for _, layer := range []string{"TEXT", "JSON"} {
		wg.Go(func() { logN(l.With("layer", layer), layer, 2000) })
	}
	wg.Wait()
	require.NoError(t, h.Close())
	var text, json int
	for _, line := range lines(w.out.Bytes()) {
		switch {
		case strings.HasPrefix(line, "time=") && strings.Contains(line, "msg=TEXT"):
			text++
		case strings.HasPrefix(line, `{"time":`) && strings.Contains(line, `"msg":"JSON"`):
			json++
		default:
			t.Fatalf("torn or mixed line %q", line)
		}
	}
	assert.Equal(t, 2000, text)
	assert.Equal(t, 2000, json)
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // each must appear in the error
	}{
		{"unknown type", oneLayer(Destination{Type: "kafka"}), []string{`layer "L": Destinations[0]: unknown Type "kafka"`}},
		{"missing type", oneLayer(Destination{}), []string{"Type is required"}},
		{"file without path", oneLayer(Destination{Type: "file"}), []string{"(file): Path is required"}},
		{"writer without writer", oneLayer(Destination{Type: "writer"}), []string{"Writer is required"}},
		{"handler without handler", oneLayer(Destination{Type: "handler"}), []string{"Handler is required"}},
		{"bad format", oneLayer(Destination{Type: "stdout", Format: "xml"}), []string{`unknown Format "xml"`}},
		{"format on handler", oneLayer(Destination{Type: "handler", Handler: slog.DiscardHandler, Format: "json"}), []string{"Format does not apply"}},
		{"path on stdout", oneLayer(Destination{Type: "stdout", Path: "x"}), []string{"Path is only for file"}},
		{"rotation on writer", oneLayer(Destination{Type: "writer", Writer: io.Discard, Rotation: Rotation{MaxSizeMB: 1}}), []string{"only for file destinations"}},
		{"negative rotation", oneLayer(Destination{Type: "file", Path: filepath.Join(dir, "a.log"), Rotation: Rotation{MaxBackups: -1}}), []string{"negative"}},
		{"bad file mode", oneLayer(Destination{Type: "file", Path: filepath.Join(dir, "a.log"), FileMode: os.ModeDir | 0o600}), []string{"permission bits"}},
		{"negative queue", oneLayer(Destination{Type: "stdout", Async: &AsyncOptions{QueueSize: -1}}), []string{"Async: QueueSize -1"}},
		{"huge queue", oneLayer(Destination{Type: "stdout", Async: &AsyncOptions{QueueSize: MaxQueueSize + 1}}), []string{"QueueSize"}},
		{"bad policy", oneLayer(Destination{Type: "stdout", Async: &AsyncOptions{Overflow: 9}}), []string{"Policy(9)"}},
		{"timeout without block", oneLayer(Destination{Type: "stdout", Async: &AsyncOptions{Overflow: DropNewest, BlockTimeout: time.Second}}), []string{"BlockTimeout is set but Overflow is drop-newest"}},
		{"negative timeout", oneLayer(Destination{Type: "stdout", Async: &AsyncOptions{BlockTimeout: -1}}), []string{"negative"}},
		{"async with sync", oneLayer(Destination{Type: "stdout", Sync: true, Async: &AsyncOptions{}}), []string{"Async and Sync"}},
		{"async on null", oneLayer(Destination{Type: "null", Async: &AsyncOptions{}}), []string{"no queue"}},
		{"bad Config.Async", Config{Async: AsyncOptions{QueueSize: -5}}, []string{"Config.Async: QueueSize -5"}},
		{"no destinations", Config{Layers: map[string]Layer{"L": {}}}, []string{`layer "L": no Destinations`}},
		{"empty layer name", Config{Layers: map[string]Layer{"": {Destinations: []Destination{{Type: "null"}}}}}, []string{"empty name"}},
		{"same place twice in a layer", oneLayer(Destination{Type: "stdout"}, Destination{Type: "console"}), []string{"Destinations[1] (stdout): writes where an earlier"}},
		{"shared file, formats differ", Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "s.log")}}},
			"B": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "s.log"), Format: "json"}}},
		}}, []string{`layer "B": Destinations[0]`, `Format differs from layer "A": Destinations[0]`}},
		{"shared file, rotation differs", Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "s.log")}}},
			"B": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "s.log"), Rotation: Rotation{MaxSizeMB: 5}}}},
		}}, []string{"Rotation differs"}},
		{"shared file, policies differ", Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "s.log")}}},
			"B": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "s.log"), Async: &AsyncOptions{Overflow: DropOldest}}}},
		}}, []string{"Async differs"}},
		{"shared file, sync differs", Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "s.log")}}},
			"B": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "s.log"), Sync: true}}},
		}}, []string{"Sync differs"}},
		{"file cannot be created", oneLayer(Destination{Type: "file", Path: filepath.Join(notDir, "x.log")}), []string{`layer "L": Destinations[0] (file "` + notDir}},
		{"every problem at once", Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "file"}, {Type: "stdout", Format: "yaml"}}},
			"B": {Destinations: []Destination{{Type: "bogus"}}},
		}}, []string{`layer "A": Destinations[0] (file): Path is required`, `layer "A": Destinations[1] (stdout): unknown Format "yaml"`, `layer "B": Destinations[0]: unknown Type "bogus"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(tc.cfg)
			if h != nil {
				h.Close()
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "hydra: "), "errors start with hydra: %q", err)
			assert.Panics(t, func() { NewHandler(tc.cfg) })
		})
	}
}

// oneLayer returns a Config with one layer "L" holding ds.
func oneLayer(ds ...Destination) Config {
	return Config{Layers: map[string]Layer{"L": {Destinations: ds}}}
}

func TestFilePermissions(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "new", "deeper", "app.log")
	custom := filepath.Join(dir, "custom", "app.log")
	h := newTest(t, Config{Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "file", Path: def}}},
		"B": {Destinations: []Destination{{Type: "file", Path: custom, FileMode: 0o640, DirMode: 0o750}}},
	}})
	require.NoError(t, h.Close())
	for path, want := range map[string]os.FileMode{
		def:                             0o600,
		filepath.Dir(def):               0o700,
		filepath.Dir(filepath.Dir(def)): 0o700,
		custom:                          0o640,
		filepath.Dir(custom):            0o750,
	} {
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, want, info.Mode().Perm(), path)
	}
}

func TestSyncDestinationWritesBeforeHandleReturns(t *testing.T) {
	buf := &syncBuffer{}
	h := newTest(t, oneLayer(Destination{Type: "writer", Writer: buf, Sync: true}))
	slog.New(h).Info("now", "layer", "L")
	assert.Contains(t, buf.String(), "msg=now", "no Flush needed")
	d := destStats(t, h, "writer")
	assert.True(t, d.Sync)
	assert.Equal(t, uint64(1), d.Written)
}

func TestSyncWriteErrorReachesCaller(t *testing.T) {
	w := &failWriter{failing: true}
	var reported []error
	cfg := oneLayer(Destination{Type: "writer", Writer: w, Sync: true})
	cfg.OnError = func(err error) { reported = append(reported, err) }
	h := newTest(t, cfg)
	err := h.WithAttrs([]slog.Attr{slog.String("layer", "L")}).Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0))
	require.ErrorIs(t, err, errDisk)
	require.Len(t, reported, 1)
	assert.ErrorIs(t, reported[0], errDisk)
	assert.Equal(t, uint64(1), destStats(t, h, "writer").Failed)
	assert.ErrorIs(t, h.Flush(context.Background()), errDisk, "Flush returns it too")
}

func TestWriteErrorsAreCountedAndReported(t *testing.T) {
	w := &failWriter{failing: true}
	var mu sync.Mutex
	var reported []error
	cfg := oneLayer(Destination{Type: "writer", Writer: w, Format: "json"})
	cfg.DefaultLayer = "L"
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
	assert.Contains(t, err.Error(), "hydra: writer: ")
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
			cfg.DefaultLayer = "L"
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
	h2 := newTest(t, Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Destinations: []Destination{
		{Type: "handler", Handler: &ctxRecorder{Handler: slog.DiscardHandler, seen: &seen}},
	}}}})
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
	cfg, bufs := writerLayers("json", "A")
	w := newStallWriter()
	cfg.Layers["A"].Destinations[0].Writer = w
	h := newTest(t, cfg)
	n := 1
	l := slog.New(h).With("layer", "A", "bound", counter{&n})
	l.Info("m", "v", counter{&n}, slog.Group("g", "nested", counter{&n}))
	n = 2 // the consumer has not formatted the record yet: the writer is stalled
	w.Release()
	flush(t, h)
	_ = bufs
	recs := jsonRecords(t, w.out.Bytes())
	require.Len(t, recs, 1)
	assert.Equal(t, float64(1), recs[0]["bound"])
	assert.Equal(t, float64(1), recs[0]["v"])
	assert.Equal(t, map[string]any{"nested": float64(1)}, recs[0]["g"])
}

func TestHandleAfterClose(t *testing.T) {
	cfg, _ := writerLayers("json", "A")
	cfg.Layers["S"] = Layer{Destinations: []Destination{{Type: "writer", Writer: io.Discard, Sync: true}}}
	h := newTest(t, cfg)
	require.NoError(t, h.Close())
	for _, layer := range []string{"A", "S"} {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "late", 0)
		r.AddAttrs(slog.String("layer", layer))
		err := h.Handle(context.Background(), r)
		require.ErrorIs(t, err, ErrClosed, layer)
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

// TestCloseDuringWrites closes the handler while goroutines log: every
// record is either written or counted as dropped, and every Handle that
// returned nil under Block had its record written.
func TestCloseDuringWrites(t *testing.T) {
	for _, policy := range []Policy{Block, DropNewest, DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			buf := &syncBuffer{}
			h := newTest(t, Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Destinations: []Destination{
				{Type: "writer", Writer: buf, Format: "json", Async: &AsyncOptions{QueueSize: 64, Overflow: policy}},
			}}}})
			var ok, closed atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for g := range 8 {
				wg.Go(func() {
					<-start
					for i := 0; ; i++ {
						r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
						r.AddAttrs(slog.Int("g", g), slog.Int("i", i))
						if err := h.Handle(context.Background(), r); err != nil {
							require.ErrorIs(t, err, ErrClosed)
							closed.Add(1)
							return
						}
						ok.Add(1)
					}
				})
			}
			close(start)
			time.Sleep(20 * time.Millisecond)
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

// matching returns the elements of s equal to v.
func matching(s []string, v string) []string {
	var out []string
	for _, x := range s {
		if x == v {
			out = append(out, x)
		}
	}
	return out
}

func TestShutdownGivesUpAtDeadline(t *testing.T) {
	w := newStallWriter()
	h, err := New(oneLayer(Destination{Type: "writer", Writer: w, Format: "json"}))
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

func TestFlushWaitsForWritesAndHonoursContext(t *testing.T) {
	w := newStallWriter()
	h := newTest(t, oneLayer(Destination{Type: "writer", Writer: w, Format: "json"}))
	defer w.Release()
	slog.New(h).Info("m", "layer", "L")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := h.Flush(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "1 records not written yet")

	w.Release()
	flush(t, h)
	assert.Len(t, lines(w.out.Bytes()), 1)
}

func TestRotate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	h := newTest(t, oneLayer(Destination{Type: "file", Path: path}))
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

func TestStatsNamesAndLayers(t *testing.T) {
	dir := t.TempDir()
	h := newTest(t, Config{Layers: map[string]Layer{
		"A":              {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "x.log")}, {Type: "console"}}},
		"B":              {Destinations: []Destination{{Type: "stdout"}, {Type: "handler", Handler: slog.DiscardHandler}}},
		DefaultLayerName: {Destinations: []Destination{{Type: "stderr", Sync: true}, {Type: "null"}}},
	}})
	got := map[string][]string{}
	for _, d := range h.Stats().Destinations {
		got[d.Name] = d.Layers
	}
	assert.Equal(t, map[string][]string{
		"file:" + filepath.Join(dir, "x.log"): {"A"},
		"stdout":                              {"A", "B"},
		"handler":                             {"B"},
		"stderr":                              {DefaultLayerName},
		"null":                                {DefaultLayerName},
	}, got)
}

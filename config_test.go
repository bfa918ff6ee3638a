package hydra

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
		{"unknown type", namedLayer(Destination{Type: "kafka"}), []string{`layer "L": Destinations[0]: unknown Type "kafka"`}},
		{"missing type", namedLayer(Destination{}), []string{"Type is required"}},
		{"file without path", namedLayer(Destination{Type: "file"}), []string{"(file): Path is required"}},
		{"writer without writer", namedLayer(Destination{Type: "writer"}), []string{"Writer is required"}},
		{"handler without handler", namedLayer(Destination{Type: "handler"}), []string{"Handler is required"}},
		{"bad format", namedLayer(Destination{Type: "stdout", Format: "xml"}), []string{`unknown Format "xml"`}},
		{"format on handler", namedLayer(Destination{Type: "handler", Handler: slog.DiscardHandler, Format: "json"}), []string{"Format does not apply"}},
		{"path on stdout", namedLayer(Destination{Type: "stdout", Path: "x"}), []string{"Path is only for file"}},
		{"rotation on writer", namedLayer(Destination{Type: "writer", Writer: io.Discard, Rotation: Rotation{MaxSizeMB: 1}}), []string{"only for file destinations"}},
		{"negative rotation", namedLayer(Destination{Type: "file", Path: filepath.Join(dir, "a.log"), Rotation: Rotation{MaxBackups: -1}}), []string{"negative"}},
		{"bad file mode", namedLayer(Destination{Type: "file", Path: filepath.Join(dir, "a.log"), FileMode: os.ModeDir | 0o600}), []string{"permission bits"}},
		{"negative queue", namedLayer(Destination{Type: "stdout", Async: &AsyncOptions{QueueSize: -1}}), []string{"Async: QueueSize -1"}},
		{"huge queue", namedLayer(Destination{Type: "stdout", Async: &AsyncOptions{QueueSize: MaxQueueSize + 1}}), []string{"QueueSize"}},
		{"bad policy", namedLayer(Destination{Type: "stdout", Async: &AsyncOptions{Overflow: 9}}), []string{"Policy(9)"}},
		{"timeout without block", namedLayer(Destination{Type: "stdout", Async: &AsyncOptions{Overflow: DropNewest, BlockTimeout: time.Second}}), []string{"BlockTimeout is set but Overflow is drop-newest"}},
		{"negative timeout", namedLayer(Destination{Type: "stdout", Async: &AsyncOptions{BlockTimeout: -1}}), []string{"negative"}},
		{"async with sync", namedLayer(Destination{Type: "stdout", Sync: true, Async: &AsyncOptions{}}), []string{"Async and Sync"}},
		{"async on null", namedLayer(Destination{Type: "null", Async: &AsyncOptions{}}), []string{"no queue"}},
		{"bad Config.Async", Config{Async: AsyncOptions{QueueSize: -5}}, []string{"Config.Async: QueueSize -5"}},
		{"no destinations", namedLayer(), []string{`layer "L": no Destinations`}},
		{"empty layer name", Config{Layers: map[string]Layer{"": {Destinations: []Destination{{Type: "null"}}}}}, []string{"empty name"}},
		{"same place twice in a layer", namedLayer(Destination{Type: "stdout"}, Destination{Type: "console"}), []string{"Destinations[1] (stdout): writes where an earlier"}},
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
		{"file cannot be created", namedLayer(Destination{Type: "file", Path: filepath.Join(notDir, "x.log")}), []string{`layer "L": Destinations[0] (file "` + notDir}},
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

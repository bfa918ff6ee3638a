package hydra

// New's checks and defaults (build.go): every problem of a Config reported
// at once, the zero Config, the default layer.

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

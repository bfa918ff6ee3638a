package hydra

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The files in examples/config load, and New would accept them.
func TestExampleConfigs(t *testing.T) {
	files, err := filepath.Glob("examples/config/*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 3)
	for _, file := range files {
		cfg, err := LoadConfig(file)
		require.NoError(t, err, file)
		_, err = Check(cfg)
		require.NoError(t, err, file)
	}
}

// development.yaml: every layer writes the console format to stdout from
// DEBUG up, on the caller's goroutine.
func TestDevelopmentConfig(t *testing.T) {
	cfg, err := LoadConfig("examples/config/development.yaml")
	require.NoError(t, err)
	st, err := Check(cfg)
	require.NoError(t, err)
	require.Len(t, st.Destinations, 1)
	d := st.Destinations[0]
	require.Equal(t, "stdout", d.Name)
	require.True(t, d.Sync)
	require.ElementsMatch(t, []string{"APP", "API", "DB", "AUDIT"}, d.Layers)
	for _, l := range st.Layers {
		require.Equal(t, slog.LevelDebug, l.Level, l.Name)
	}
	for name, l := range cfg.Layers {
		require.Equal(t, "console", l.Destinations[0].Format, name)
	}
}

// production.yaml: JSON files per layer under LOG_DIR, rotated; errors
// never dropped; drop-oldest for DEBUG; block with a timeout for AUDIT; a
// monitor into MONITOR; passwords and tokens redacted.
func TestProductionConfig(t *testing.T) {
	t.Setenv("LOG_DIR", "/var/log/myapp")
	cfg, err := LoadConfig("examples/config/production.yaml")
	require.NoError(t, err)
	st, err := Check(cfg)
	require.NoError(t, err)
	policies := map[string]Policy{}
	for _, d := range st.Destinations {
		policies[d.Name] = d.Policy
	}
	require.Equal(t, map[string]Policy{
		"file:/var/log/myapp/app.log": DropNewest, "stderr": DropNewest, "file:/var/log/myapp/api.log": DropNewest,
		"file:/var/log/myapp/debug.log": DropOldest, "file:/var/log/myapp/audit.log": Block,
		"file:/var/log/myapp/monitor.log": DropNewest,
	}, policies)
	for name, l := range cfg.Layers {
		for _, d := range l.Destinations {
			async := cfg.Async
			if d.Async != nil {
				async = *d.Async
			}
			require.Equal(t, slog.LevelError, async.NeverDrop.Level(), name)
			if d.Type == "file" {
				require.Equal(t, "json", d.Format, name)
				require.True(t, d.Rotation.Compress, name)
				require.Positive(t, d.Rotation.MaxSizeMB, name)
				require.Positive(t, d.Rotation.MaxAgeDays, name)
			}
		}
	}
	audit := cfg.Layers["AUDIT"].Destinations[0].Async
	require.Equal(t, 5*time.Second, audit.BlockTimeout)
	require.Equal(t, &Monitor{Layer: "MONITOR", Interval: time.Minute}, cfg.Monitor)
	require.Subset(t, cfg.Redact, []string{"password", "token"})
}

// A file equivalent to the README's Quick start builds the same Handler
// as its Config written in code.
func TestQuickStartFile(t *testing.T) {
	cfg, err := LoadConfig("testdata/config/quickstart.yaml")
	require.NoError(t, err)
	var metrics io.Writer = os.Stdout // the Quick start's slowWriter: code, not data
	cfg.Layers["METRICS"].Destinations[0].Writer = metrics
	fromFile, err := Check(cfg)
	require.NoError(t, err)

	fromCode, err := Check(Config{DefaultLayer: "API", Layers: map[string]Layer{
		"API": {Destinations: []Destination{{Type: "file", Path: "logs/api.log", Format: "json",
			Rotation: Rotation{MaxSizeMB: 100, MaxBackups: 5, Compress: true}}}},
		"METRICS": {Destinations: []Destination{{Type: "writer", Writer: metrics,
			Async: &AsyncOptions{QueueSize: 2, Overflow: DropNewest}}}},
	}})
	require.NoError(t, err)
	require.Equal(t, fromCode, fromFile)
	require.Len(t, fromFile.Destinations, 2)
	require.Equal(t, "file:logs/api.log", fromFile.Destinations[0].Name)
	require.Equal(t, 2, fromFile.Destinations[1].Capacity)
}

// reference.yaml shows every key.
func TestReferenceShowsEveryKey(t *testing.T) {
	data, err := os.ReadFile("examples/config/reference.yaml")
	require.NoError(t, err)
	root := parseYAMLTest(t, string(data))
	shown := map[string]bool{}
	d := &configDecoder{lookup: os.LookupEnv}
	var walk func(n *yaml.Node, path string, names bool)
	walk = func(n *yaml.Node, path string, names bool) {
		switch n = d.follow(n, path); n.Kind {
		case yaml.MappingNode:
			for _, e := range d.entries(n, path) { // with merge keys
				key := e.key.Value
				if names {
					key = "*"
				}
				p := key
				if path != "" {
					p = path + "." + key
				}
				shown[p] = true
				walk(e.val, p, key == "layers")
			}
		case yaml.SequenceNode:
			for _, item := range n.Content {
				walk(item, path+"[]", false)
			}
		}
	}
	walk(root, "", false)
	for _, p := range configKeyPaths(reflect.TypeFor[Config](), "") {
		require.True(t, shown[p] || shown[p+"[]"], "reference.yaml does not show %s", p)
	}
}

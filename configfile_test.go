package hydra

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const fullYAML = `# every kind of value
default_layer: APP
layer_key: component
add_source: true
async: {queue_size: 4096, overflow: drop-oldest, never_drop: error}
redact: [password, token]
redact_patterns: ['\bBearer \S+']
monitor: {layer: APP, interval: 30s, level: debug}
layers:
  APP:
    level: info+2
    rate_limit: {per_second: 100.5, burst: 200}
    sampling: {tick: 1s, first: 10, thereafter: 100}
    destinations:
      - type: file
        path: logs/app.log
        format: json
        level: -4
        file_mode: "0640"
        dir_mode: 750
        rotation: {max_size_mb: -1, max_backups: 3, max_age_days: 7, compress: true, local_time: true}
        async: {queue_size: 16, overflow: block, block_timeout: 250ms}
      - type: stdout
        sync: true
      - type: stderr
        breaker: {failures: 3, cooldown: 1m}
        fallback: {type: file, path: logs/fallback.log}
  "DB layer":
    destinations: [{type: null}]
`

// fullJSON is fullYAML in JSON.
const fullJSON = `{
	"default_layer": "APP", "layer_key": "component", "add_source": true,
	"async": {"queue_size": 4096, "overflow": "drop-oldest", "never_drop": "error"},
	"redact": ["password", "token"],
	"redact_patterns": ["\\bBearer \\S+"],
	"monitor": {"layer": "APP", "interval": "30s", "level": "debug"},
	"layers": {
		"APP": {
			"level": "info+2",
			"rate_limit": {"per_second": 100.5, "burst": 200},
			"sampling": {"tick": "1s", "first": 10, "thereafter": 100},
			"destinations": [
				{"type": "file", "path": "logs/app.log", "format": "json", "level": -4, "file_mode": "0640", "dir_mode": 750,
				 "rotation": {"max_size_mb": -1, "max_backups": 3, "max_age_days": 7, "compress": true, "local_time": true},
				 "async": {"queue_size": 16, "overflow": "block", "block_timeout": "250ms"}},
				{"type": "stdout", "sync": true},
				{"type": "stderr", "breaker": {"failures": 3, "cooldown": "1m"}, "fallback": {"type": "file", "path": "logs/fallback.log"}}
			]
		},
		"DB layer": {"destinations": [{"type": "null"}]}
	}
}`

func fullConfig() Config {
	return Config{
		DefaultLayer: "APP", LayerKey: "component", AddSource: true,
		Async:  AsyncOptions{QueueSize: 4096, Overflow: DropOldest, NeverDrop: slog.LevelError},
		Redact: []string{"password", "token"},
		// RedactPatterns are compared apart
		Monitor: &Monitor{Layer: "APP", Interval: 30 * time.Second, Level: slog.LevelDebug},
		Layers: map[string]Layer{
			"APP": {
				Level:     slog.Level(2),
				RateLimit: &RateLimit{PerSecond: 100.5, Burst: 200},
				Sampling:  &Sampling{Tick: time.Second, First: 10, Thereafter: 100},
				Destinations: []Destination{
					{Type: "file", Path: "logs/app.log", Format: "json", Level: slog.LevelDebug, FileMode: 0o640, DirMode: 0o750,
						Rotation: Rotation{MaxSizeMB: -1, MaxBackups: 3, MaxAgeDays: 7, Compress: true, LocalTime: true},
						Async:    &AsyncOptions{QueueSize: 16, Overflow: Block, BlockTimeout: 250 * time.Millisecond}},
					{Type: "stdout", Sync: true},
					{Type: "stderr", Breaker: &Breaker{Failures: 3, Cooldown: time.Minute},
						Fallback: &Destination{Type: "file", Path: "logs/fallback.log"}},
				},
			},
			"DB layer": {Destinations: []Destination{{Type: "null"}}},
		},
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct{ format, data string }{{"yaml", fullYAML}, {"YAML", fullYAML}, {"yml", fullYAML}, {"json", fullJSON}, {"Json", fullJSON}, {"yaml", fullJSON}} {
		cfg, err := ParseConfig([]byte(tc.data), tc.format)
		require.NoError(t, err, tc.format)
		require.Len(t, cfg.RedactPatterns, 1)
		require.Equal(t, `\bBearer \S+`, cfg.RedactPatterns[0].String())
		cfg.RedactPatterns = nil
		require.Equal(t, fullConfig(), cfg, tc.format)
		_, err = Check(cfg)
		require.NoError(t, err)
	}
}

func TestParseConfigFormats(t *testing.T) {
	_, err := ParseConfig([]byte("{}"), "toml")
	require.EqualError(t, err, `hydra: unknown config format "toml" (want yaml or json)`)
	for _, format := range []string{"yaml", "json"} {
		cfg, err := ParseConfig([]byte("{}"), format)
		require.NoError(t, err, format)
		require.Equal(t, Config{}, cfg)
		for _, empty := range []string{"", "  \n", "null"} {
			_, err = ParseConfig([]byte(empty), format)
			require.Error(t, err, "%s %q", format, empty)
		}
	}
	for _, format := range []string{"yaml", "json"} { // a byte order mark and CRLF, from a Windows editor
		cfg, err := ParseConfig([]byte("\xef\xbb\xbf{\"layers\": {\"A\": {\"destinations\": [{\"type\": \"null\"}]}}}\r\n"), format)
		require.NoError(t, err, format)
		require.Equal(t, "null", cfg.Layers["A"].Destinations[0].Type)
	}
	_, err = ParseConfig([]byte("# nothing but a comment\n"), "yaml")
	require.EqualError(t, err, "hydra: the file holds no settings (write {} for the zero Config)")
}

// Each problem names the key's path and line, and all are reported.
func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, format, data string
		want               []string
	}{
		{"wrong types", "yaml", "layers: [API]\nasync: 3\nredact: password\n", []string{
			"hydra: line 1: layers: want a mapping of names, got a list",
			"hydra: line 2: async: want a mapping of keys (queue_size, overflow, block_timeout, never_drop), got \"3\"",
			"hydra: line 3: redact: want a list, got \"password\"",
		}},
		{"scalar wanted", "yaml", "layers:\n  A:\n    level: {name: info}\n    destinations:\n      - type: [file]\n", []string{
			"hydra: line 3: layers.A.level: want a level, got a mapping",
			"hydra: line 5: layers.A.destinations[0].type: want a string, got a list",
		}},
		{"values", "yaml", "layers:\n  A:\n    destinations:\n      - type: file\n        rotation:\n          max_size_mb: 1.5\n          compress: yes\n        file_mode: rw\n", []string{
			"hydra: line 6: layers.A.destinations[0].rotation.max_size_mb: want an integer, got \"1.5\"",
			"hydra: line 7: layers.A.destinations[0].rotation.compress: want true or false, got \"yes\"",
			"hydra: line 8: layers.A.destinations[0].file_mode: want permission bits in octal such as 0640, got \"rw\"",
		}},
		{"missing", "yaml", "layers:\n  A:\n    level: info\n  B:\n    destinations:\n      - path: b.log\n", []string{
			"hydra: line 2: layers.A.destinations: a layer needs at least one destination (type null discards its records)",
			"hydra: line 6: layers.B.destinations[0].type: a destination needs a type",
		}},
		{"in the order of lines", "yaml", "layers:\n  A:\n    destinations:\n      - path: a\n        level: x\n", []string{
			"hydra: line 4: layers.A.destinations[0].type: a destination needs a type",
			"hydra: line 5: layers.A.destinations[0].level: unknown level \"x\"",
		}},
		{"twice", "yaml", "layers:\n  A: {destinations: [{type: null}]}\n  A: {destinations: [{type: null}]}\n", []string{
			"hydra: line 3: layers.A: the key appears twice (first on line 2)",
		}},
		{"json lines", "json", "{\n  \"layers\": {\n    \"A\": {\n      \"level\": \"loud\",\n      \"destinations\": [{\"type\": \"null\", \"sync\": \"maybe\"}]\n    }\n  }\n}", []string{
			"hydra: line 4: layers.A.level: unknown level \"loud\"",
			"hydra: line 5: layers.A.destinations[0].sync: want true or false, got \"maybe\"",
		}},
		{"json syntax", "json", "{\n  \"layers\": {},\n}\n", []string{"hydra: line 3: invalid JSON: invalid character '}'"}},
		{"json trailing", "json", "{}\n{}", []string{"hydra: line 2: invalid JSON: invalid character '{' after top-level value"}},
		{"yaml syntax", "yaml", "layers:\n  A:\n    destinations: [\n", []string{"hydra: line 3: invalid YAML: did not find expected node content"}},
		{"yaml problem line", "yaml", "layers:\n  A:\n    destinations:\n      - type: stdout\n     format: json\n", []string{"hydra: line 5: invalid YAML: did not find expected key"}},
		{"yaml unclosed flow", "yaml", "a: 1\nlayers: {A: [1,\n  2}\nb: 3\n", []string{"hydra: line 3: invalid YAML: did not find expected ',' or ']'"}},
		{"yaml tab", "yaml", "layers:\n\tA: {}\n", []string{"hydra: line 2: invalid YAML: found character that cannot start any token (a tab indents the line: YAML indents with spaces)"}},
		{"two documents", "yaml", "layers: {}\n---\nlayers: {}\n", []string{"hydra: line 2: a second YAML document"}},
		{"a key that is not a name", "yaml", "? [a]\n: 1\n", []string{"hydra: line 1: a key must be a name, got a list"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.data), tc.format)
			require.Error(t, err)
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, len(tc.want), err.Error())
			for i, want := range tc.want {
				require.True(t, strings.HasPrefix(lines[i], want), "got  %s\nwant %s", lines[i], want)
			}
		})
	}
}

// In YAML, null leaves a field at its default, except as a destination's
// type, where it is the null destination; in JSON, null always does.
func TestParseConfigNull(t *testing.T) {
	cfg, err := ParseConfig([]byte("default_layer: ~\nmonitor: null\nasync:\nlayers:\n  A:\n    level:\n    destinations: [{type: null, path: ~}]\n"), "yaml")
	require.NoError(t, err)
	require.Equal(t, Config{Layers: map[string]Layer{"A": {Destinations: []Destination{{Type: "null"}}}}}, cfg)
	cfg, err = ParseConfig([]byte(`{"monitor": null, "layers": {"A": {"level": null, "destinations": [{"type": "null", "format": null}]}}}`), "json")
	require.NoError(t, err)
	require.Equal(t, Config{Layers: map[string]Layer{"A": {Destinations: []Destination{{Type: "null"}}}}}, cfg)
	_, err = ParseConfig([]byte(`{"layers": {"A": {"destinations": [{"type": null}]}}}`), "json")
	require.ErrorContains(t, err, "layers.A.destinations[0].type: a destination needs a type")
}

// Anchors, aliases and merge keys share settings; keys written beside a
// merge key win.
func TestParseConfigAnchors(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
x-file: &file {type: file, format: json, rotation: {max_backups: 3}} # x- keys hold anchors
layers:
  A:
    destinations:
      - <<: *file
        path: a.log
  B:
    destinations:
      - <<: [{path: b.log, format: yaml}, *file]
        format: text
  C: &c {destinations: [{type: null}]}
  D: *c
`), "yaml")
	require.NoError(t, err)
	rot := Rotation{MaxBackups: 3}
	require.Equal(t, []Destination{{Type: "file", Path: "a.log", Format: "json", Rotation: rot}}, cfg.Layers["A"].Destinations)
	require.Equal(t, []Destination{{Type: "file", Path: "b.log", Format: "text", Rotation: rot}}, cfg.Layers["B"].Destinations)
	require.Equal(t, cfg.Layers["C"], cfg.Layers["D"])
	_, err = ParseConfig([]byte("layers:\n  A:\n    <<: 3\n    x-a: 1\n"), "yaml")
	require.ErrorContains(t, err, "layers.A.x-a: unknown key")
	require.ErrorContains(t, err, "hydra: line 3: layers.A: << merges a mapping or a list of mappings, got \"3\"")
}

// A small file whose aliases name a large tree many times over is refused
// quickly.
func TestParseConfigAliasBomb(t *testing.T) {
	doc := "x-0: &x0 {type: null}\n"
	for i := 1; i <= 9; i++ {
		doc += fmt.Sprintf("x-%d: &x%d {<<: [%s]}\n", i, i, strings.Repeat(fmt.Sprintf("*x%d, ", i-1), 9))
	}
	doc += "layers: {A: {destinations: [*x9]}}\n" // 9^9 merges
	start := time.Now()
	_, err := ParseConfig([]byte(doc), "yaml")
	require.EqualError(t, err, "hydra: line 2: layers.A.destinations[0]: the file holds more than 100000 values once its aliases are expanded")
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
		return path
	}
	for _, name := range []string{"a.yaml", "a.YML", "a.json", "A.JSON"} {
		data := fullYAML
		if strings.HasSuffix(strings.ToLower(name), ".json") {
			data = fullJSON
		}
		cfg, err := LoadConfig(write(name, data))
		require.NoError(t, err, name)
		require.Equal(t, "APP", cfg.DefaultLayer)
	}

	_, err := LoadConfig(write("a.toml", "{}"))
	require.EqualError(t, err, "hydra: config file "+filepath.Join(dir, "a.toml")+": cannot tell its format from its name (want .yaml, .yml or .json)")
	_, err = LoadConfig(filepath.Join(dir, "missing.yaml"))
	require.EqualError(t, err, "hydra: cannot read config file: open "+filepath.Join(dir, "missing.yaml")+": no such file or directory")
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "d.yaml"), 0o700))
	_, err = LoadConfig(filepath.Join(dir, "d.yaml"))
	require.ErrorContains(t, err, "hydra: cannot read config file: read "+filepath.Join(dir, "d.yaml")+": is a directory")

	path := write("bad.yaml", "layers:\n  A:\n    level: loud\n    destinations: [{type: nul}]\n")
	_, err = LoadConfig(path)
	require.EqualError(t, err, "hydra: "+path+": line 3: layers.A.level: unknown level \"loud\" (want debug, info, warn or error, with an optional +N or -N, or a number)\n"+
		"hydra: "+path+": line 4: layers.A.destinations[0].type: unknown type \"nul\" (want file, stdout, console, stderr, writer, handler or null)")
	var ce *configError
	require.True(t, errors.As(err, &ce))
	path = write("bad.json", "{\"layers\": 3}")
	_, err = LoadConfig(path)
	require.EqualError(t, err, "hydra: "+path+": line 1: layers: want a mapping of names, got \"3\"")
}

// ParseConfig checks values on their own; Check, what they mean together.
func TestParseConfigLeavesMeaningToCheck(t *testing.T) {
	cfg, err := ParseConfig([]byte("layers:\n  A:\n    destinations: [{type: file}, {type: stdout, rotation: {max_backups: 2}}]\nmonitor: {layer: B}\n"), "yaml")
	require.NoError(t, err)
	_, err = Check(cfg)
	require.ErrorContains(t, err, `hydra: layer "A": Destinations[0] (file): Path is required`)
	require.ErrorContains(t, err, `Rotation, FileMode or DirMode is only for file destinations`)
	require.ErrorContains(t, err, `Monitor.Layer "B" is not a layer`)
}

package hydra

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseConfig reads random files: ParseConfig never panics, every
// error it returns says where it comes from, and a Config it returns
// either passes Check or fails it with such an error.
func FuzzParseConfig(f *testing.F) {
	for _, pattern := range []string{"examples/config/*.yaml", "testdata/config/*.yaml", "cmd/hydra/testdata/*.yaml", "cmd/hydra/testdata/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, strings.HasSuffix(file, ".json"))
		}
	}
	f.Add([]byte(fullYAML), false)
	f.Add([]byte(fullJSON), true)
	f.Fuzz(func(t *testing.T, data []byte, json bool) {
		format := "yaml"
		if json {
			format = "json"
		}
		cfg, err := ParseConfig(data, format)
		if err != nil {
			requireHydraErrors(t, err)
			return
		}
		// Check allocates every queue, as New does: a few large ones take
		// seconds. Smaller ones keep the fuzzer fast, and what Check says
		// of the rest of the Config.
		shrinkQueues(&cfg)
		if _, err := Check(cfg); err != nil {
			requireHydraErrors(t, err)
		}
	})
}

// requireHydraErrors fails unless every line of err starts with "hydra: ".
func requireHydraErrors(t *testing.T, err error) {
	t.Helper()
	for line := range strings.Lines(err.Error()) {
		if !strings.HasPrefix(line, "hydra: ") {
			t.Fatalf("a problem that does not say where it comes from: %q\nin %v", line, err)
		}
	}
}

// shrinkQueues caps the QueueSize of every queue at 64 records.
func shrinkQueues(cfg *Config) {
	shrink := func(a *AsyncOptions) { a.QueueSize = min(a.QueueSize, 64) }
	shrink(&cfg.Async)
	for _, l := range cfg.Layers {
		for i := range l.Destinations {
			for d := &l.Destinations[i]; d != nil; d = d.Fallback {
				if d.Async != nil {
					shrink(d.Async)
				}
			}
		}
	}
}

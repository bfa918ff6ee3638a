package hydra_test

import (
	"fmt"
	"log/slog"

	"github.com/hydralog/hydra"
)

// A Config read from YAML; the fields that hold code are set after it is
// read.
func ExampleParseConfig() {
	cfg, err := hydra.ParseConfig([]byte(`
default_layer: APP
layers:
  APP:
    destinations: [{type: stdout, format: json}]
  DB:
    level: warn
    destinations: [{type: stdout, format: json}] # shares APP's queue: one order
`), "yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.ReplaceAttr = withoutTime // code, not data
	h, err := hydra.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	logger := slog.New(h)

	logger.Info("request handled", "status", 200)
	logger.Info("slow query", "layer", "DB", "ms", 120) // below DB's level
	logger.Warn("pool exhausted", "layer", "DB")

	if err := h.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"level":"INFO","msg":"request handled","status":200}
	// {"level":"WARN","msg":"pool exhausted","layer":"DB"}
}

// Every problem in a file is reported at once, each with its line and the
// path of its key.
func ExampleParseConfig_errors() {
	_, err := hydra.ParseConfig([]byte(`
layers:
  API:
    level: verbose
    destinations:
      - type: file
        path: logs/api.log
        async: {queue_sise: 1024, overflow: drop}
`), "yaml")
	fmt.Println(err)
	// Output:
	// hydra: line 4: layers.API.level: unknown level "verbose" (want debug, info, warn or error, with an optional +N or -N, or a number)
	// hydra: line 8: layers.API.destinations[0].async.queue_sise: unknown key (did you mean queue_size?)
	// hydra: line 8: layers.API.destinations[0].async.overflow: unknown policy "drop" (want block, drop-newest or drop-oldest)
}

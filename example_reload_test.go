package hydra_test

import (
	"log/slog"

	"github.com/hydralog/hydra"
)

// Reload applies a new Config while records flow: here the API layer's
// level drops to DEBUG, and a logger made before the Reload follows it.
func ExampleHandler_Reload() {
	cfg := hydra.Config{
		DefaultLayer: "API",
		ReplaceAttr:  withoutTime,
		Layers:       map[string]hydra.Layer{"API": {Destinations: []hydra.Destination{{Type: "stdout"}}}},
	}
	h := hydra.NewHandler(cfg)
	logger := slog.New(h).With("layer", "API")
	logger.Debug("not yet")

	cfg.Layers["API"] = hydra.Layer{Level: slog.LevelDebug, Destinations: cfg.Layers["API"].Destinations}
	if err := h.Reload(cfg); err != nil {
		panic(err)
	}
	logger.Debug("now at DEBUG")
	h.Close()
	// Output:
	// level=DEBUG msg="now at DEBUG" layer=API
}

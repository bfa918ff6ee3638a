package hydra_test

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hydralog/hydra"
)

// The console format is for people at a terminal: the time of day (left
// out here, so that the output is the same on every run), the level, the
// message, then the attributes in one column. On a terminal the level is
// colored and errors are red, unless NO_COLOR is set; here stdout is not a
// terminal.
func ExampleDestination_console() {
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "APP",
		ReplaceAttr:  withoutTime,
		Layers: map[string]hydra.Layer{
			"APP": {Destinations: []hydra.Destination{{Type: "stdout", Format: "console"}}},
		},
	})
	logger := slog.New(h)

	logger.Info("listening", "addr", ":8080")
	req := logger.With("req_id", "7f3a").WithGroup("http")
	req.Warn("slow request", "path", "/upload", "elapsed", 2*time.Second)
	logger.Error("database unreachable", "err", errors.New("connection refused"))
	logger.Info("shutting down")

	if err := h.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// INF listening                                addr=:8080
	// WRN slow request                             req_id=7f3a http.path=/upload http.elapsed=2s
	// ERR database unreachable                     err="connection refused"
	// INF shutting down
}

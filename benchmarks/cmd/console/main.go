// Command console writes the same records through hydra's console format
// and through github.com/lmittmann/tint, one after the other, to compare
// them by eye:
//
//	cd benchmarks && go run ./cmd/console
//
// Both use their defaults, at the debug level. On a terminal both are
// colored, unless NO_COLOR is set or TERM is dumb (hydra decides so
// itself; tint is told the same); piped, neither is.
package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/hydralog/hydra"
	"github.com/lmittmann/tint"
	"golang.org/x/term"
)

func main() {
	log.SetFlags(0)
	color := term.IsTerminal(int(os.Stdout.Fd())) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	if err := run(os.Stdout, color); err != nil {
		log.Fatal("console: ", err)
	}
}

// run writes the records to w through hydra, then through tint, colored
// as color says.
func run(w io.Writer, color bool) error {
	h, err := hydra.New(hydra.Config{DefaultLayer: "APP", Layers: map[string]hydra.Layer{
		"APP": {Level: slog.LevelDebug, Destinations: []hydra.Destination{{Type: "writer", Writer: w, Format: "console", Sync: true}}},
	}})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, `hydra, Format: "console"`)
	logRecords(slog.New(h))
	if err := h.Close(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ntint")
	logRecords(slog.New(tint.NewTextHandler(w, &tint.Options{Level: slog.LevelDebug, NoColor: !color})))
	return nil
}

// logRecords logs what a service might: each level, attributes bound by
// With and in a group, an error, durations, and a newline where a message
// should have none.
func logRecords(l *slog.Logger) {
	l.Debug("config loaded", "path", "/etc/app.yaml", "layers", 3)
	l.Info("listening", "addr", ":8080", "tls", true)
	req := l.With("req_id", "7f3a").WithGroup("http")
	req.Info("request handled", "method", "GET", "path", "/users/42", "status", 200, "elapsed", 1500*time.Microsecond)
	req.Warn("slow request", "method", "POST", "path", "/upload", "elapsed", 2*time.Second)
	l.Error("database unreachable", "err", errors.New("dial tcp 10.0.0.5:5432: connect: connection refused"), "retry_in", 5*time.Second)
	l.Warn("login failed for bob\nINF forged record", "user", "bob")
	l.Info("shutting down")
}

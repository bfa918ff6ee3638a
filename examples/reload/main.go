// Command reload logs through a hydra Handler configured by a file, and
// applies the file again when it receives SIGHUP: edit the file, send the
// signal, and levels, rate limits and destinations change while the
// program logs on. A file with a mistake changes nothing; the error is
// printed and the program goes on with the configuration it has.
//
//	go run ./examples/reload -config examples/config/development.yaml &
//	kill -HUP %1
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hydralog/hydra"
)

func main() {
	path := flag.String("config", "hydra.yaml", "the configuration file, YAML or JSON")
	every := flag.Duration("every", time.Second, "how often to log a record")
	flag.Parse()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *path, *every, hup, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "reload:", err)
		os.Exit(1)
	}
}

// run logs a record every interval until ctx is done, and reloads the
// configuration at path on every value from hup. It reports on report.
func run(ctx context.Context, path string, every time.Duration, hup <-chan os.Signal, report io.Writer) error {
	cfg, err := hydra.LoadConfig(path)
	if err != nil {
		return err
	}
	h, err := hydra.New(cfg)
	if err != nil {
		return err
	}
	logger := slog.New(h)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return h.Close()
		case <-hup:
			if err := reload(h, path); err != nil {
				fmt.Fprintln(report, "reload: kept the configuration in use:", err)
				continue
			}
			fmt.Fprintln(report, "reload: applied", path)
		case <-tick.C:
			logger.Debug("tick", "n", n)
			logger.Info("working", "n", n)
		}
	}
}

// reload reads the file again and applies it. A file that cannot be read
// or does not make a valid Config changes nothing.
func reload(h *hydra.Handler, path string) error {
	cfg, err := hydra.LoadConfig(path)
	if err != nil {
		return err
	}
	return h.Reload(cfg)
}

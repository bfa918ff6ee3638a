// Command backpressure replays the Hydra-Logger backpressure scenario with
// hydra: goroutines log bursts, with no pause, into one layer whose
// destination is a file, then the program prints what happened to every
// record.
//
// Run as is, it writes 5 x 100 records to logs/backpressure/burst.log.
// Flags put it under pressure:
//
//	go run ./examples/backpressure -goroutines 16 -records 10000 \
//	    -queue 64 -policy drop-newest -delay 1ms
//
// -delay makes every write to the file take that long, like a slow disk or
// a network sink; with a drop policy the table then shows the drops, and
// the file holds "hydra: dropped records" notices where they happened.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hydralog/hydra"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "backpressure:", err)
		os.Exit(1)
	}
}

// options are the demo's flags.
type options struct {
	goroutines, records, queue int
	policy                     hydra.Policy
	delay                      time.Duration
	path                       string
}

func parse(args []string, out io.Writer) (options, error) {
	o := options{policy: hydra.Block}
	fs := flag.NewFlagSet("backpressure", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.IntVar(&o.goroutines, "goroutines", 5, "goroutines logging at once")
	fs.IntVar(&o.records, "records", 100, "records each goroutine logs, with no pause")
	fs.IntVar(&o.queue, "queue", hydra.DefaultQueueSize, "queue size of the file destination, in records")
	fs.TextVar(&o.policy, "policy", hydra.Block, "what a full queue does: block, drop-newest or drop-oldest")
	fs.DurationVar(&o.delay, "delay", 0, "simulated slowness of the destination, per write (e.g. 1ms)")
	fs.StringVar(&o.path, "file", filepath.Join("logs", "backpressure", "burst.log"), "the log file; replaced on every run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.goroutines < 1 || o.records < 0 {
		return o, errors.New("-goroutines must be at least 1 and -records at least 0")
	}
	return o, nil
}

func run(args []string, out io.Writer) error {
	o, err := parse(args, out)
	if err != nil {
		return err
	}
	if err := os.Remove(o.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	dest := hydra.Destination{
		Type:  "file",
		Path:  o.path,
		Async: &hydra.AsyncOptions{QueueSize: o.queue, Overflow: o.policy},
	}
	if o.delay > 0 {
		// A file behind a slow writer: the same bytes, o.delay later.
		if err := os.MkdirAll(filepath.Dir(o.path), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		dest.Type, dest.Path, dest.Writer = "writer", "", &slowWriter{w: f, delay: o.delay}
	}
	h, err := hydra.New(hydra.Config{
		DefaultLayer: "BACKPRESSURE",
		Layers:       map[string]hydra.Layer{"BACKPRESSURE": {Destinations: []hydra.Destination{dest}}},
	})
	if err != nil {
		return err
	}
	logger := slog.New(h).With("layer", "BACKPRESSURE")

	fmt.Fprintln(out, "Backpressure Handling Demo")
	fmt.Fprintln(out, "========================================")
	start := time.Now()
	var wg sync.WaitGroup
	for g := range o.goroutines {
		wg.Go(func() {
			for i := range o.records {
				logger.Info(fmt.Sprintf("Burst log %d", i+1), "goroutine", g)
			}
		})
	}
	wg.Wait()
	logged := time.Since(start)
	closeErr := h.Close() // writes what is still queued
	written := time.Since(start)
	fmt.Fprintf(out, "Backpressure demo complete! Check %s.\n", o.path)
	fmt.Fprintln(out)
	printStats(out, h.Stats(), o, logged, written)
	return closeErr
}

func printStats(out io.Writer, st hydra.Stats, o options, logged, written time.Duration) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "destination\tpolicy\tqueue\taccepted\twritten\tdropped\tfailed\thigh water\tcallers blocked")
	for _, d := range st.Destinations {
		fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%d\t%d\t%d\t%d\t%v\n",
			d.Name, d.Policy, d.Capacity, d.Accepted, d.Written, d.Dropped, d.Failed, d.HighWater, d.Blocked.Round(time.Microsecond))
	}
	tw.Flush()
	fmt.Fprintf(out, "\n%d goroutines x %d records: logged in %v, on disk in %v",
		o.goroutines, o.records, logged.Round(time.Microsecond), written.Round(time.Microsecond))
	if o.delay > 0 {
		fmt.Fprintf(out, " (destination slowed to %v per write)", o.delay)
	}
	fmt.Fprintln(out)
}

// slowWriter delays every write, like a slow disk or network sink.
type slowWriter struct {
	w     io.Writer
	delay time.Duration
}

func (s *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	return s.w.Write(p)
}

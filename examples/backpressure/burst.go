// This file is the default run: the guide's burst, with its own output
// and the flags that put it under pressure.

package main

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hydralog/hydra"
)

// runBurst replays the guide's burst: o.goroutines goroutines log
// o.records records each, with no pause, into one layer whose destination
// is a file. It prints the guide's lines, then what happened to the
// records.
func runBurst(o options, out io.Writer) error {
	records := 0 // -records 0 logs nothing, whatever the scale
	if o.records > 0 {
		records = scaled(o.records, o.scale)
	}
	if err := removeLog(o.path); err != nil {
		return err
	}
	dest := hydra.Destination{
		Type:  "file",
		Path:  o.path,
		Async: &hydra.AsyncOptions{QueueSize: o.queue, Overflow: o.policy},
	}
	if o.delay > 0 {
		// A file behind a slow writer: the same bytes, o.delay later.
		f, err := createLog(o.path)
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
			for i := range records {
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
	printBurstStats(out, h.Stats(), o.goroutines, records, o.delay, logged, written)
	return closeErr
}

// printBurstStats prints the burst's destination table and timings.
func printBurstStats(out io.Writer, st hydra.Stats, goroutines, records int, delay, logged, written time.Duration) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "destination\tpolicy\tqueue\taccepted\twritten\tdropped\tfailed\thigh water\tcallers blocked")
	for _, d := range st.Destinations {
		fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%d\t%d\t%d\t%d\t%v\n",
			d.Name, d.Policy, d.Capacity, d.Accepted, d.Written, d.Dropped, d.Failed, d.HighWater, d.Blocked.Round(time.Microsecond))
	}
	tw.Flush()
	fmt.Fprintf(out, "\n%d goroutines x %d records: logged in %v, on disk in %v",
		goroutines, records, logged.Round(time.Microsecond), written.Round(time.Microsecond))
	if delay > 0 {
		fmt.Fprintf(out, " (destination slowed to %v per write)", delay)
	}
	fmt.Fprintln(out)
}

// scaled multiplies a count by -scale, keeping at least 1.
func scaled(n int, scale float64) int {
	return max(1, int(float64(n)*scale+0.5))
}

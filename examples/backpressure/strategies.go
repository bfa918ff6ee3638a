// This file runs one load under each of the guide's handling strategies,
// each a hydra setting, and prints them side by side.

package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hydralog/hydra"
)

// The strategies' load: goroutines logging with no pause into a sink
// that takes writeDelay per write, behind a queue of queueSize records.
const (
	strategyGoroutines = 4
	strategyRecords    = 5000 // per goroutine, before -scale
	writeDelay         = time.Millisecond
	queueSize          = 256
)

// strategy is one of the guide's handling strategies, as a hydra setting.
type strategy struct {
	name string
	// setting is the hydra setting, as it reads in code.
	setting string
	// configure applies the setting to the layer and its destination.
	configure func(l *hydra.Layer, d *hydra.Destination)
	// down makes the sink a network that goes down after its first writes,
	// and gives the destination a fallback file.
	down bool
}

// strategies are the strategies, in the order of the table.
var strategies = []strategy{
	{name: "block", setting: "Overflow: Block",
		configure: func(_ *hydra.Layer, d *hydra.Destination) { d.Async.Overflow = hydra.Block }},
	{name: "drop-newest", setting: "Overflow: DropNewest",
		configure: func(_ *hydra.Layer, d *hydra.Destination) { d.Async.Overflow = hydra.DropNewest }},
	{name: "drop-oldest", setting: "Overflow: DropOldest",
		configure: func(_ *hydra.Layer, d *hydra.Destination) { d.Async.Overflow = hydra.DropOldest }},
	{name: "block-timeout", setting: "Overflow: Block, BlockTimeout: 500µs",
		configure: func(_ *hydra.Layer, d *hydra.Destination) {
			d.Async.Overflow, d.Async.BlockTimeout = hydra.Block, 500*time.Microsecond
		}},
	{name: "never-drop", setting: "Overflow: DropNewest, NeverDrop: slog.LevelError",
		configure: func(_ *hydra.Layer, d *hydra.Destination) {
			d.Async.Overflow, d.Async.NeverDrop = hydra.DropNewest, slog.LevelError
		}},
	{name: "throttle", setting: "RateLimit{PerSecond: 10000, Burst: 1000}",
		configure: func(l *hydra.Layer, _ *hydra.Destination) {
			l.RateLimit = &hydra.RateLimit{PerSecond: 10_000, Burst: 1000}
		}},
	{name: "sampling", setting: "Sampling{Tick: time.Second, First: 100, Thereafter: 10}",
		configure: func(l *hydra.Layer, _ *hydra.Destination) {
			l.Sampling = &hydra.Sampling{Tick: time.Second, First: 100, Thereafter: 10}
		}},
	{name: "breaker", setting: "Breaker{Failures: 3, Cooldown: time.Second}, Fallback: a file", down: true,
		configure: func(_ *hydra.Layer, d *hydra.Destination) {
			d.Breaker = &hydra.Breaker{Failures: 3, Cooldown: time.Second}
		}},
}

// networkUp is how many writes the breaker's network sink takes before it
// goes down.
const networkUp = 5

// errorLine matches the load's ERROR records in text output.
var errorLine = regexp.MustCompile(`level=ERROR msg="request failed"`)

// runStrategies runs the load under every strategy and prints the table,
// and the chart if asked.
func runStrategies(o options, out io.Writer) error {
	var chart *os.File
	if o.chart != "" {
		// Created first, so that a path that cannot be written fails now,
		// not after the run.
		f, err := os.Create(o.chart)
		if err != nil {
			return err
		}
		defer f.Close()
		chart = f
	}
	dir := filepath.Join(o.dir, "strategies")
	n := scaled(strategyRecords, o.scale)
	fmt.Fprintf(out, "%d goroutines x %d records, no pause, every tenth an ERROR, into a sink that takes %v per write,\n",
		strategyGoroutines, n, writeDelay)
	fmt.Fprintf(out, "behind a queue of %d records (files under %s).\n", queueSize, dir)
	fmt.Fprintf(out, "time in calls: what each goroutine spent inside log calls, on average; on disk after: from the first record to Close's return.\n\n")
	var rows []row
	for _, s := range strategies {
		t, err := s.trial(dir, n)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		r, err := t.measure()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		rows = append(rows, r)
	}
	printStrategies(out, rows, o.markdown)
	printNotes(out, rows)
	if chart != nil {
		if err := writeChart(chart, rows); err != nil {
			return err
		}
		if err := chart.Close(); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nchart: %s\n", o.chart)
	}
	return nil
}

// trial builds the strategy's trial: the load, its sink and its setting.
func (s strategy) trial(dir string, n int) (trial, error) {
	path := filepath.Join(dir, s.name+".log")
	f, err := createLog(path)
	if err != nil {
		return trial{}, err
	}
	var sink io.Writer = &slowWriter{w: f, delay: writeDelay}
	var fallback string
	if s.down {
		sink = &flakyWriter{slowWriter: slowWriter{w: f, delay: writeDelay}, up: networkUp}
		fallback = filepath.Join(dir, s.name+"-fallback.log")
		if err := removeLog(fallback); err != nil {
			f.Close()
			return trial{}, err
		}
	}
	d := hydra.Destination{Type: "writer", Writer: sink, Async: &hydra.AsyncOptions{QueueSize: queueSize}}
	t := concurrent(s.name, "APP", d, strategyGoroutines, n)
	layer := t.cfg.Layers["APP"]
	s.configure(&layer, &layer.Destinations[0])
	if fallback != "" {
		layer.Destinations[0].Fallback = &hydra.Destination{Type: "file", Path: fallback}
	}
	t.cfg.Layers["APP"] = layer
	t.files = []*os.File{f}
	t.failing = s.down
	t.report = func(r *row) error {
		found := 0
		for _, p := range []string{path, fallback} {
			if p == "" {
				continue
			}
			lines, err := grep(p, errorLine, -1)
			if err != nil {
				return err
			}
			found += len(lines)
		}
		r.errorsLost = r.errors - uint64(found)
		if s.down {
			st := r.stats.Destinations[0]
			r.note("the network sink went down after its first %d writes: %s failed, then the breaker opened (%s) and the fallback file took %s",
				networkUp, plural(int(r.failed), "record"), plural(int(st.BreakerOpened), "time"), plural(int(st.FallbackWritten), "record"))
			r.note("Close returned: %s", strings.ReplaceAll(fmt.Sprint(r.closed), "\n", "; "))
		}
		return nil
	}
	return t, nil
}

// printStrategies prints the strategies side by side.
func printStrategies(out io.Writer, rows []row, markdown bool) {
	t := table{header: []string{"strategy", "logged", "written", "dropped", "failed", "throttled", "sampled", "ERRORs lost",
		"time in calls", "caller p50", "caller p99", "caller max", "on disk after", "hydra setting"}, textLast: true}
	for i, r := range rows {
		t.add(r.name, r.logged, r.written, r.dropped, r.failed, r.throttled, r.sampled,
			strconv.FormatUint(r.errorsLost, 10)+" of "+strconv.FormatUint(r.errors, 10),
			fmtDur(r.inCalls), fmtDur(r.p50), fmtDur(r.p99), fmtDur(r.max), fmtDur(r.wall), strategies[i].setting)
	}
	t.print(out, markdown)
}

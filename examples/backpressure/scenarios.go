// This file holds the guide's scenarios, each replayed with the hydra
// feature made for it, and the table they print.

package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/hydralog/hydra"
)

// scenario is one of the guide's scenarios.
type scenario struct {
	name  string
	about string
	// build returns the trial, with the scenario's files under dir and its
	// counts multiplied by scale.
	build func(dir string, scale float64) (trial, error)
}

// scenarios are the guide's scenarios, in the order -scenario all runs
// them.
var scenarios = []scenario{
	{"burst", "5 goroutines x 100 records, no pause (the default run)", buildBurst},
	{"rapid", "the rapid test: 10,000 records, no pause", buildRapid},
	{"controlled", "the controlled test: 1,000 records, 100 ms pause every 100, timed", buildControlled},
	{"memory", "the memory test: RSS before and after 10,000 records", buildMemory},
	{"events", "high-frequency events: 10,000 records with attributes, JSON", buildEvents},
	{"debug-loop", "100,000 DEBUG records in a tight loop at INFO level, one INFO every 1,000", buildDebugLoop},
	{"network", "a slow network sink, 1 ms per write: 1,000 records", buildNetwork},
	{"batch", "batch logging: 1,000 messages, 100 to a record", buildBatch},
	{"drops", "drop detection: a slow sink, DropNewest, notices and OnDrop", buildDrops},
	{"monitor", "queue monitoring: a slow sink, Block, a Monitor record every 10 ms", buildMonitor},
}

// scenarioNames are the names -scenario accepts.
func scenarioNames() []string {
	names := []string{}
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return append(names, "all", "strategies")
}

// runScenario runs the scenario o names and prints its row and notes.
func runScenario(o options, out io.Writer) error {
	i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == o.scenario })
	s := scenarios[i]
	r, err := measureScenario(s, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %s (files under %s)\n\n", s.name, s.about, o.dir)
	printRows(out, []row{r}, o.markdown)
	printNotes(out, []row{r})
	return nil
}

// runAll runs every scenario, one after another, and prints one table.
func runAll(o options, out io.Writer) error {
	fmt.Fprintf(out, "Every scenario of the backpressure guide, one after another (files under %s)\n\n", o.dir)
	var rows []row
	for _, s := range scenarios {
		r, err := measureScenario(s, o)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	printRows(out, rows, o.markdown)
	printNotes(out, rows)
	return nil
}

// measureScenario builds a scenario's trial and measures it.
func measureScenario(s scenario, o options) (row, error) {
	t, err := s.build(o.dir, o.scale)
	if err != nil {
		return row{}, fmt.Errorf("%s: %w", s.name, err)
	}
	r, err := t.measure()
	if err != nil {
		return row{}, fmt.Errorf("%s: %w", s.name, err)
	}
	return r, nil
}

// fileLayer is a Config with one layer writing to one destination.
func fileLayer(layer string, d hydra.Destination) hydra.Config {
	return hydra.Config{
		DefaultLayer: layer,
		Layers:       map[string]hydra.Layer{layer: {Destinations: []hydra.Destination{d}}},
	}
}

// fileDest is a text file destination at path, replacing an earlier
// run's file.
func fileDest(path string) (hydra.Destination, error) {
	return hydra.Destination{Type: "file", Path: path}, removeLog(path)
}

// sequential is a trial of one goroutine logging into one layer: each is
// called for i from 0 to n-1, and makes one log call.
func sequential(name, layer string, d hydra.Destination, n int, each func(c *caller, l *slog.Logger, i int)) trial {
	return trial{
		name: name, cfg: fileLayer(layer, d), layers: []string{layer}, minLevel: slog.LevelInfo,
		goroutines: 1, calls: n,
		body: func(c *caller, _ int) {
			l := c.with(layer)
			for i := range n {
				each(c, l, i)
			}
		},
	}
}

// buildBurst is the guide's burst, measured: 5 goroutines log 100 records
// each, with no pause, into burst.log.
func buildBurst(dir string, scale float64) (trial, error) {
	d, err := fileDest(filepath.Join(dir, "burst.log"))
	if err != nil {
		return trial{}, err
	}
	n := scaled(100, scale)
	return trial{
		name: "burst", cfg: fileLayer("BACKPRESSURE", d), layers: []string{"BACKPRESSURE"}, minLevel: slog.LevelInfo,
		goroutines: 5, calls: n,
		body: func(c *caller, g int) {
			l := c.with("BACKPRESSURE")
			for i := range n {
				c.log(l, slog.LevelInfo, fmt.Sprintf("Burst log %d", i+1), "goroutine", g)
			}
		},
	}, nil
}

// buildRapid is the guide's rapid test: 10,000 records with no pause,
// into the default queue of 8192 records under Block.
func buildRapid(dir string, scale float64) (trial, error) {
	d, err := fileDest(filepath.Join(dir, "rapid.log"))
	if err != nil {
		return trial{}, err
	}
	return sequential("rapid", "TEST", d, scaled(10_000, scale), func(c *caller, l *slog.Logger, i int) {
		c.log(l, slog.LevelInfo, fmt.Sprintf("Rapid log %d", i))
	}), nil
}

// buildControlled is the guide's controlled test: 1,000 records with a
// 100 ms pause every 100, timed. Its note is the guide's line.
func buildControlled(dir string, scale float64) (trial, error) {
	d, err := fileDest(filepath.Join(dir, "controlled.log"))
	if err != nil {
		return trial{}, err
	}
	every := scaled(100, scale)
	pause := time.Duration(float64(100*time.Millisecond) * min(scale, 1)) // never above the guide's
	var paused time.Duration                                              // written by the trial's one goroutine, read after it
	t := sequential("controlled", "CONTROLLED", d, scaled(1000, scale), func(c *caller, l *slog.Logger, i int) {
		c.log(l, slog.LevelInfo, fmt.Sprintf("Log %d", i))
		if i%every == 0 {
			start := time.Now()
			time.Sleep(pause) // the guide's brief pause
			paused += time.Since(start)
		}
	})
	t.report = func(r *row) error {
		r.note("Logging took %.2f seconds, %.2f of them in the pauses (the guide's line)",
			r.wall.Seconds(), paused.Seconds())
		return nil
	}
	return t, nil
}

// buildMemory is the guide's memory test: the resident set before and
// after 10,000 records. Its note is the guide's line.
func buildMemory(dir string, scale float64) (trial, error) {
	d, err := fileDest(filepath.Join(dir, "memory.log"))
	if err != nil {
		return trial{}, err
	}
	t := sequential("memory", "MEMORY", d, scaled(10_000, scale), func(c *caller, l *slog.Logger, i int) {
		c.log(l, slog.LevelInfo, fmt.Sprintf("Log %d", i))
	})
	t.report = func(r *row) error {
		if !r.rssOK {
			r.note("Memory increase: n/a (no /proc/self/status); the live heap grew by %s", fmtBytes(r.heap))
			return nil
		}
		r.note("Memory increase: %.2f MB (the guide's line: RSS; the live heap grew by %s, mostly the queue's %d slots)",
			float64(r.rss)/(1<<20), fmtBytes(r.heap), hydra.DefaultQueueSize)
		return nil
	}
	return t, nil
}

// buildEvents is the guide's high-frequency events: 10,000 records with a
// timestamp and an event type, written as JSON. Its note is the first
// record as written.
func buildEvents(dir string, scale float64) (trial, error) {
	path := filepath.Join(dir, "events.log")
	d, err := fileDest(path)
	if err != nil {
		return trial{}, err
	}
	d.Format = "json"
	t := sequential("events", "EVENT", d, scaled(10_000, scale), func(c *caller, l *slog.Logger, i int) {
		c.log(l, slog.LevelInfo, fmt.Sprintf("Event %d", i), "timestamp", time.Now(), "event_type", "user_action")
	})
	t.report = func(r *row) error {
		lines, err := grep(path, regexp.MustCompile(`"msg":"Event 0"`), 1)
		if len(lines) > 0 {
			r.note("%s", lines[0])
		}
		return err
	}
	return t, nil
}

// buildDebugLoop is the guide's debug logging in a tight loop: 100,000
// DEBUG records into a DEBUG layer set to INFO, and one INFO record every
// 1,000 into an INFO layer. hydra skips the DEBUG records at the level
// check, before anything else.
func buildDebugLoop(dir string, scale float64) (trial, error) {
	d, err := fileDest(filepath.Join(dir, "debug-loop.log"))
	if err != nil {
		return trial{}, err
	}
	n, every := scaled(100_000, scale), scaled(1000, scale)
	// Both layers log at INFO, the guide's set_level("INFO"), into one
	// file.
	cfg := hydra.Config{DefaultLayer: "INFO", Layers: map[string]hydra.Layer{
		"DEBUG": {Level: slog.LevelInfo, Destinations: []hydra.Destination{d}},
		"INFO":  {Level: slog.LevelInfo, Destinations: []hydra.Destination{d}},
	}}
	return trial{
		name: "debug-loop", cfg: cfg, layers: []string{"DEBUG", "INFO"}, minLevel: slog.LevelInfo,
		goroutines: 1, calls: n + n/every + 1,
		body: func(c *caller, _ int) {
			debug, info := c.with("DEBUG"), c.with("INFO")
			for i := range n {
				// Attributes, not a formatted message: a record below the
				// level then costs no formatting at all.
				c.log(debug, slog.LevelDebug, "Loop iteration", "i", i)
				if i%every == 0 {
					c.log(info, slog.LevelInfo, fmt.Sprintf("Processed %d items", i))
				}
			}
		},
	}, nil
}

// buildNetwork is the guide's slow network sink: 1,000 records to a
// writer that takes 1 ms per write. The guide's loop slept on the
// caller's goroutine; hydra's callers only queue, and the sink's
// goroutine writes the records in a few batches.
func buildNetwork(dir string, scale float64) (trial, error) {
	f, err := createLog(filepath.Join(dir, "network.log"))
	if err != nil {
		return trial{}, err
	}
	sink := &slowWriter{w: f, delay: time.Millisecond}
	t := sequential("network", "NETWORK", hydra.Destination{Type: "writer", Writer: sink}, scaled(1000, scale),
		func(c *caller, l *slog.Logger, i int) {
			c.log(l, slog.LevelInfo, fmt.Sprintf("Network log %d", i))
		})
	t.files = []*os.File{f}
	t.report = func(r *row) error {
		r.note("the sink took 1 ms per write: %s carried the %s, none of them on a caller's time",
			plural(int(sink.writes.Load()), "write"), plural(int(r.written), "record"))
		return nil
	}
	return t, nil
}

// buildBatch is the guide's batch logging: 1,000 messages, logged 100 to
// a record.
func buildBatch(dir string, scale float64) (trial, error) {
	path := filepath.Join(dir, "batch.log")
	d, err := fileDest(path)
	if err != nil {
		return trial{}, err
	}
	messages := scaled(1000, scale)
	size := min(100, messages)
	var batch []string
	t := sequential("batch", "BATCH", d, messages, func(c *caller, l *slog.Logger, i int) {
		batch = append(batch, fmt.Sprintf("Log message %d", i))
		if len(batch) == size {
			c.log(l, slog.LevelInfo, fmt.Sprintf("Batch of %d messages", len(batch)), "messages", batch)
			// A new slice, never the logged one reused: the consumer
			// formats it later.
			batch = nil
		}
	})
	t.calls = messages / size
	t.report = func(r *row) error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		r.note("%s carried %s: %d bytes on disk", plural(int(r.written), "record"), plural(messages/size*size, "message"), fi.Size())
		return nil
	}
	return t, nil
}

// concurrent is a trial of goroutines each logging n records with no
// pause into one layer; every tenth record is an ERROR.
func concurrent(name, layer string, d hydra.Destination, goroutines, n int) trial {
	return trial{
		name: name, cfg: fileLayer(layer, d), layers: []string{layer}, minLevel: slog.LevelInfo,
		goroutines: goroutines, calls: n,
		body: func(c *caller, g int) {
			l := c.with(layer)
			for i := range n {
				if i%10 == 9 {
					c.log(l, slog.LevelError, "request failed", "goroutine", g, "i", i)
				} else {
					c.log(l, slog.LevelInfo, "request handled", "goroutine", g, "i", i)
				}
			}
		},
	}
}

// queuedAttr finds the Monitor record's total of queued records: a
// top-level attribute, where the destinations' are prefixed by their
// group.
var queuedAttr = regexp.MustCompile(` queued=(\d+)`)

// This file measures a load: it times every log call on the caller's
// goroutine, the wall time until the records are on disk, the change in
// heap and RSS, and reads hydra's counters into one row.

package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hydralog/hydra"
)

// trial is one measured load: a Handler built from cfg, goroutines
// running body against it, then Close.
type trial struct {
	name string
	cfg  hydra.Config
	// layers are the layers whose records make the row; others (a
	// MONITOR layer) and their destinations are left out of it.
	layers []string
	// minLevel is the level of those layers: a record below it is counted
	// as below level by the caller, before hydra sees it.
	minLevel   slog.Level
	goroutines int
	// calls is the most log calls one goroutine makes, so that its timings
	// are allocated before the memory is measured.
	calls int
	// body logs one goroutine's records, g counting from 0.
	body func(c *caller, g int)
	// failing is set when writes are meant to fail (a broken network):
	// the errors Close returns are then kept in the row, not fatal.
	failing bool
	// files are closed after the Handler: the files behind "writer"
	// destinations.
	files []*os.File
	// report, if set, adds notes to the row once the trial is over,
	// typically from the files it wrote.
	report func(r *row) error
}

// caller is one logging goroutine's tally: the duration of each call and
// the records it logged.
type caller struct {
	logger *slog.Logger
	min    slog.Level
	times  []time.Duration
	logged uint64
	below  uint64
	errors uint64 // records at ERROR or above
}

// log logs one record and times the call alone: building the message and
// the arguments happens before the clock starts, as it would in a program
// whose message is ready.
func (c *caller) log(l *slog.Logger, level slog.Level, msg string, args ...any) {
	c.logged++
	if level >= slog.LevelError {
		c.errors++
	}
	if level < c.min {
		c.below++
	}
	start := time.Now()
	l.Log(context.Background(), level, msg, args...)
	c.times = append(c.times, time.Since(start))
}

// with returns the caller's logger bound to a layer.
func (c *caller) with(layer string) *slog.Logger { return c.logger.With("layer", layer) }

// row is what a trial measured.
type row struct {
	name string
	// The records: logged by the callers, and what became of them.
	// logged = written + dropped + failed + throttled + sampled + below.
	logged, written, dropped, failed, throttled, sampled, below uint64
	// errors counts the records logged at ERROR or above, errorsLost
	// those of them not found in the output.
	errors, errorsLost uint64
	// p50, p99 and max are the caller's time per log call; inCalls is the
	// time a goroutine spent inside log calls, on average over the
	// goroutines.
	p50, p99, max, inCalls time.Duration
	// wall runs from the first record to Close's return: everything is on
	// disk (or counted as lost) at its end.
	wall time.Duration
	// heap is the change of the live heap, after a collection, from before
	// the Handler was made to after it was closed (the Handler is still
	// referenced then, so its queues count); rss the change of the
	// process's resident set, when known.
	heap   int64
	rss    int64
	rssOK  bool
	closed error // what Close returned, for a trial whose writes fail
	stats  hydra.Stats
	// onDrop is what Config.OnDrop heard: calls and records.
	onDropCalls, onDropRecords uint64
	notes                      []string
}

// lost is the number of records that did not reach an output.
func (r row) lost() uint64 { return r.dropped + r.failed + r.throttled + r.sampled }

// measure runs the trial and returns its row. A trial that fails to start
// or to close (unless meant to fail) returns an error.
func (t trial) measure() (row, error) {
	callers := make([]caller, t.goroutines)
	for g := range callers {
		callers[g] = caller{min: t.minLevel, times: make([]time.Duration, 0, t.calls)}
	}
	var onDropCalls, onDropRecords atomic.Uint64
	cfg := t.cfg
	cfg.OnDrop = func(_ string, n uint64) {
		onDropCalls.Add(1)
		onDropRecords.Add(n)
	}

	before := readMemory(true)
	h, err := hydra.New(cfg)
	if err != nil {
		t.closeFiles()
		return row{}, err
	}
	logger := slog.New(h)
	start := time.Now()
	var wg sync.WaitGroup
	for g := range callers {
		callers[g].logger = logger
		wg.Go(func() { t.body(&callers[g], g) })
	}
	wg.Wait()
	closeErr := h.Close() // writes what is still queued: inside the timing
	wall := time.Since(start)
	after := readMemory(false)
	st := h.Stats()
	runtime.KeepAlive(h)
	if err := t.closeFiles(); err != nil {
		return row{}, err
	}
	if closeErr != nil && !t.failing {
		return row{}, closeErr
	}

	r := row{name: t.name, wall: wall, stats: st, closed: closeErr,
		onDropCalls: onDropCalls.Load(), onDropRecords: onDropRecords.Load()}
	var times []time.Duration
	var total time.Duration
	for _, c := range callers {
		r.logged += c.logged
		r.below += c.below
		r.errors += c.errors
		times = append(times, c.times...)
		for _, d := range c.times {
			total += d
		}
	}
	r.inCalls = total / time.Duration(len(callers))
	slices.Sort(times)
	r.p50, r.p99 = percentile(times, 0.50), percentile(times, 0.99)
	if len(times) > 0 {
		r.max = times[len(times)-1]
	}
	for _, d := range st.Destinations {
		if t.ours(d.Layers) {
			r.written += d.Written
			r.dropped += d.Dropped
			r.failed += d.Failed
		}
	}
	for _, l := range st.Layers {
		if slices.Contains(t.layers, l.Name) {
			r.throttled += l.Throttled
			r.sampled += l.Sampled
		}
	}
	r.heap = int64(after.heap) - int64(before.heap)
	r.rss, r.rssOK = after.rss-before.rss, before.rssOK && after.rssOK
	if t.report != nil {
		if err := t.report(&r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// closeFiles closes the trial's files, once the Handler is done with them.
func (t trial) closeFiles() error {
	var errs []error
	for _, f := range t.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// ours reports whether a destination serves one of the trial's layers.
func (t trial) ours(layers []string) bool {
	for _, l := range layers {
		if slices.Contains(t.layers, l) {
			return true
		}
	}
	return false
}

// percentile returns the nearest-rank p-quantile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// memory is a reading of the live heap and the resident set.
type memory struct {
	heap  uint64
	rss   int64
	rssOK bool
}

// readMemory collects the garbage, then reads the live heap and, on
// Linux, the resident set size. With free, it first returns the memory
// freed by earlier trials to the operating system, so that the next
// reading's RSS change is this trial's own.
func readMemory(free bool) memory {
	if free {
		debug.FreeOSMemory()
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, err := residentSet()
	return memory{heap: ms.HeapAlloc, rss: rss, rssOK: err == nil}
}

// residentSet reads VmRSS from /proc/self/status, in bytes. Elsewhere
// than on Linux it fails, and the demo prints "n/a".
func residentSet() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseVmRSS(f)
}

// parseVmRSS finds the "VmRSS: 1234 kB" line of a /proc status file.
func parseVmRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, errors.New("VmRSS: unexpected format " + strconv.Quote(rest))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		return kb << 10, err
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS line")
}

// This file holds the scenarios of drop detection and queue monitoring:
// hydra's notices, OnDrop and Stats, and its Monitor record, read back
// from the files the scenarios wrote.

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/hydralog/hydra"
)

// buildDrops is the guide's drop detection: 4 goroutines against a slow
// sink behind a small DropNewest queue. Its notes are what OnDrop heard
// and the drop notices read back from the file.
func buildDrops(dir string, scale float64) (trial, error) {
	path := filepath.Join(dir, "drops.log")
	f, err := createLog(path)
	if err != nil {
		return trial{}, err
	}
	n := scaled(2500, scale)
	t := concurrent("drops", "DROPS", hydra.Destination{
		Type: "writer", Writer: &slowWriter{w: f, delay: time.Millisecond},
		Async: &hydra.AsyncOptions{QueueSize: 64, Overflow: hydra.DropNewest},
	}, 4, n)
	t.files = []*os.File{f}
	t.report = func(r *row) error {
		lines, err := grep(path, regexp.MustCompile(`msg=`+regexp.QuoteMeta(strconv.Quote(hydra.DropNotice))), -1)
		if err != nil {
			return err
		}
		r.note("OnDrop heard of %d dropped records in %d calls; Stats counts %d dropped", r.onDropRecords, r.onDropCalls, r.dropped)
		r.note("%s in %s:", plural(len(lines), "drop notice"), path)
		for _, l := range lines {
			r.note("  %s", l)
		}
		return nil
	}
	return t, nil
}

// buildMonitor is the guide's queue monitoring: 4 goroutines against a
// slow sink behind a small Block queue, with a Monitor logging the stats
// into a MONITOR layer. Its note is the Monitor record that saw the
// fullest queue, read back from the file.
func buildMonitor(dir string, scale float64) (trial, error) {
	f, err := createLog(filepath.Join(dir, "monitor-app.log"))
	if err != nil {
		return trial{}, err
	}
	monPath := filepath.Join(dir, "monitor.log")
	mon, err := fileDest(monPath)
	if err != nil {
		f.Close()
		return trial{}, err
	}
	n := scaled(2500, scale)
	// A small queue makes the run last long enough for a few records,
	// however small the scale.
	interval := min(max(time.Duration(float64(10*time.Millisecond)*scale), 500*time.Microsecond), 10*time.Millisecond)
	t := concurrent("monitor", "APP", hydra.Destination{
		Type: "writer", Writer: &slowWriter{w: f, delay: time.Millisecond},
		Async: &hydra.AsyncOptions{QueueSize: 64, Overflow: hydra.Block},
	}, 4, n)
	t.cfg.Layers["MONITOR"] = hydra.Layer{Destinations: []hydra.Destination{mon}}
	t.cfg.Monitor = &hydra.Monitor{Layer: "MONITOR", Interval: interval}
	t.files = []*os.File{f}
	t.report = func(r *row) error {
		lines, err := grep(monPath, regexp.MustCompile(regexp.QuoteMeta(strconv.Quote(hydra.StatsMessage))), -1)
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			r.note("no Monitor record in %s: the run was shorter than the interval, %v", monPath, interval)
			return nil
		}
		r.note("%s in %s, one every %v; the one that saw the most records queued", plural(len(lines), "Monitor record"), monPath, interval)
		r.note("(queued counts the batch being written too, so it can exceed the capacity):")
		r.note("  %s", busiest(lines))
		return nil
	}
	return t, nil
}

// busiest returns the Monitor line with the most records queued.
func busiest(lines []string) string {
	best, most := lines[len(lines)-1], -1
	for _, l := range lines {
		if m := queuedAttr.FindStringSubmatch(l); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > most {
				best, most = l, n
			}
		}
	}
	return best
}

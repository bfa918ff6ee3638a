// This file owns monitoring: Stats published through expvar, and a stats
// record logged into a layer at an interval.

package hydra

import (
	"context"
	"expvar"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// StatsMessage is the message of the records Monitor logs.
const StatsMessage = "hydra: stats"

// monitor is the goroutine Config.Monitor starts. Shutdown stops it and
// waits for it before it closes the queues (see the order of closing in
// lifecycle.go).
type monitor struct {
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

func checkMonitor(m *Monitor, layers map[string]Layer, def string) []error {
	if m == nil {
		return nil
	}
	var errs []error
	if _, ok := layers[m.Layer]; !ok && m.Layer != def {
		errs = append(errs, fmt.Errorf("Monitor.Layer %q is not a layer", m.Layer))
	}
	if m.Interval < 0 {
		errs = append(errs, fmt.Errorf("Monitor.Interval %v is negative", m.Interval))
	}
	return errs
}

// startMonitor starts the goroutine that logs StatsMessage records
// through h.
func (c *core) startMonitor(h *Handler, m Monitor) {
	interval := m.Interval
	if interval == 0 {
		interval = 10 * time.Second
	}
	mon := &monitor{stop: make(chan struct{}), done: make(chan struct{})}
	c.monitor.Store(mon)
	logger := slog.New(h.WithAttrs([]slog.Attr{slog.String(h.c.key, m.Layer)}))
	go func() {
		defer close(mon.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-mon.stop:
				return
			case <-t.C:
				h.c.logStats(logger, m.Level)
			}
		}
	}()
}

// stopMonitor stops the monitor goroutine, if any, and waits for it until
// ctx is done.
func (c *core) stopMonitor(ctx context.Context) error {
	m := c.monitor.Load()
	if m == nil {
		return nil
	}
	m.stopOnce.Do(func() { close(m.stop) })
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// logStats logs one StatsMessage record. Handle runs a user's code on
// this goroutine (a Leveler, a handler destination's Enabled, a Sync
// destination's writer); a panic there is reported, not fatal.
func (c *core) logStats(logger *slog.Logger, level slog.Level) {
	defer func() {
		if p := recover(); p != nil {
			c.report(fmt.Errorf("hydra: Monitor: logging the stats panicked: %v", p))
		}
	}()
	logger.LogAttrs(context.Background(), level, StatsMessage, c.stats().attrs()...)
}

// attrs renders the stats as a StatsMessage record's attributes.
func (st Stats) attrs() []slog.Attr {
	queued := 0
	dests := make([]any, 0, len(st.Destinations))
	for _, d := range st.Destinations {
		queued += d.Queued
		attrs := []any{
			slog.Int("queued", d.Queued),
			slog.Int("capacity", d.Capacity),
			slog.Int("high_water", d.HighWater),
			slog.Uint64("dropped", d.Dropped),
			slog.Uint64("failed", d.Failed),
		}
		if d.Breaker != "" {
			attrs = append(attrs, slog.String("breaker", d.Breaker))
		}
		if d.Retries > 0 || d.Buffered > 0 { // a network destination that met trouble
			attrs = append(attrs, slog.Uint64("retries", d.Retries), slog.Int("buffered", d.Buffered))
		}
		dests = append(dests, slog.Group(d.Name, attrs...))
	}
	return []slog.Attr{
		slog.Uint64("accepted", st.Accepted),
		slog.Uint64("written", st.Written),
		slog.Uint64("dropped", st.Dropped),
		slog.Uint64("failed", st.Failed),
		slog.Uint64("throttled", st.Throttled),
		slog.Uint64("sampled", st.Sampled),
		slog.Int("queued", queued),
		slog.Uint64("buffered", st.Buffered),
		slog.Group("destinations", dests...),
	}
}

// PublishExpvar publishes the Handler's Stats through package expvar under
// name, as a JSON object computed afresh on every read: one call, and
// /debug/vars shows them. expvar cannot unpublish, so call it once per
// Handler meant to live as long as the process. It fails if name is
// taken.
func (h *Handler) PublishExpvar(name string) error {
	publishMu.Lock()
	defer publishMu.Unlock()
	if expvar.Get(name) != nil {
		return fmt.Errorf("hydra: PublishExpvar: %q is published already", name)
	}
	expvar.Publish(name, expvar.Func(func() any { return h.Stats() }))
	return nil
}

// publishMu makes PublishExpvar's look and publish one step: expvar
// panics when a name is published twice.
var publishMu sync.Mutex

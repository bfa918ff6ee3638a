// This file owns Handler: New, the four slog.Handler methods, and the
// lifecycle (Flush, Shutdown, Close, Rotate, SetLevel).

package hydra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned (wrapped or as is) by Handle after the Handler was
// closed, and by Rotate.
var ErrClosed = errors.New("hydra: handler closed")

// Handler is a [slog.Handler] that routes each record to the destinations
// of its layer, through a bounded queue per destination. All its methods
// are safe for concurrent use. Close it when done: until then, it owns a
// goroutine per asynchronous destination and the files it opened.
type Handler struct {
	// c is shared by the Handler New returned and every Handler derived
	// from it by WithAttrs and WithGroup: closing any of them closes all.
	c *core
	// layer is the layer bound by WithAttrs; nil: chosen per record.
	layer *layer
	// scope holds what WithAttrs and WithGroup bound; nil at the root.
	scope *scope
}

var _ slog.Handler = (*Handler)(nil)

// core is the routing table and the sinks, shared by a Handler and all its
// derivatives.
type core struct {
	key       string
	layers    map[string]*layer
	layerList []*layer // sorted by name
	def       *layer
	sinks     []*sink
	nScoped   int // sinks that derive something from a scope: the length of scope.cache

	// static is true while every level is hydra's own, so that the floors
	// below are exact; with a user's LevelVar or Leveler, Enabled asks the
	// levels on every call.
	static  atomic.Bool
	floor   atomic.Int64 // lowest level any destination accepts
	levelMu sync.Mutex   // serializes SetLevel

	closeOnce sync.Once
	closed    atomic.Bool
	monitor   *monitor // nil without Config.Monitor
}

// New returns a Handler for cfg, with its files open and its consumer
// goroutines running. It reports every problem in cfg at once, each naming
// its layer and destination.
func New(cfg Config) (*Handler, error) {
	c, err := build(cfg)
	if err != nil {
		return nil, err
	}
	for _, s := range c.sinks {
		if s.q != nil {
			go s.run()
		}
	}
	h := &Handler{c: c}
	if len(c.layerList) == 1 {
		h.layer = c.def // every record goes there: nothing to look up
	}
	if cfg.Monitor != nil {
		h.startMonitor(*cfg.Monitor)
	}
	return h, nil
}

// NewHandler is like [New] but panics if cfg is invalid. It suits configs
// written in code.
func NewHandler(cfg Config) *Handler {
	h, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return h
}

// Enabled reports whether a record at level could reach a destination: of
// the bound layer, if WithAttrs bound one, else of any layer.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	if h.layer != nil {
		return h.c.layerEnabled(h.layer, level)
	}
	return h.c.enabled(level)
}

// Handle routes r to its layer and hands it to each destination whose
// level it passes. On the asynchronous path it only queues the record: it
// returns an error only after Close ([ErrClosed]), and write errors go to
// Config.OnError and the next Flush or Close instead. A Sync destination's
// write error is returned too.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	c := h.c
	l := h.layer
	var sc scanned
	if l == nil {
		sc = scan(&r, c.key, h.scope.openGroups() == 0)
		l = c.layerFor(ctx, sc.layer, sc.found)
	}
	if r.Level < l.level.get() {
		return nil
	}
	if l.shaper != nil && !l.shape(&r) {
		return nil // throttled or sampled: counted, announced later
	}
	l.passed.Add(1)
	if h.layer != nil {
		// The layer was known without reading the record: when every
		// destination would drop it, it is dropped unread.
		if l.refuses(r.Level) {
			return nil
		}
		sc = scan(&r, c.key, false)
	}
	sc.finish(&r)
	var err error
	for i := range l.routes {
		rt := &l.routes[i]
		if rt.hasLevel && r.Level < rt.level.get() {
			continue
		}
		var e error
		if s := rt.sink; s.streamQueue {
			e = s.q.enqueue(&r, h.scope, nil) // the common case, inlined
		} else {
			e = s.put(ctx, &r, h.scope)
		}
		if e != nil && !errors.Is(err, e) {
			err = errors.Join(err, e)
		}
	}
	return err
}

// WithAttrs returns a Handler whose records carry attrs. LogValuers among
// them are resolved now. A top-level attribute named by Config.LayerKey
// binds the returned Handler to that layer (the first such attribute, if
// several), whatever its records say.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	resolveAttrs(attrs)
	h2 := *h
	if h.scope.openGroups() == 0 {
		for _, a := range attrs {
			if a.Key == h.c.key {
				h2.layer = h.c.layerFor(nil, a.Value.String(), true)
				break
			}
		}
	}
	h2.scope = h.scope.withAttrs(attrs, h.c.nScoped)
	return &h2
}

// WithGroup returns a Handler that qualifies the attributes of its records,
// and those added later by WithAttrs, with the group name. An empty name
// returns h.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.scope = h.scope.withGroup(name, h.c.nScoped)
	return &h2
}

// Flush returns once every record handled before the call has been written
// (or has failed, or was dropped), with the pending drop notices, or when
// ctx is done. It returns the write errors not returned before, joined.
func (h *Handler) Flush(ctx context.Context) error {
	type request struct {
		q           *queue
		target, req uint64
	}
	var reqs []request
	for _, s := range h.c.sinks {
		if q := s.q; q != nil {
			reqs = append(reqs, request{q, q.ring.enqueued(), q.flushReq.Add(1)})
			q.wake()
		}
	}
	for _, r := range reqs {
		if err := r.q.waitFlushed(ctx, r.target, r.req); err != nil {
			return fmt.Errorf("hydra: flush: %d records not written yet: %w", h.c.unwritten(), err)
		}
	}
	return h.c.takeErrors()
}

// waitFlushed waits until every position below target is done and the
// consumer has served Flush request req, or the consumer has stopped.
func (q *queue) waitFlushed(ctx context.Context, target, req uint64) error {
	q.progress.waiters.Add(1)
	defer q.progress.waiters.Add(-1)
	for {
		ch := q.progress.channel()
		if q.completed.Load() >= target && q.flushDone.Load() >= req {
			return nil
		}
		select {
		case <-ch:
		case <-q.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Shutdown stops accepting records, writes what is queued and the pending
// drop notices, closes the files hydra opened and stops its goroutines. At
// ctx's deadline it gives up: the records still queued are dropped (as soon
// as a destination's current write returns) and the error says how many
// were not written. It returns the write errors not returned before,
// joined. Calling it again, or Close, is safe.
func (h *Handler) Shutdown(ctx context.Context) error {
	c := h.c
	c.closeOnce.Do(c.beginClose)
	for _, s := range c.sinks {
		if s.q == nil {
			continue
		}
		select {
		case <-s.q.done:
		case <-ctx.Done():
			n := c.unwritten()
			for _, s := range c.sinks {
				if s.q != nil {
					s.q.abandon.Store(true)
					s.q.wake()
				}
			}
			return errors.Join(
				fmt.Errorf("hydra: shutdown: %d records not written by the deadline: %w", n, ctx.Err()),
				c.takeErrors())
		}
	}
	return c.takeErrors()
}

// Close is Shutdown without a deadline: it returns once everything queued
// is written. It is idempotent.
func (h *Handler) Close() error { return h.Shutdown(context.Background()) }

func (c *core) beginClose() {
	c.stopMonitor() // its last record is queued before the queues close
	c.closed.Store(true)
	for _, s := range c.sinks {
		q := s.q
		if q == nil {
			s.closeOutput()
			continue
		}
		q.ring.close()
		q.closing.Store(true)
		q.wake()
		close(q.room.closed) // callers waiting for room find the ring closed
	}
}

// unwritten returns the records accepted and not yet written, failed or
// dropped.
func (c *core) unwritten() int {
	n := 0
	for _, s := range c.sinks {
		n += s.stats().Queued
	}
	return n
}

func (c *core) takeErrors() error {
	var errs []error
	for _, s := range c.sinks {
		if err := s.errs.take(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Rotate rotates every file destination now, as a SIGHUP handler would.
// Records keep flowing: lumberjack switches files between two batches.
func (h *Handler) Rotate() error {
	if h.c.closed.Load() {
		return ErrClosed
	}
	var errs []error
	for _, s := range h.c.sinks {
		if s.file != nil || s.fallbackFile != nil {
			if err := s.rotate(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// SetLevel sets the minimum level of a layer while records are logged. If
// the layer's Level is a *slog.LevelVar, SetLevel sets it. It fails for an
// unknown layer and for a layer whose Level is some other slog.Leveler,
// which only its owner can change.
func (h *Handler) SetLevel(layer string, level slog.Level) error {
	c := h.c
	l, ok := c.layers[layer]
	if !ok {
		return fmt.Errorf("hydra: SetLevel: unknown layer %q", layer)
	}
	if l.level.custom != nil {
		return fmt.Errorf("hydra: SetLevel: layer %q has a %T as its Level; set the level there", layer, l.level.custom)
	}
	c.levelMu.Lock()
	defer c.levelMu.Unlock()
	l.level.v.Set(level)
	c.refreshLevels()
	return nil
}

// This file owns Handler: New, Check, the four slog.Handler methods (Handle
// is the caller's path), and the core they share. lifecycle.go holds what
// comes after New: Flush, closing, Rotate, Reopen, SetLevel.

package hydra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned (wrapped or as is) by Handle after the Handler was
// closed, and by Rotate and Reopen.
var ErrClosed = errors.New("hydra: handler closed")

// Handler is a [slog.Handler] that routes each record to the destinations
// of its layer, through a bounded queue per destination. All its methods
// are safe for concurrent use. Close it when done: until then, it owns a
// goroutine per asynchronous destination and the files it opened.
//
// Create a Handler with [New] or [NewHandler]. The zero Handler does not
// crash: it writes text at INFO to stderr, synchronously, as one shared
// handler that Close leaves open.
type Handler struct {
	// c is shared by the Handler New returned and every Handler derived
	// from it by WithAttrs and WithGroup: closing any of them closes all.
	c *core
	// layer is the layer bound by WithAttrs; nil: chosen per record.
	layer *layer
	// scope holds what WithAttrs and WithGroup bound; nil at the root.
	scope *scope
	// unknown is the layer name WithAttrs bound when no such layer was
	// configured: its records go to the default layer, counted in
	// Stats.Unknown, until a Reload adds the layer.
	unknown string
	// floor is c.floor while the layer is chosen per record (layer nil,
	// unknown empty), nil otherwise and in the zero Handler: Enabled on a
	// disabled level then reads one field and one atomic, as few as
	// slog's own handlers read.
	floor *atomic.Int64
}

var _ slog.Handler = (*Handler)(nil)

// core is what a Handler and all its derivatives share: the routing table
// (replaced whole by Reload), and what outlives it: the layers by name,
// the lifecycle, the errors that belong to no destination.
type core struct {
	key   string
	cfg   Config // as New got it, defaults applied; Reload keeps what it cannot change
	table atomic.Pointer[table]
	// layerObjs holds every layer that was ever in a table, by name, so
	// that a Reload keeps the identity of the layers it keeps (or brings
	// back). Guarded by reloading.
	layerObjs map[string]*layer
	// reloading is a lock (a channel, so that Shutdown can give up on it
	// at its deadline): it serializes Reload, and Reload with closing.
	reloading chan struct{}
	// nScoped counts the sinks ever built that derive something from a
	// scope: the next one's slot in scope.cache.
	nScoped atomic.Int32

	// The sinks a Reload is retiring, still counted in Stats on their own,
	// and the sum of those it retired; retiredMu guards both, and makes
	// the publication of a table and its retiring list one step for Stats.
	retiredMu sync.Mutex
	retiring  []*sink
	retired   DestinationStats

	locksMu sync.Mutex
	locks   map[any]*sync.Mutex // see lockFor

	floor   atomic.Int64 // lowest level any destination accepts; floorDynamic unless table.static
	levelMu sync.Mutex   // serializes SetLevel and the floors

	contextAttrs func(context.Context) []slog.Attr // Config.ContextAttrs

	// Closing: see the order of closing in lifecycle.go.
	closeOnce  sync.Once
	closed     atomic.Bool
	monitor    atomic.Pointer[monitor] // nil without Config.Monitor
	unclosable bool                    // the zero Handler's core, shared by every zero Handler

	// Errors that belong to no destination (unknown layers, a panic in the
	// monitor), reported like a destination's.
	onError func(error)
	errs    errorLog
	unknown unknownLayers
}

// zeroCore is the core of the zero Handler: a zero Config, written
// synchronously so that it owns no goroutine, and never closed.
var zeroCore = sync.OnceValue(func() *core {
	c, err := newCore(Config{Layers: map[string]Layer{
		DefaultLayerName: {Destinations: []Destination{{Type: "stderr", Sync: true}}},
	}}, false)
	if err != nil {
		panic(err) // a bug in hydra: this Config is valid
	}
	c.unclosable = true
	return c
})

// core returns h's core; the zero Handler's is zeroCore.
func (h *Handler) core() *core {
	if h.c == nil {
		return zeroCore()
	}
	return h.c
}

// New returns a Handler for cfg, with its files open and its consumer
// goroutines running. It reports every problem in cfg at once, each naming
// its layer and destination.
func New(cfg Config) (*Handler, error) {
	c, err := newCore(cfg, false)
	if err != nil {
		return nil, err
	}
	for _, s := range c.table.Load().sinks {
		s.start()
	}
	h := &Handler{c: c}
	h.setFloor()
	if cfg.Monitor != nil {
		c.startMonitor(h, *cfg.Monitor)
	}
	return h, nil
}

// Check validates cfg as [New] does, without opening its files or starting
// goroutines, and returns the Stats a Handler made from it would start
// with: its layers with their levels, and its destinations with their
// names, layers, queues and policies. A file that New could not create is
// not found by Check.
func Check(cfg Config) (Stats, error) {
	c, err := newCore(cfg, true)
	if err != nil {
		return Stats{}, err
	}
	return c.stats(), nil
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
	if p := h.floor; p != nil {
		// The common case, with no call: what a disabled Debug costs.
		if f := p.Load(); f != floorDynamic {
			return int64(level) >= f
		}
	}
	if h.unknown != "" {
		l, _ := h.c.unknownLayer(h.unknown)
		return h.c.layerEnabled(l, level)
	}
	if h.layer != nil {
		return h.c.layerEnabled(h.layer, level)
	}
	return h.core().enabled(level)
}

// Handle routes r to its layer and hands it to each destination whose
// level it passes. On the asynchronous path it only queues the record: it
// returns an error only after Close ([ErrClosed]), and write errors go to
// Config.OnError and the next Flush or Close instead. A Sync destination's
// write error is returned too.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	c := h.c
	if c == nil {
		c = zeroCore()
	}
	l := h.layer
	unread := l != nil // the layer is known before the record is read
	var found scanned
	var fromCtx string
	if l == nil {
		if t := c.table.Load(); t.single {
			l, unread = t.def, true
		} else {
			found = scan(&r, c.key, h.scope.openGroups() == 0)
			l, fromCtx = c.layerFor(t, ctx, found.layer, found.found)
		}
	} else if h.unknown != "" {
		var known bool
		if l, known = c.unknownLayer(h.unknown); !known {
			c.unknown.records.Add(1)
		}
	}
	st := l.state.Load()
	if st.gone { // bound to a layer a Reload removed
		c.unknown.records.Add(1)
		l = c.table.Load().def
		st = l.state.Load()
	}
	if r.Level < st.level.get() {
		return nil
	}
	if st.shaper != nil && !l.shape(st, &r) {
		return nil // throttled or sampled: counted, announced later
	}
	l.passed.Add(1)
	// A record the layer's only destination formats now, and to which
	// nothing is added, is not read here: no queue keeps it.
	direct := unread && st.direct && c.contextAttrs == nil
	if unread && !direct {
		// When every destination would drop the record, it is dropped
		// unread.
		if st.dropUnread(r.Level) {
			return nil
		}
		found = scan(&r, c.key, false)
	}
	found.finish(&r)
	// After finish, r no longer shares its attribute slice with the
	// caller's copy: attributes can be added.
	if fromCtx != "" {
		r.AddAttrs(slog.String(c.key, fromCtx))
	}
	if c.contextAttrs != nil && ctx != nil {
		c.addContextAttrs(ctx, &r)
	}
	// The record has no attributes: scan counted none (it ran unless the
	// record is direct), and none was added since.
	bare := !direct && found.n == 0 && fromCtx == "" && c.contextAttrs == nil
	var err error
	var retired []*sink // none, nearly always: see errRetired
	for i := range st.routes {
		rt := &st.routes[i]
		if rt.hasLevel && r.Level < rt.level.get() {
			continue
		}
		var e error
		if s := rt.sink; s.streamQueue {
			e = s.q.enqueue(&r, bare, h.scope, nil) // the common case: straight to the queue
		} else {
			e = s.put(ctx, &r, h.scope)
		}
		if e == errRetired {
			retired = append(retired, rt.sink)
		} else if e != nil && !errors.Is(err, e) {
			err = errors.Join(err, e)
		}
	}
	if retired != nil {
		if direct { // the successor may queue it
			scan(&r, c.key, false).finish(&r)
		}
		err = errors.Join(err, h.reroute(ctx, &r, l, st, retired))
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
	h2.c = h.core()
	if h.scope.openGroups() == 0 {
		for _, a := range attrs {
			if a.Key == h2.c.key {
				name := a.Value.String()
				t := h2.c.table.Load()
				h2.layer, h2.unknown = t.layers[name], ""
				if h2.layer == nil {
					h2.layer, h2.unknown = t.def, name
					h2.c.reportUnknown(t, name)
				}
				break
			}
		}
	}
	h2.scope = h.scope.withAttrs(attrs, int(h2.c.nScoped.Load()))
	h2.setFloor()
	return &h2
}

// setFloor sets floor from c, layer and unknown.
func (h *Handler) setFloor() {
	h.floor = nil
	if h.layer == nil && h.unknown == "" {
		h.floor = &h.c.floor
	}
}

// WithGroup returns a Handler that qualifies the attributes of its records,
// and those added later by WithAttrs, with the group name. An empty name
// returns h.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.c = h.core()
	h2.scope = h.scope.withGroup(name, int(h2.c.nScoped.Load()))
	h2.setFloor()
	return &h2
}

// addContextAttrs adds what Config.ContextAttrs finds in ctx to r, its
// LogValuers resolved. A panic in it is reported, and r logged without.
func (c *core) addContextAttrs(ctx context.Context, r *slog.Record) {
	defer func() {
		if p := recover(); p != nil {
			c.report(fmt.Errorf("hydra: ContextAttrs panicked: %v", p))
		}
	}()
	attrs := c.contextAttrs(ctx)
	if slices.ContainsFunc(attrs, func(a slog.Attr) bool { return needsResolve(a.Value) }) {
		attrs = slices.Clone(attrs) // resolved in place: the slice is the user's
		resolveAttrs(attrs)
	}
	r.AddAttrs(attrs...) // copies them
}

// unknownLayer returns the layer named name in the table in use, if a
// Reload added it, else the default layer, for a Handler bound to a name
// that was not configured.
func (c *core) unknownLayer(name string) (l *layer, known bool) {
	t := c.table.Load()
	if l, ok := t.layers[name]; ok {
		return l, true
	}
	return t.def, false
}

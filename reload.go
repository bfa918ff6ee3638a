// This file owns Reload: a new Config applied while records flow. The new
// table is built next to the one in use, keeping the layers (their
// identity) and the sinks (queue, output, counters) that the new Config
// leaves as they are; it is published in one store; the sinks it no
// longer has are retired: they drain and close, and a record that meets
// one closed goes to the destinations that replaced it.

package hydra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// errRetired is what a retired sink answers a record that arrives after
// it closed: the record is not counted there, and Handle hands it to the
// new table's destinations instead (reroute). It never reaches a caller.
var errRetired = errors.New("hydra: destination retired by Reload")

// Reload applies cfg while records are logged. A Config that New would
// refuse changes nothing, and Reload returns New's error.
//
// Otherwise layers keep their identity (a Handler bound to a layer by
// WithAttrs follows it; one bound to a layer cfg removes logs to the
// default layer); levels, rate limits and sampling take their new values
// in place (a rate limit or sampling left as it was keeps its tokens and
// counts); destinations that cfg leaves as they are (same target, same
// settings, same layers) keep their queue, output and counters; the others
// are replaced: the new ones are opened, and the old ones drain what they
// queued and close before the new ones write, so that a file keeps one
// writer and records their order. No record is lost or written twice: a
// record logged while Reload runs goes by the old table or the new one.
// Reload returns once the replaced destinations have drained.
//
// Reload takes Layers, DefaultLayer, Async and Monitor from cfg. LayerKey,
// AddSource, Redact and RedactPatterns cannot change (Reload fails if they
// differ), and the callbacks (ReplaceAttr, OnError, OnDrop, ContextAttrs)
// stay those New was given: make a new Handler to change them.
//
// The counters of replaced destinations are kept in Stats, summed in one
// entry named "retired".
func (h *Handler) Reload(cfg Config) error {
	c := h.c
	if c == nil || c.unclosable {
		return errors.New("hydra: Reload: the zero Handler cannot be reloaded; create a Handler with New")
	}
	cfg = withDefaults(cfg)
	// The callbacks stay those New was given.
	cfg.ReplaceAttr, cfg.OnError, cfg.OnDrop, cfg.ContextAttrs = c.cfg.ReplaceAttr, c.cfg.OnError, c.cfg.OnDrop, c.cfg.ContextAttrs
	c.reloading <- struct{}{}
	defer func() { <-c.reloading }()
	if c.closed.Load() {
		return ErrClosed
	}
	if err := c.checkReloadable(cfg); err != nil {
		return err
	}
	prev := c.table.Load()
	t, states, err := c.buildTable(cfg, prev, false)
	if err != nil {
		return err
	}
	var retiring []*sink
	for _, s := range prev.sinks {
		if !slices.Contains(t.sinks, s) {
			retiring = append(retiring, s)
		}
	}
	for _, s := range t.sinks {
		if !slices.Contains(prev.sinks, s) {
			for _, old := range retiring {
				if old.spec.writesWhere(s.spec) {
					s.after = append(s.after, old.done())
					s.preds = append(s.preds, old)
					old.bequeathBuffer(s)
				}
			}
			s.start()
		}
	}
	c.retiredMu.Lock()
	c.retiring = retiring
	c.publish(t, states)
	c.retiredMu.Unlock()
	if c.closed.Load() {
		// Shutdown gave up waiting for this Reload and closed the queues
		// it knew: close the new ones too.
		for _, s := range t.sinks {
			s.close()
		}
	}
	for _, s := range retiring {
		s.retire()
	}
	for _, s := range retiring {
		s.wait()
	}
	c.retiredMu.Lock()
	for _, s := range retiring {
		c.retired = c.retired.plus(s.stats())
		if err := s.errs.take(); err != nil {
			c.errs.add(err) // for the next Flush or Close
		}
	}
	c.retiring = nil
	c.retiredMu.Unlock()
	if c.closed.Load() {
		return ErrClosed // Shutdown gave up on this Reload: no monitor to start
	}
	c.cfg.Layers, c.cfg.DefaultLayer, c.cfg.Async = cfg.Layers, cfg.DefaultLayer, cfg.Async
	if !reflect.DeepEqual(cfg.Monitor, c.cfg.Monitor) {
		c.stopMonitor(context.Background())
		c.cfg.Monitor = cfg.Monitor
		if cfg.Monitor != nil {
			c.startMonitor(&Handler{c: c}, *cfg.Monitor) // not h: its With attributes are not the monitor's
		}
	}
	return nil
}

// checkReloadable reports the settings cfg changes that Reload cannot.
func (c *core) checkReloadable(cfg Config) error {
	var errs []error
	old := c.cfg
	if cfg.LayerKey != old.LayerKey {
		errs = append(errs, fmt.Errorf("LayerKey %q differs from %q", cfg.LayerKey, old.LayerKey))
	}
	if cfg.AddSource != old.AddSource {
		errs = append(errs, errors.New("AddSource differs"))
	}
	if !slices.Equal(cfg.Redact, old.Redact) {
		errs = append(errs, errors.New("Redact differs"))
	}
	patterns := func(ps []*regexp.Regexp) []string {
		var s []string
		for _, p := range ps {
			s = append(s, p.String())
		}
		return s
	}
	if !slices.Equal(patterns(cfg.RedactPatterns), patterns(old.RedactPatterns)) {
		errs = append(errs, errors.New("RedactPatterns differ"))
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, err := range errs {
			msgs[i] = err.Error()
		}
		return fmt.Errorf("hydra: Reload: %s: make a new Handler to change them", strings.Join(msgs, "; "))
	}
	return nil
}

// keepLayer gives st, the new state of the layer name, what it can keep
// of the state in use: the level variable (set to the new level), and the
// shaper if its settings are the same.
func (b *builder) keepLayer(name string, st *layerState) {
	l := b.c.layerObjs[name]
	if l == nil || l.state.Load() == nil {
		return
	}
	old := l.state.Load()
	if old.level.owned && st.level.owned {
		// The same variable, set to the new level when the table is
		// published: a Reload that fails changes nothing.
		st.newLevel, st.setLevel = st.level.get(), true
		st.level = old.level
	}
	if old.shaper != nil && reflect.DeepEqual(old.rateLimit, st.rateLimit) && reflect.DeepEqual(old.sampling, st.sampling) {
		st.shaper = old.shaper
	}
}

// keepSinks marks the specs whose sink in the table in use can stay as
// it is: same target, same settings, same layers, and the target shared
// (or not) as before, since a sink's output takes the target's lock only
// if it was shared when the sink was built.
func (b *builder) keepSinks() {
	if b.prev == nil {
		return
	}
	for _, sp := range b.order {
		for _, s := range b.prev.sinks {
			if o := s.spec; o.sameSink(sp) && slices.Equal(o.layers, sp.layers) && shared(o) == shared(sp) &&
				(o.fallback == nil || shared(o.fallback) == shared(sp.fallback)) {
				sp.sink = s
				sp.name = s.name
				break
			}
		}
	}
}

func shared(sp *spec) bool { return sp.target != nil && sp.target.shared() }

// writesWhere reports whether sinks built from sp and o write to a target
// in common, their Fallbacks' included: a sink that replaces another
// writes nothing there before the other is done. A target that cannot be
// compared is taken to be the same as one of the same type declared at
// the same place.
func (sp *spec) writesWhere(o *spec) bool {
	for _, a := range []*spec{sp, sp.fallback} {
		for _, b := range []*spec{o, o.fallback} {
			switch {
			case a == nil || b == nil:
			case a.key != nil && a.key == b.key:
				return true
			case a.key == nil && b.key == nil && a.typ == b.typ && a.where == b.where:
				return true
			case a.net != nil && b.net != nil && a.net.buffer != nil && b.net.buffer != nil && a.net.buffer.Dir == b.net.buffer.Dir:
				return true // one disk buffer: the new sink opens it once the old one closed it
			}
		}
	}
	return false
}

// sameSink reports whether a sink built from sp would be the one built
// from o: the same target and the same settings, its Fallback's included.
func (sp *spec) sameSink(o *spec) bool {
	if sp == nil || o == nil {
		return sp == o
	}
	return sp.key != nil && sp.key == o.key && sp.typ == o.typ &&
		sp.format == o.format && sp.rotation == o.rotation &&
		sp.fileMode == o.fileMode && sp.dirMode == o.dirMode &&
		sp.sync == o.sync && (sp.sync || sameAsync(sp.async, o.async)) &&
		reflect.DeepEqual(sp.breaker, o.breaker) && sp.net.equal(o.net) &&
		sp.fallback.sameSink(o.fallback)
}

// lockFor returns the lock of the target key: one per target for as long
// as the core lives, so that sinks built by different Reloads take turns
// on it too.
func (c *core) lockFor(key any) *sync.Mutex {
	c.locksMu.Lock()
	defer c.locksMu.Unlock()
	if c.locks == nil {
		c.locks = map[any]*sync.Mutex{}
	}
	mu := c.locks[key]
	if mu == nil {
		mu = new(sync.Mutex)
		c.locks[key] = mu
	}
	return mu
}

// newScopeSlot returns the slot in scope.cache of a new sink.
func (c *core) newScopeSlot() int { return int(c.nScoped.Add(1)) - 1 }

// reroute hands r on after sinks of old, the layer state it was handled
// with, refused it as retired by a Reload. If every sink of old that the
// record reached refused it, it goes by the table in use as a whole, as
// if logged after the Reload. Otherwise it was logged under the old table
// at the others, and goes only to the sinks that replace the retired ones
// (those of the layer with the same target), so that no target has it
// twice.
func (h *Handler) reroute(ctx context.Context, r *slog.Record, l *layer, old *layerState, retired []*sink) error {
	var err error
	whole := true // no sink of old took the record
	var took []*sink
	for i := range old.routes {
		rt := &old.routes[i]
		if !slices.Contains(retired, rt.sink) && (!rt.hasLevel || r.Level >= rt.level.get()) {
			whole = false
			took = append(took, rt.sink)
		}
	}
	for len(retired) > 0 {
		st := l.state.Load()
		if st.gone {
			st = h.c.table.Load().def.state.Load()
		}
		var again []*sink
		for i := range st.routes {
			rt := &st.routes[i]
			replaces := !slices.Contains(took, rt.sink) && slices.ContainsFunc(retired, func(s *sink) bool {
				if s.spec.key == nil { // a target of its own: replaced by a new sink of the same type without a key
					return rt.sink.spec.key == nil && rt.sink.spec.typ == s.spec.typ && !slices.ContainsFunc(old.routes, func(o route) bool { return o.sink == rt.sink })
				}
				return s.spec.key == rt.sink.spec.key
			})
			if (!whole && !replaces) || (rt.hasLevel && r.Level < rt.level.get()) {
				continue
			}
			switch e := rt.sink.put(ctx, r, h.scope); {
			case e == errRetired:
				again = append(again, rt.sink) // another Reload already: follow it too
			case e != nil:
				err = errors.Join(err, e)
			}
		}
		retired, whole = again, false // the others have it now
	}
	return err
}

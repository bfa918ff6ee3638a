// This file owns the building of a core from a Config: defaults, the
// layers and their routes, validation that reports every problem at once,
// the sharing of destinations, and their names. destination.go checks one
// destination; open.go opens the sinks.

package hydra

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/hydralog/hydra/internal/slogenc"
)

type builder struct {
	c             *core
	cfg           Config
	prev          *table // Reload: the table in use, whose sinks may be kept
	redact        *slogenc.Redactor
	errs          []error
	targets       map[any]*target
	order         []*spec
	fallbackFiles []fallbackFile
	dry           bool // Check: no file is opened
}

// withDefaults returns cfg with its defaults applied: the default layer
// and key, and a default layer writing text to stderr if Layers lacks it.
func withDefaults(cfg Config) Config {
	if cfg.DefaultLayer == "" {
		cfg.DefaultLayer = DefaultLayerName
	}
	if cfg.LayerKey == "" {
		cfg.LayerKey = DefaultLayerKey
	}
	if _, ok := cfg.Layers[cfg.DefaultLayer]; !ok {
		cfg.Layers = maps.Clone(cfg.Layers)
		if cfg.Layers == nil {
			cfg.Layers = map[string]Layer{}
		}
		cfg.Layers[cfg.DefaultLayer] = Layer{Destinations: []Destination{{Type: "stderr"}}}
	}
	return cfg
}

// newCore validates cfg and builds a core with its first table, opening
// the files (unless dry, for Check). It starts no goroutine.
func newCore(cfg Config, dry bool) (*core, error) {
	cfg = withDefaults(cfg)
	c := &core{key: cfg.LayerKey, cfg: cfg, onError: cfg.OnError, contextAttrs: cfg.ContextAttrs, layerObjs: map[string]*layer{}, reloading: make(chan struct{}, 1)}
	t, states, err := c.buildTable(cfg, nil, dry)
	if err != nil {
		return nil, err
	}
	c.publish(t, states)
	return c, nil
}

// buildTable validates cfg (with its defaults) and builds a table from it,
// and the states its layers take when it is published. prev is the table
// in use when Reload builds: its sinks that cfg keeps as they are stay,
// the others are left for Reload to retire. Every file the new table needs
// that prev does not have is opened, unless dry; should one fail, those
// opened are closed again.
func (c *core) buildTable(cfg Config, prev *table, dry bool) (*table, map[*layer]*layerState, error) {
	b := &builder{c: c, cfg: cfg, prev: prev, dry: dry, targets: map[any]*target{}, redact: newRedactor(cfg.Redact, cfg.RedactPatterns)}
	if err := checkAsync(cfg.Async); err != nil {
		b.errs = append(b.errs, fmt.Errorf("hydra: Config.Async: %w", err))
	}
	for _, err := range checkRedact(cfg.Redact, cfg.RedactPatterns) {
		b.errorf("Config.%v", err)
	}
	for _, err := range checkMonitor(cfg.Monitor, cfg.Layers, cfg.DefaultLayer) {
		b.errorf("Config.%v", err)
	}
	names := slices.Sorted(maps.Keys(cfg.Layers))
	states := map[string]*layerState{}
	for _, name := range names {
		if st := b.layer(name, cfg.Layers[name]); st != nil {
			states[name] = st
		}
	}
	b.checkFallbackFiles()
	b.checkHardLinks()
	if err := errors.Join(b.errs...); err != nil {
		return nil, nil, err
	}
	b.keepSinks()
	b.nameSinks()
	sinks, err := b.openSinks()
	if err != nil {
		return nil, nil, err
	}
	t := &table{layers: map[string]*layer{}, sinks: sinks, static: true}
	byLayer := map[*layer]*layerState{}
	for _, name := range names {
		st := states[name]
		for i := range st.routes {
			rt := &st.routes[i]
			rt.sink, rt.spec = rt.spec.sink, nil
			t.static = t.static && (!rt.hasLevel || rt.level.owned)
		}
		t.static = t.static && st.level.owned
		st.direct = len(st.routes) == 1 && st.routes[0].sink.q == nil && st.routes[0].sink.syncFmt != nil
		l := c.layerObj(name)
		t.layers[name] = l
		t.layerList = append(t.layerList, l)
		byLayer[l] = st
	}
	t.def = t.layers[cfg.DefaultLayer]
	t.single = len(t.layerList) == 1
	for _, name := range slices.Sorted(maps.Keys(c.layerObjs)) {
		t.everLayers = append(t.everLayers, c.layerObjs[name])
	}
	return t, byLayer, nil
}

// layerObj returns the layer named name, the same object for as long as
// the core lives. The caller holds the reloading lock, or is New.
func (c *core) layerObj(name string) *layer {
	l := c.layerObjs[name]
	if l == nil {
		l = &layer{name: name}
		c.layerObjs[name] = l
	}
	return l
}

// publish makes t the table in use: first the states of its layers (so
// that a caller still on the previous table already finds them), then the
// layers it drops are marked gone, then the table itself, then the floors
// of Enabled.
func (c *core) publish(t *table, states map[*layer]*layerState) {
	for l, st := range states {
		if st.setLevel {
			st.level.v.Set(st.newLevel)
		}
		if st.shaper != nil {
			// Before the state: the first record it throttles or samples
			// finds its Sync sinks looking for a notice due.
			for _, rt := range st.routes {
				if g := rt.sink.free; g != nil {
					g.shaped.Store(true)
				}
			}
		}
		l.state.Store(st)
	}
	for _, l := range c.layerObjs {
		if _, ok := states[l]; !ok && l.state.Load() != nil && !l.state.Load().gone {
			l.state.Store(&layerState{level: newLevelRef(nil), gone: true})
		}
	}
	c.table.Store(t)
	c.levelMu.Lock()
	defer c.levelMu.Unlock()
	c.refreshLevels()
}

func (b *builder) errorf(format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf("hydra: "+format, args...))
}

// layer validates a layer and returns its state, its routes still naming
// the specs of their sinks. It returns nil after reporting a problem.
func (b *builder) layer(name string, cfg Layer) *layerState {
	if name == "" {
		b.errorf("Layers: a layer has an empty name")
		return nil
	}
	if len(cfg.Destinations) == 0 {
		b.errorf("layer %q: no Destinations (use Type \"null\" to discard its records)", name)
		return nil
	}
	errs := checkShaping(cfg.RateLimit, cfg.Sampling)
	for _, err := range errs {
		b.errorf("layer %q: %v", name, err)
	}
	st := &layerState{level: newLevelRef(cfg.Level), rateLimit: cfg.RateLimit, sampling: cfg.Sampling}
	if len(errs) == 0 {
		st.shaper = newShaper(cfg.RateLimit, cfg.Sampling)
	}
	if b.prev != nil {
		b.keepLayer(name, st)
	}
	for i, d := range cfg.Destinations {
		where := fmt.Sprintf("layer %q: Destinations[%d]", name, i)
		sp := b.destination(where, d)
		if sp == nil {
			continue
		}
		if slices.Contains(sp.layers, name) {
			b.errorf("%s (%s): writes where an earlier destination of the layer writes", where, sp.label())
			continue
		}
		sp.layers = append(sp.layers, name)
		rt := route{spec: sp, hasLevel: d.Level != nil}
		if rt.hasLevel {
			rt.level = newLevelRef(d.Level)
		}
		st.routes = append(st.routes, rt)
	}
	return st
}

// destination validates d and returns the spec of the sink it writes to:
// a new one, or the one an earlier destination with the same target made.
// It returns nil after reporting a problem.
func (b *builder) destination(where string, d Destination) *spec {
	sp, key := b.settings(where, d)
	if sp == nil {
		return nil
	}
	err := checkBreaker(sp.typ, &d)
	if err == nil && d.Breaker != nil {
		br := *d.Breaker
		sp.breaker = &br
		if d.Fallback != nil {
			if sp.fallback = b.fallback(where+".Fallback", *d.Fallback); sp.fallback == nil {
				return nil // reported
			}
		}
	}
	if err == nil && key != nil {
		var shared *spec
		if shared, err = b.share(sp, key); shared != nil {
			return shared
		}
	}
	if err != nil {
		b.errorf("%s (%s): %v", where, sp.label(), err)
		return nil
	}
	sp.key = key
	b.order = append(b.order, sp)
	return sp
}

// checkBreaker reports what is wrong with d's Breaker and Fallback.
func checkBreaker(t destType, d *Destination) error {
	switch {
	case d.Fallback != nil && d.Breaker == nil:
		return errors.New("Fallback needs a Breaker: it takes the records while the breaker is open")
	case d.Breaker != nil && !typeRules[t].breaker:
		return fmt.Errorf("Breaker does not apply to %s destinations: they never fail", t)
	case d.Breaker != nil && (d.Breaker.Failures < 0 || d.Breaker.Cooldown < 0):
		return fmt.Errorf("Breaker has a negative value: %+v", *d.Breaker)
	}
	return nil
}

// fallback validates the Fallback of a destination and returns its
// settings. A Fallback has no queue, level, breaker or fallback of its
// own, and no other destination or fallback may write to its file.
func (b *builder) fallback(where string, d Destination) *spec {
	extra := d.Async != nil || d.Sync || d.Level != nil || d.Breaker != nil || d.Fallback != nil
	if extra {
		b.errorf("%s: a Fallback takes Type, Format and its target's fields only (not Async, Sync, Level, Breaker or Fallback)", where)
	}
	sp, key := b.settings(where, d) // reports its own problems too
	if sp != nil {
		sp.key = key
	}
	switch {
	case sp == nil || extra:
		return nil
	case typeRules[sp.typ].net:
		b.errorf("%s (%s): a Fallback is written on its destination's goroutine when the network fails: it cannot be a network destination itself", where, sp.label())
		return nil
	case sp.typ == typeFile:
		b.fallbackFiles = append(b.fallbackFiles, fallbackFile{key, sp})
	case key != nil:
		// A stream or writer that a destination (or another Fallback)
		// writes to as well: they take turns.
		tg := b.targets[key]
		if tg == nil {
			tg = &target{}
			b.targets[key] = tg
		}
		tg.fallbacks++
		sp.target = tg
	}
	return sp
}

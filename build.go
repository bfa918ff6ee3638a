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
	cfg           Config
	redact        *slogenc.Redactor
	errs          []error
	targets       map[any]*target
	order         []*spec
	fallbackFiles []fallbackFile
	dry           bool // Check: no file is opened
}

// build validates cfg and builds the routing table and its sinks, opening
// the files. It starts no goroutine.
func build(cfg Config) (*core, error) { return buildWith(cfg, false) }

// buildWith is build; dry builds without opening files, for Check.
func buildWith(cfg Config, dry bool) (*core, error) {
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
	b := &builder{cfg: cfg, dry: dry, targets: map[any]*target{}, redact: newRedactor(cfg.Redact, cfg.RedactPatterns)}
	if err := checkAsync(cfg.Async); err != nil {
		b.errs = append(b.errs, fmt.Errorf("hydra: Config.Async: %w", err))
	}
	for _, err := range checkRedact(cfg.Redact, cfg.RedactPatterns) {
		b.errorf("Config.%v", err)
	}
	for _, err := range checkMonitor(cfg.Monitor, cfg.Layers, cfg.DefaultLayer) {
		b.errorf("Config.%v", err)
	}
	c := &core{key: cfg.LayerKey, layers: map[string]*layer{}, onError: cfg.OnError, contextAttrs: cfg.ContextAttrs}
	for _, name := range slices.Sorted(maps.Keys(cfg.Layers)) {
		if l := b.layer(name, cfg.Layers[name]); l != nil {
			c.layers[name] = l
			c.layerList = append(c.layerList, l)
		}
	}
	b.checkFallbackFiles()
	b.checkHardLinks()
	if err := errors.Join(b.errs...); err != nil {
		return nil, err
	}
	c.def = c.layers[cfg.DefaultLayer]
	b.nameSinks()
	if err := b.openSinks(c); err != nil {
		return nil, err
	}
	static := true
	for _, l := range c.layerList {
		static = static && l.level.owned
		for _, rt := range l.routes {
			static = static && (!rt.hasLevel || rt.level.owned)
		}
	}
	c.static.Store(static)
	c.refreshLevels()
	return c, nil
}

func (b *builder) errorf(format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf("hydra: "+format, args...))
}

func (b *builder) layer(name string, cfg Layer) *layer {
	if name == "" {
		b.errorf("Layers: a layer has an empty name")
		return nil
	}
	if len(cfg.Destinations) == 0 {
		b.errorf("layer %q: no Destinations (use Type \"null\" to discard its records)", name)
		return nil
	}
	l := &layer{name: name, level: newLevelRef(cfg.Level), shaper: newShaper(cfg.RateLimit, cfg.Sampling)}
	for _, err := range checkShaping(cfg.RateLimit, cfg.Sampling) {
		b.errorf("layer %q: %v", name, err)
	}
	for i, d := range cfg.Destinations {
		where := fmt.Sprintf("layer %q: Destinations[%d]", name, i)
		sp := b.destination(where, d)
		if sp == nil {
			continue
		}
		if slices.Contains(sp.layers, name) {
			b.errorf("%s (%s): writes where an earlier destination of the layer writes", where, sp.name)
			continue
		}
		sp.layers = append(sp.layers, name)
		sp.sink.layerRefs = append(sp.sink.layerRefs, l)
		rt := route{sink: sp.sink, hasLevel: d.Level != nil}
		if rt.hasLevel {
			rt.level = newLevelRef(d.Level)
		}
		l.routes = append(l.routes, rt)
	}
	return l
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
	sp.sink = &sink{name: sp.name, onError: b.cfg.OnError, onDrop: b.cfg.OnDrop, layerKey: b.cfg.LayerKey}
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
	switch {
	case sp == nil || extra:
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

// This file owns the building of a core from a Config: defaults, the
// layers and their routes, validation that reports every problem at once,
// the sharing of destinations, and their names. destination.go checks one
// destination; open.go opens the sinks.

package hydra

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hydralog/hydra/internal/ring"
	"github.com/hydralog/hydra/internal/slogenc"
)

// target is one place destinations write to: a file, a stream, a writer or
// a handler. Destinations that agree on their settings share a spec; a
// stream or writer may also carry several specs (say, text for one layer and
// JSON for another), whose sinks then take turns through mu.
type target struct {
	specs     []*spec
	fallbacks int // Fallbacks that write here too, from their destination's consumer
	mu        sync.Mutex
}

// shared reports whether more than one goroutine writes to the target, so
// that each must hold mu for a batch.
func (t *target) shared() bool { return len(t.specs)+t.fallbacks > 1 }

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

// nameSinks gives every sink its unique, stable name and its label. A
// file is named by its path ("file:logs/app.log"), every other sink by its
// type ("stderr", "writer"). Where several sinks would share a name, each
// adds the first layer that routes to it ("writer:API"), and sinks of one
// layer that still share one are numbered in the order they are declared
// ("writer:API#2"). The names depend on the Config only.
func (b *builder) nameSinks() {
	count := map[string]int{}
	for _, sp := range b.order {
		count[sp.name]++
	}
	seen := map[string]int{}
	for _, sp := range b.order {
		name := sp.name
		if count[name] > 1 {
			name += ":" + sp.layers[0]
		}
		if seen[name]++; seen[name] > 1 {
			name += "#" + strconv.Itoa(seen[name])
		}
		s := sp.sink
		s.name, s.layers = name, sp.layers
		noun := "layer"
		if len(sp.layers) > 1 {
			noun = "layers"
		}
		s.label = fmt.Sprintf("%s (%s %s)", name, noun, strings.Join(sp.layers, ", "))
	}
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

// share registers sp with the target named by key. It returns the spec of
// an earlier destination sp can share (same target, same settings), or nil
// when sp gets a sink of its own; an error when the two cannot coexist: a
// file is one lumberjack, and a destination with a Breaker keeps its
// target to itself.
func (b *builder) share(sp *spec, key any) (*spec, error) {
	tg := b.targets[key]
	if tg == nil {
		tg = &target{}
		b.targets[key] = tg
	}
	for _, old := range tg.specs {
		if old.differs(sp) == "" {
			return old, nil
		}
	}
	if len(tg.specs) > 0 {
		old := tg.specs[0]
		switch {
		case sp.breaker != nil || old.breaker != nil:
			return nil, fmt.Errorf("writes where %s writes: a destination with a Breaker keeps its target to itself", old.where)
		case sp.typ == typeFile:
			return nil, fmt.Errorf("%s differs from %s, which writes to the same file", old.differs(sp), old.where)
		}
	}
	tg.specs = append(tg.specs, sp)
	sp.target = tg
	return nil, nil
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

// checkFallbackFiles reports a Fallback writing to a file that a
// destination or another Fallback writes to: two lumberjacks would rotate
// it under each other.
func (b *builder) checkFallbackFiles() {
	seen := map[any]*spec{}
	for _, f := range b.fallbackFiles {
		if tg := b.targets[f.key]; tg != nil && len(tg.specs) > 0 {
			b.errorf("%s (%s): %s writes to this file already", f.spec.where, f.spec.label(), tg.specs[0].where)
		} else if other := seen[f.key]; other != nil {
			b.errorf("%s (%s): %s writes to this file already", f.spec.where, f.spec.label(), other.where)
		}
		seen[f.key] = f.spec
	}
}

// checkHardLinks reports two file destinations (or Fallbacks) whose paths
// differ, symbolic links resolved, but that name one existing file: hard
// links. Two lumberjacks would write, and rotate, one file.
func (b *builder) checkHardLinks() {
	type file struct {
		where, real string
		info        os.FileInfo
	}
	var files []file
	add := func(sp *spec) {
		if info, err := os.Stat(sp.path); err == nil {
			for _, f := range files {
				if f.real != sp.real && os.SameFile(f.info, info) {
					b.errorf("%s (%s): is the same file as %s, under another path", sp.where, sp.label(), f.where)
					return
				}
			}
			files = append(files, file{sp.where, sp.real, info})
		}
	}
	for _, sp := range b.order {
		if sp.typ == typeFile {
			add(sp)
		}
	}
	for _, f := range b.fallbackFiles {
		add(f.spec)
	}
}

type fallbackFile struct {
	key  any
	spec *spec
}

// differs names the first setting in which two destinations that write to
// the same place disagree, or returns "" when they can share a sink.
func (sp *spec) differs(o *spec) string {
	switch {
	case sp.json != o.json:
		return "Format"
	case sp.rotation != o.rotation:
		return "Rotation"
	case sp.fileMode != o.fileMode || sp.dirMode != o.dirMode:
		return "FileMode or DirMode"
	case sp.sync != o.sync:
		return "Sync"
	case !sp.sync && !sameAsync(sp.async, o.async):
		return "Async"
	case sp.breaker != nil || o.breaker != nil:
		return "Breaker" // a destination with a breaker keeps its own
	}
	return ""
}

func sameAsync(a, b AsyncOptions) bool {
	size := func(n int) int { return ring.RoundSize(cmp.Or(n, DefaultQueueSize)) }
	return size(a.QueueSize) == size(b.QueueSize) &&
		a.Overflow == b.Overflow &&
		a.BlockTimeout == b.BlockTimeout &&
		sameLeveler(a.NeverDrop, b.NeverDrop)
}

func sameLeveler(a, b slog.Leveler) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.TypeOf(a).Comparable() && a == b
}

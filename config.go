// This file owns New's reading of a Config: defaults, validation that
// reports every problem at once, the sharing of destinations, and the
// building of the routing table and its sinks.

package hydra

import (
	"cmp"
	"errors"
	"fmt"
	"io"
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

// spec is a destination's settings after defaults, keyed by what it writes
// to. Destinations with the same key share one spec and so one sink.
type spec struct {
	kind     string
	name     string // the sink's name in Stats
	where    string // where it was first declared, for messages
	path     string
	real     string // file: the absolute path, symbolic links resolved
	json     bool
	rotation Rotation
	fileMode os.FileMode
	dirMode  os.FileMode
	async    AsyncOptions
	sync     bool
	writer   io.Writer
	handler  slog.Handler
	layers   []string
	target   *target // nil for targets that cannot be compared
	sink     *sink
	breaker  *Breaker
	fallback *spec // the Fallback's settings; it has no sink of its own
}

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
}

// build validates cfg and builds the routing table and its sinks, opening
// the files. It starts no goroutine.
func build(cfg Config) (*core, error) {
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
	b := &builder{cfg: cfg, targets: map[any]*target{}, redact: newRedactor(cfg.Redact, cfg.RedactPatterns)}
	if err := checkAsync(cfg.Async); err != nil {
		b.errs = append(b.errs, fmt.Errorf("hydra: Config.Async: %w", err))
	}
	for _, err := range checkRedact(cfg.Redact, cfg.RedactPatterns) {
		b.errorf("Config.%v", err)
	}
	for _, err := range checkMonitor(cfg.Monitor, cfg.Layers, cfg.DefaultLayer) {
		b.errorf("Config.%v", err)
	}
	c := &core{key: cfg.LayerKey, layers: map[string]*layer{}, onError: cfg.OnError}
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
	fail := func(format string, args ...any) {
		b.errorf("%s (%s): "+format, append([]any{where, sp.label()}, args...)...)
	}
	nerrs := len(b.errs)
	switch {
	case d.Fallback != nil && d.Breaker == nil:
		fail("Fallback needs a Breaker: it takes the records while the breaker is open")
	case d.Breaker != nil && sp.kind == "null":
		fail("Breaker does not apply to null destinations: they never fail")
	case d.Breaker != nil && (d.Breaker.Failures < 0 || d.Breaker.Cooldown < 0):
		fail("Breaker has a negative value: %+v", *d.Breaker)
	case d.Breaker != nil:
		br := *d.Breaker
		sp.breaker = &br
		if d.Fallback != nil {
			sp.fallback = b.fallback(where+".Fallback", *d.Fallback)
		}
	}
	if len(b.errs) > nerrs {
		return nil
	}
	if key != nil {
		tg := b.targets[key]
		if tg == nil {
			tg = &target{}
			b.targets[key] = tg
		}
		for _, old := range tg.specs {
			if old.differs(sp) == "" {
				return old
			}
		}
		if len(tg.specs) > 0 && (sp.kind == "file" || sp.breaker != nil || tg.specs[0].breaker != nil) {
			old := tg.specs[0]
			fail("%s differs from %s, which writes to the same place", old.differs(sp), old.where)
			return nil
		}
		tg.specs = append(tg.specs, sp)
		sp.target = tg
	}
	sp.sink = &sink{name: sp.name, kind: sp.kind, onError: b.cfg.OnError, onDrop: b.cfg.OnDrop, layerKey: b.cfg.LayerKey}
	b.order = append(b.order, sp)
	return sp
}

// fallback validates the Fallback of a destination and returns its
// settings. A Fallback has no queue, level, breaker or fallback of its
// own, and no other destination or fallback may write to its file.
func (b *builder) fallback(where string, d Destination) *spec {
	nerrs := len(b.errs)
	if d.Async != nil || d.Sync || d.Level != nil || d.Breaker != nil || d.Fallback != nil {
		b.errorf("%s: a Fallback takes Type, Format and its target's fields only (not Async, Sync, Level, Breaker or Fallback)", where)
	}
	sp, key := b.settings(where, d)
	if sp == nil || len(b.errs) > nerrs {
		return nil
	}
	switch {
	case sp.kind == "file":
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
		if sp.kind == "file" {
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

// checkAsync reports what is wrong with o.
func checkAsync(o AsyncOptions) error {
	var errs []error
	if o.QueueSize < 0 || o.QueueSize > MaxQueueSize {
		errs = append(errs, fmt.Errorf("QueueSize %d is not between 0 and %d", o.QueueSize, MaxQueueSize))
	}
	if !o.Overflow.valid() {
		errs = append(errs, fmt.Errorf("Overflow %v is not a Policy", o.Overflow))
	}
	if o.BlockTimeout < 0 {
		errs = append(errs, fmt.Errorf("BlockTimeout %v is negative", o.BlockTimeout))
	}
	if o.BlockTimeout > 0 && o.Overflow != Block {
		errs = append(errs, fmt.Errorf("BlockTimeout is set but Overflow is %v, not block", o.Overflow))
	}
	return errors.Join(errs...)
}

// lockedWriter serializes the writes of sinks that share a stream or
// writer, so that each batch reaches it whole.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

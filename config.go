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
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// spec is a destination's settings after defaults, keyed by what it writes
// to. Destinations with the same key share one spec and so one sink.
type spec struct {
	kind     string
	name     string // the sink's name in Stats
	where    string // where it was first declared, for messages
	path     string
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
}

// target is one place destinations write to: a file, a stream, a writer or
// a handler. Destinations that agree on their settings share a spec; a
// stream or writer may also carry several specs (say, text for one layer and
// JSON for another), whose sinks then take turns through mu.
type target struct {
	specs []*spec
	mu    sync.Mutex
}

type builder struct {
	cfg     Config
	errs    []error
	targets map[any]*target
	order   []*spec
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
	b := &builder{cfg: cfg, targets: map[any]*target{}}
	if err := checkAsync(cfg.Async); err != nil {
		b.errs = append(b.errs, fmt.Errorf("hydra: Config.Async: %w", err))
	}
	c := &core{key: cfg.LayerKey, layers: map[string]*layer{}}
	for _, name := range slices.Sorted(maps.Keys(cfg.Layers)) {
		if l := b.layer(name, cfg.Layers[name]); l != nil {
			c.layers[name] = l
			c.layerList = append(c.layerList, l)
		}
	}
	if err := errors.Join(b.errs...); err != nil {
		return nil, err
	}
	c.def = c.layers[cfg.DefaultLayer]
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
	kind := strings.ToLower(d.Type)
	if kind == "console" {
		kind = "stdout"
	}
	label := kind
	if kind == "file" && d.Path != "" {
		label = fmt.Sprintf("file %q", d.Path)
	}
	nerrs := len(b.errs)
	fail := func(format string, args ...any) {
		b.errorf("%s (%s): "+format, append([]any{where, label}, args...)...)
	}
	switch kind {
	case "file":
		if d.Path == "" {
			fail("Path is required")
		}
	case "writer":
		if d.Writer == nil {
			fail("Writer is required")
		}
	case "handler":
		if d.Handler == nil {
			fail("Handler is required")
		}
	case "stdout", "stderr", "null":
	case "":
		b.errorf("%s: Type is required (file, stdout, stderr, writer, handler or null)", where)
		return nil
	default:
		b.errorf("%s: unknown Type %q (want file, stdout, console, stderr, writer, handler or null)", where, d.Type)
		return nil
	}
	if d.Path != "" && kind != "file" {
		fail("Path is only for file destinations")
	}
	if d.Writer != nil && kind != "writer" {
		fail("Writer is only for writer destinations")
	}
	if d.Handler != nil && kind != "handler" {
		fail("Handler is only for handler destinations")
	}
	if kind != "file" && (d.Rotation != Rotation{} || d.FileMode != 0 || d.DirMode != 0) {
		fail("Rotation, FileMode and DirMode are only for file destinations")
	}
	if r := d.Rotation; r.MaxSizeMB < 0 || r.MaxBackups < 0 || r.MaxAgeDays < 0 {
		fail("Rotation has a negative value: %+v", r)
	}
	if d.FileMode&^os.ModePerm != 0 || d.DirMode&^os.ModePerm != 0 {
		fail("FileMode and DirMode take permission bits only, got %v and %v", d.FileMode, d.DirMode)
	}
	sp := &spec{
		kind:     kind,
		where:    where,
		name:     kind,
		rotation: d.Rotation,
		fileMode: cmp.Or(d.FileMode, 0o600),
		dirMode:  cmp.Or(d.DirMode, 0o700),
		async:    b.cfg.Async,
		sync:     d.Sync || kind == "null",
		writer:   d.Writer,
		handler:  d.Handler,
	}
	switch d.Format {
	case "", "text":
	case "json":
		sp.json = true
	default:
		fail("unknown Format %q (want text or json)", d.Format)
	}
	if d.Format != "" && (kind == "handler" || kind == "null") {
		fail("Format does not apply to %s destinations", kind)
	}
	if d.Async != nil {
		switch {
		case kind == "null":
			fail("Async does not apply to null destinations: they have no queue")
		case d.Sync:
			fail("Async and Sync are both set")
		default:
			if err := checkAsync(*d.Async); err != nil {
				fail("Async: %v", err)
			}
		}
		sp.async = *d.Async
	}
	if len(b.errs) > nerrs {
		return nil
	}
	var key any
	switch kind {
	case "file":
		abs, err := filepath.Abs(d.Path)
		if err != nil {
			fail("%v", err)
			return nil
		}
		sp.path = d.Path
		sp.name = "file:" + filepath.Clean(d.Path)
		key = "file:" + abs
	case "stdout", "stderr", "null":
		key = kind
	case "writer":
		switch d.Writer {
		case os.Stdout:
			key = "stdout"
		case os.Stderr:
			key = "stderr"
		default:
			if reflect.TypeOf(d.Writer).Comparable() {
				key = d.Writer
			}
		}
	case "handler":
		if reflect.TypeOf(d.Handler).Comparable() {
			key = d.Handler
		}
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
		if kind == "file" && len(tg.specs) > 0 {
			old := tg.specs[0]
			fail("%s differs from %s, which writes to the same file", old.differs(sp), old.where)
			return nil
		}
		tg.specs = append(tg.specs, sp)
		sp.target = tg
	}
	sp.sink = &sink{name: sp.name, kind: kind, onError: b.cfg.OnError, onDrop: b.cfg.OnDrop, layerKey: b.cfg.LayerKey}
	b.order = append(b.order, sp)
	return sp
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
	}
	return ""
}

func sameAsync(a, b AsyncOptions) bool {
	size := func(n int) int { return newRingSize(cmp.Or(n, DefaultQueueSize)) }
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

// openSinks builds the output and queue of every sink, opening files.
// Should a file fail, the files already opened are closed again.
func (b *builder) openSinks(c *core) error {
	var errs []error
	for _, sp := range b.order {
		s := sp.sink
		s.layers = sp.layers
		var w io.Writer
		switch sp.kind {
		case "file":
			f, err := openFile(sp.path, sp.rotation, sp.fileMode, sp.dirMode)
			if err != nil {
				errs = append(errs, fmt.Errorf("hydra: %s (file %q): %w", sp.where, sp.path, err))
				continue
			}
			s.file, w = f, f
		case "stdout":
			w = os.Stdout
		case "stderr":
			w = os.Stderr
		case "writer":
			w = sp.writer
		}
		if w != nil && sp.target != nil && len(sp.target.specs) > 1 {
			w = &lockedWriter{mu: &sp.target.mu, w: w}
		}
		switch sp.kind {
		case "null":
			s.out = discardOutput{}
		case "handler":
			s.out = &handlerOutput{h: sp.handler, idx: c.nScoped}
			s.inner, s.ctx = sp.handler, true
			c.nScoped++
		default:
			limit := batchBytes
			if s.file != nil {
				limit = min(limit, sp.rotation.maxBytes())
			}
			enc := newEncoder(sp.json, &b.cfg, c.nScoped)
			c.nScoped++
			var closer io.Closer // nil unless hydra opened the file
			if s.file != nil {
				closer = s.file
			}
			s.out = newStreamOutput(w, closer, enc, limit)
		}
		if !sp.sync {
			s.q = newQueue(sp.async)
			s.streamQueue = s.inner == nil && sp.kind != "null"
		}
		c.sinks = append(c.sinks, s)
	}
	if len(errs) > 0 {
		for _, s := range c.sinks {
			if s.file != nil {
				s.file.Close()
			}
		}
		return errors.Join(errs...)
	}
	return nil
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

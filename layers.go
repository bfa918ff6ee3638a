// This file owns the configuration (Config, Layer, Destination) and the
// routing table New builds from it: layers, their levels and routes, and
// how records find their layer.

package hydra

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
)

// Config configures a [Handler]. The zero Config is ready to use: it logs
// text at INFO to stderr through the DEFAULT layer.
type Config struct {
	// Layers maps each layer name to its level and destinations. Names are
	// case-sensitive.
	Layers map[string]Layer
	// DefaultLayer names the layer for records that name no layer or an
	// unknown one. "" means "DEFAULT". If Layers lacks it, a layer writing
	// text to stderr at INFO is added under that name.
	DefaultLayer string
	// LayerKey is the attribute key that names a record's layer. "" means
	// "layer".
	LayerKey string
	// Async holds the queue options of every asynchronous destination that
	// sets no Destination.Async of its own.
	Async AsyncOptions
	// AddSource adds the source position of the log call to text and JSON
	// output, as in [slog.HandlerOptions].
	AddSource bool
	// ReplaceAttr rewrites attributes in text and JSON output, as in
	// [slog.HandlerOptions]. It runs on the consumer goroutines, so it must
	// be safe for concurrent use.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr
	// OnError is told about every failed write, error returned by a handler
	// destination and panic recovered from one. It runs on the goroutine
	// that wrote: a destination's consumer goroutine, or the caller for a
	// Sync destination. The same errors are returned by the next Flush or
	// Close. nil means they are only returned.
	OnError func(error)
	// Redact lists attribute keys, compared without regard to case, whose
	// values are written as "[REDACTED]" (see [Redacted]) wherever they
	// are: in records, in groups at any depth, and among the attributes
	// bound by With; a redacted group key hides the whole group. It applies
	// to every format and destination, and to the attributes handed to
	// handler destinations, so the value never reaches a writer.
	Redact []string
	// RedactPatterns replace what they match in string values and in
	// messages by "[REDACTED]", for secrets that come without a telling
	// key (card numbers, bearer tokens). Each pattern runs over every
	// string value on the consumer goroutines: keep them few and simple.
	RedactPatterns []*regexp.Regexp
	// Monitor logs a record of the Stats into a layer at an interval; nil:
	// none.
	Monitor *Monitor
	// OnDrop is told, with each DropNotice, which destination dropped how
	// many records since the previous one: at most about once a second
	// per destination, on its consumer goroutine. For alerting on loss.
	OnDrop func(destination string, dropped uint64)
}

// Layer is a named stream of records with its own level and destinations.
type Layer struct {
	// Level is the minimum level of the layer's records; lower ones are
	// discarded before anything else is done. nil means slog.LevelInfo.
	// A *slog.LevelVar stays live, and SetLevel sets it.
	Level slog.Leveler
	// Destinations receive every record of the layer that passes their
	// own Level. A layer needs at least one (Type "null" discards).
	Destinations []Destination
	// RateLimit caps the layer's records per second; nil: no limit.
	RateLimit *RateLimit
	// Sampling keeps a sample of repeated records; nil: every record.
	// Both apply on the caller's goroutine, before any queue, to records
	// that pass the layer's level; records that a destination of the
	// layer protects with NeverDrop are exempt.
	Sampling *Sampling
}

// Destination is one place a layer's records go.
type Destination struct {
	// Type is "file", "stdout" (or "console"), "stderr", "writer",
	// "handler" or "null".
	Type string
	// Path is the file to write; required for "file", unused otherwise.
	// Destinations whose cleaned absolute paths are equal share one file
	// and one queue, and must agree on every other setting.
	Path string
	// Format is "text" (the default) or "json": slog's TextHandler and
	// JSONHandler output. Not used by "handler" and "null".
	Format string
	// Level is the destination's own minimum level, checked after the
	// layer's. nil means the layer's level only.
	Level slog.Leveler
	// Rotation configures lumberjack for a "file" destination.
	Rotation Rotation
	// FileMode is the permission of a new log file; 0 means 0600.
	FileMode os.FileMode
	// DirMode is the permission of new directories on the way to Path;
	// 0 means 0700.
	DirMode os.FileMode
	// Writer receives the output of a "writer" destination. hydra never
	// closes it, and writes to it from one goroutine at a time.
	// Destinations that name the same stream or comparable Writer share
	// one queue when their settings agree; otherwise each has its own, and
	// their batches take turns.
	Writer io.Writer
	// Handler receives the records of a "handler" destination, on the
	// destination's consumer goroutine (on the caller's with Sync).
	Handler slog.Handler
	// Async overrides Config.Async for this destination.
	Async *AsyncOptions
	// Sync writes on the caller's goroutine, under a lock, without a queue:
	// slower, but nothing is pending when Handle returns. Useful while
	// debugging a crash.
	Sync bool
	// Breaker gives a failing destination a rest: see [Breaker]. nil: no
	// circuit breaker.
	Breaker *Breaker
	// Fallback takes the records while the Breaker is open, for instance a
	// local file for a network sink. It needs a Breaker, is written by the
	// destination's consumer, and takes Type, Format and the fields of its
	// type only. nil: records are dropped while the breaker is open.
	Fallback *Destination
}

const (
	// DefaultLayerName is the default [Config.DefaultLayer].
	DefaultLayerName = "DEFAULT"
	// DefaultLayerKey is the default [Config.LayerKey].
	DefaultLayerKey = "layer"
)

// layer is a Layer as the routing table holds it.
type layer struct {
	name   string
	level  levelRef
	routes []route
	shaper *shaper // nil: neither RateLimit nor Sampling
	// floor caches lowestAccepted while every level in the table is
	// hydra's own (see core.static).
	floor atomic.Int64

	// Records that passed the level, then were handed to the destinations
	// or throttled or sampled out. passed is the one every record counts.
	passed, throttled, sampled atomic.Uint64
}

// route connects a layer to a sink, with the destination's own level.
type route struct {
	sink     *sink
	level    levelRef
	hasLevel bool
}

// levelRef is a level that can change while records are logged: a
// *slog.LevelVar (hydra's own, or one the user gave and may set) or any
// other slog.Leveler, asked on every use.
type levelRef struct {
	v      *slog.LevelVar
	custom slog.Leveler
	owned  bool // v was made by hydra: it changes only through SetLevel
}

func newLevelRef(l slog.Leveler) levelRef {
	switch l := l.(type) {
	case nil:
		return levelRef{v: new(slog.LevelVar), owned: true} // LevelInfo
	case slog.Level:
		v := new(slog.LevelVar)
		v.Set(l)
		return levelRef{v: v, owned: true}
	case *slog.LevelVar:
		return levelRef{v: l}
	default:
		return levelRef{custom: l}
	}
}

func (l *levelRef) get() slog.Level {
	if l.custom != nil {
		return l.custom.Level()
	}
	return l.v.Level()
}

// lowestAccepted returns the lowest level a record of the layer can have
// and still reach a destination.
func (l *layer) lowestAccepted() slog.Level {
	lowest := slog.Level(1<<31 - 1)
	for i := range l.routes {
		rt := &l.routes[i]
		if !rt.hasLevel {
			lowest = min(lowest, slog.LevelDebug-1<<20)
			break
		}
		lowest = min(lowest, rt.level.get())
	}
	return max(lowest, l.level.get())
}

// enabled reports whether a record at level can reach one of the layer's
// destinations.
func (c *core) layerEnabled(l *layer, level slog.Level) bool {
	if c.static.Load() {
		return int64(level) >= l.floor.Load()
	}
	return level >= l.lowestAccepted()
}

// enabled reports whether a record at level can reach any destination.
func (c *core) enabled(level slog.Level) bool {
	if c.static.Load() {
		return int64(level) >= c.floor.Load()
	}
	for _, l := range c.layerList {
		if level >= l.lowestAccepted() {
			return true
		}
	}
	return false
}

// refreshLevels recomputes the cached floors. Callers hold levelMu.
func (c *core) refreshLevels() {
	lowest := int64(1<<31 - 1)
	for _, l := range c.layerList {
		f := int64(l.lowestAccepted())
		l.floor.Store(f)
		lowest = min(lowest, f)
	}
	c.floor.Store(lowest)
}

// layerFor returns the layer a record goes to, given the layer name found
// in its attributes, if any: that layer, else the one named by ctx, else
// the default layer. Unknown names go to the default layer too, counted.
// fromCtx is the name ctx gave, if the record was routed by it: the record
// then carries no layer attribute of its own.
func (c *core) layerFor(ctx context.Context, name string, found bool) (l *layer, fromCtx string) {
	if !found && ctx != nil && contextLayers.Load() {
		name, found = ctx.Value(layerContextKey{}).(string)
		fromCtx = name
	}
	if found {
		if l, ok := c.layers[name]; ok {
			return l, fromCtx
		}
		c.unknown.records.Add(1)
		c.reportUnknown(name)
	}
	return c.def, fromCtx
}

// unknownLayers counts the records that named a layer that is not
// configured, and remembers the names already reported, up to
// maxUnknownNames so that a caller logging ever new names cannot grow
// memory without bound.
type unknownLayers struct {
	records atomic.Uint64
	names   sync.Map // string → struct{}: reported already
	n       atomic.Int32
}

// maxUnknownNames is how many distinct unknown layer names are reported
// one by one; past it, one more report says that others follow.
const maxUnknownNames = 64

// reportUnknown reports the unknown layer name the first time it is seen,
// through Config.OnError only: the records were not lost, so Flush and
// Close do not fail for them.
func (c *core) reportUnknown(name string) {
	u := &c.unknown
	if _, seen := u.names.Load(name); seen || u.n.Load() > maxUnknownNames {
		return
	}
	if _, seen := u.names.LoadOrStore(name, struct{}{}); seen {
		return
	}
	switch n := u.n.Add(1); {
	case n <= maxUnknownNames:
		c.warn(fmt.Errorf("hydra: unknown layer %q (under key %q): its records go to layer %q", name, c.key, c.def.name))
	case n == maxUnknownNames+1:
		u.names.Delete(name)
		c.warn(fmt.Errorf("hydra: more than %d unknown layer names; the others are counted in Stats.Unknown, not reported", maxUnknownNames))
	default:
		u.names.Delete(name)
	}
}

type layerContextKey struct{}

// contextLayers is set by the first ContextWithLayer call in the process.
// Until then no context carries a layer, and layerFor skips the lookup, an
// interface call down the context chain for every record.
var contextLayers atomic.Bool

// ContextWithLayer returns a copy of ctx that routes records logged with it
// to layer, unless the Handler or the record names a layer itself.
func ContextWithLayer(ctx context.Context, layer string) context.Context {
	contextLayers.Store(true)
	return context.WithValue(ctx, layerContextKey{}, layer)
}

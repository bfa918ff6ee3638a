// This file owns the routing table New builds from the Config: layers,
// their levels and routes, and how a record finds its layer.

package hydra

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
)

// table is the routing table: the layers and the sinks. New builds one;
// Reload builds another and publishes it in one atomic store, so that a
// caller sees either the old table or the new one, whole. It is immutable
// once published.
type table struct {
	layers    map[string]*layer
	layerList []*layer // sorted by name
	// everLayers are the layers of this table and of the tables before
	// it, for Stats' totals.
	everLayers []*layer
	def        *layer
	sinks      []*sink
	// single is set when there is one layer: every record goes there,
	// unread until a destination takes it.
	single bool
	// static is set while every level is hydra's own, so that the cached
	// floors are exact; with a user's LevelVar or Leveler, Enabled asks the
	// levels on every call.
	static bool
}

// layer is a named layer. Its identity outlives a Reload: a Reload that
// keeps a layer's name keeps the layer, and gives it a new state, so that
// Handlers bound to it by WithAttrs follow.
type layer struct {
	name  string
	state atomic.Pointer[layerState]
	// floor caches lowestAccepted while every level in the table is
	// hydra's own (see table.static).
	floor atomic.Int64

	// Records that passed the level, then were handed to the destinations
	// or throttled or sampled out. passed is the one every record counts:
	// striped, since every producer adds to it. The padding keeps its
	// stripes off the line of state and floor, which every record reads.
	_                  [cacheLine]byte
	passed             stripedCounter
	throttled, sampled atomic.Uint64
}

// layerState is what a Config says of a layer: its level, its routes, its
// shaping. Immutable once published; Reload replaces it.
//
// Every record reads it. The padding at both ends keeps it off the cache
// lines of whatever the allocator puts next to it, which may be written
// all the time (a profile with two producers lost 10% of its time on the
// first read of gone).
type layerState struct {
	_      [cacheLine]byte
	level  levelRef
	routes []route
	shaper *shaper // nil: neither RateLimit nor Sampling
	// The settings the shaper was made from, for Reload to tell whether it
	// can keep it (and its tokens and counts).
	rateLimit *RateLimit
	sampling  *Sampling
	// setLevel asks publish to set level's variable, the one the layer's
	// previous state had, to newLevel (Reload keeps the variable).
	setLevel bool
	newLevel slog.Level
	// gone is set on the state of a layer a Reload removed: its records go
	// to the default layer.
	gone bool
	// direct is set when the layer's one destination is a Sync text, JSON
	// or console destination: it formats each record on the caller's
	// goroutine, during Handle, so Handle need not read the record first
	// to make it safe to keep (see scanned.finish).
	direct bool
	_      [cacheLine]byte
}

// route connects a layer to a sink, with the destination's own level.
type route struct {
	sink     *sink
	level    levelRef
	hasLevel bool
	spec     *spec // while the table is built: the sink to be
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
func (st *layerState) lowestAccepted() slog.Level {
	lowest := slog.Level(1<<31 - 1)
	for i := range st.routes {
		rt := &st.routes[i]
		if !rt.hasLevel {
			lowest = min(lowest, slog.LevelDebug-1<<20)
			break
		}
		lowest = min(lowest, rt.level.get())
	}
	return max(lowest, st.level.get())
}

// layerEnabled reports whether a record at level can reach one of the
// layer's destinations.
func (c *core) layerEnabled(l *layer, level slog.Level) bool {
	t := c.table.Load()
	if st := l.state.Load(); st.gone {
		l = t.def // removed by a Reload: its records go to the default layer
	}
	if t.static {
		return int64(level) >= l.floor.Load()
	}
	return level >= l.state.Load().lowestAccepted()
}

// enabled reports whether a record at level can reach any destination:
// one atomic load while every level is hydra's own (table.static), which
// is what a disabled Debug call costs.
func (c *core) enabled(level slog.Level) bool {
	if f := c.floor.Load(); f != floorDynamic {
		return int64(level) >= f
	}
	for _, l := range c.table.Load().layerList {
		if level >= l.state.Load().lowestAccepted() {
			return true
		}
	}
	return false
}

// floorDynamic in core.floor says that a level of the table is the user's
// (a LevelVar, say), which may change at any time: each call reads them.
const floorDynamic = math.MinInt64

// refreshLevels recomputes the cached floors. Callers hold levelMu.
func (c *core) refreshLevels() {
	t := c.table.Load()
	lowest := int64(1<<31 - 1)
	for _, l := range t.layerList {
		f := int64(l.state.Load().lowestAccepted())
		l.floor.Store(f)
		lowest = min(lowest, f)
	}
	if !t.static {
		lowest = floorDynamic
	}
	c.floor.Store(lowest)
}

// layerFor returns the layer a record goes to, given the layer name found
// in its attributes, if any: that layer, else the one named by ctx, else
// the default layer. Unknown names go to the default layer too, counted.
// fromCtx is the name ctx gave, if the record was routed by it: the record
// then carries no layer attribute of its own.
func (c *core) layerFor(t *table, ctx context.Context, name string, found bool) (l *layer, fromCtx string) {
	if !found && ctx != nil && contextLayers.Load() {
		name, found = ctx.Value(layerContextKey{}).(string)
		fromCtx = name
	}
	if found {
		if l, ok := t.layers[name]; ok {
			return l, fromCtx
		}
		c.unknown.records.Add(1)
		c.reportUnknown(t, name)
	}
	return t.def, fromCtx
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
func (c *core) reportUnknown(t *table, name string) {
	u := &c.unknown
	if _, seen := u.names.Load(name); seen || u.n.Load() > maxUnknownNames {
		return
	}
	if _, seen := u.names.LoadOrStore(name, struct{}{}); seen {
		return
	}
	switch n := u.n.Add(1); {
	case n <= maxUnknownNames:
		c.warn(fmt.Errorf("hydra: unknown layer %q (under key %q): its records go to layer %q", name, c.key, t.def.name))
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
// to layer, unless the Handler or the record names a layer itself. Such a
// record carries the layer attribute in its output, among its own
// attributes (so inside the groups a logger opened with WithGroup).
func ContextWithLayer(ctx context.Context, layer string) context.Context {
	contextLayers.Store(true)
	return context.WithValue(ctx, layerContextKey{}, layer)
}

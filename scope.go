// This file owns what travels with a record besides its own attributes:
// the scope bound by WithAttrs and WithGroup, with what each sink derives
// from it once.

package hydra

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hydralog/hydra/internal/slogenc"
)

// scope is one link in the chain of WithAttrs and WithGroup calls that made
// a Handler: either a group name or a list of attributes, on top of its
// parent's. It is immutable once built, except for cache (see there), and
// shared by every record logged through the Handler and its descendants.
type scope struct {
	parent *scope
	group  string      // a WithGroup link
	attrs  []slog.Attr // a WithAttrs link; LogValuers already resolved
	groups int         // groups open after this link, counting the parent's

	// cache holds, per sink, what the sink derives from the scope on first
	// use. Each sink owns its own element: only that sink's consumer
	// goroutine (or, for a Sync sink, the caller holding the sink's lock)
	// reads or writes it, but for the preformat of a Sync text or JSON
	// sink, which its callers build concurrently (see
	// encoder.preformatFor).
	cache []scopeCache
	// overflow holds the elements of sinks that a Reload built after the
	// scope was made, beyond cache: slot index → *scopeCache, made on
	// first use.
	overflow atomic.Pointer[sync.Map]
}

// slot returns sink i's element of the cache.
func (sc *scope) slot(i int) *scopeCache {
	if i < len(sc.cache) {
		return &sc.cache[i]
	}
	m := sc.overflow.Load()
	if m == nil {
		sc.overflow.CompareAndSwap(nil, new(sync.Map))
		m = sc.overflow.Load()
	}
	if c, ok := m.Load(i); ok {
		return c.(*scopeCache)
	}
	c, _ := m.LoadOrStore(i, new(scopeCache))
	return c.(*scopeCache)
}

// scopeCache is what one sink derives from a scope: a handler destination
// its handler with the scope applied (WithAttrs and WithGroup replayed on
// it), a text or JSON destination the scope's attributes formatted.
type scopeCache struct {
	h   slog.Handler
	pre atomic.Pointer[slogenc.Preformat] // see encoder.preformatFor
}

func (sc *scope) openGroups() int {
	if sc == nil {
		return 0
	}
	return sc.groups
}

func (sc *scope) withAttrs(attrs []slog.Attr, nSinks int) *scope {
	return &scope{parent: sc, attrs: attrs, groups: sc.openGroups(), cache: make([]scopeCache, nSinks)}
}

func (sc *scope) withGroup(name string, nSinks int) *scope {
	return &scope{parent: sc, group: name, groups: sc.openGroups() + 1, cache: make([]scopeCache, nSinks)}
}

// handler returns base with the scope applied, building it on first use for
// the sink whose slot is i. Each WithAttrs is given a copy of the
// attributes, since a handler may modify the slice it is given, redacted
// by rd if it is not nil.
func (sc *scope) handler(i int, base slog.Handler, rd *slogenc.Redactor) slog.Handler {
	if sc == nil {
		return base
	}
	c := sc.slot(i)
	if c.h != nil {
		return c.h
	}
	h := sc.parent.handler(i, base, rd)
	if sc.attrs != nil {
		as := slices.Clone(sc.attrs)
		if rd != nil {
			as = redactAttrs(rd, as)
		}
		h = h.WithAttrs(as)
	} else {
		h = h.WithGroup(sc.group)
	}
	c.h = h
	return h
}

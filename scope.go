// This file owns what travels with a record besides its own attributes:
// the scope bound by WithAttrs and WithGroup, and the preparation a record
// gets on the caller's goroutine before it is queued.

package hydra

import (
	"log/slog"
	"slices"

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
	// reads or writes it, so no element is ever shared between goroutines.
	cache []scopeCache
}

// scopeCache is what one sink derives from a scope: a handler destination
// its handler with the scope applied (WithAttrs and WithGroup replayed on
// it), a text or JSON destination the scope's attributes formatted.
type scopeCache struct {
	h   slog.Handler
	pre *slogenc.Preformat
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
	if h := sc.cache[i].h; h != nil {
		return h
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
	sc.cache[i].h = h
	return h
}

// inlineAttrs is how many attributes a slog.Record holds without a slice.
const inlineAttrs = 5

// scanned is what a first, cheap pass over a record's attributes found.
type scanned struct {
	layer   string // the value of the first top-level layer attribute
	found   bool   // whether there was one (and findLayer was set)
	n       int    // how many attributes the record has
	special bool   // a LogValuer or a group: the record may need resolving
}

// scan looks for the layer attribute, the first top-level attribute whose
// key is key, when findLayer is set, and for what finish must resolve. It
// asks each attribute's Kind once; it does not look into groups. A layer
// attribute that is itself a LogValuer is rare: the record is resolved at
// once, to read it.
func scan(r *slog.Record, key string, findLayer bool) scanned {
	var sc scanned
	seen := false
	r.Attrs(func(a slog.Attr) bool {
		sc.n++
		k := a.Value.Kind()
		if k == slog.KindLogValuer || k == slog.KindGroup {
			sc.special = true
		}
		if findLayer && !seen && a.Key == key {
			seen = true
			if k != slog.KindLogValuer {
				sc.layer, sc.found = a.Value.String(), true
			}
		}
		return true
	})
	if seen && !sc.found {
		*r = resolveRecord(*r)
		sc.special = false
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == key {
				sc.layer, sc.found = a.Value.String(), true
				return false
			}
			return true
		})
	}
	return sc
}

// finish makes r safe to queue: every LogValuer among its attributes, at
// any depth, is resolved now, so the value logged is the value at the time
// of the call. A Record keeps up to five attributes inline; Clone only
// clips the slice holding the rest, so that a later AddAttrs on the
// caller's copy cannot write into it.
func (sc scanned) finish(r *slog.Record) {
	switch {
	case sc.special && needsResolveRecord(r):
		*r = resolveRecord(*r)
	case sc.n > inlineAttrs:
		*r = r.Clone()
	}
}

// resolveRecord returns r with its attributes resolved, at any depth.
func resolveRecord(r slog.Record) slog.Record {
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(resolveAttr(a))
		return true
	})
	return nr
}

func needsResolveRecord(r *slog.Record) bool {
	resolve := false
	r.Attrs(func(a slog.Attr) bool {
		resolve = needsResolve(a.Value)
		return !resolve
	})
	return resolve
}

// needsResolve reports whether v is or contains a LogValuer.
func needsResolve(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindLogValuer:
		return true
	case slog.KindGroup:
		return slices.ContainsFunc(v.Group(), func(a slog.Attr) bool { return needsResolve(a.Value) })
	}
	return false
}

// resolveAttr returns a with its value resolved, at any depth. A LogValue
// method that panics yields an error value (slog.Value.Resolve recovers).
func resolveAttr(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() != slog.KindGroup {
		return a
	}
	g := a.Value.Group()
	if !slices.ContainsFunc(g, func(a slog.Attr) bool { return needsResolve(a.Value) }) {
		return a
	}
	resolved := make([]slog.Attr, len(g))
	for i, ga := range g {
		resolved[i] = resolveAttr(ga)
	}
	a.Value = slog.GroupValue(resolved...)
	return a
}

// resolveAttrs resolves attrs in place, for WithAttrs (which owns the slice).
func resolveAttrs(attrs []slog.Attr) {
	for i, a := range attrs {
		if needsResolve(a.Value) {
			attrs[i] = resolveAttr(a)
		}
	}
}

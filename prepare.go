// This file owns the caller's preparation of a record before it is
// queued: one cheap scan for the layer attribute and for what needs
// resolving, then LogValuers resolved at any depth, so that the value
// logged is the value at the time of the call.

package hydra

import (
	"log/slog"
	"slices"
)

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

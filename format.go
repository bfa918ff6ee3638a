// This file owns the formatter of the text and JSON destinations: the
// encoder of internal/slogenc, given for each record the preformatted
// attributes of its scope, which each sink builds once per scope and keeps
// in the scope's cache.

package hydra

import "github.com/hydralog/hydra/internal/slogenc"

// encoder formats the records of one stream sink. It belongs to that sink
// and is used by its consumer goroutine only (or by callers holding a Sync
// sink's lock), as is the sink's slot in every scope's cache.
type encoder struct {
	enc *slogenc.Encoder
	idx int // the sink's slot in scope.cache
}

func newEncoder(asJSON bool, cfg *Config, rd *slogenc.Redactor, idx int) *encoder {
	opts := slogenc.Options{JSON: asJSON, AddSource: cfg.AddSource, ReplaceAttr: cfg.ReplaceAttr, Redact: rd}
	return &encoder{enc: slogenc.New(opts), idx: idx}
}

// append formats en's record, newline included, onto dst.
func (e *encoder) append(dst []byte, en *entry) []byte {
	return e.enc.Append(dst, e.preformatFor(en.scope), &en.rec)
}

// preformatFor returns the preformat of a scope, building it, and its
// parents', on first use by this encoder.
func (e *encoder) preformatFor(sc *scope) *slogenc.Preformat {
	if sc == nil {
		return e.enc.Root()
	}
	c := sc.slot(e.idx)
	if c.pre == nil {
		parent := e.preformatFor(sc.parent)
		if sc.attrs != nil {
			c.pre = e.enc.WithAttrs(parent, sc.attrs)
		} else {
			c.pre = parent.WithGroup(sc.group)
		}
	}
	return c.pre
}

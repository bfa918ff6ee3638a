// This file owns Preformat, what the encoder derives from WithAttrs and
// WithGroup: the bound attributes formatted once, not once per record.

package slogenc

import (
	"log/slog"
	"slices"
)

// Preformat is what slog's commonHandler derives from WithAttrs and
// WithGroup: the bound attributes already formatted, the key prefix for the
// text format, every group started, and how many of them the formatted
// attributes opened. It is immutable once built, and safe to share between
// goroutines, but it is in the format of the Encoder that built it and is
// only for that Encoder's Append.
type Preformat struct {
	attrs       []byte
	groupPrefix string
	groups      []string
	nOpen       int
}

// Root returns the Preformat of a Handler without WithAttrs or WithGroup:
// nothing bound.
func (e *Encoder) Root() *Preformat { return &e.root }

func (p *Preformat) clone() *Preformat {
	return &Preformat{
		attrs:       slices.Clip(p.attrs),
		groupPrefix: p.groupPrefix,
		groups:      slices.Clip(p.groups),
		nOpen:       p.nOpen,
	}
}

// WithGroup returns p with the group name started, as slog's
// Handler.WithGroup: the record's attributes, and those bound after it,
// go in the group. It does not change p.
func (p *Preformat) WithGroup(name string) *Preformat {
	p2 := p.clone()
	p2.groups = append(p2.groups, name)
	return p2
}

// WithAttrs returns p with as bound, formatted now in e's format, as
// slog's commonHandler.withAttrs does; it returns p itself when as holds
// only empty groups. It does not change p, and does not keep as.
func (e *Encoder) WithAttrs(p *Preformat, as []slog.Attr) *Preformat {
	empty := 0
	for _, a := range as {
		if isEmptyGroup(a.Value) {
			empty++
		}
	}
	if empty == len(as) {
		return p
	}
	p2 := p.clone()
	s := e.newState(p2, p2.attrs, 0)
	s.prefix = append(s.prefix, p.groupPrefix...)
	if pfa := p2.attrs; len(pfa) > 0 {
		s.sep = s.attrSep()
		if e.json && pfa[len(pfa)-1] == '{' {
			s.sep = 0
		}
	}
	pos := len(s.buf)
	s.openGroups()
	if !s.appendAttrs(as) {
		s.buf = s.buf[:pos]
	} else {
		p2.groupPrefix = string(s.prefix)
		p2.nOpen = len(p2.groups)
	}
	p2.attrs = s.buf
	s.done()
	return p2
}

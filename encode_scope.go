// This file owns what the encoder keeps between records: the attributes
// bound by WithAttrs and WithGroup, formatted once per scope, and the
// source of each call site for AddSource.

package hydra

import (
	"log/slog"
	"slices"
	"strconv"
)

// preformat is what slog's commonHandler derives from WithAttrs and
// WithGroup: the bound attributes already formatted, the key prefix for the
// text format, every group started, and how many of them the formatted
// attributes opened.
type preformat struct {
	attrs       []byte
	groupPrefix string
	groups      []string
	nOpen       int
}

// preformatFor returns the preformat of a scope, building it, and its
// parents', on first use by this encoder.
func (e *encoder) preformatFor(sc *scope) *preformat {
	if sc == nil {
		return &e.root
	}
	c := &sc.cache[e.idx]
	if c.pre == nil {
		parent := e.preformatFor(sc.parent)
		if sc.attrs != nil {
			c.pre = e.withAttrs(parent, sc.attrs)
		} else {
			c.pre = parent.withGroup(sc.group)
		}
	}
	return c.pre
}

func (p *preformat) clone() *preformat {
	return &preformat{
		attrs:       slices.Clip(p.attrs),
		groupPrefix: p.groupPrefix,
		groups:      slices.Clip(p.groups),
		nOpen:       p.nOpen,
	}
}

func (p *preformat) withGroup(name string) *preformat {
	p2 := p.clone()
	p2.groups = append(p2.groups, name)
	return p2
}

// withAttrs is slog's commonHandler.withAttrs.
func (e *encoder) withAttrs(p *preformat, as []slog.Attr) *preformat {
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

// appendSource writes the source attribute of a record logged at pc, as
// slog does with AddSource.
func (s *encodeState) appendSource(pc uintptr) {
	src := s.e.source(pc)
	if s.e.rep != nil {
		cp := *src // ReplaceAttr may keep or change what it is given
		s.appendAttr(slog.Any(slog.SourceKey, &cp))
		return
	}
	if *src == (slog.Source{}) {
		return
	}
	if !s.e.json {
		s.appendKey(slog.SourceKey)
		s.e.scratch = appendSourceText(s.e.scratch[:0], src)
		s.appendString(unsafeString(s.e.scratch))
		return
	}
	s.openGroup(slog.SourceKey)
	if src.Function != "" {
		s.appendKey("function")
		s.appendString(src.Function)
	}
	if src.File != "" {
		s.appendKey("file")
		s.appendString(src.File)
	}
	if src.Line != 0 {
		s.appendKey("line")
		s.appendInt(int64(src.Line))
	}
	s.closeGroup(slog.SourceKey)
}

// maxSources bounds the source cache; it starts over when full.
const maxSources = 4096

// source returns the source of pc, from the cache when it can.
func (e *encoder) source(pc uintptr) *slog.Source {
	if src, ok := e.sources[pc]; ok {
		return src
	}
	src := &slog.Source{}
	if pc != 0 {
		r := slog.NewRecord(zeroTime, 0, "", pc)
		src = r.Source()
	}
	if e.sources == nil || len(e.sources) >= maxSources {
		e.sources = make(map[uintptr]*slog.Source)
	}
	e.sources[pc] = src
	return src
}

// sourceGroup is slog's Source.group: the non-zero fields as a group.
func sourceGroup(src *slog.Source) slog.Value {
	var as []slog.Attr
	if src.Function != "" {
		as = append(as, slog.String("function", src.Function))
	}
	if src.File != "" {
		as = append(as, slog.String("file", src.File))
	}
	if src.Line != 0 {
		as = append(as, slog.Int("line", src.Line))
	}
	return slog.GroupValue(as...)
}

// appendSourceText writes a source as the text format does: file:line.
func appendSourceText(dst []byte, src *slog.Source) []byte {
	dst = append(dst, src.File...)
	dst = append(dst, ':')
	return strconv.AppendInt(dst, int64(src.Line), 10)
}

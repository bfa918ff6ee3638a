// This file owns AddSource: the source attribute of a record, and the
// source of each call site, cached.

package slogenc

import (
	"log/slog"
	"strconv"
)

// appendSource writes the source attribute of a record logged at pc, as
// slog does with AddSource. Without ReplaceAttr, a call site's attribute is
// formatted once and copied after that.
func (s *encodeState) appendSource(pc uintptr) {
	site := s.e.source(pc)
	if s.e.rep != nil {
		cp := site.src // ReplaceAttr may keep or change what it is given
		s.appendAttr(slog.Any(slog.SourceKey, &cp))
		return
	}
	if site.src == (slog.Source{}) {
		return
	}
	if site.attr == nil {
		f := encodeState{e: s.e}
		f.appendSourceAttr(&site.src)
		site.attr = f.buf
	}
	if s.sep != 0 {
		s.buf = append(s.buf, s.sep)
	}
	s.buf = append(s.buf, site.attr...)
	s.sep = s.attrSep()
}

// appendSourceAttr writes src as the source attribute, key included, as
// the first attribute of no group.
func (s *encodeState) appendSourceAttr(src *slog.Source) {
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

// callSite is the source of one pc, and, once written without
// ReplaceAttr, its attribute as this Encoder writes it.
type callSite struct {
	src  slog.Source
	attr []byte
}

// maxSources bounds the source cache; it starts over when full.
const maxSources = 4096

// source returns the call site of pc, from the cache when it can.
func (e *Encoder) source(pc uintptr) *callSite {
	if site, ok := e.sources[pc]; ok {
		return site
	}
	site := &callSite{}
	if pc != 0 {
		r := slog.NewRecord(zeroTime, 0, "", pc)
		site.src = *r.Source()
	}
	if e.sources == nil || len(e.sources) >= maxSources {
		e.sources = make(map[uintptr]*callSite)
	}
	e.sources[pc] = site
	return site
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

// This file owns AddSource: the source attribute of a record, and the
// source of each call site, cached.

package slogenc

import (
	"log/slog"
	"strconv"
)

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
func (e *Encoder) source(pc uintptr) *slog.Source {
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

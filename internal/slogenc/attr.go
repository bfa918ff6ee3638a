// This file owns how the encoder writes attributes and groups, in every
// format: the LogValuers resolved, redaction and ReplaceAttr applied, and
// a group that turns out empty taken back whole.

package slogenc

import "log/slog"

func (s *encodeState) openGroups() {
	for _, n := range s.p.groups[s.p.nOpen:] {
		s.openGroup(n)
	}
}

func (s *encodeState) openGroup(name string) {
	if s.e.json {
		s.appendKey(name)
		s.buf = append(s.buf, '{')
		s.sep = 0
	} else {
		s.prefix = append(s.prefix, name...)
		s.prefix = append(s.prefix, '.')
	}
	if s.groups != nil {
		*s.groups = append(*s.groups, name)
	}
}

func (s *encodeState) closeGroup(name string) {
	if s.e.json {
		s.buf = append(s.buf, '}')
	} else {
		s.prefix = s.prefix[:len(s.prefix)-len(name)-1]
	}
	s.sep = s.attrSep()
	if s.groups != nil {
		*s.groups = (*s.groups)[:len(*s.groups)-1]
	}
}

// appendAttrs reports whether it appended anything.
func (s *encodeState) appendAttrs(as []slog.Attr) bool {
	nonEmpty := false
	for _, a := range as {
		if s.appendAttr(a) {
			nonEmpty = true
		}
	}
	return nonEmpty
}

// appendAttr is slog's handleState.appendAttr, with one fix. When every
// attribute of a group vanishes (empty attributes, or ReplaceAttr removing
// them), slog truncates what the group wrote but keeps the state it
// changed: the text format then gives the next attribute the group's
// prefix ("g.b=2" for b=2), the JSON format omits the comma before it
// ({"a":1"b":2}, which is not JSON), and ReplaceAttr is told the group is
// still open. Here the state is restored with the bytes.
func (s *encodeState) appendAttr(a slog.Attr) bool {
	k := a.Value.Kind() // asked once: Kind is a type switch
	if k == slog.KindLogValuer {
		a.Value = a.Value.Resolve()
		k = a.Value.Kind()
	}
	if rd := s.e.redact; rd != nil {
		if r, changed := rd.Attr(a); changed {
			a, k = r, slog.KindString
		}
	}
	if s.e.rep != nil && k != slog.KindGroup {
		var gs []string
		if s.groups != nil {
			gs = *s.groups
		}
		a = s.e.rep(gs, a)
		a.Value = resolve(a.Value) // ReplaceAttr may return an unresolved value
		k = a.Value.Kind()
	}
	switch k {
	case slog.KindGroup:
		return s.appendGroup(a.Key, a.Value.Group())
	case slog.KindAny:
		v := a.Value.Any()
		if v == nil && a.Key == "" {
			return false // an empty Attr
		}
		if src, ok := v.(*slog.Source); ok {
			if src == nil || *src == (slog.Source{}) {
				return false
			}
			if s.e.json {
				return s.appendGroup(a.Key, sourceGroup(src).Group())
			}
			s.appendKey(a.Key)
			s.appendString(string(appendSourceText(nil, src)))
			return true
		}
		s.appendKey(a.Key)
		styled := s.startErrorStyle(a.Key, v)
		s.appendAnyValue(v)
		s.endStyleIf(styled)
	default:
		if s.e.json { // never colored: colors are the console format's
			s.appendJSONKey(a.Key)
			s.appendJSONValue(k, a.Value)
			return true
		}
		s.appendKey(a.Key)
		styled := s.startErrorStyle(a.Key, nil)
		s.appendTextValue(k, a.Value)
		s.endStyleIf(styled)
	}
	return true
}

func (s *encodeState) appendGroup(key string, attrs []slog.Attr) bool {
	if len(attrs) == 0 {
		return true // as in slog: an empty group writes nothing, yet counts
	}
	pos, sep, prefix := len(s.buf), s.sep, len(s.prefix)
	groups := 0
	if s.groups != nil {
		groups = len(*s.groups)
	}
	if key != "" {
		s.openGroup(key)
	}
	if !s.appendAttrs(attrs) {
		s.buf, s.sep, s.prefix = s.buf[:pos], sep, s.prefix[:prefix]
		if s.groups != nil {
			*s.groups = (*s.groups)[:groups]
		}
		return false
	}
	if key != "" {
		s.closeGroup(key)
	}
	return true
}

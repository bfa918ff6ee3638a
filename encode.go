// This file owns hydra's text and JSON encoder: the record layout, groups,
// the attributes bound by WithAttrs, AddSource and ReplaceAttr. Values are
// in encode_value.go, times in encode_time.go.

package hydra

import (
	"bytes"
	"encoding/json"
	"log/slog"
)

// encoder writes what log/slog's TextHandler or JSONHandler would write for
// the same record, byte for byte, but faster and without allocating for
// the common kinds: it keeps its buffers, caches the formatted second of
// the last time and the source of each call site, and takes no lock.
//
// Its structure mirrors slog's commonHandler and handleState
// (log/slog/handler.go) step by step, because byte-identical output
// depends on their details: when a separator is written, when an empty
// group vanishes, what ReplaceAttr sees. It departs from them on purpose
// where slog's output is wrong (see appendAttr and appendJSONTime); the
// differential tests and FuzzEncoder check everything else.
//
// An encoder belongs to one sink and is used by its consumer goroutine
// only (or by callers holding a Sync sink's lock).
type encoder struct {
	json      bool
	addSource bool
	rep       func(groups []string, a slog.Attr) slog.Attr
	redact    *redactor // nil: nothing to redact
	idx       int       // the sink's slot in scope.cache

	root    preformat // what a Handler without WithAttrs or WithGroup has bound
	prefix  []byte    // scratch: the text handler's key prefix
	groups  []string  // scratch: the open groups, for ReplaceAttr
	scratch []byte    // scratch: values formatted before they are quoted
	times   timeCache
	sources map[uintptr]*slog.Source
	jsonBuf bytes.Buffer
	jsonEnc *json.Encoder
}

func newEncoder(asJSON bool, cfg *Config, rd *redactor, idx int) *encoder {
	e := &encoder{json: asJSON, addSource: cfg.AddSource, rep: cfg.ReplaceAttr, redact: rd, idx: idx}
	e.jsonEnc = json.NewEncoder(&e.jsonBuf)
	e.jsonEnc.SetEscapeHTML(false) // as slog does
	return e
}

// encodeState is slog's handleState: the state of one record, or of one
// WithAttrs call, being formatted.
type encodeState struct {
	e      *encoder
	p      *preformat
	buf    []byte
	sep    byte // the separator to write before the next key; 0 for none
	prefix []byte
	// groups lists the open groups for ReplaceAttr; nil when there is no
	// ReplaceAttr, and while the built-in attributes are written.
	groups *[]string
}

func (e *encoder) newState(p *preformat, buf []byte, sep byte) encodeState {
	s := encodeState{e: e, p: p, buf: buf, sep: sep, prefix: e.prefix[:0]}
	if e.rep != nil {
		e.groups = append(e.groups[:0], p.groups[:p.nOpen]...)
		s.groups = &e.groups
	}
	return s
}

// done hands the scratch buffers back to the encoder.
func (s *encodeState) done() {
	s.e.prefix = s.prefix[:0]
	if s.groups != nil {
		s.e.groups = (*s.groups)[:0]
	}
}

func (s *encodeState) attrSep() byte {
	if s.e.json {
		return ','
	}
	return ' '
}

// append formats en's record, newline included, onto dst.
func (e *encoder) append(dst []byte, en *entry) []byte {
	s := e.newState(e.preformatFor(en.scope), dst, 0)
	r := &en.rec
	if e.json {
		s.buf = append(s.buf, '{')
	}
	// The built-in attributes are in no group, and ReplaceAttr sees none.
	groups := s.groups
	s.groups = nil
	if !r.Time.IsZero() {
		t := r.Time.Round(0) // strip the monotonic reading, as Attrs do
		if e.rep == nil {
			s.appendBuiltinKey(slog.TimeKey)
			s.appendTime(t)
		} else {
			s.appendAttr(slog.Time(slog.TimeKey, t))
		}
	}
	if e.rep == nil {
		s.appendBuiltinKey(slog.LevelKey)
		s.appendLevel(r.Level)
	} else {
		s.appendAttr(slog.Any(slog.LevelKey, r.Level))
	}
	if e.addSource {
		s.appendSource(r.PC)
	}
	msg := r.Message
	if e.redact != nil {
		msg = e.redact.text(msg)
	}
	if e.rep == nil {
		s.appendBuiltinKey(slog.MessageKey)
		s.appendString(msg)
	} else {
		s.appendAttr(slog.String(slog.MessageKey, msg))
	}
	s.groups = groups
	s.appendNonBuiltIns(r)
	s.buf = append(s.buf, '\n')
	s.done()
	return s.buf
}

func (s *encodeState) appendNonBuiltIns(r *slog.Record) {
	if pfa := s.p.attrs; len(pfa) > 0 {
		if s.sep != 0 {
			s.buf = append(s.buf, s.sep)
		}
		s.buf = append(s.buf, pfa...)
		s.sep = s.attrSep()
		if s.e.json && pfa[len(pfa)-1] == '{' {
			s.sep = 0
		}
	}
	// The record's attributes are in the groups started by WithGroup; if
	// it has none (or all of them vanish), those groups are not written.
	// (slog asks NumAttrs first, which copies the record: an empty loop
	// followed by the truncation below comes to the same.)
	s.prefix = append(s.prefix, s.p.groupPrefix...)
	pos := len(s.buf)
	s.openGroups()
	nOpen := len(s.p.groups)
	empty := true
	r.Attrs(func(a slog.Attr) bool {
		if s.appendAttr(a) {
			empty = false
		}
		return true
	})
	if empty {
		s.buf = s.buf[:pos]
		nOpen = s.p.nOpen
	}
	if s.e.json {
		for range nOpen {
			s.buf = append(s.buf, '}')
		}
		s.buf = append(s.buf, '}')
	}
}

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
		if r, changed := rd.attr(a); changed {
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
		s.appendAnyValue(v)
	default:
		s.appendKey(a.Key)
		if s.e.json {
			s.appendJSONValue(k, a.Value)
		} else {
			s.appendTextValue(k, a.Value)
		}
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

// This file owns the console format, the encoder's third mode: the layout
// of a record for people at a terminal (its colors are in color.go). Its
// attributes are written by the walk the text format uses (attr.go,
// value.go), with the same quoting, ReplaceAttr and redaction.

package slogenc

import (
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// consoleLevelNames are the console's names of the levels, in the order
// of splitLevel's index.
var consoleLevelNames = [4]string{"DBG", "INF", "WRN", "ERR"}

// The head of a console line (time, level, source and message) is padded
// when attributes follow, so that they start in one column: after
// consoleMessageWidth runes for the source and message, and the width of
// the time and of a three-letter level when they are written. A longer
// head is not padded; a line without attributes is not padded at all.
const (
	consoleMessageWidth = 40
	consoleTimeWidth    = len("15:04:05.000 ")
	consoleLevelWidth   = len("INF ")
	consoleHeadWidth    = consoleTimeWidth + consoleLevelWidth + consoleMessageWidth
)

// appendConsole is Append in the console format:
//
//	15:04:05.000 INF dir/file.go:42 message                   key=value group.key="a value"
//
// A line is made of these parts, each left out when there is nothing to
// write:
//   - the time of day, to the millisecond, in the record's own location
//     (slog.Logger stamps records with time.Now, which is local time); no
//     time when the record has none, as in slog;
//   - the level: DBG, INF, WRN or ERR, with the offset of the levels in
//     between as in slog ("INF+2", "DBG-4");
//   - with AddSource, the file's directory and name, and the line;
//   - the message as it is, or quoted as by strconv.Quote when it holds a
//     control character (a newline cannot start a false record, nor an
//     escape sequence reach the terminal), a rune that is not graphic, or
//     invalid UTF-8;
//   - the attributes bound by WithAttrs, then the record's, key=value as
//     in the text format: keys prefixed with their groups and a dot,
//     values quoted only when needed. They start after consoleHeadWidth
//     runes (less the time's or level's width when there is none) when
//     the head leaves room.
//
// ReplaceAttr sees the built-in attributes as in the text format. A
// built-in it returns with an empty key is left out; otherwise its key is
// not written, and its value is, in the built-in's place: a time as the
// time of day, a slog.Level as a level, a *slog.Source as a source, a
// string as the message, and any other value as the text format writes
// it (a level renamed so keeps the record's level's color).
//
// With color, the time and source are faint, the level has its color
// (DBG blue, INF green, WRN yellow, ERR red), keys are faint, and the
// value of an error, or of the key "err" or "error", is red.
func (e *Encoder) appendConsole(dst []byte, p *Preformat, r *slog.Record) []byte {
	s := e.newState(p, dst, 0)
	start := len(dst)
	width := consoleMessageWidth // where the attributes start
	// The head is in no group, and ReplaceAttr sees none.
	groups := s.groups
	s.groups = nil
	if !r.Time.IsZero() {
		t := r.Time.Round(0) // strip the monotonic reading, as Attrs do
		if e.rep == nil {
			width += consoleTimeWidth
			s.headSep(start)
			s.appendClock(t)
		} else if a, ok := s.replaceBuiltin(slog.Time(slog.TimeKey, t)); ok {
			width += consoleTimeWidth
			s.headSep(start)
			if a.Value.Kind() == slog.KindTime {
				s.appendClock(a.Value.Time())
			} else {
				s.appendHeadValue(a, ansiFaint)
			}
		}
	}
	if e.rep == nil {
		width += consoleLevelWidth
		s.headSep(start)
		s.appendConsoleLevel(r.Level)
	} else if a, ok := s.replaceBuiltin(slog.Any(slog.LevelKey, r.Level)); ok {
		width += consoleLevelWidth
		s.headSep(start)
		if l, isLevel := a.Value.Any().(slog.Level); isLevel {
			s.appendConsoleLevel(l)
		} else {
			i, _ := splitLevel(r.Level) // a level's new name keeps its color
			s.appendHeadValue(a, consoleLevelColors[i])
		}
	}
	if e.addSource {
		s.appendConsoleSource(start, r.PC)
	}
	msg := r.Message
	if e.redact != nil {
		msg = e.redact.Text(msg)
	}
	if e.rep == nil {
		if msg != "" {
			s.headSep(start)
			s.buf = appendConsoleMessage(s.buf, msg)
		}
	} else if a, ok := s.replaceBuiltin(slog.String(slog.MessageKey, msg)); ok {
		if a.Value.Kind() == slog.KindString {
			if m := a.Value.String(); m != "" {
				s.headSep(start)
				s.buf = appendConsoleMessage(s.buf, m)
			}
		} else {
			s.headSep(start)
			s.appendHeadValue(a, "")
		}
	}
	s.groups = groups
	s.sep = 0
	if written := visibleWidth(s.buf[start:]); written > 0 {
		// Pad the head, and take the padding back if no attribute follows.
		head := len(s.buf)
		s.buf = appendSpaces(s.buf, width-written)
		padded := len(s.buf)
		s.sep = ' '
		s.appendNonBuiltIns(r)
		if len(s.buf) == padded {
			s.buf = s.buf[:head]
		}
	} else {
		s.appendNonBuiltIns(r)
	}
	s.buf = append(s.buf, '\n')
	s.done()
	return s.buf
}

// headSep writes the space between two parts of the head, unless nothing
// precedes it since start.
func (s *encodeState) headSep(start int) {
	if len(s.buf) > start {
		s.buf = append(s.buf, ' ')
	}
}

// replaceBuiltin is ReplaceAttr on a built-in attribute of the head: the
// attribute it returns, resolved, or false when it leaves it out.
func (s *encodeState) replaceBuiltin(a slog.Attr) (slog.Attr, bool) {
	a = s.e.rep(nil, a)
	if a.Key == "" {
		return a, false
	}
	a.Value = resolve(a.Value)
	return a, true
}

// appendHeadValue writes what ReplaceAttr put in a built-in's place that
// is not of the built-in's kind: a value as the text format writes it, in
// color (none if ""), and a group as its attributes, key=value.
func (s *encodeState) appendHeadValue(a slog.Attr, color string) {
	switch k := a.Value.Kind(); k {
	case slog.KindGroup:
		s.appendAttr(a)
		s.sep = 0
	case slog.KindAny:
		s.startStyle(color)
		s.appendAnyValue(a.Value.Any())
		s.endStyleIf(color != "")
	default:
		s.startStyle(color)
		s.appendTextValue(k, a.Value)
		s.endStyleIf(color != "")
	}
}

// appendClock writes t's time of day to the millisecond, truncated:
// "15:04:05.000". It shares the text format's cache of the last second.
func (s *encodeState) appendClock(t time.Time) {
	s.startStyle(ansiFaint)
	if date, _, ok := s.e.times.parts(t); ok {
		s.buf = append(s.buf, date[len("2006-01-02T"):]...)
	} else {
		h, m, sec := t.Clock()
		s.buf = append(s.buf, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+sec/10), byte('0'+sec%10))
	}
	ms := t.Nanosecond() / 1e6
	s.buf = append(s.buf, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	s.endStyle()
}

func (s *encodeState) appendConsoleLevel(l slog.Level) {
	i, _ := splitLevel(l)
	s.startStyle(consoleLevelColors[i])
	s.buf = appendLevelName(s.buf, l, &consoleLevelNames)
	s.endStyle()
}

// appendConsoleSource writes the source of a record logged at pc, faint,
// as dir/file.go:42, ReplaceAttr applied; nothing for a pc of no source.
func (s *encodeState) appendConsoleSource(start int, pc uintptr) {
	src := &s.e.source(pc).src
	if s.e.rep != nil {
		cp := *src // ReplaceAttr may keep or change what it is given
		a, ok := s.replaceBuiltin(slog.Any(slog.SourceKey, &cp))
		if !ok {
			return
		}
		if src, ok = a.Value.Any().(*slog.Source); !ok {
			s.headSep(start)
			s.appendHeadValue(a, ansiFaint)
			return
		}
	}
	if src == nil || *src == (slog.Source{}) {
		return
	}
	s.headSep(start)
	s.e.scratch = append(s.e.scratch[:0], shortFile(src.File)...)
	s.e.scratch = append(s.e.scratch, ':')
	s.e.scratch = strconv.AppendInt(s.e.scratch, int64(src.Line), 10)
	s.startStyle(ansiFaint)
	s.buf = appendTextString(s.buf, unsafeString(s.e.scratch))
	s.endStyle()
}

// shortFile returns the last directory and the name of a file, as the
// runtime writes its path (with slashes on every system):
// "/home/me/app/server/main.go" is "server/main.go".
func shortFile(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return path
	}
	if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
		return path[j+1:]
	}
	return path
}

// appendConsoleMessage writes msg as it is, or quoted when it holds a
// control character, a rune that is not graphic, or invalid UTF-8.
func appendConsoleMessage(dst []byte, msg string) []byte {
	for i := 0; i < len(msg); {
		if b := msg[i]; b < utf8.RuneSelf {
			if b < ' ' || b == 0x7f {
				return strconv.AppendQuote(dst, msg)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(msg[i:])
		if r == utf8.RuneError && size == 1 || !unicode.IsGraphic(r) {
			return strconv.AppendQuote(dst, msg)
		}
		i += size
	}
	return append(dst, msg...)
}

const spaces = "                                                                "

// appendSpaces writes n spaces; nothing if n <= 0.
func appendSpaces(dst []byte, n int) []byte {
	for n > 0 {
		k := min(n, len(spaces))
		dst = append(dst, spaces[:k]...)
		n -= k
	}
	return dst
}

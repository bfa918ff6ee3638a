// This file owns how the encoder writes keys and values: quoting for the
// text format (which the console format shares), escaping for JSON, and
// every slog.Kind, as slog's appendTextValue and appendJSONValue do.

package slogenc

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
)

func (s *encodeState) appendKey(key string) {
	if s.sep != 0 {
		s.buf = append(s.buf, s.sep)
	}
	s.startStyle(ansiFaint) // colored console output only
	if len(s.prefix) > 0 {
		s.appendTwoStrings(unsafeString(s.prefix), key)
	} else {
		s.appendString(key)
	}
	if s.e.json {
		s.buf = append(s.buf, ':')
	} else {
		s.buf = append(s.buf, '=')
	}
	s.endStyle()
	s.sep = s.attrSep()
}

// appendJSONKey is appendKey in the JSON format, which has no prefix (its
// groups are objects) and no colors.
func (s *encodeState) appendJSONKey(key string) {
	if s.sep != 0 {
		s.buf = append(s.buf, s.sep)
	}
	s.buf = append(s.buf, '"')
	s.buf = appendEscapedJSONString(s.buf, key)
	s.buf = append(s.buf, '"', ':')
	s.sep = ','
}

// appendBuiltinKey is appendKey for "time", "level" and "msg", which need
// neither escaping nor quoting and come before any group prefix.
func (s *encodeState) appendBuiltinKey(key string) {
	if s.sep != 0 {
		s.buf = append(s.buf, s.sep)
	}
	if s.e.json {
		s.buf = append(s.buf, '"')
		s.buf = append(s.buf, key...)
		s.buf = append(s.buf, '"', ':')
	} else {
		s.buf = append(s.buf, key...)
		s.buf = append(s.buf, '=')
	}
	s.sep = s.attrSep()
}

// appendTwoStrings appends prefix+key as one string, quoted as a whole.
func (s *encodeState) appendTwoStrings(x, y string) {
	switch {
	case s.e.json:
		s.buf = append(s.buf, '"')
		s.buf = appendEscapedJSONString(s.buf, x)
		s.buf = appendEscapedJSONString(s.buf, y)
		s.buf = append(s.buf, '"')
	case !needsQuoting(x) && !needsQuoting(y):
		s.buf = append(s.buf, x...)
		s.buf = append(s.buf, y...)
	default:
		s.buf = strconv.AppendQuote(s.buf, x+y)
	}
}

func (s *encodeState) appendString(str string) {
	if s.e.json {
		s.buf = append(s.buf, '"')
		s.buf = appendEscapedJSONString(s.buf, str)
		s.buf = append(s.buf, '"')
	} else {
		s.buf = appendTextString(s.buf, str)
	}
}

func (s *encodeState) appendInt(n int64) { s.buf = strconv.AppendInt(s.buf, n, 10) }

// appendLevel writes l.String() without allocating: "INFO", "WARN+2".
func (s *encodeState) appendLevel(l slog.Level) {
	if s.e.json {
		s.buf = append(s.buf, '"')
	}
	s.buf = appendLevelName(s.buf, l, &levelNames)
	if s.e.json {
		s.buf = append(s.buf, '"')
	}
}

// levelNames are the names of the four levels slog names, in the order
// of splitLevel's index.
var levelNames = [4]string{"DEBUG", "INFO", "WARN", "ERROR"}

// splitLevel splits l into the level slog names it after (0 for DEBUG to
// 3 for ERROR) and the offset from it: WARN+2 is (2, 2), as in
// slog.Level.String.
func splitLevel(l slog.Level) (int, slog.Level) {
	switch {
	case l < slog.LevelInfo:
		return 0, l - slog.LevelDebug
	case l < slog.LevelWarn:
		return 1, l - slog.LevelInfo
	case l < slog.LevelError:
		return 2, l - slog.LevelWarn
	}
	return 3, l - slog.LevelError
}

// appendLevelName writes l as slog.Level.String does, with the names
// given: "INFO", "WARN+2", "DEBUG-4".
func appendLevelName(dst []byte, l slog.Level, names *[4]string) []byte {
	i, off := splitLevel(l)
	dst = append(dst, names[i]...)
	if off != 0 {
		if off > 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(off), 10)
	}
	return dst
}

func (s *encodeState) appendError(err error) {
	s.appendString(fmt.Sprintf("!ERROR:%v", err))
}

// appendAnyValue is slog's handleState.appendValue for KindAny values, the
// only ones that run user code (String, MarshalText, MarshalJSON, Error):
// only they pay for the recover that turns a panic into "!PANIC: ...".
func (s *encodeState) appendAnyValue(v any) {
	defer func() {
		if r := recover(); r != nil {
			// As slog: a nil pointer whose method does not guard against
			// nil prints as "<nil>", anything else as the panic.
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
				s.appendString("<nil>")
				return
			}
			s.appendString(fmt.Sprintf("!PANIC: %v", r))
		}
	}()
	var err error
	if s.e.json {
		err = s.appendJSONAny(v)
	} else {
		err = s.appendTextAny(v)
	}
	if err != nil {
		s.appendError(err)
	}
}

// appendTextValue writes a value of kind k, which is neither KindAny nor
// KindGroup, as slog's text format does.
func (s *encodeState) appendTextValue(k slog.Kind, v slog.Value) {
	switch k {
	case slog.KindString:
		s.appendString(v.String())
	case slog.KindTime:
		s.appendTime(v.Time())
	case slog.KindInt64:
		s.buf = strconv.AppendInt(s.buf, v.Int64(), 10)
	case slog.KindUint64:
		s.buf = strconv.AppendUint(s.buf, v.Uint64(), 10)
	case slog.KindFloat64:
		s.buf = strconv.AppendFloat(s.buf, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		s.buf = strconv.AppendBool(s.buf, v.Bool())
	case slog.KindDuration:
		s.buf = appendDuration(s.buf, v.Duration())
	default: // a LogValuer that resolved to itself 100 times
		s.buf = fmt.Append(s.buf, v.Any())
	}
}

func (s *encodeState) appendTextAny(a any) error {
	if tm, ok := a.(encoding.TextMarshaler); ok {
		data, err := tm.MarshalText()
		if err != nil {
			return err
		}
		s.appendString(unsafeString(data))
		return nil
	}
	if bs, ok := byteSlice(a); ok {
		s.buf = strconv.AppendQuote(s.buf, unsafeString(bs))
		return nil
	}
	s.e.scratch = fmt.Appendf(s.e.scratch[:0], "%+v", a)
	s.appendString(unsafeString(s.e.scratch))
	return nil
}

// byteSlice returns a as a []byte if its underlying type is []byte, as
// slog does.
func byteSlice(a any) ([]byte, bool) {
	if bs, ok := a.([]byte); ok {
		return bs, true
	}
	t := reflect.TypeOf(a)
	if t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		return reflect.ValueOf(a).Bytes(), true
	}
	return nil, false
}

// appendJSONValue writes a value of kind k, which is neither KindAny nor
// KindGroup, as slog's JSON format does.
func (s *encodeState) appendJSONValue(k slog.Kind, v slog.Value) {
	switch k {
	case slog.KindString:
		s.appendString(v.String())
	case slog.KindInt64:
		s.buf = strconv.AppendInt(s.buf, v.Int64(), 10)
	case slog.KindUint64:
		s.buf = strconv.AppendUint(s.buf, v.Uint64(), 10)
	case slog.KindFloat64:
		s.appendJSONFloat(v.Float64())
	case slog.KindBool:
		s.buf = strconv.AppendBool(s.buf, v.Bool())
	case slog.KindDuration:
		s.buf = strconv.AppendInt(s.buf, int64(v.Duration()), 10) // as json.Marshal
	case slog.KindTime:
		s.appendTime(v.Time())
	default: // a LogValuer that resolved to itself 100 times
		if err := s.appendJSONMarshal(v.Any()); err != nil {
			s.appendError(err)
		}
	}
}

// appendJSONFloat writes f as json.Marshal does, which slog calls; NaN and
// infinities are errors there, so they are here.
func (s *encodeState) appendJSONFloat(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		s.appendError(&json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)})
		return
	}
	s.buf = appendFiniteJSONFloat(s.buf, f)
}

// appendFiniteJSONFloat writes a float that is neither NaN nor infinite as
// encoding/json does.
func appendFiniteJSONFloat(buf []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(buf); n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf
}

func (s *encodeState) appendJSONAny(a any) error {
	_, jm := a.(json.Marshaler)
	if err, ok := a.(error); ok && !jm {
		s.appendString(err.Error())
		return nil
	}
	return s.appendJSONMarshal(a)
}

// appendJSONMarshal writes a as encoding/json does without HTML escaping.
func (s *encodeState) appendJSONMarshal(a any) error {
	if s.appendMarshaled(a) {
		return nil
	}
	b := &s.e.jsonBuf
	b.Reset()
	if err := s.e.jsonEnc.Encode(a); err != nil {
		return err
	}
	out := b.Bytes()
	s.buf = append(s.buf, out[:len(out)-1]...) // without Encode's newline
	if b.Cap() > 64<<10 {
		*b = bytes.Buffer{} // do not keep a huge value's memory; jsonEnc writes to b still
	}
	return nil
}

// resolve returns v resolved, without Resolve's deferred recover for the
// values that are not LogValuers (nearly all: hydra resolves on the
// caller's goroutine).
func resolve(v slog.Value) slog.Value {
	if v.Kind() == slog.KindLogValuer {
		return v.Resolve()
	}
	return v
}

func isEmptyGroup(v slog.Value) bool {
	return v.Kind() == slog.KindGroup && len(v.Group()) == 0
}

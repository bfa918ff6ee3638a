// This file owns how the encoder writes keys and values: quoting for the
// text format, escaping for JSON, and every slog.Kind, as slog's
// appendTextValue and appendJSONValue do.

package hydra

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

func (s *encodeState) appendKey(key string) {
	if s.sep != 0 {
		s.buf = append(s.buf, s.sep)
	}
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
	s.sep = s.attrSep()
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

// appendTextString writes str as slog's text format does: as is, or
// quoted by strconv.Quote when needsQuoting says so. Strings of printable
// ASCII, nearly all of them, are decided and quoted in one pass here.
func appendTextString(buf []byte, str string) []byte {
	quote := len(str) == 0
	for i := 0; i < len(str); i++ {
		switch textClass[str[i]] {
		case textPlain:
		case textQuote:
			quote = true
		default: // a control character or a multi-byte rune: the general path
			if needsQuoting(str) {
				return strconv.AppendQuote(buf, str)
			}
			return append(buf, str...)
		}
	}
	if !quote {
		return append(buf, str...)
	}
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(str); i++ {
		if c := str[i]; c == '"' || c == '\\' {
			buf = append(buf, str[start:i]...)
			buf = append(buf, '\\', c)
			start = i + 1
		}
	}
	buf = append(buf, str[start:]...)
	return append(buf, '"')
}

// Byte classes for appendTextString.
const (
	textPlain = iota // printable ASCII that needs no quoting ('\\' included, as in slog)
	textQuote        // printable ASCII that makes slog quote: ' ', '=', '"'
	textOther        // control characters and bytes of multi-byte runes
)

var textClass = func() (class [256]byte) {
	for b := range class {
		switch {
		case b < ' ' || b >= 0x7f:
			class[b] = textOther
		case b == ' ' || b == '=' || b == '"':
			class[b] = textQuote
		}
	}
	return class
}()

func (s *encodeState) appendInt(n int64) { s.buf = strconv.AppendInt(s.buf, n, 10) }

// appendLevel writes l.String() without allocating: "INFO", "WARN+2".
func (s *encodeState) appendLevel(l slog.Level) {
	base, off := "ERROR", l-slog.LevelError
	switch {
	case l < slog.LevelInfo:
		base, off = "DEBUG", l-slog.LevelDebug
	case l < slog.LevelWarn:
		base, off = "INFO", l-slog.LevelInfo
	case l < slog.LevelError:
		base, off = "WARN", l-slog.LevelWarn
	}
	if s.e.json {
		s.buf = append(s.buf, '"')
	}
	s.buf = append(s.buf, base...)
	if off != 0 {
		if off > 0 {
			s.buf = append(s.buf, '+')
		}
		s.buf = strconv.AppendInt(s.buf, int64(off), 10)
	}
	if s.e.json {
		s.buf = append(s.buf, '"')
	}
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
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	s.buf = strconv.AppendFloat(s.buf, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(s.buf); n >= 4 && s.buf[n-4] == 'e' && s.buf[n-3] == '-' && s.buf[n-2] == '0' {
			s.buf[n-2] = s.buf[n-1]
			s.buf = s.buf[:n-1]
		}
	}
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

// appendDuration writes d.String() without allocating. It follows
// time.Duration.format.
func appendDuration(dst []byte, d time.Duration) []byte {
	var buf [32]byte
	w := len(buf)
	u := uint64(d)
	neg := d < 0
	if neg {
		u = -u
	}
	if u < uint64(time.Second) {
		var prec int
		w--
		buf[w] = 's'
		w--
		switch {
		case u == 0:
			buf[w] = '0'
			return append(dst, buf[w:]...)
		case u < uint64(time.Microsecond):
			prec = 0
			buf[w] = 'n'
		case u < uint64(time.Millisecond):
			prec = 3
			w-- // "µ" takes two bytes
			copy(buf[w:], "µ")
		default:
			prec = 6
			buf[w] = 'm'
		}
		w, u = fmtFrac(buf[:w], u, prec)
		w = fmtInt(buf[:w], u)
	} else {
		w--
		buf[w] = 's'
		w, u = fmtFrac(buf[:w], u, 9)
		w = fmtInt(buf[:w], u%60)
		u /= 60
		if u > 0 {
			w--
			buf[w] = 'm'
			w = fmtInt(buf[:w], u%60)
			u /= 60
			if u > 0 {
				w--
				buf[w] = 'h'
				w = fmtInt(buf[:w], u)
			}
		}
	}
	if neg {
		w--
		buf[w] = '-'
	}
	return append(dst, buf[w:]...)
}

// fmtFrac writes the fraction of v/10**prec into the tail of buf, without
// trailing zeros, and returns where it starts and v/10**prec.
func fmtFrac(buf []byte, v uint64, prec int) (nw int, nv uint64) {
	w := len(buf)
	print := false
	for range prec {
		digit := v % 10
		print = print || digit != 0
		if print {
			w--
			buf[w] = byte(digit) + '0'
		}
		v /= 10
	}
	if print {
		w--
		buf[w] = '.'
	}
	return w, v
}

// fmtInt writes v into the tail of buf and returns where it starts.
func fmtInt(buf []byte, v uint64) int {
	w := len(buf)
	if v == 0 {
		w--
		buf[w] = '0'
	} else {
		for v > 0 {
			w--
			buf[w] = byte(v%10) + '0'
			v /= 10
		}
	}
	return w
}

// needsQuoting is slog's rule for text: quote the empty string and
// anything with a space, '=', '"', a control character, or a rune that is
// not printable or is invalid UTF-8.
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b != '\\' && (b == ' ' || b == '=' || !safeSet[b]) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendEscapedJSONString escapes s for inside a JSON string, as slog (and
// encoding/json without HTML escaping) does: invalid UTF-8 becomes
// \ufffd, and U+2028 and U+2029 are escaped.
func appendEscapedJSONString(buf []byte, s string) []byte {
	i := 0
	for i < len(s) && jsonSafe[s[i]] { // the common case: nothing to escape
		i++
	}
	if i == len(s) {
		return append(buf, s...)
	}
	start := 0
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '\\', '"':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}

const hexDigits = "0123456789abcdef"

// safeSet holds true for the ASCII characters that need no escaping in a
// JSON string: all but the control characters, '"' and '\\'. jsonSafe is
// the same over all bytes, false for those of multi-byte runes, so that
// one lookup decides.
var safeSet, jsonSafe = func() (set [utf8.RuneSelf]bool, all [256]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		set[b] = b != '"' && b != '\\'
		all[b] = set[b]
	}
	return set, all
}()

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

// unsafeString views b as a string without copying. The callers only read
// it before b changes.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func appendSourceText(dst []byte, src *slog.Source) []byte {
	dst = append(dst, src.File...)
	dst = append(dst, ':')
	return strconv.AppendInt(dst, int64(src.Line), 10)
}

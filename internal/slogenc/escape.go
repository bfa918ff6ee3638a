// This file owns the byte-level formatting of strings under the encoder:
// slog's quoting for text and JSON string escaping, appending to a buffer
// without allocating.

package slogenc

import (
	"strconv"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

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

// unsafeString views b as a string without copying. The callers only read
// it before b changes.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

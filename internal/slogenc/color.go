// This file owns the colors of the console format: the ANSI sequences,
// starting and ending a style (nothing unless the Encoder colors), the red
// of errors, and the width of a line as a terminal shows it.

package slogenc

import "unicode/utf8"

// ANSI SGR sequences of the colored console format. Each styled piece
// ends with ansiReset.
const (
	ansiReset  = "\x1b[0m"
	ansiFaint  = "\x1b[2m"
	ansiRed    = "\x1b[91m"
	ansiGreen  = "\x1b[92m"
	ansiYellow = "\x1b[93m"
	ansiBlue   = "\x1b[94m"
)

// consoleLevelColors are the colors of the levels, in the order of
// splitLevel's index: DEBUG blue, INFO green, WARN yellow, ERROR red.
var consoleLevelColors = [4]string{ansiBlue, ansiGreen, ansiYellow, ansiRed}

// startStyle starts an ANSI style, in colored console output only; a
// style of "" is none.
func (s *encodeState) startStyle(style string) {
	if s.e.color {
		s.buf = append(s.buf, style...)
	}
}

// endStyle ends the style startStyle started.
func (s *encodeState) endStyle() { s.endStyleIf(true) }

// endStyleIf ends a style if started is true, in colored console output.
func (s *encodeState) endStyleIf(started bool) {
	if started && s.e.color {
		s.buf = append(s.buf, ansiReset...)
	}
}

// startErrorStyle starts the red of an error, in colored console output:
// the value of an attribute whose value is an error, or whose key is
// "err" or "error". It reports whether it did, for endStyleIf.
func (s *encodeState) startErrorStyle(key string, v any) bool {
	if !s.e.color {
		return false
	}
	if _, isErr := v.(error); !isErr && key != "err" && key != "error" {
		return false
	}
	s.buf = append(s.buf, ansiRed...)
	return true
}

// visibleWidth returns how many runes of b a terminal shows: all but the
// ANSI sequences ("\x1b[...m"). The encoder writes the only ones: it
// quotes every control character it is given.
func visibleWidth(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		if b[i] == 0x1b {
			for i < len(b) && b[i] != 'm' {
				i++
			}
			i++ // past the 'm'
			continue
		}
		_, size := utf8.DecodeRune(b[i:])
		i += size
		n++
	}
	return n
}

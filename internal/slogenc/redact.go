// This file owns the redaction the encoder applies as it writes: values
// hidden by their attribute's key, and what patterns match in strings.

package slogenc

import (
	"log/slog"
	"regexp"
	"slices"
	"strings"
)

// Redactor hides values: every value of an attribute whose key is one of
// its keys, and whatever its patterns match in strings, is written as its
// mask instead. It is immutable, and safe for concurrent use.
type Redactor struct {
	mask     string
	keys     []string
	patterns []*regexp.Regexp
}

// NewRedactor returns a Redactor that writes mask for the values of the
// attributes named by keys (compared without regard to case) and for what
// patterns match in strings. It returns nil, which redacts nothing, when
// keys and patterns are both empty. It keeps copies of the slices.
func NewRedactor(mask string, keys []string, patterns []*regexp.Regexp) *Redactor {
	if len(keys) == 0 && len(patterns) == 0 {
		return nil
	}
	return &Redactor{mask: mask, keys: slices.Clone(keys), patterns: slices.Clone(patterns)}
}

// key reports whether values under key are redacted. Keys compare
// without regard to case.
func (rd *Redactor) key(key string) bool {
	for _, k := range rd.keys {
		if strings.EqualFold(key, k) {
			return true
		}
	}
	return false
}

// Text returns s with every match of the patterns replaced by the mask.
func (rd *Redactor) Text(s string) string {
	for _, p := range rd.patterns {
		s = p.ReplaceAllLiteralString(s, rd.mask)
	}
	return s
}

// Attr redacts one attribute, not the attributes of a group value: the
// encoder calls it on each attribute as it writes it, groups' included. A
// redacted key hides its whole value, a group's too. It reports whether it
// changed a.
func (rd *Redactor) Attr(a slog.Attr) (slog.Attr, bool) {
	if rd.key(a.Key) {
		return slog.String(a.Key, rd.mask), true
	}
	if len(rd.patterns) > 0 && a.Value.Kind() == slog.KindString {
		if s := a.Value.String(); rd.Text(s) != s {
			return slog.String(a.Key, rd.Text(s)), true
		}
	}
	return a, false
}

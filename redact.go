// This file owns redaction: values that must never reach a writer, found
// by their attribute's key or by patterns in strings.

package hydra

import (
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
)

// Redacted is what a redacted value is written as.
const Redacted = "[REDACTED]"

// redactor applies Config.Redact and Config.RedactPatterns. It is
// immutable and shared by every destination.
type redactor struct {
	keys     []string
	patterns []*regexp.Regexp
}

func newRedactor(keys []string, patterns []*regexp.Regexp) *redactor {
	if len(keys) == 0 && len(patterns) == 0 {
		return nil
	}
	return &redactor{keys: slices.Clone(keys), patterns: slices.Clone(patterns)}
}

func checkRedact(keys []string, patterns []*regexp.Regexp) []error {
	var errs []error
	for i, k := range keys {
		if k == "" {
			errs = append(errs, fmt.Errorf("Redact[%d] is empty", i))
		}
	}
	for i, p := range patterns {
		if p == nil {
			errs = append(errs, fmt.Errorf("RedactPatterns[%d] is nil", i))
		}
	}
	return errs
}

// key reports whether values under key are redacted. Keys compare
// without regard to case.
func (rd *redactor) key(key string) bool {
	for _, k := range rd.keys {
		if strings.EqualFold(key, k) {
			return true
		}
	}
	return false
}

// text returns s with every match of the patterns replaced by Redacted.
func (rd *redactor) text(s string) string {
	for _, p := range rd.patterns {
		s = p.ReplaceAllLiteralString(s, Redacted)
	}
	return s
}

// attr redacts one attribute, not the attributes of a group value: the
// encoder calls it on each attribute as it writes it, groups' included. A
// redacted key hides its whole value, a group's too. It reports whether it
// changed a.
func (rd *redactor) attr(a slog.Attr) (slog.Attr, bool) {
	if rd.key(a.Key) {
		return slog.String(a.Key, Redacted), true
	}
	if len(rd.patterns) > 0 && a.Value.Kind() == slog.KindString {
		if s := a.Value.String(); rd.text(s) != s {
			return slog.String(a.Key, rd.text(s)), true
		}
	}
	return a, false
}

// attrs redacts attrs at every depth, for handler destinations. It returns
// attrs itself when nothing is redacted, a copy otherwise.
func (rd *redactor) attrs(attrs []slog.Attr) []slog.Attr {
	var out []slog.Attr
	for i, a := range attrs {
		r, changed := rd.attr(a)
		if r.Value.Kind() == slog.KindGroup {
			if g := r.Value.Group(); len(g) > 0 {
				if rg := rd.attrs(g); &rg[0] != &g[0] {
					r.Value, changed = slog.GroupValue(rg...), true
				}
			}
		}
		if out == nil && changed {
			out = slices.Clone(attrs[:i:i])
		}
		if out != nil {
			out = append(out, r)
		}
	}
	if out == nil {
		return attrs
	}
	return out
}

// record redacts a record for a handler destination: its message and its
// attributes, at every depth. It returns r itself when nothing changes.
func (rd *redactor) record(r slog.Record) slog.Record {
	var attrs []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	redacted := rd.attrs(attrs)
	msg := rd.text(r.Message)
	if msg == r.Message && (len(attrs) == 0 || &redacted[0] == &attrs[0]) {
		return r
	}
	nr := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	nr.AddAttrs(redacted...)
	return nr
}

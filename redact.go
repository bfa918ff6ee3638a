// This file owns redaction: values that must never reach a writer, found
// by their attribute's key or by patterns in strings. The encoder applies
// it as it writes (internal/slogenc); handler destinations get their
// records and bound attributes redacted here.

package hydra

import (
	"fmt"
	"log/slog"
	"regexp"
	"slices"

	"github.com/hydralog/hydra/internal/slogenc"
)

// Redacted is what a redacted value is written as.
const Redacted = "[REDACTED]"

// newRedactor returns the redactor of Config.Redact and
// Config.RedactPatterns, or nil when there is nothing to redact. It is
// immutable and shared by every destination.
func newRedactor(keys []string, patterns []*regexp.Regexp) *slogenc.Redactor {
	return slogenc.NewRedactor(Redacted, keys, patterns)
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

// redactAttrs redacts attrs at every depth, for handler destinations. It
// returns attrs itself when nothing is redacted, a copy otherwise.
func redactAttrs(rd *slogenc.Redactor, attrs []slog.Attr) []slog.Attr {
	var out []slog.Attr
	for i, a := range attrs {
		r, changed := rd.Attr(a)
		if r.Value.Kind() == slog.KindGroup {
			if g := r.Value.Group(); len(g) > 0 {
				if rg := redactAttrs(rd, g); &rg[0] != &g[0] {
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

// redactRecord redacts a record for a handler destination: its message and
// its attributes, at every depth. It returns r itself when nothing changes.
func redactRecord(rd *slogenc.Redactor, r slog.Record) slog.Record {
	var attrs []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	redacted := redactAttrs(rd, attrs)
	msg := rd.Text(r.Message)
	if msg == r.Message && (len(attrs) == 0 || &redacted[0] == &attrs[0]) {
		return r
	}
	nr := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	nr.AddAttrs(redacted...)
	return nr
}

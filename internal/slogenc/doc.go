// Package slogenc is hydra's slog-compatible encoder: it writes what
// log/slog's TextHandler or JSONHandler would write for a record, byte for
// byte, but faster and without allocating for the common kinds. Its third
// format, the console format, is text for people at a terminal, with
// colors when asked.
//
// An [Encoder] formats records, a [Preformat] holds what WithAttrs and
// WithGroup bound, formatted once, and a [Redactor] hides values. The
// package knows nothing of hydra's Handler: which Preformat goes with
// which Handler is for the caller to keep, and whether a console is a
// terminal is for the caller to decide.
//
// The files follow a record through the encoder: encoder.go (options and
// the record layout), console.go and color.go (the console format's
// layout and colors), attr.go (attributes and groups), preformat.go (what
// WithAttrs and WithGroup bound), source.go (AddSource), redact.go, then
// value.go (keys and every slog.Kind), time.go (times and durations) and
// escape.go (quoting and escaping strings).
package slogenc

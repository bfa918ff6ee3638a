package main

import (
	"context"
	"log/slog"
)

// standInWriter stands in for the Writer of a writer destination, which a
// file cannot hold. It has a field, so that no two are equal: each
// destination keeps its own.
type standInWriter struct{ _ byte }

func (*standInWriter) Write(p []byte) (int, error) { return len(p), nil }

// standInHandler stands in for the Handler of a handler destination.
type standInHandler struct{ _ byte }

func (*standInHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (*standInHandler) Handle(context.Context, slog.Record) error { return nil }
func (h *standInHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h *standInHandler) WithGroup(string) slog.Handler           { return h }

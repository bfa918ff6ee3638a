// This file owns formatting: turning an entry into the bytes of one line of
// text or JSON output.

package hydra

import (
	"context"
	"log/slog"
)

// encoder appends one formatted record, newline included, to dst.
type encoder interface {
	append(dst []byte, e *entry) []byte
}

// slogEncoder formats with log/slog's own TextHandler or JSONHandler, so
// the output is exactly slog's, AddSource and ReplaceAttr included. The
// handler writes into w, which appends to the batch being built.
type slogEncoder struct {
	w    appendWriter
	base slog.Handler
	idx  int // the sink's slot in scope.derived
}

func newSlogEncoder(json bool, opts *slog.HandlerOptions, idx int) *slogEncoder {
	enc := &slogEncoder{idx: idx}
	if json {
		enc.base = slog.NewJSONHandler(&enc.w, opts)
	} else {
		enc.base = slog.NewTextHandler(&enc.w, opts)
	}
	return enc
}

func (enc *slogEncoder) append(dst []byte, e *entry) []byte {
	enc.w.b = dst
	h := e.scope.handler(enc.idx, enc.base, false)
	_ = h.Handle(context.Background(), e.rec) // appendWriter never fails
	dst, enc.w.b = enc.w.b, nil
	return dst
}

// appendWriter is an io.Writer that appends to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

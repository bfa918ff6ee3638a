package hydra

// The text and JSON formatter (format.go): slog's own output, byte for
// byte, and no record forged inside another.

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// upper is a ReplaceAttr that rewrites values and removes one key.
func upper(groups []string, a slog.Attr) slog.Attr {
	if a.Key == "secret" {
		return slog.Attr{}
	}
	if a.Value.Kind() == slog.KindString {
		return slog.String(a.Key, strings.ToUpper(a.Value.String()))
	}
	return a
}

// TestOutputIsSlogs checks that text and JSON output, with AddSource and
// ReplaceAttr, is byte for byte what slog's own handlers write for the
// same record, attributes and groups.
func TestOutputIsSlogs(t *testing.T) {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	rec := slog.NewRecord(time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC), slog.LevelWarn, "hello world", pcs[0])
	rec.AddAttrs(slog.String("k", "v"), slog.Int("n", 3), slog.Group("grp", slog.String("secret", "x"), slog.Bool("b", true)))
	for _, format := range []string{"text", "json"} {
		for _, tc := range []struct {
			name string
			opts slog.HandlerOptions
		}{
			{"plain", slog.HandlerOptions{}},
			{"AddSource", slog.HandlerOptions{AddSource: true}},
			{"ReplaceAttr", slog.HandlerOptions{ReplaceAttr: upper}},
			{"AddSource and ReplaceAttr", slog.HandlerOptions{AddSource: true, ReplaceAttr: upper}},
		} {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				opts := tc.opts
				var want bytes.Buffer
				var direct slog.Handler = slog.NewTextHandler(&want, &opts)
				if format == "json" {
					direct = slog.NewJSONHandler(&want, &opts)
				}
				got := &syncBuffer{}
				cfg := oneLayer(Destination{Type: "writer", Writer: got, Format: format})
				cfg.AddSource, cfg.ReplaceAttr = opts.AddSource, opts.ReplaceAttr
				h := newTest(t, cfg)
				for _, hd := range []slog.Handler{direct, h} {
					chain := hd.WithAttrs([]slog.Attr{slog.String("bound", "yes")}).WithGroup("req").WithAttrs([]slog.Attr{slog.Int("id", 7)})
					require.NoError(t, chain.Handle(context.Background(), rec))
					require.NoError(t, hd.Handle(context.Background(), rec))
				}
				flush(t, h)
				assert.Equal(t, want.String(), got.String())
			})
		}
	}
}

func TestTextOutputCannotForgeARecord(t *testing.T) {
	cfg, bufs := writerLayers("text", "A")
	h := newTest(t, cfg)
	slog.New(h).Info("real\ntime=2000-01-01T00:00:00Z level=ERROR msg=forged", "layer", "A", "k\nx", "v\r\nlevel=ERROR")
	flush(t, h)
	assert.Len(t, lines(bufs["A"].Bytes()), 1)
}

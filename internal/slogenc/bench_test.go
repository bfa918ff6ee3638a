// This file owns the encoder's benchmarks against slog's handlers.

package slogenc

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// batchBytes is the size of the batch buffer of hydra's stream
// destinations, which the encoder appends to.
const batchBytes = 64 << 10

// BenchmarkFormat measures the consumer's formatting of one record: slog's
// handlers writing to io.Discard against hydra's encoder appending to a
// reused batch buffer, and the console format, which slog does not have,
// without and with colors. With adds two attributes bound by WithAttrs.
func BenchmarkFormat(b *testing.B) {
	for _, format := range []string{"json", "text", "console", "console-color"} {
		for _, with := range []bool{false, true} {
			name := format
			if with {
				name += "/With"
			}
			console := strings.HasPrefix(format, "console")
			if !console {
				b.Run("slog-"+name, func(b *testing.B) {
					var h slog.Handler = slog.NewJSONHandler(io.Discard, nil)
					if format == "text" {
						h = slog.NewTextHandler(io.Discard, nil)
					}
					if with {
						h = h.WithAttrs([]slog.Attr{slog.String("service", "api"), slog.Int("pid", 4242)})
					}
					r := referenceRecord(12345)
					b.ReportAllocs()
					for b.Loop() {
						h.Handle(context.Background(), r)
					}
				})
			}
			b.Run("hydra-"+name, func(b *testing.B) {
				e := New(Options{JSON: format == "json", Console: console, Color: format == "console-color"})
				r := referenceRecord(12345)
				p := e.Root()
				if with {
					p = e.WithAttrs(p, []slog.Attr{slog.String("service", "api"), slog.Int("pid", 4242)})
				}
				buf := make([]byte, 0, batchBytes)
				b.ReportAllocs()
				for b.Loop() {
					buf = e.Append(buf[:0], p, &r)
				}
			})
		}
	}
}

// BenchmarkFormatVsSlog alternates chunks of records formatted by slog's
// handler and by hydra's encoder, as BenchmarkVsFloor does, and reports
// slog-ns, hydra-ns and their ratio x-slog (below 0.5: hydra is more than
// twice as fast). json/any logs slog.Any values: a struct (encoding/json
// for both), a []string and a map[string]int (the encoder's own, see
// marshal.go).
func BenchmarkFormatVsSlog(b *testing.B) {
	for _, format := range []string{"json", "text"} {
		for _, with := range []bool{false, true} {
			name := format
			if with {
				name += "/With"
			}
			b.Run(name, func(b *testing.B) {
				var h slog.Handler = slog.NewJSONHandler(io.Discard, nil)
				if format == "text" {
					h = slog.NewTextHandler(io.Discard, nil)
				}
				e := New(Options{JSON: format == "json"})
				p := e.Root()
				if with {
					bound := []slog.Attr{slog.String("service", "api"), slog.Int("pid", 4242)}
					h = h.WithAttrs(bound)
					p = e.WithAttrs(p, bound)
				}
				formatVsSlog(b, h, e, p, referenceRecord(12345))
			})
		}
	}
	b.Run("json/any", func(b *testing.B) {
		user := struct {
			ID    int      `json:"id"`
			Name  string   `json:"name"`
			Roles []string `json:"roles"`
		}{42, "Ada Lovelace", []string{"admin", "ops"}}
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "request handled", 0)
		r.AddAttrs(slog.Any("user", user), slog.Any("tags", []string{"alpha", "beta", "gamma", "delta"}),
			slog.Any("counts", map[string]int{"a": 1, "b": 2, "c": 3}))
		e := New(Options{JSON: true})
		formatVsSlog(b, slog.NewJSONHandler(io.Discard, nil), e, e.Root(), r)
	})
}

// formatVsSlog formats r with h and with e in alternating chunks.
func formatVsSlog(b *testing.B, h slog.Handler, e *Encoder, p *Preformat, r slog.Record) {
	buf := make([]byte, 0, batchBytes)
	const chunk = 64
	var tSlog, tHydra time.Duration
	b.ReportAllocs()
	for i := 0; i < b.N; i += chunk {
		t0 := time.Now()
		for range chunk {
			h.Handle(context.Background(), r)
		}
		t1 := time.Now()
		for range chunk {
			buf = e.Append(buf[:0], p, &r)
		}
		t2 := time.Now()
		tSlog += t1.Sub(t0)
		tHydra += t2.Sub(t1)
	}
	n := float64((b.N + chunk - 1) / chunk * chunk)
	b.ReportMetric(float64(tSlog)/n, "slog-ns")
	b.ReportMetric(float64(tHydra)/n, "hydra-ns")
	b.ReportMetric(float64(tHydra)/float64(tSlog), "x-slog")
}

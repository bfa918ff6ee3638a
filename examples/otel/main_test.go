package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// jsonLines decodes hydra's JSON output, one object a line, stopping at
// the first line that is not JSON (run's summary).
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, "{") {
			break
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestLogInSpan(t *testing.T) {
	var buf bytes.Buffer
	exp := &memoryExporter{}
	sc, err := logInSpan(&buf, exp)
	if err != nil {
		t.Fatal(err)
	}
	if !sc.IsValid() {
		t.Fatalf("span context %v is not valid", sc)
	}
	traceID, spanID := sc.TraceID().String(), sc.SpanID().String()

	// hydra's side: the ids of the span on the record logged in it, none
	// on the record logged before it.
	lines := jsonLines(t, buf.String())
	if len(lines) != 2 {
		t.Fatalf("got %d JSON lines, want 2:\n%s", len(lines), buf.String())
	}
	before, in := lines[0], lines[1]
	if before["msg"] != "service started" || before["trace_id"] != nil || before["span_id"] != nil {
		t.Errorf("record outside the span: got %v, want msg \"service started\" and no ids", before)
	}
	if in["msg"] != "order placed" {
		t.Errorf("record in the span: got msg %v, want \"order placed\"", in["msg"])
	}
	if in["trace_id"] != traceID || in["span_id"] != spanID {
		t.Errorf("record in the span: got trace_id=%v span_id=%v, want %s %s", in["trace_id"], in["span_id"], traceID, spanID)
	}

	// The OpenTelemetry side: the record, with the span context of the
	// context it was logged with (set by otelslog from the ctx hydra
	// carried through its queue), and the ids ContextAttrs added.
	records := exp.Records()
	if len(records) != 1 {
		t.Fatalf("exporter got %d records, want 1", len(records))
	}
	r := records[0]
	if got := r.Body().AsString(); got != "payment authorized" {
		t.Errorf("body: got %q, want \"payment authorized\"", got)
	}
	if r.TraceID() != sc.TraceID() || r.SpanID() != sc.SpanID() {
		t.Errorf("OpenTelemetry record: got trace %s span %s, want %s %s", r.TraceID(), r.SpanID(), traceID, spanID)
	}
	attrs := map[string]string{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		attrs[string(kv.Key)] = kv.Value.Emit()
		return true
	})
	if attrs["trace_id"] != traceID || attrs["span_id"] != spanID || attrs["layer"] != "OTEL" {
		t.Errorf("OpenTelemetry record attributes: got %v, want layer=OTEL trace_id=%s span_id=%s", attrs, traceID, spanID)
	}
}

func TestRun(t *testing.T) {
	var buf bytes.Buffer
	if err := run(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := jsonLines(t, out)
	if len(lines) != 2 {
		t.Fatalf("got %d JSON lines, want 2:\n%s", len(lines), out)
	}
	traceID, _ := lines[1]["trace_id"].(string)
	if traceID == "" {
		t.Fatalf("no trace_id in %v", lines[1])
	}
	_, summary, ok := strings.Cut(out, "OpenTelemetry exporter received 1 record(s):\n")
	if !ok {
		t.Fatalf("no exporter summary in:\n%s", out)
	}
	if want := `"payment authorized" trace_id=` + traceID + " "; !strings.Contains(summary, want) {
		t.Errorf("exporter summary %q lacks %q", summary, want)
	}
}

func TestTraceAttrs(t *testing.T) {
	traceID := trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	spanID := trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	valid := trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID})
	noSpan := trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID}) // a trace id alone is not valid
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"no span", context.Background(), "[]"},
		{"invalid span context", trace.ContextWithSpanContext(context.Background(), noSpan), "[]"},
		{"valid span context", trace.ContextWithSpanContext(context.Background(), valid),
			"[trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(traceAttrs(tt.ctx)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// BenchmarkTraceAttrs measures the example's ContextAttrs alone: what it
// adds to each record logged inside a span, on the caller's goroutine.
func BenchmarkTraceAttrs(b *testing.B) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{
		{"span=false", context.Background()},
		{"span=true", trace.ContextWithSpanContext(context.Background(), sc)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				traceAttrs(bc.ctx)
			}
		})
	}
}

// Command otel shows hydra beside OpenTelemetry: Config.ContextAttrs puts
// the trace and span ids of the caller's span on every record, so they
// appear in hydra's own JSON output, and the official otelslog bridge, as
// a handler destination, hands records to an OpenTelemetry log pipeline
// with the span context of the context they were logged with.
//
//	cd examples/otel && go run .
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/hydralog/hydra"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// scope names the tracer and the OpenTelemetry logger.
const scope = "github.com/hydralog/hydra/examples/otel"

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run logs inside a span through hydra, writing hydra's JSON lines to w,
// then prints to w the span's ids and what the OpenTelemetry exporter
// received.
func run(w io.Writer) error {
	exp := &memoryExporter{}
	span, err := logInSpan(w, exp)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nspan:  trace_id=%s span_id=%s\n", span.TraceID(), span.SpanID())
	records := exp.Records()
	fmt.Fprintf(w, "OpenTelemetry exporter received %d record(s):\n", len(records))
	for _, r := range records {
		fmt.Fprintf(w, "  %s %q trace_id=%s span_id=%s attributes:", r.SeverityText(), r.Body().AsString(), r.TraceID(), r.SpanID())
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			fmt.Fprintf(w, " %s=%s", kv.Key, kv.Value.Emit())
			return true
		})
		fmt.Fprintln(w)
	}
	return nil
}

// traceAttrs is the Config.ContextAttrs of the example: the ids of the
// span in ctx, if there is a valid one.
func traceAttrs(ctx context.Context) []slog.Attr {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []slog.Attr{
		slog.String("trace_id", sc.TraceID().String()),
		slog.String("span_id", sc.SpanID().String()),
	}
}

// logInSpan builds the providers and the hydra Handler, logs one record
// outside any span and two inside one, and shuts everything down in
// order: hydra first, so that its queues are drained into the
// OpenTelemetry pipeline before that is shut down. It returns the span's
// context.
func logInSpan(w io.Writer, exp sdklog.Exporter) (sc trace.SpanContext, err error) {
	ctx := context.Background()

	// The OpenTelemetry SDK: a tracer provider (its spans are not exported
	// here) and a logger provider batching records to exp.
	tp := sdktrace.NewTracerProvider()
	defer func() { err = errors.Join(err, tp.Shutdown(ctx)) }()
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)))
	defer func() { err = errors.Join(err, lp.Shutdown(ctx)) }()

	h, err := hydra.New(hydra.Config{
		DefaultLayer: "API",
		Layers: map[string]hydra.Layer{
			"API": {Destinations: []hydra.Destination{
				{Type: "writer", Writer: w, Format: "json"},
			}},
			"OTEL": {Destinations: []hydra.Destination{
				{Type: "handler", Handler: otelslog.NewHandler(scope, otelslog.WithLoggerProvider(lp))},
			}},
		},
		ContextAttrs: traceAttrs,
	})
	if err != nil {
		return sc, err
	}
	logger := slog.New(h)

	logger.InfoContext(ctx, "service started") // no span: no ids

	ctx, span := tp.Tracer(scope).Start(ctx, "checkout")
	logger.InfoContext(ctx, "order placed", "layer", "API", "order", 42)
	logger.InfoContext(ctx, "payment authorized", "layer", "OTEL", "order", 42, "amount_cents", 1999)
	span.End()

	// The records may still be queued: Close hands them to the writer and
	// to otelslog, with the context each was logged with, before the
	// deferred Shutdowns run.
	return span.SpanContext(), h.Close()
}

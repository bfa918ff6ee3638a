// This file owns memoryExporter, an OpenTelemetry log exporter that keeps
// what it receives so that the program can print it and its test can read
// it. A real service would export over OTLP instead.

package main

import (
	"context"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

var _ sdklog.Exporter = (*memoryExporter)(nil)

// memoryExporter keeps a copy of every record exported to it. It is safe
// for concurrent use.
type memoryExporter struct {
	mu      sync.Mutex
	records []sdklog.Record
}

// Export keeps a clone of each record: the SDK reuses the slice and the
// records' storage once Export returns.
func (e *memoryExporter) Export(_ context.Context, records []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range records {
		e.records = append(e.records, records[i].Clone())
	}
	return nil
}

// Shutdown does nothing: the records stay readable afterwards.
func (e *memoryExporter) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing: nothing is buffered.
func (e *memoryExporter) ForceFlush(context.Context) error { return nil }

// Records returns a copy of the records exported so far.
func (e *memoryExporter) Records() []sdklog.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sdklog.Record(nil), e.records...)
}

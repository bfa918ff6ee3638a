package hydra

// Benchmarks of what hydra costs the goroutine that logs, against the
// baselines a Go user would compare it with, in the same run:
//
//	floor      a slog.Handler whose Handle does nothing: slog's own front
//	           end, which no slog handler can go below
//	slog-json  slog.JSONHandler writing to io.Discard, synchronously
//	slog-text  slog.TextHandler writing to io.Discard, synchronously
//
// The Vs benchmarks alternate chunks of records between hydra and its
// baseline within one run and report the ratio, which stays steady on a
// noisy machine where ns/op drifts from run to run. Peer loggers (zap,
// zerolog) and a channel-based asynchronous handler are measured in the
// nested module benchmarks/, which keeps them out of this module's go.mod.
//
//	go test -run '^$' -bench . -benchmem -count 6 | tee new.txt
//	go run golang.org/x/perf/cmd/benchstat@latest new.txt

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// logRecord logs the record of the reference measurements: a message and
// four attributes.
func logRecord(l *slog.Logger, i int) {
	l.Info("request handled", "method", "GET", "status", 200, "elapsed", time.Millisecond, "i", i)
}

// noopHandler is the floor: enabled for everything, does nothing.
type noopHandler struct{}

func (noopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (noopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h noopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h noopHandler) WithGroup(string) slog.Handler           { return h }

// benchHandler returns a hydra Handler with one layer writing format to
// io.Discard through a queue of size records.
func benchHandler(b *testing.B, format string, size int) *Handler {
	b.Helper()
	h, err := New(Config{DefaultLayer: "BENCH", Layers: map[string]Layer{"BENCH": {Destinations: []Destination{
		{Type: "writer", Writer: io.Discard, Format: format, Async: &AsyncOptions{QueueSize: size}},
	}}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	return h
}

// burstSize is how many records a timed burst holds: a quarter of the
// default queue, so that a burst fits whatever the consumer does meanwhile.
const burstSize = DefaultQueueSize / 4

// BenchmarkBurst measures the caller's cost of records logged in bursts
// that fit the queue: the drain between bursts is not timed.
func BenchmarkBurst(b *testing.B) {
	synchronous := func(h slog.Handler) func(*testing.B) {
		return func(b *testing.B) { bursts(b, slog.New(h), func() {}) }
	}
	b.Run("floor", synchronous(noopHandler{}))
	b.Run("slog-json", synchronous(slog.NewJSONHandler(io.Discard, nil)))
	b.Run("slog-text", synchronous(slog.NewTextHandler(io.Discard, nil)))
	for _, format := range []string{"json", "text"} {
		b.Run("hydra-"+format, func(b *testing.B) {
			h := benchHandler(b, format, DefaultQueueSize)
			bursts(b, slog.New(h), func() { h.Flush(context.Background()) })
		})
	}
}

// bursts logs b.N records in bursts of burstSize, calling drain untimed
// between them.
func bursts(b *testing.B, l *slog.Logger, drain func()) {
	b.ReportAllocs()
	drain()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%burstSize == 0 {
			b.StopTimer()
			drain()
			b.StartTimer()
		}
		logRecord(l, i)
	}
	b.StopTimer()
	drain()
}

// BenchmarkVsFloor measures hydra's caller cost as a ratio to the floor,
// robustly on a noisy machine: it alternates chunks of records logged
// through the floor and through hydra, timing each, so that both see the
// same machine from one moment to the next. Bursts stay within the queue:
// the drain every burstSize records is not timed. Reported: floor-ns and
// hydra-ns per record, and their ratio x-floor.
//
// consumer-held keeps the consumer in a Write while the chunks are timed
// and lets it drain between bursts: what remains is the caller's own work,
// without the consumer formatting on the other core meanwhile (on a
// machine with two hyperthreads, that slows the caller too).
func BenchmarkVsFloor(b *testing.B) {
	for _, format := range []string{"json", "text"} {
		b.Run("hydra-"+format, func(b *testing.B) {
			h := benchHandler(b, format, DefaultQueueSize)
			vsFloor(b, slog.New(h), func() { h.Flush(context.Background()) })
		})
	}
	// sync: a Sync destination, formatted and written on the caller; to
	// io.Discard it writes without the sink's lock, to a writer of the
	// user's own under it.
	for _, w := range []struct {
		name string
		w    io.Writer
	}{{"sync-json", io.Discard}, {"sync-json/locked", struct{ io.Writer }{io.Discard}}} {
		b.Run(w.name, func(b *testing.B) {
			h, err := New(oneLayer(Destination{Type: "writer", Writer: w.w, Format: "json", Sync: true}))
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			vsFloor(b, slog.New(h), func() {})
		})
	}
	b.Run("hydra-json/consumer-held", func(b *testing.B) {
		g := &heldWriter{}
		g.hold()
		h, err := New(Config{DefaultLayer: "BENCH", Layers: map[string]Layer{"BENCH": {Destinations: []Destination{
			{Type: "writer", Writer: g, Format: "json"},
		}}}})
		if err != nil {
			b.Fatal(err)
		}
		defer func() { g.release(); h.Close() }()
		vsFloor(b, slog.New(h), func() {
			g.release()
			h.Flush(context.Background())
			g.hold()
		})
	})
}

// heldWriter blocks every Write while held.
type heldWriter struct {
	mu   sync.Mutex
	gate chan struct{}
}

func (w *heldWriter) hold() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gate = make(chan struct{})
}

func (w *heldWriter) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.gate)
}

func (w *heldWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	gate := w.gate
	w.mu.Unlock()
	<-gate
	return len(p), nil
}

func vsFloor(b *testing.B, l *slog.Logger, drain func()) {
	const chunk = 64
	floor := slog.New(noopHandler{})
	var tFloor, tHydra time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += chunk {
		if i > 0 && i%burstSize == 0 {
			b.StopTimer()
			drain()
			b.StartTimer()
		}
		t0 := time.Now()
		for j := range chunk {
			logRecord(floor, i+j)
		}
		t1 := time.Now()
		for j := range chunk {
			logRecord(l, i+j)
		}
		t2 := time.Now()
		tFloor += t1.Sub(t0)
		tHydra += t2.Sub(t1)
	}
	b.StopTimer()
	drain()
	n := float64((b.N + chunk - 1) / chunk * chunk)
	b.ReportMetric(float64(tFloor)/n, "floor-ns")
	b.ReportMetric(float64(tHydra)/n, "hydra-ns")
	b.ReportMetric(float64(tHydra)/float64(tFloor), "x-floor")
}

// BenchmarkDropVsFloor measures the drop path: the destination has stalled
// and its queue is full, so every record is dropped (or, under DropOldest,
// evicts the oldest). As BenchmarkVsFloor, it alternates with the floor and
// reports x-floor; drops/op shows that every record was in fact dropped.
// With one layer, hydra knows the layer before reading the record; the
// routed cases add a second layer, so the record is read to find its layer
// before the queue is found full.
func BenchmarkDropVsFloor(b *testing.B) {
	for _, bc := range []struct {
		name   string
		policy Policy
		routed bool
	}{
		{"drop-newest", DropNewest, false},
		{"drop-oldest", DropOldest, false},
		{"drop-newest/routed", DropNewest, true},
		{"drop-oldest/routed", DropOldest, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := newStallWriter()
			cfg := Config{DefaultLayer: "BENCH", Layers: map[string]Layer{"BENCH": {Destinations: []Destination{
				{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: 1024, Overflow: bc.policy}},
			}}}}
			if bc.routed {
				cfg.Layers["OTHER"] = Layer{Destinations: []Destination{{Type: "null"}}}
			}
			h, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { w.Release(); h.Close() }()
			l := slog.New(h)
			l.Info("first")
			<-w.started
			for i := range 2048 { // fill the queue: from now on every record drops one
				logRecord(l, i)
			}
			before := h.Stats().Dropped
			vsFloor(b, l, func() {})
			b.ReportMetric(float64(h.Stats().Dropped-before)/float64(b.N), "drops/op")
		})
	}
}

// BenchmarkShaping measures the caller-side checks of RateLimit and
// Sampling, alternating with the floor as BenchmarkVsFloor does: an
// accepted record without them, with them passing it, and a record they
// refuse, which must cost less than an accepted one.
func BenchmarkShaping(b *testing.B) {
	for _, tc := range []struct {
		name string
		rl   *RateLimit
		sm   *Sampling
	}{
		{"accepted", nil, nil},
		{"accepted/rate-limited", &RateLimit{PerSecond: 1e12, Burst: 1 << 30}, nil},
		{"accepted/sampled", nil, &Sampling{First: 1 << 30}},
		{"throttled", &RateLimit{PerSecond: 1e-9, Burst: 1}, nil},
		{"sampled-out", nil, &Sampling{First: 1, Tick: time.Hour}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, err := New(Config{DefaultLayer: "BENCH", Layers: map[string]Layer{"BENCH": {RateLimit: tc.rl, Sampling: tc.sm,
				Destinations: []Destination{{Type: "writer", Writer: io.Discard, Format: "json"}}}}})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			vsFloor(b, slog.New(h), func() { h.Flush(context.Background()) })
		})
	}
}

// BenchmarkDisabled measures a call below every level: slog's own disabled
// path (a handler whose Enabled returns false) against hydra unbound and
// bound to a layer.
func BenchmarkDisabled(b *testing.B) {
	run := func(l *slog.Logger) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				l.Debug("request handled", "method", "GET", "status", 200, "elapsed", time.Millisecond, "i", i)
			}
		}
	}
	b.Run("slog-discard", run(slog.New(slog.DiscardHandler)))
	h := benchHandler(b, "json", DefaultQueueSize)
	b.Run("hydra-unbound", run(slog.New(h)))
	b.Run("hydra-bound", run(slog.New(h).With("layer", "BENCH")))
}

// BenchmarkContextAttrs measures Config.ContextAttrs on the caller: unset
// (must cost nothing), and set to a function that finds a request id and
// a trace id in the context.
func BenchmarkContextAttrs(b *testing.B) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "req-42")
	attrs := func(ctx context.Context) []slog.Attr {
		id, _ := ctx.Value(key{}).(string)
		return []slog.Attr{slog.String("request_id", id), slog.String("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")}
	}
	for _, set := range []bool{false, true} {
		b.Run(fmt.Sprint("set=", set), func(b *testing.B) {
			cfg := Config{DefaultLayer: "BENCH", Layers: map[string]Layer{"BENCH": {Destinations: []Destination{
				{Type: "writer", Writer: io.Discard, Format: "json"},
			}}}}
			if set {
				cfg.ContextAttrs = attrs
			}
			h, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			l := slog.New(h)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%burstSize == 0 {
					b.StopTimer()
					h.Flush(context.Background())
					b.StartTimer()
				}
				l.InfoContext(ctx, "request handled", "method", "GET", "status", 200)
			}
		})
	}
}

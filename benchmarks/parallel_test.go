package benchmarks

// The parallel suite: every case run with b.RunParallel, as the public
// slog benchmark harnesses run them (and once more from one goroutine,
// BenchmarkParallelOneCaller), with hydra next to slog.JSONHandler
// and phuslu/log's slog handler, over record shapes from a bare message to
// a 4-level nested group of 100 attributes. Every handler writes JSON to
// the same sink. zap and zerolog are not here: this module uses them
// natively, not through slog bridges, so they would not pay for slog's
// front end as the others do.
//
// ns/op is per record, all goroutines together (lower is more records per
// second). hydra-async's timed region ends with Flush: what its consumer
// has not written yet is counted, so a fast caller cannot hide a slow
// consumer.
//
//	cd benchmarks && go run ./cmd/parallel

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hydralog/hydra"
	phuslu "github.com/phuslu/log"
)

// parHandler is one handler of the parallel suite: open returns it writing
// JSON to w, and flush, which returns once everything handled so far is
// written, and close.
type parHandler struct {
	name string
	open func(tb testing.TB, w io.Writer, addSource bool) (h slog.Handler, flush func(), close func())
}

func noFlush() {}

// parHandlers are the handlers compared, in the order of the tables.
var parHandlers = []parHandler{
	{"floor", func(testing.TB, io.Writer, bool) (slog.Handler, func(), func()) {
		return noopHandler{}, noFlush, noFlush
	}},
	{"slog-json", func(_ testing.TB, w io.Writer, src bool) (slog.Handler, func(), func()) {
		return slog.NewJSONHandler(w, &slog.HandlerOptions{AddSource: src}), noFlush, noFlush
	}},
	{"phuslu", func(_ testing.TB, w io.Writer, src bool) (slog.Handler, func(), func()) {
		return phuslu.SlogNewJSONHandler(w, &slog.HandlerOptions{AddSource: src}), noFlush, noFlush
	}},
	{"hydra-async", func(tb testing.TB, w io.Writer, src bool) (slog.Handler, func(), func()) {
		return parHydra(tb, hydra.Destination{Type: "writer", Writer: w, Format: "json", Async: &hydra.AsyncOptions{Overflow: hydra.Block}}, src)
	}},
	{"hydra-sync", func(tb testing.TB, w io.Writer, src bool) (slog.Handler, func(), func()) {
		return parHydra(tb, hydra.Destination{Type: "writer", Writer: w, Format: "json", Sync: true}, src)
	}},
}

func parHydra(tb testing.TB, d hydra.Destination, addSource bool) (slog.Handler, func(), func()) {
	h, err := hydra.New(hydra.Config{
		DefaultLayer: "BENCH",
		AddSource:    addSource,
		Layers:       map[string]hydra.Layer{"BENCH": {Destinations: []hydra.Destination{d}}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	flush := func() {
		if err := h.Flush(context.Background()); err != nil {
			tb.Error(err)
		}
	}
	return h, flush, func() {
		if err := h.Close(); err != nil {
			tb.Error(err)
		}
	}
}

// Values of the mixed-kinds record, made once.
var (
	parTime = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	parErr  = errors.New("connection reset by peer")
	parUser = struct {
		ID    int      `json:"id"`
		Name  string   `json:"name"`
		Roles []string `json:"roles"`
	}{42, "Ada Lovelace", []string{"admin", "ops"}}
	parSlice = []string{"alpha", "beta", "gamma", "delta"}
	parMap   = map[string]int{"a": 1, "b": 2, "c": 3}
)

// mixed10 is 10 key-values of mixed kinds.
func mixed10() []any {
	return []any{
		"method", "GET",
		"status", 200,
		"ratio", 0.25,
		"ok", true,
		"elapsed", 1500 * time.Microsecond,
		"at", parTime,
		"err", parErr,
		"path", "/api/v1/users/42",
		"bytes", int64(1 << 20),
		"id", uint64(9876543210),
	}
}

// nested100 is a 4-level nested group holding 100 attributes: 25 on each
// level, the next group last.
func nested100() []slog.Attr {
	var inner []any
	for level := 3; level >= 0; level-- {
		attrs := make([]any, 0, 26)
		for i := range 25 {
			key := string(rune('a'+level)) + string(rune('a'+i))
			switch i % 5 {
			case 0:
				attrs = append(attrs, slog.String(key, "value"))
			case 1:
				attrs = append(attrs, slog.Int(key, i*1000))
			case 2:
				attrs = append(attrs, slog.Float64(key, float64(i)/7))
			case 3:
				attrs = append(attrs, slog.Bool(key, i%2 == 0))
			case 4:
				attrs = append(attrs, slog.Duration(key, time.Duration(i)*time.Millisecond))
			}
		}
		if inner != nil {
			attrs = append(attrs, inner...)
		}
		inner = []any{slog.Group("l"+string(rune('0'+level)), attrs...)}
	}
	return []slog.Attr{inner[0].(slog.Attr)}
}

// parShape is one record shape: logger adapts the handler's logger once,
// outside the timed region; log logs one record with it.
type parShape struct {
	name      string
	addSource bool
	logger    func(*slog.Logger) *slog.Logger
	log       func(l *slog.Logger)
}

func same(l *slog.Logger) *slog.Logger { return l }

const parMsg = "request handled"

var parShapes = func() []parShape {
	ctx := context.Background()
	kv := mixed10()
	nested := nested100()
	return []parShape{
		{name: "bare", logger: same, log: func(l *slog.Logger) { l.Info(parMsg) }},
		{name: "attrs5", logger: same, log: func(l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelInfo, parMsg, slog.String("method", "GET"), slog.Int("status", 200),
				slog.Duration("elapsed", time.Millisecond), slog.String("path", "/api/v1/users/42"), slog.Bool("ok", true))
		}},
		{name: "kv10", logger: same, log: func(l *slog.Logger) { l.Info(parMsg, kv...) }},
		{name: "with10", logger: func(l *slog.Logger) *slog.Logger { return l.With(kv...) },
			log: func(l *slog.Logger) { l.Info(parMsg) }},
		{name: "group10", logger: func(l *slog.Logger) *slog.Logger { return l.WithGroup("g") },
			log: func(l *slog.Logger) { l.Info(parMsg, kv...) }},
		{name: "nested100", logger: same, log: func(l *slog.Logger) { l.LogAttrs(ctx, slog.LevelInfo, parMsg, nested...) }},
		{name: "source", addSource: true, logger: same, log: func(l *slog.Logger) {
			l.Info(parMsg, "method", "GET", "status", 200, "elapsed", time.Millisecond)
		}},
		{name: "any", logger: same, log: func(l *slog.Logger) {
			l.Info(parMsg, "user", parUser, "tags", parSlice, "counts", parMap)
		}},
		{name: "disabled", logger: same, log: func(l *slog.Logger) {
			l.Debug(parMsg, "method", "GET", "status", 200, "elapsed", time.Millisecond)
		}},
	}
}()

// oversubShapes are the shapes run again with 4 goroutines per GOMAXPROCS.
var oversubShapes = map[string]bool{"bare": true, "attrs5": true, "kv10": true, "with10": true, "group10": true}

// BenchmarkParallelShapes runs every shape on every handler with
// b.RunParallel: GOMAXPROCS goroutines (set it with -cpu).
func BenchmarkParallelShapes(b *testing.B) {
	for _, s := range parShapes {
		b.Run(s.name, func(b *testing.B) {
			for _, ph := range parHandlers {
				b.Run(ph.name, func(b *testing.B) { runParallel(b, ph, s, 0) })
			}
		})
	}
}

// BenchmarkParallelOversub is BenchmarkParallelShapes for the main shapes
// with b.SetParallelism(4): 4 goroutines per GOMAXPROCS, more loggers than
// cores (8 goroutines at -cpu 2).
func BenchmarkParallelOversub(b *testing.B) {
	for _, s := range parShapes {
		if !oversubShapes[s.name] {
			continue
		}
		b.Run(s.name, func(b *testing.B) {
			for _, ph := range parHandlers {
				b.Run(ph.name, func(b *testing.B) { runParallel(b, ph, s, 4) })
			}
		})
	}
}

// BenchmarkParallelOneCaller runs every shape on every handler from one
// goroutine, with GOMAXPROCS from -cpu. At -cpu 2 a core is left over:
// the case an asynchronous handler is made for, a service whose loggers
// do not keep every core busy, so that hydra's consumer formats and writes
// on a core the callers are not using. Flush is timed, as in the other
// families: a consumer slower than the caller shows.
func BenchmarkParallelOneCaller(b *testing.B) {
	for _, s := range parShapes {
		b.Run(s.name, func(b *testing.B) {
			for _, ph := range parHandlers {
				b.Run(ph.name, func(b *testing.B) { runOneCaller(b, ph, s) })
			}
		})
	}
}

func runOneCaller(b *testing.B, ph parHandler, s parShape) {
	h, flush, closeH := ph.open(b, io.Discard, s.addSource)
	defer closeH()
	l := s.logger(slog.New(h))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.log(l)
	}
	flush()
	b.StopTimer()
	reportDrops(b, h)
}

func runParallel(b *testing.B, ph parHandler, s parShape, parallelism int) {
	h, flush, closeH := ph.open(b, io.Discard, s.addSource)
	defer closeH()
	l := s.logger(slog.New(h))
	if parallelism > 0 {
		b.SetParallelism(parallelism)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.log(l)
		}
	})
	flush() // the consumer's work is timed too
	b.StopTimer()
	reportDrops(b, h)
}

// reportDrops reports hydra's drops per record: under Block, 0.
func reportDrops(b *testing.B, h slog.Handler) {
	if hh, ok := h.(*hydra.Handler); ok {
		b.ReportMetric(float64(hh.Stats().Dropped)/float64(b.N), "drops/op")
	}
}

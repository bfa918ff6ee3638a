package hydra

// The caller's cost with several goroutines logging at once: bursts
// shared among GOMAXPROCS goroutines, each timed against the same burst
// to the floor (bench_test.go has the one-goroutine benchmarks and the
// helpers).

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkBurstParallel is BenchmarkBurst from GOMAXPROCS goroutines at
// once: each burst is shared among them, and the drain between bursts is
// not timed. consumer-held is what the callers cost when the consumer
// does not run beside them. Each burst alternates with one to the floor
// by the same goroutines, and x-floor is the ratio of their times: the
// machine's speed drifts more between runs than between two bursts.
func BenchmarkBurstParallel(b *testing.B) {
	floor := slog.New(noopHandler{})
	b.Run("floor", func(b *testing.B) { parallelBursts(b, floor, nil, func() {}) })
	b.Run("slog-json", func(b *testing.B) {
		parallelBursts(b, slog.New(slog.NewJSONHandler(io.Discard, nil)), floor, func() {})
	})
	b.Run("hydra-json", func(b *testing.B) {
		h := benchHandler(b, "json", DefaultQueueSize)
		parallelBursts(b, slog.New(h), floor, func() { h.Flush(context.Background()) })
	})
	// consumer-held: the callers' own work, with the consumer kept in a
	// Write while a burst is timed (as in BenchmarkVsFloor).
	b.Run("hydra-json/consumer-held", func(b *testing.B) {
		g := &heldWriter{}
		g.hold()
		h, err := New(oneLayer(Destination{Type: "writer", Writer: g, Format: "json"}))
		if err != nil {
			b.Fatal(err)
		}
		defer func() { g.release(); h.Close() }()
		parallelBursts(b, slog.New(h), floor, func() {
			g.release()
			h.Flush(context.Background())
			g.hold()
		})
	})
}

// parallelBursts logs b.N records to l in bursts of burstSize, shared
// among GOMAXPROCS goroutines, and calls drain, untimed, between bursts.
// With floor set, each burst is preceded by the same burst to floor, and
// the times of the two are reported as floor-ns, hydra-ns and x-floor.
func parallelBursts(b *testing.B, l, floor *slog.Logger, drain func()) {
	procs := runtime.GOMAXPROCS(0)
	burst := func(l *slog.Logger, n, done int) time.Duration {
		var wg sync.WaitGroup
		t0 := time.Now()
		for p := range procs {
			wg.Go(func() {
				for i := p; i < n; i += procs {
					logRecord(l, done+i)
				}
			})
		}
		wg.Wait()
		return time.Since(t0)
	}
	var tFloor, tHydra time.Duration
	b.ReportAllocs()
	drain()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(burstSize, b.N-done)
		if floor != nil {
			tFloor += burst(floor, n, done)
		}
		tHydra += burst(l, n, done)
		done += n
		b.StopTimer()
		drain()
		b.StartTimer()
	}
	if floor != nil {
		b.ReportMetric(float64(tFloor)/float64(b.N), "floor-ns")
		b.ReportMetric(float64(tHydra)/float64(b.N), "hydra-ns")
		b.ReportMetric(float64(tHydra)/float64(tFloor), "x-floor")
	}
}

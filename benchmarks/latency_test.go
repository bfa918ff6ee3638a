package benchmarks

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hydralog/hydra"
)

// slowWriter takes delay per Write, like a slow disk or a network sink.
type slowWriter struct{ delay time.Duration }

func (w slowWriter) Write(p []byte) (int, error) {
	time.Sleep(w.delay)
	return len(p), nil
}

// stalledWriter blocks every Write until release is closed, like a
// destination that stopped answering.
type stalledWriter struct{ release chan struct{} }

func (w stalledWriter) Write(p []byte) (int, error) {
	<-w.release
	return len(p), nil
}

// BenchmarkLatency is the seed's burst, 8 goroutines logging with no pause,
// against a destination that takes 1 ms per write or has stalled. It times
// every call on the caller's side and reports the percentiles: what a
// request handler would wait to log. drops/op says how much each policy
// gave up for it. The floor (slog's front end alone) shows what the
// machine itself adds: scheduling 8 goroutines on its cores, garbage
// collection, and the two time.Now calls around every call.
func BenchmarkLatency(b *testing.B) {
	const goroutines = 8
	type variant struct {
		name string
		open func(b *testing.B, w io.Writer) logger
	}
	hydraWith := func(opts hydra.AsyncOptions) func(*testing.B, io.Writer) logger {
		return func(b *testing.B, w io.Writer) logger { return hydraLogger(b, w, "", "json", opts) }
	}
	variants := []variant{
		{"floor", func(*testing.B, io.Writer) logger { return floorLogger() }},
		{"slog-json", func(_ *testing.B, w io.Writer) logger { return slogLogger(w, true) }},
		{"hydra-block", hydraWith(hydra.AsyncOptions{})},
		{"hydra-block-timeout-1ms", hydraWith(hydra.AsyncOptions{BlockTimeout: time.Millisecond})},
		{"hydra-drop-newest", hydraWith(hydra.AsyncOptions{Overflow: hydra.DropNewest})},
		{"hydra-drop-oldest", hydraWith(hydra.AsyncOptions{Overflow: hydra.DropOldest})},
	}
	for _, dest := range []string{"slow-1ms", "stalled"} {
		for _, v := range variants {
			if dest == "stalled" && (v.name == "slog-json" || v.name == "hydra-block" || v.name == "floor") {
				continue // they would wait for ever: that is the point of the others
			}
			b.Run(fmt.Sprintf("%s/%s", dest, v.name), func(b *testing.B) {
				var w io.Writer = slowWriter{time.Millisecond}
				release := make(chan struct{})
				if dest == "stalled" {
					w = stalledWriter{release}
				}
				l := v.open(b, w)
				lat := make([][]time.Duration, goroutines)
				b.ResetTimer()
				var wg sync.WaitGroup
				for g := range goroutines {
					wg.Go(func() {
						mine := make([]time.Duration, 0, b.N/goroutines+1)
						for i := g; i < b.N; i += goroutines {
							t0 := time.Now()
							l.log(i)
							mine = append(mine, time.Since(t0))
						}
						lat[g] = mine
					})
				}
				wg.Wait()
				b.StopTimer()
				close(release)
				l.close()
				all := slices.Concat(lat...)
				slices.Sort(all)
				pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Nanoseconds()) }
				b.ReportMetric(pct(0.50), "p50-ns")
				b.ReportMetric(pct(0.99), "p99-ns")
				b.ReportMetric(pct(0.999), "p99.9-ns")
				b.ReportMetric(float64(all[len(all)-1].Nanoseconds()), "max-ns")
				if h, ok := l.stats(); ok {
					b.ReportMetric(float64(h.Dropped)/float64(b.N), "drops/op")
				}
			})
		}
	}
}

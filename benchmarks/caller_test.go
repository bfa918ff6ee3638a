package benchmarks

import (
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hydralog/hydra"
	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// burstSize is how many records a timed burst holds: a quarter of hydra's
// default queue, so that a burst fits whatever the consumer does meanwhile.
const burstSize = hydra.DefaultQueueSize / 4

// callerLoggers are the loggers compared by the caller's cost, all writing
// to io.Discard: the synchronous ones format on the caller, the
// asynchronous ones hand the record over.
func callerLoggers(b *testing.B) map[string]func() logger {
	return map[string]func() logger{
		"floor":      floorLogger,
		"slog-json":  func() logger { return slogLogger(io.Discard, true) },
		"slog-text":  func() logger { return slogLogger(io.Discard, false) },
		"zap":        func() logger { return zapLogger(zapcore.AddSync(io.Discard), closeNothing) },
		"zerolog":    func() logger { return zerologLogger(io.Discard, closeNothing) },
		"channel":    func() logger { return channelLogger(io.Discard, hydra.DefaultQueueSize) },
		"hydra-json": func() logger { return hydraLogger(b, io.Discard, "", "json", hydra.AsyncOptions{}) },
		"hydra-text": func() logger { return hydraLogger(b, io.Discard, "", "text", hydra.AsyncOptions{}) },
	}
}

var callerOrder = []string{"floor", "slog-json", "slog-text", "zap", "zerolog", "channel", "hydra-json", "hydra-text"}

// BenchmarkCaller measures what logging one record costs the goroutine that
// logs, in bursts that fit hydra's queue; the drain between bursts is not
// timed. One goroutine.
func BenchmarkCaller(b *testing.B) {
	for _, name := range callerOrder {
		b.Run(name, func(b *testing.B) {
			l := callerLoggers(b)[name]()
			defer l.close()
			b.ReportAllocs()
			l.drain()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i > 0 && i%burstSize == 0 {
					b.StopTimer()
					l.drain()
					b.StartTimer()
				}
				l.log(i)
			}
			b.StopTimer()
		})
	}
}

// BenchmarkCallerParallel is BenchmarkCaller from GOMAXPROCS goroutines:
// each burst is shared among them. ns/op is per record, all goroutines
// together (lower is more records per second).
func BenchmarkCallerParallel(b *testing.B) {
	for _, name := range callerOrder {
		b.Run(name, func(b *testing.B) {
			l := callerLoggers(b)[name]()
			defer l.close()
			procs := runtime.GOMAXPROCS(0)
			b.ReportAllocs()
			l.drain()
			b.ResetTimer()
			for done := 0; done < b.N; {
				n := min(burstSize, b.N-done)
				var wg sync.WaitGroup
				for p := range procs {
					wg.Go(func() {
						for i := p; i < n; i += procs {
							l.log(done + i)
						}
					})
				}
				wg.Wait()
				done += n
				b.StopTimer()
				l.drain()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkDisabled measures a call below the level: slog's own disabled
// path (a handler whose Enabled is false) against hydra, zap and zerolog.
func BenchmarkDisabled(b *testing.B) {
	debug := func(l *slog.Logger) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				l.Debug("request handled", "method", "GET", "status", 200, "elapsed", time.Millisecond, "i", i)
			}
		}
	}
	b.Run("slog-discard", debug(slog.New(slog.DiscardHandler)))
	h := hydra.NewHandler(hydra.Config{DefaultLayer: "BENCH", Layers: map[string]hydra.Layer{"BENCH": {Destinations: []hydra.Destination{{Type: "writer", Writer: io.Discard}}}}})
	defer h.Close()
	b.Run("hydra", debug(slog.New(h)))
	b.Run("hydra-bound", debug(slog.New(h).With("layer", "BENCH")))
	b.Run("zap", func(b *testing.B) {
		l := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			l.Debug("request handled", zap.String("method", "GET"), zap.Int("status", 200), zap.Duration("elapsed", time.Millisecond), zap.Int("i", i))
		}
	})
	b.Run("zerolog", func(b *testing.B) {
		l := zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Logger()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			l.Debug().Str("method", "GET").Int("status", 200).Dur("elapsed", time.Millisecond).Int("i", i).Msg("request handled")
		}
	})
}

package benchmarks

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hydralog/hydra"
	"github.com/lmittmann/tint"
)

// consoleHandlers are the handlers of BenchmarkConsole, writing text for
// people to w, uncolored (hydra colors a terminal only): hydra's console
// format on a Sync destination, which formats on the caller as tint does;
// tint with its defaults; for reference the floor, which writes nothing,
// and slog's TextHandler.
var consoleHandlers = []struct {
	name string
	new  func(tb testing.TB, w io.Writer) slog.Handler
}{
	{"hydra", func(tb testing.TB, w io.Writer) slog.Handler {
		h, err := hydra.New(hydra.Config{DefaultLayer: "BENCH", Layers: map[string]hydra.Layer{"BENCH": {Destinations: []hydra.Destination{
			{Type: "writer", Writer: w, Format: "console", Sync: true},
		}}}})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { h.Close() })
		return h
	}},
	{"tint", func(_ testing.TB, w io.Writer) slog.Handler {
		return tint.NewTextHandler(w, &tint.Options{NoColor: true})
	}},
	{"floor", func(testing.TB, io.Writer) slog.Handler { return noopHandler{} }},
	{"slog-text", func(_ testing.TB, w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) }},
}

// BenchmarkConsole compares what logging the reference record to a
// console costs, hydra's console format against tint, both synchronous,
// to io.Discard, with the floor (slog's front end and a handler that does
// nothing) and slog's TextHandler for reference; bound=yes adds two
// attributes bound by With. Compare the columns with:
// benchstat -col /logger. The loggers are measured one after the other:
// see BenchmarkConsoleVsTint for a steadier ratio.
func BenchmarkConsole(b *testing.B) {
	for _, bound := range []string{"no", "yes"} {
		for _, ch := range consoleHandlers {
			b.Run("bound="+bound+"/logger="+ch.name, func(b *testing.B) {
				l := slog.New(ch.new(b, io.Discard))
				if bound == "yes" {
					l = l.With("service", "api", "pid", 4242)
				}
				log := viaLogger(l)
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					log(i)
				}
			})
		}
	}
}

// BenchmarkConsoleVsTint alternates chunks of records between hydra, tint
// and the floor, as hydra's ratio benchmarks do, so that all three see
// the same machine from one moment to the next. It reports each one's ns
// per record, hydra's ratio to tint (x-tint, below 1: hydra is faster),
// and the same above the floor (x-tint-own: the handlers' own work,
// without slog's front end, which both pay).
func BenchmarkConsoleVsTint(b *testing.B) {
	for _, bound := range []string{"no", "yes"} {
		b.Run("bound="+bound, func(b *testing.B) {
			var logs [3]func(int) // hydra, tint, floor
			for i, ch := range consoleHandlers[:3] {
				l := slog.New(ch.new(b, io.Discard))
				if bound == "yes" {
					l = l.With("service", "api", "pid", 4242)
				}
				logs[i] = viaLogger(l)
			}
			const chunk = 64
			var spent [3]time.Duration
			b.ReportAllocs()
			for i := 0; i < b.N; i += chunk {
				for j, log := range logs {
					t0 := time.Now()
					for k := range chunk {
						log(i + k)
					}
					spent[j] += time.Since(t0)
				}
			}
			n := float64((b.N + chunk - 1) / chunk * chunk)
			hydraNs, tintNs, floorNs := float64(spent[0])/n, float64(spent[1])/n, float64(spent[2])/n
			b.ReportMetric(hydraNs, "hydra-ns")
			b.ReportMetric(tintNs, "tint-ns")
			b.ReportMetric(floorNs, "floor-ns")
			b.ReportMetric(hydraNs/tintNs, "x-tint")
			b.ReportMetric((hydraNs-floorNs)/(tintNs-floorNs), "x-tint-own")
		})
	}
}

// TestConsoleHandlersWriteTheRecord keeps BenchmarkConsole honest: each
// handler but the floor writes the reference record, one line, its
// message and its attributes.
func TestConsoleHandlersWriteTheRecord(t *testing.T) {
	for _, ch := range consoleHandlers {
		if ch.name == "floor" {
			continue
		}
		t.Run(ch.name, func(t *testing.T) {
			var out bytes.Buffer
			viaLogger(slog.New(ch.new(t, &out)))(7)
			line := out.String()
			if strings.Count(line, "\n") != 1 {
				t.Fatalf("not one line: %q", line)
			}
			for _, want := range []string{"request handled", "method=GET", "status=200", "elapsed=1ms", "i=7"} {
				if !strings.Contains(line, want) {
					t.Errorf("%q lacks %q", line, want)
				}
			}
		})
	}
}

package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkParallelShapes/bare/slog-json       	 1000	       900.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkParallelShapes/bare/slog-json-2     	 1000	       500.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkParallelShapes/bare/slog-json-2     	 1000	       700.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkParallelShapes/bare/hydra-async-2   	 1000	       300.0 ns/op	         0 drops/op	       8 B/op	       1 allocs/op
BenchmarkParallelShapes/bare/phuslu-2        	 1000	       200.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkParallelOversub/kv10/hydra-sync-2   	 1000	      1200 ns/op	         0 drops/op	     208 B/op	       1 allocs/op
BenchmarkParallelOneCaller/bare/slog-json-2  	 1000	       800.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkParallelOneCaller/bare/hydra-async-2	 1000	       400.0 ns/op	         0 drops/op	       0 B/op	       0 allocs/op
BenchmarkCallerParallel/floor-2              	 1000	       100.0 ns/op
PASS
`

func TestParseAndTable(t *testing.T) {
	r, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(r), 7; got != want {
		t.Fatalf("parsed %d benchmarks, want %d: %v", got, want, r)
	}
	if got, _ := r.median(key{"Shapes", "bare", "slog-json", 2}, "ns/op"); got != 600 {
		t.Errorf("median of 500 and 700 = %v, want 600", got)
	}
	if got, _ := r.median(key{"Shapes", "bare", "slog-json", 1}, "ns/op"); got != 900 {
		t.Errorf("a name without -N is -cpu 1: got %v, want 900", got)
	}
	if got, _ := r.median(key{"Shapes", "bare", "hydra-async", 2}, "allocs/op"); got != 1 {
		t.Errorf("allocs/op after drops/op = %v, want 1", got)
	}
	if got, want := r.ratio("Shapes", "bare", 2, "hydra-async", "slog-json"), "0.50"; got != want {
		t.Errorf("async/slog = %s, want %s", got, want)
	}
	if got, want := r.ratio("Shapes", "bare", 2, "hydra-async", "phuslu"), "1.50"; got != want {
		t.Errorf("async/phuslu = %s, want %s", got, want)
	}
	// Rounds run alike: the ratio is the median of each round's, not
	// the ratio of the medians (700/500 = 1.4 here).
	rounds, err := parse(strings.NewReader(`BenchmarkParallelShapes/any/slog-json-2 1 100 ns/op
BenchmarkParallelShapes/any/hydra-sync-2 1 90 ns/op
BenchmarkParallelShapes/any/slog-json-2 1 500 ns/op
BenchmarkParallelShapes/any/hydra-sync-2 1 450 ns/op
BenchmarkParallelShapes/any/slog-json-2 1 1000 ns/op
BenchmarkParallelShapes/any/hydra-sync-2 1 700 ns/op
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rounds.ratio("Shapes", "any", 2, "hydra-sync", "slog-json"), "0.90"; got != want {
		t.Errorf("per-round ratio = %s, want %s (the median of 0.9, 0.9, 0.7)", got, want)
	}
	md := r.markdown()
	for _, want := range []string{"| bare | 2 |  | 600 | 200 | 300 |  | 0.50 | 1.50 |  |  |", "| bare | 1 |  | 900 |", "| bare |  | 0 / 0 | 0 / 0 | 8 / 1 |  |",
		"### BenchmarkParallelOneCaller: one goroutine", "| bare | 2 |  | 800 |  | 400 |  | 0.50 |  |  |  |"} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
}

package benchmarks

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hydralog/hydra"
)

// fileLoggers are the loggers compared end to end: from the first record
// logged until every record is in the file and the logger is closed.
var fileLoggers = []struct {
	name string
	open func(tb testing.TB, path string, dropped *int) logger
}{
	{"slog-json", func(b testing.TB, path string, _ *int) logger {
		f := create(b, path)
		l := slogLogger(f, true)
		l.close = f.Close
		return l
	}},
	{"hydra-json", func(b testing.TB, path string, _ *int) logger {
		return hydraLogger(b, nil, path, "json", hydra.AsyncOptions{}) // rotating at 64 GB: the others do not rotate
	}},
	{"zap-buffered", func(b testing.TB, path string, _ *int) logger {
		f := create(b, path)
		l := zapBuffered(f)
		stop := l.close
		l.close = func() error { stop(); return f.Close() }
		return l
	}},
	{"zerolog", func(b testing.TB, path string, _ *int) logger {
		f := create(b, path)
		return zerologLogger(f, f.Close)
	}},
	{"zerolog-diode", func(b testing.TB, path string, dropped *int) logger {
		return zerologDiode(create(b, path), hydra.DefaultQueueSize, dropped)
	}},
}

// countLines counts the lines of the file at path and of its rotated
// backups, if any.
func countLines(tb testing.TB, path string) int {
	files, err := filepath.Glob(strings.TrimSuffix(path, ".log") + "*")
	if err != nil {
		tb.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		lines += bytes.Count(data, []byte("\n"))
	}
	return lines
}

func create(b testing.TB, path string) *os.File {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkFile measures sustained throughput to a real file: b.N records
// from 1 or 4 goroutines, timed until the logger is closed and every record
// is on disk. The file is counted afterwards: records/s counts only the
// records that reached it, and lost/op the ones that did not (zerolog's
// diode drops when it is full, and at Close).
func BenchmarkFile(b *testing.B) {
	for _, producers := range []int{1, 4} {
		for _, fl := range fileLoggers {
			b.Run(fmt.Sprintf("%s/producers=%d", fl.name, producers), func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "bench.log")
				dropped := 0
				l := fl.open(b, path, &dropped)
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for p := range producers {
					wg.Go(func() {
						for i := p; i < b.N; i += producers {
							l.log(i)
						}
					})
				}
				wg.Wait()
				if err := l.close(); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				lines := countLines(b, path)
				if lines > b.N || (lines < b.N && fl.name != "zerolog-diode") {
					b.Fatalf("%d records logged, %d lines in the file", b.N, lines)
				}
				b.ReportMetric(float64(lines)/elapsed.Seconds(), "records/s")
				b.ReportMetric(float64(b.N-lines)/float64(b.N), "lost/op")
			})
		}
	}
}

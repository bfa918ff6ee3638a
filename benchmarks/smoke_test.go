package benchmarks

import (
	"path/filepath"
	"testing"
)

// TestFileLoggersWriteEveryRecord keeps the harness honest: each logger of
// BenchmarkFile, closed, has written every record (the diode may drop).
func TestFileLoggersWriteEveryRecord(t *testing.T) {
	const n = 5000
	for _, fl := range fileLoggers {
		t.Run(fl.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "smoke.log")
			dropped := 0
			l := fl.open(t, path, &dropped)
			for i := range n {
				l.log(i)
			}
			if err := l.close(); err != nil {
				t.Fatal(err)
			}
			lines := countLines(t, path)
			if lines != n && fl.name != "zerolog-diode" {
				t.Fatalf("%d records logged, %d lines written", n, lines)
			}
			if lines == 0 {
				t.Fatal("nothing written")
			}
		})
	}
}

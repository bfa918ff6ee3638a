package benchmarks

import (
	"io"
	"log"
	"os"
	"testing"
)

// TestMain silences the standard logger: zerolog's diode reports
// collisions on it ("Diode set collision"), which would break the lines of
// the benchmark output that benchstat reads. Its losses are counted from
// the file instead.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

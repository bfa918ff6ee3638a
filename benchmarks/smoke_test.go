package benchmarks

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hydralog/hydra/internal/rsyslogtest"
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

// TestNetworkLoggersDeliverEveryRecord keeps the network benchmarks
// honest: every logger of BenchmarkSyslog delivers each record to
// rsyslogd (skipped without rsyslogd), and every logger of BenchmarkHTTP
// to the collector.
func TestNetworkLoggersDeliverEveryRecord(t *testing.T) {
	const n = 200
	t.Run("syslog", func(t *testing.T) {
		s := rsyslogtest.Start(t, rsyslogtest.Options{TCP: true})
		total := 0
		for _, sl := range syslogLoggers {
			l := sl.open(t, s.TCPAddr)
			for i := range n {
				l.log(i)
			}
			l.drain()
			if err := l.close(); err != nil {
				t.Fatalf("%s: %v", sl.name, err)
			}
			total += n
			msgs := s.WaitMessages(t, total, 10*time.Second)
			if len(msgs) != total {
				t.Fatalf("%s: rsyslogd holds %d messages, want %d", sl.name, len(msgs), total)
			}
			if last := msgs[len(msgs)-1].Msg; !strings.Contains(last, "request handled") || !strings.Contains(last, fmt.Sprint(n-1)) {
				t.Fatalf("%s: last message %q, want the record %d", sl.name, last, n-1)
			}
		}
	})
	for _, hl := range httpLoggers {
		t.Run("http/"+hl.name, func(t *testing.T) {
			sink := newLineSink(t)
			l := hl.open(t, sink.srv.URL)
			for i := range n {
				l.log(i)
			}
			l.drain()
			if err := l.close(); err != nil {
				t.Fatal(err)
			}
			if got := sink.lines.Load(); got != n {
				t.Fatalf("%d records logged, %d lines received", n, got)
			}
		})
	}
}

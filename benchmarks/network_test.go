package benchmarks

// Shipping the reference record over the network: to a real rsyslogd over
// TCP (hydra's syslog destination against the standard library's
// log/syslog behind slog), and to an HTTP collector (hydra's http
// destination against a writer that POSTs each record).

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"log/syslog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hydralog/hydra"
)

// hydraDest is hydra with d as its only destination.
func hydraDest(tb testing.TB, d hydra.Destination) logger {
	h, err := hydra.New(hydra.Config{DefaultLayer: "BENCH", Layers: map[string]hydra.Layer{"BENCH": {Destinations: []hydra.Destination{d}}}})
	if err != nil {
		tb.Fatal(err)
	}
	return logger{
		log:   viaSlog(h),
		drain: func() { h.Flush(context.Background()) },
		close: h.Close,
		h:     h,
	}
}

// syslogLoggers are the loggers compared on their way to rsyslogd at
// addr ("127.0.0.1:port"), over TCP.
var syslogLoggers = []struct {
	name string
	open func(tb testing.TB, addr string) logger
}{
	{"hydra-text", func(tb testing.TB, addr string) logger {
		return hydraDest(tb, hydra.Destination{Type: "syslog", Address: "tcp://" + addr, Format: "text", Syslog: &hydra.SyslogOptions{AppName: "bench"}})
	}},
	{"hydra-json", func(tb testing.TB, addr string) logger {
		return hydraDest(tb, hydra.Destination{Type: "syslog", Address: "tcp://" + addr, Format: "json", Syslog: &hydra.SyslogOptions{AppName: "bench"}})
	}},
	// log-syslog is the standard library's log/syslog behind slog's
	// TextHandler: synchronous, one write to the socket per record.
	{"log-syslog", func(tb testing.TB, addr string) logger {
		w, err := syslog.Dial("tcp", addr, syslog.LOG_INFO|syslog.LOG_USER, "bench")
		if err != nil {
			tb.Fatal(err)
		}
		return logger{log: viaSlog(slog.NewTextHandler(w, nil)), drain: nothing, close: w.Close}
	}},
}

// BenchmarkSyslog measures end-to-end throughput to rsyslogd over TCP from
// one goroutine: b.N records logged, then, for hydra, Flush, which returns
// once every record is written to the socket. records/s is b.N over that
// time. rsyslogd (startRsyslogd: it parses each message and writes it to
// /dev/null) runs on the same two cores, so it is part of what is measured: a
// sender faster than rsyslogd reads meets TCP's flow control.
func BenchmarkSyslog(b *testing.B) {
	addr := startRsyslogd(b)
	for _, sl := range syslogLoggers {
		b.Run(sl.name, func(b *testing.B) {
			l := sl.open(b, addr)
			defer l.close()
			deliver(b, l, nil)
		})
	}
}

// deliver logs b.N records to l and times them until its drain returns,
// after one untimed record that connects; mark, if set, runs just before
// the timed part.
func deliver(b *testing.B, l logger, mark func()) {
	l.log(-1)
	l.drain()
	b.ReportAllocs()
	b.ResetTimer()
	if mark != nil {
		mark()
	}
	start := time.Now()
	for i := 0; i < b.N; i++ {
		l.log(i)
	}
	l.drain()
	elapsed := time.Since(start)
	b.StopTimer()
	reportDelivery(b, l, elapsed)
}

// BenchmarkSyslogParallel is BenchmarkSyslog from GOMAXPROCS goroutines
// (b.RunParallel), for hydra and log/syslog.
func BenchmarkSyslogParallel(b *testing.B) {
	addr := startRsyslogd(b)
	for _, sl := range syslogLoggers {
		if sl.name == "hydra-json" {
			continue
		}
		b.Run(sl.name, func(b *testing.B) {
			l := sl.open(b, addr)
			defer l.close()
			l.log(-1)
			l.drain()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					l.log(i)
				}
			})
			l.drain()
			elapsed := time.Since(start)
			b.StopTimer()
			reportDelivery(b, l, elapsed)
		})
	}
}

// reportDelivery reports records/s, and fails b if hydra lost a record.
func reportDelivery(b *testing.B, l logger, elapsed time.Duration) {
	b.Helper()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	if st, ok := l.stats(); ok && (st.Dropped != 0 || st.Failed != 0) {
		b.Fatalf("hydra dropped %d and failed %d records", st.Dropped, st.Failed)
	}
}

// lineSink is an HTTP collector: it counts the lines of every request's
// body and answers 200.
type lineSink struct {
	lines, requests atomic.Int64
	srv             *httptest.Server
}

func newLineSink(tb testing.TB) *lineSink {
	s := &lineSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.lines.Add(int64(bytes.Count(body, []byte("\n"))))
		s.requests.Add(1)
	}))
	tb.Cleanup(s.srv.Close)
	return s
}

// postWriter is what a hand-rolled HTTP log writer does: each Write, one
// record from slog's handler, is POSTed on the caller's goroutine, over a
// kept-alive connection, and the answer read before Write returns.
type postWriter struct {
	client *http.Client
	url    string
}

func (w postWriter) Write(p []byte) (int, error) {
	resp, err := w.client.Post(w.url, "application/x-ndjson", bytes.NewReader(p))
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return len(p), nil
}

// httpLoggers are the loggers compared on their way to an HTTP collector.
var httpLoggers = []struct {
	name string
	open func(tb testing.TB, url string) logger
}{
	{"hydra", func(tb testing.TB, url string) logger {
		return hydraDest(tb, hydra.Destination{Type: "http", URL: url})
	}},
	// post-per-record is slog's JSONHandler on a postWriter: one request
	// per record, synchronous.
	{"post-per-record", func(tb testing.TB, url string) logger {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		w := postWriter{client: client, url: url}
		return logger{log: viaSlog(slog.NewJSONHandler(w, nil)), drain: nothing, close: func() error {
			client.CloseIdleConnections()
			return nil
		}}
	}},
}

// BenchmarkHTTP measures end-to-end throughput to an HTTP collector in
// this process from one goroutine: b.N records logged, then, for hydra,
// Flush, which returns once every batch is answered. The collector counts
// the lines it received, which must be b.N.
func BenchmarkHTTP(b *testing.B) {
	for _, hl := range httpLoggers {
		b.Run(hl.name, func(b *testing.B) {
			sink := newLineSink(b)
			l := hl.open(b, sink.srv.URL)
			defer l.close()
			var before, reqs int64
			deliver(b, l, func() { before, reqs = sink.lines.Load(), sink.requests.Load() })
			if got := sink.lines.Load() - before; got != int64(b.N) {
				b.Fatalf("%d records logged, %d lines received", b.N, got)
			}
			b.ReportMetric(float64(sink.requests.Load()-reqs)/float64(b.N), "requests/op")
		})
	}
}

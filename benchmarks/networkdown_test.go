package benchmarks

// What a log call costs the caller while the collector is down and the
// queue is full: hydra's syslog destination to a port where nothing
// listens, and to a listener that accepts and never reads.

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hydralog/hydra"
)

// deadPort returns a "127.0.0.1:port" where nothing listens: connecting
// is refused.
func deadPort(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// deafListener accepts connections and never reads them, like a collector
// that hangs: the sender's writes fill the socket buffers, then block.
// stop closes the listener and the connections, which fails the blocked
// writes.
func deafListener(tb testing.TB) (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
}

// fillQueue logs until l has dropped 64 records in a row, so that its
// queue is full and its consumer stuck: at most 10 seconds.
func fillQueue(tb testing.TB, l logger) {
	deadline := time.Now().Add(10 * time.Second)
	var last uint64
	for i, row := 0, 0; time.Now().Before(deadline); i++ {
		l.log(i)
		st, _ := l.stats()
		if st.Dropped > last {
			row++
		} else {
			row = 0
		}
		last = st.Dropped
		if row == 64 {
			return
		}
	}
	tb.Fatal("the queue did not fill in 10 seconds")
}

// BenchmarkNetworkDown measures the caller's cost per record while a
// syslog collector over TCP is down, with a queue of 1024 records already
// full: refused (nothing listens; the sender backs off and dials again)
// or deaf (a listener that accepts and never reads). drop-newest must
// cost what dropping costs; block-timeout-1ms waits up to 1 ms for room,
// then drops. drops/op says how many records were given up. For
// comparison, in the same run: the floor (slog's front end alone) and
// hydra's drop path on a writer that has stalled.
func BenchmarkNetworkDown(b *testing.B) {
	policies := []struct {
		name string
		opts hydra.AsyncOptions
	}{
		{"drop-newest", hydra.AsyncOptions{QueueSize: 1024, Overflow: hydra.DropNewest}},
		{"block-timeout-1ms", hydra.AsyncOptions{QueueSize: 1024, BlockTimeout: time.Millisecond}},
	}
	b.Run("floor", func(b *testing.B) {
		l := floorLogger()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			l.log(i)
		}
	})
	b.Run("stalled-writer/drop-newest", func(b *testing.B) {
		release := make(chan struct{})
		l := hydraLogger(b, stalledWriter{release}, "", "json", policies[0].opts)
		defer func() { close(release); l.close() }()
		measureDown(b, l)
	})
	for _, down := range []string{"refused", "deaf"} {
		for _, p := range policies {
			b.Run(fmt.Sprintf("%s/%s", down, p.name), func(b *testing.B) {
				addr, stop := deadPort(b), func() {}
				if down == "deaf" {
					addr, stop = deafListener(b)
				}
				opts := p.opts
				l := hydraDest(b, hydra.Destination{
					Type: "syslog", Address: "tcp://" + addr, Format: "json", Async: &opts,
					// A write to the deaf listener blocks for the whole
					// run rather than time out and reconnect, which
					// would drain the queue into fresh socket buffers.
					Network: &hydra.NetworkOptions{WriteTimeout: time.Minute, CloseTimeout: 50 * time.Millisecond},
				})
				defer l.close()
				defer stop() // before Close: it fails the blocked write
				measureDown(b, l)
			})
		}
	}
}

// measureDown fills l's queue, then times b.N records and reports
// drops/op.
func measureDown(b *testing.B, l logger) {
	fillQueue(b, l)
	st, _ := l.stats()
	before := st.Dropped
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.log(i)
	}
	b.StopTimer()
	st, _ = l.stats()
	b.ReportMetric(float64(st.Dropped-before)/float64(b.N), "drops/op")
}

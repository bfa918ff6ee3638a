package hydra

// The "tcp" destination against a real listener that reads JSON lines, and
// drops the connection once: mid-stream, or while it is idle.

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lineCollector accepts connections and reads newline-terminated records
// from each. cut, if set, is asked after every line read whether to close
// that connection now (conn counts connections from 0, line lines from 1).
type lineCollector struct {
	ln  net.Listener
	cut func(conn, line int) bool

	mu    sync.Mutex
	conns [][]string // the lines of each connection; a last one without "\n" is a fragment
	open  []net.Conn
	wg    sync.WaitGroup
}

func startLineCollector(t *testing.T, cut func(conn, line int) bool) *lineCollector {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := &lineCollector{ln: ln, cut: cut}
	c.wg.Add(1)
	go c.accept()
	t.Cleanup(c.stop)
	return c
}

func (c *lineCollector) accept() {
	defer c.wg.Done()
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		i := len(c.conns)
		c.conns = append(c.conns, nil)
		c.open = append(c.open, conn)
		c.mu.Unlock()
		c.wg.Add(1)
		go c.read(i, conn)
	}
}

func (c *lineCollector) read(i int, conn net.Conn) {
	defer c.wg.Done()
	defer conn.Close()
	r := bufio.NewReader(conn)
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if line != "" {
			c.mu.Lock()
			c.conns[i] = append(c.conns[i], line)
			c.mu.Unlock()
		}
		if err != nil {
			return
		}
		if c.cut != nil && c.cut(i, n) {
			// The collector dies partway through the next record: it
			// keeps what it read of it, a fragment.
			_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			part := make([]byte, 17)
			k, _ := io.ReadFull(r, part)
			if k > 0 {
				c.mu.Lock()
				c.conns[i] = append(c.conns[i], string(part[:k]))
				c.mu.Unlock()
			}
			return
		}
	}
}

// closeConn closes the i-th connection from the collector's side.
func (c *lineCollector) closeConn(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open[i].Close()
}

func (c *lineCollector) stop() {
	c.ln.Close()
	c.mu.Lock()
	for _, conn := range c.open {
		conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// lines returns the lines of every connection so far.
func (c *lineCollector) lines() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([][]string, len(c.conns))
	for i, ls := range c.conns {
		out[i] = append([]string(nil), ls...)
	}
	return out
}

// ids parses the collected lines: it returns how many times each id
// arrived, and the fragments, the lines that are not a whole record. Only
// the last line of a connection may be one (a write cut when the
// connection failed), and it must not end with a newline.
func (c *lineCollector) ids(t *testing.T) (map[int]int, []string) {
	t.Helper()
	counts := map[int]int{}
	var fragments []string
	for ci, ls := range c.lines() {
		for li, l := range ls {
			var rec struct{ ID *int }
			whole := len(l) > 0 && l[len(l)-1] == '\n'
			if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.ID == nil || !whole {
				require.Equal(t, len(ls)-1, li, "connection %d: line %d of %d is not a whole record: %q", ci, li, len(ls), l)
				require.False(t, whole, "connection %d: a fragment ends with a newline: %q", ci, l)
				fragments = append(fragments, l)
				continue
			}
			counts[*rec.ID]++
		}
	}
	return counts, fragments
}

// tcpDest is a tcp destination of JSON lines to addr.
func tcpDest(addr string) Destination {
	return Destination{Type: "tcp", Address: "tcp://" + addr, Format: "json", Network: &NetworkOptions{
		BackoffMin: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond, WriteTimeout: time.Second},
		Async: &AsyncOptions{}} // block through outages: nothing dropped
}

// The collector drops the first connection partway through a record,
// after 2,000 lines, while records stream in, and accepts again. Every
// line is one whole record but the last of the first connection, the
// fragment the collector read before it died: it does not parse, and it
// is not a record that arrives short and whole-looking. The destination
// connects again and goes on; nothing is counted Failed.
//
// Not every record arrives: those the kernel took (Write returned) but
// the collector never read are lost with the connection, and still counted
// Written. Plain TCP has no acknowledgement a sender can see, so no sender
// can tell them from those that arrived (netsend.Stream says so); the
// test logs how many were lost rather than require at least once.
func TestTCPLinesCollectorDropsMidStream(t *testing.T) {
	const n = 20_000
	c := startLineCollector(t, func(conn, line int) bool { return conn == 0 && line == 2000 })
	var heard errorList
	cfg := oneLayer(tcpDest(c.ln.Addr().String()))
	cfg.OnError = heard.add
	h := newTest(t, cfg)
	l := slog.New(h)
	for i := range n {
		l.Info("r", "id", i)
		if i%200 == 0 {
			// Records keep coming after the drop: all of them at once
			// could all fit in the kernel's buffers before it.
			time.Sleep(time.Millisecond)
		}
	}
	flush(t, h)
	counts, fragments := waitLines(t, c, n)
	lost := 0
	for i := range n {
		if counts[i] == 0 {
			lost++
		}
	}
	conns := c.lines()
	t.Logf("%d connections, %d lines on the first, %d fragments, %d records lost, %d retries, OnError: %v",
		len(conns), len(conns[0]), len(fragments), lost, onlyDest(t, h).Retries, heard.get())
	require.GreaterOrEqual(t, len(conns), 2, "the destination connected again")
	require.LessOrEqual(t, len(fragments), 1)
	d := onlyDest(t, h)
	require.Equal(t, uint64(n), d.Written)
	require.Zero(t, d.Failed)
	requireSettled(t, h.Stats())
	for i := range n {
		require.LessOrEqual(t, counts[i], 1, "record %d arrived twice: no write failed halfway through it", i)
	}
	require.Less(t, lost, n-2000)
}

// The collector closes a connection that is idle. The next batch must not
// vanish into it: the first write to a socket the peer closed succeeds,
// and only the peer's answer (a reset) tells that nothing was read.
func TestTCPLinesCollectorClosesIdleConnection(t *testing.T) {
	c := startLineCollector(t, nil)
	h := newTest(t, oneLayer(tcpDest(c.ln.Addr().String())))
	l := slog.New(h)
	for i := range 100 {
		l.Info("r", "id", i)
	}
	flush(t, h)
	waitLines(t, c, 100)
	c.closeConn(0)
	time.Sleep(50 * time.Millisecond) // the FIN reaches the destination's socket
	for i := 100; i < 200; i++ {
		l.Info("r", "id", i)
	}
	flush(t, h)
	for i := 200; i < 300; i++ {
		l.Info("r", "id", i)
	}
	flush(t, h)
	counts, fragments := waitLines(t, c, 300)
	require.Empty(t, fragments)
	var lost []int
	for i := range 300 {
		if counts[i] == 0 {
			lost = append(lost, i)
		}
	}
	d := onlyDest(t, h)
	t.Logf("%d connections; Written %d, Retries %d", len(c.lines()), d.Written, d.Retries)
	require.Equal(t, uint64(300), d.Written)
	require.Empty(t, lost, "records counted Written never reached the collector: %d of them", len(lost))
}

// waitLines waits up to 3 seconds for the last of n records, id n-1, to
// arrive (it is sent after any failure, so what came before it that is
// missing is lost), and returns the ids and fragments then.
func waitLines(t *testing.T, c *lineCollector, n int) (map[int]int, []string) {
	t.Helper()
	waitFor(3*time.Second, func() bool {
		counts, _ := c.ids(t)
		return counts[n-1] > 0
	})
	return c.ids(t)
}

package hydra

// What the tests share: TestMain, the Config builders, the checks of
// output and Stats, and the fake writers, handlers and values.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the tests if any goroutine outlives them, lumberjack's
// compressing goroutine included: hydra stops it (see stopMill in
// internal/logfile).
func TestMain(m *testing.M) {
	if child := os.Getenv(childEnv); child != "" {
		os.Exit(runChild(child)) // a child process of signals_test.go
	}
	goleak.VerifyTestMain(m)
}

// newTest returns a Handler for cfg that is closed when the test ends.
func newTest(t testing.TB, cfg Config) *Handler {
	t.Helper()
	h, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}

// oneLayer returns a Config whose only layer, "L", holds ds and is the
// default layer: every record goes there, whatever layer it names.
func oneLayer(ds ...Destination) Config {
	return Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Destinations: ds}}}
}

// namedLayer returns a Config with a layer "L" holding ds and no
// DefaultLayer: New adds the default layer, DEFAULT, writing text to
// stderr, beside it, and records reach "L" only by naming it.
func namedLayer(ds ...Destination) Config {
	return Config{Layers: map[string]Layer{"L": {Destinations: ds}}}
}

// writerLayers returns a Config with one layer per name, each writing
// format to its own buffer.
func writerLayers(format string, names ...string) (Config, map[string]*syncBuffer) {
	cfg := Config{Layers: map[string]Layer{}}
	bufs := map[string]*syncBuffer{}
	for _, n := range names {
		b := &syncBuffer{}
		bufs[n] = b
		cfg.Layers[n] = Layer{Destinations: []Destination{{Type: "writer", Writer: b, Format: format}}}
	}
	return cfg, bufs
}

// stalled returns a handler with one layer "L" writing JSON to a stalled
// writer through a queue with opts, and a logger for it. It logs "first"
// and returns once the consumer is stuck writing it, so the queue is
// empty and nothing more leaves it until the writer is released.
func stalled(t *testing.T, opts AsyncOptions) (*Handler, *slog.Logger, *stallWriter) {
	t.Helper()
	w := newStallWriter()
	h := newTest(t, Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Level: slog.LevelDebug, Destinations: []Destination{
		{Type: "writer", Writer: w, Format: "json", Async: &opts},
	}}}})
	t.Cleanup(w.Release) // registered after Close, so it runs before it
	l := slog.New(h)
	l.Info("first")
	<-w.started
	return h, l, w
}

func flush(t testing.TB, h *Handler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.Flush(ctx))
}

// logN logs n records "i=0".."i=n-1" with message msg.
func logN(l *slog.Logger, msg string, n int) {
	for i := range n {
		l.Info(msg, "i", i)
	}
}

// lines splits output into lines, without the empty one after the last
// newline.
func lines(out []byte) []string {
	s := strings.TrimSuffix(string(out), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// jsonRecords parses JSON output, one record per line.
func jsonRecords(t testing.TB, out []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, l := range lines(out) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "line %q", l)
		recs = append(recs, m)
	}
	return recs
}

// messages returns the msg of every JSON record, drop notices included.
func messages(t testing.TB, out []byte) []string {
	t.Helper()
	var msgs []string
	for _, r := range jsonRecords(t, out) {
		msgs = append(msgs, r["msg"].(string))
	}
	return msgs
}

// noticed sums the dropped counts of the drop notices in JSON output.
func noticed(t testing.TB, out []byte) uint64 {
	t.Helper()
	var n uint64
	for _, r := range jsonRecords(t, out) {
		if r["msg"] == DropNotice {
			require.Equal(t, "WARN", r["level"])
			n += uint64(r["dropped"].(float64))
		}
	}
	return n
}

// matching returns the elements of s equal to v.
func matching(s []string, v string) []string {
	var out []string
	for _, x := range s {
		if x == v {
			out = append(out, x)
		}
	}
	return out
}

// readAll returns the records of every file of a rotated log, backups
// included, checking that each line is one whole JSON record.
func readAll(t *testing.T, dir, prefix string) []map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, prefix+"*"))
	require.NoError(t, err)
	var recs []map[string]any
	for _, f := range files {
		data := must(os.ReadFile(f))
		if len(data) > 0 {
			require.True(t, bytes.HasSuffix(data, []byte("\n")), "%s ends with a torn record", f)
		}
		for _, line := range lines(data) {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &m), "%s: %q", f, line)
			recs = append(recs, m)
		}
	}
	return recs
}

// requireSettled checks the accounting identity of every destination.
func requireSettled(t testing.TB, st Stats) {
	t.Helper()
	for _, d := range st.Destinations {
		require.Equal(t, d.Accepted, d.Written+d.Dropped+d.Failed,
			"%s: accepted %d != written %d + dropped %d + failed %d", d.Name, d.Accepted, d.Written, d.Dropped, d.Failed)
		require.Zero(t, d.Queued, "%s: queued", d.Name)
	}
	require.Equal(t, st.Accepted, st.Written+st.Dropped+st.Failed)
}

// destStats returns the stats of the destination named name.
func destStats(t testing.TB, h *Handler, name string) DestinationStats {
	t.Helper()
	for _, d := range h.Stats().Destinations {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no destination %q in %+v", name, h.Stats())
	return DestinationStats{}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprint("must: ", err))
	}
	return v
}

// waitFor polls cond until it holds or timeout passes, and reports
// whether it held. Unlike require.Eventually it starts no goroutine, so
// tests that count goroutines can use it.
func waitFor(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// syncBuffer is a bytes.Buffer safe for a consumer writing while a test
// reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *syncBuffer) String() string { return string(b.Bytes()) }

// stallWriter blocks every Write until release is closed, telling started
// each time a Write begins.
type stallWriter struct {
	started chan struct{}
	release chan struct{}
	out     syncBuffer
	once    sync.Once
}

func (w *stallWriter) Write(p []byte) (int, error) {
	select {
	case w.started <- struct{}{}:
	default:
	}
	<-w.release
	return w.out.Write(p)
}

// Release lets every Write through, now and later. Safe to call twice.
func (w *stallWriter) Release() { w.once.Do(func() { close(w.release) }) }

func newStallWriter() *stallWriter {
	return &stallWriter{started: make(chan struct{}, 1), release: make(chan struct{})}
}

var errDisk = errors.New("disk on fire")

// failWriter fails every Write while failing is set, and records the
// rest.
type failWriter struct {
	mu      sync.Mutex
	failing bool
	out     bytes.Buffer
}

func (w *failWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failing {
		return 0, errDisk
	}
	return w.out.Write(p)
}

func (w *failWriter) set(failing bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failing = failing
}

const (
	fwOK = iota
	fwEIO
	fwStall
	fwSlow
)

// faultyWriter fails, stalls or slows down its writes while its mode is
// set, and records what it accepts.
type faultyWriter struct {
	mode    atomic.Int32 // one of the fw* constants
	release chan struct{}
	out     syncBuffer
}

func (w *faultyWriter) Write(p []byte) (int, error) {
	switch w.mode.Load() {
	case fwEIO:
		return 0, &os.PathError{Op: "write", Path: "/dev/log", Err: syscall.EIO}
	case fwStall:
		<-w.release
	case fwSlow:
		time.Sleep(2 * time.Millisecond)
	}
	return w.out.Write(p)
}

// faultyHandler panics or fails while its mode is set.
type faultyHandler struct {
	mode    atomic.Int32 // 1: panic, 2: error
	handled atomic.Int64
}

func (h *faultyHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *faultyHandler) Handle(context.Context, slog.Record) error {
	switch h.mode.Load() {
	case 1:
		panic("inner handler exploded")
	case 2:
		return errors.New("inner handler refused")
	}
	h.handled.Add(1)
	return nil
}
func (h *faultyHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *faultyHandler) WithGroup(string) slog.Handler      { return h }

// gatedWriter holds its n-th Write until gates[n] is closed, and reports
// each Write's number on started.
type gatedWriter struct {
	gates   []chan struct{}
	n       atomic.Int32
	started chan int
	out     syncBuffer
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	i := int(w.n.Add(1) - 1)
	w.started <- i
	if i < len(w.gates) {
		<-w.gates[i]
	}
	return w.out.Write(p)
}

// overlapWriter counts Writes that run while another is in progress.
type overlapWriter struct {
	busy, overlaps atomic.Int32
	n              atomic.Int64
}

func (w *overlapWriter) Write(p []byte) (int, error) {
	if w.busy.Add(1) > 1 {
		w.overlaps.Add(1)
	}
	time.Sleep(20 * time.Microsecond) // widen the window
	w.n.Add(int64(strings.Count(string(p), "\n")))
	w.busy.Add(-1)
	return len(p), nil
}

// byteCounter is a comparable writer that counts the bytes written to it
// and keeps none of them.
type byteCounter struct{ n int }

func (b *byteCounter) Write(p []byte) (int, error) { b.n += len(p); return len(p), nil }

// errorList collects what OnError hears, from any goroutine.
type errorList struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorList) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorList) get() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// lazyInt is a LogValuer.
type lazyInt int

func (n lazyInt) LogValue() slog.Value { return slog.IntValue(int(n)) }

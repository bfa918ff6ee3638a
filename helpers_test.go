package hydra

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the tests if any goroutine outlives them, lumberjack's
// compressing goroutine included: hydra stops it (see stopMill).
func TestMain(m *testing.M) {
	if child := os.Getenv(childEnv); child != "" {
		os.Exit(runChild(child)) // a subprocess of TestSignals
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

func flush(t testing.TB, h *Handler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.Flush(ctx))
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

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
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

// stallWriter blocks every Write until release is closed, telling started
// each time a Write begins.
type stallWriter struct {
	started chan struct{}
	release chan struct{}
	out     syncBuffer
	once    sync.Once
}

func newStallWriter() *stallWriter {
	return &stallWriter{started: make(chan struct{}, 1), release: make(chan struct{})}
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

// failWriter fails every Write while failing is set, and records the
// rest.
type failWriter struct {
	mu      sync.Mutex
	failing bool
	out     bytes.Buffer
}

var errDisk = errors.New("disk on fire")

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

// logN logs n records "i=0".."i=n-1" with message msg.
func logN(l *slog.Logger, msg string, n int) {
	for i := range n {
		l.Info(msg, "i", i)
	}
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

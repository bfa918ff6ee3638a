package hydra

// Records caught in flight by a Reload: taken by the old table's sinks,
// refused by one it retired, and rerouted to the sinks that replaced it,
// written once, and made safe to queue when the successor queues them.

import (
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gateWriter holds its first Write until release is closed; the others
// pass. It records everything.
type gateWriter struct {
	started chan struct{}
	release chan struct{}
	first   chan struct{}
	out     syncBuffer
}

func newGateWriter() *gateWriter {
	g := &gateWriter{started: make(chan struct{}), release: make(chan struct{}), first: make(chan struct{}, 1)}
	g.first <- struct{}{}
	return g
}

func (g *gateWriter) Write(p []byte) (int, error) {
	select {
	case <-g.first:
		close(g.started)
		<-g.release
	default:
	}
	return g.out.Write(p)
}

// valueWriter is a writer that cannot be compared (a slice field): its
// target key is nil.
type valueWriter struct {
	b *syncBuffer
	_ []int
}

func (w valueWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

// A record in flight under the old table, taken by a kept Sync sink and
// refused by a retired one on the same writer, goes to the retired one's
// replacement only, not again to the kept sink.
func TestReloadWritesARecordInFlightOnce(t *testing.T) {
	w := newGateWriter()
	mk := func(size int) Config {
		return Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Destinations: []Destination{
			{Type: "writer", Writer: w, Format: "text", Sync: true},
			{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: size}},
		}}}}
	}
	h := newTest(t, mk(64))
	done := make(chan struct{})
	go func() { defer close(done); slog.New(h).Info("once") }()
	<-w.started // the caller is inside the Sync write, holding the old state
	require.NoError(t, h.Reload(mk(128)))
	close(w.release)
	<-done
	require.NoError(t, h.Close())
	out := w.out.String()
	t.Logf("output:\n%s", out)
	assert.Equal(t, 1, strings.Count(out, "msg=once"), "text lines")
	assert.Equal(t, 1, strings.Count(out, `"msg":"once"`), "json lines")
	requireSettled(t, h.Stats())
}

// A record in flight under the old table, taken by a kept sink and refused
// by a retired sink whose writer cannot be compared (key nil), reaches the
// sink that replaced it, declared at the same place.
func TestReloadReroutesToAnUncomparableWriter(t *testing.T) {
	gate := newGateWriter()
	other := &syncBuffer{}
	cfg := Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Destinations: []Destination{
		{Type: "writer", Writer: gate, Format: "json", Sync: true},
		{Type: "writer", Writer: valueWriter{b: other}, Format: "json"},
	}}}}
	h := newTest(t, cfg)
	done := make(chan struct{})
	go func() { defer close(done); slog.New(h).Info("in flight") }()
	<-gate.started
	require.NoError(t, h.Reload(cfg)) // the same Config: the uncomparable writer's sink is replaced
	close(gate.release)
	<-done
	require.NoError(t, h.Close())
	assert.Equal(t, 1, strings.Count(gate.out.String(), "in flight"))
	assert.Equal(t, 1, strings.Count(other.String(), "in flight"), "the record reached the second writer")
	st := h.Stats()
	t.Logf("accepted %d written %d", st.Accepted, st.Written)
	assert.Equal(t, uint64(2), st.Accepted)
}

// blockingValuer blocks its first LogValue until release is closed; every
// call returns what val holds then.
type blockingValuer struct {
	started, release chan struct{}
	once             *atomic.Bool
	val              *atomic.Int64
}

func (v blockingValuer) LogValue() slog.Value {
	if v.once.CompareAndSwap(false, true) {
		close(v.started)
		<-v.release
	}
	return slog.Int64Value(v.val.Load())
}

// A layer whose one destination is Sync formats its records without
// reading them first. A record that such a destination refuses because a
// Reload retired it, and that the Reload's successor queues, is made safe
// to keep before it is queued: its LogValuer is resolved during the call,
// not when the consumer formats it.
func TestReloadFromSyncToAsyncResolvesARecordInFlight(t *testing.T) {
	w := newGateWriter()
	dest := Destination{Type: "writer", Writer: w, Format: "json", Sync: true}
	h := newTest(t, oneLayer(dest))
	require.True(t, h.c.table.Load().def.state.Load().direct)

	v := blockingValuer{started: make(chan struct{}), release: make(chan struct{}), once: new(atomic.Bool), val: new(atomic.Int64)}
	v.val.Store(1)
	done := make(chan struct{})
	go func() { defer close(done); slog.New(h).Info("in flight", "v", v) }()
	<-v.started // the caller is formatting for the Sync sink

	dest.Sync, dest.Async = false, &AsyncOptions{QueueSize: 16}
	require.NoError(t, h.Reload(oneLayer(dest)))
	slog.New(h).Info("hold") // the new consumer holds in its first Write
	<-w.started
	close(v.release) // the caller finds its sink retired and goes to the queue
	<-done
	v.val.Store(2) // what the consumer would see, were it to resolve v
	close(w.release)
	require.NoError(t, h.Close())
	out := w.out.String()
	t.Logf("output:\n%s", out)
	assert.Equal(t, 1, strings.Count(out, `"msg":"in flight","v":1}`), "the value at the time of the call, once")
	requireSettled(t, h.Stats())
}

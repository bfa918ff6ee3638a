package hydra

// The overflow policies (policy.go): what a full queue drops, and the
// records dropped unread. The waits are in wait_test.go.

import (
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPolicyText(t *testing.T) {
	for _, p := range []Policy{Block, DropNewest, DropOldest} {
		t.Run(p.String(), func(t *testing.T) {
			text, err := p.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, p.String(), string(text))
			var back Policy
			require.NoError(t, back.UnmarshalText(text))
			assert.Equal(t, p, back)
		})
	}
	var p Policy
	require.NoError(t, p.UnmarshalText([]byte("DROP_OLDEST")))
	assert.Equal(t, DropOldest, p)
	err := p.UnmarshalText([]byte("drop-random"))
	require.ErrorContains(t, err, `unknown policy "drop-random" (want block, drop-newest or drop-oldest)`)

	assert.Equal(t, "Policy(7)", Policy(7).String())
	_, err = Policy(7).MarshalText()
	require.Error(t, err)

	// A Policy works as a JSON configuration value.
	var cfg struct{ Overflow Policy }
	require.NoError(t, json.Unmarshal([]byte(`{"Overflow":"drop-newest"}`), &cfg))
	assert.Equal(t, DropNewest, cfg.Overflow)
}

// slowWriter sleeps before every write, like a slow disk or network.
type slowWriter struct {
	delay time.Duration
	out   syncBuffer
}

func (w *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(w.delay)
	return w.out.Write(p)
}

// TestPoliciesUnderConcurrentProducers floods a small queue in front of a
// slow writer from many goroutines, under every policy. Whatever was
// dropped, the counts must add up exactly, the output must hold exactly the
// records counted as written, each producer's records must stay in order,
// and the drop notices must account for every drop.
func TestPoliciesUnderConcurrentProducers(t *testing.T) {
	const goroutines, perGoroutine = 8, 500
	for _, tc := range []struct {
		name string
		opts AsyncOptions
	}{
		{"block", AsyncOptions{QueueSize: 16}},
		{"block with timeout", AsyncOptions{QueueSize: 16, BlockTimeout: 50 * time.Microsecond}},
		{"drop-newest", AsyncOptions{QueueSize: 16, Overflow: DropNewest}},
		{"drop-oldest", AsyncOptions{QueueSize: 16, Overflow: DropOldest}},
		{"drop-newest never dropping WARN", AsyncOptions{QueueSize: 16, Overflow: DropNewest, NeverDrop: slog.LevelWarn}},
		{"drop-oldest never dropping WARN", AsyncOptions{QueueSize: 16, Overflow: DropOldest, NeverDrop: slog.LevelWarn}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &slowWriter{delay: 200 * time.Microsecond} // slow enough that 8 producers overflow 16 slots, race detector or not
			opts := tc.opts
			h := newTest(t, oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Async: &opts}))
			l := slog.New(h)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range perGoroutine {
						level := slog.LevelInfo
						if i%10 == 0 {
							level = slog.LevelWarn
						}
						l.Log(context.Background(), level, "m", "g", g, "i", i)
					}
				})
			}
			wg.Wait()
			require.NoError(t, h.Close())

			st := h.Stats()
			requireSettled(t, st)
			d := st.Destinations[0]
			require.Equal(t, uint64(goroutines*perGoroutine), d.Accepted)
			last := make([]int, goroutines)
			for i := range last {
				last[i] = -1
			}
			written, warns := 0, 0
			for _, r := range jsonRecords(t, w.out.Bytes()) {
				if r["msg"] == DropNotice {
					continue
				}
				written++
				g, i := int(r["g"].(float64)), int(r["i"].(float64))
				require.Greater(t, i, last[g], "goroutine %d's records out of order", g)
				last[g] = i
				if r["level"] == "WARN" {
					warns++
				}
			}
			assert.Equal(t, d.Written, uint64(written), "output holds what Stats calls written")
			assert.Equal(t, d.Dropped, noticed(t, w.out.Bytes()), "the notices account for every drop")
			switch {
			case opts.Overflow == Block && opts.BlockTimeout == 0:
				assert.Zero(t, d.Dropped, "Block is lossless")
				assert.Positive(t, d.Blocked, "callers waited")
			case opts.NeverDrop != nil:
				assert.Equal(t, goroutines*perGoroutine/10, warns, "no WARN record was dropped")
				assert.Positive(t, d.Dropped)
			default:
				assert.Positive(t, d.Dropped, "a queue of 16 in front of a slow writer must overflow")
			}
			assert.Equal(t, d.Capacity, d.HighWater, "the queue was full")
		})
	}
}

func TestDropNewestKeepsTheOldest(t *testing.T) {
	h, l, w := stalled(t, AsyncOptions{QueueSize: 4, Overflow: DropNewest})
	for _, m := range []string{"a", "b", "c", "d", "e", "f"} {
		l.Info(m)
	}
	w.Release()
	require.NoError(t, h.Close())
	assert.Equal(t, []string{"first", DropNotice, "a", "b", "c", "d"}, messages(t, w.out.Bytes()))
	assert.Equal(t, uint64(2), noticed(t, w.out.Bytes()))
	assert.Equal(t, uint64(2), h.Stats().Dropped)
}

func TestDropOldestKeepsTheNewest(t *testing.T) {
	h, l, w := stalled(t, AsyncOptions{QueueSize: 4, Overflow: DropOldest})
	for _, m := range []string{"a", "b", "c", "d", "e", "f"} {
		l.Info(m)
	}
	w.Release()
	require.NoError(t, h.Close())
	assert.Equal(t, []string{"first", DropNotice, "c", "d", "e", "f"}, messages(t, w.out.Bytes()))
	assert.Equal(t, uint64(2), noticed(t, w.out.Bytes()))
	requireSettled(t, h.Stats())
}

type askedValuer struct{ n *atomic.Int32 }

func (v askedValuer) LogValue() slog.Value { v.n.Add(1); return slog.StringValue("value") }

// A record that every destination of its layer would drop is dropped
// before it is read: a LogValuer is not asked for a value nobody will
// write, and the drop is counted and announced as any other.
func TestRefusedRecordIsNotRead(t *testing.T) {
	h, l, w := stalled(t, AsyncOptions{QueueSize: 2, Overflow: DropNewest})
	var asked atomic.Int32
	l.Info("a", "v", askedValuer{&asked})
	l.Info("b")
	assert.Equal(t, int32(1), asked.Load(), "a queued record is resolved by the caller")
	l.Info("dropped", "v", askedValuer{&asked})
	l.With("k", "v").Info("dropped", "v", askedValuer{&asked})
	assert.Equal(t, int32(1), asked.Load(), "a dropped record is not read")
	st := h.Stats()
	assert.Equal(t, uint64(2), st.Dropped)
	assert.Equal(t, st.Destinations[0].Capacity, st.Destinations[0].HighWater)
	w.Release()
	require.NoError(t, h.Close())
	assert.Equal(t, []string{"first", DropNotice, "a", "b"}, messages(t, w.out.Bytes()))
	assert.Equal(t, uint64(2), noticed(t, w.out.Bytes()))
	requireSettled(t, h.Stats())
}

// The shortcut above applies only when no destination of the layer takes
// the record: a full one drops its copy, the others still get theirs, and
// a destination that protects the level waits for room.
func TestRecordRefusedByOneDestinationReachesTheOthers(t *testing.T) {
	synctest.Test(t, recordRefusedByOneDestinationReachesTheOthers) // see mustWait
}

func recordRefusedByOneDestinationReachesTheOthers(t *testing.T) {
	full, free, protecting := newStallWriter(), &syncBuffer{}, newStallWriter()
	h := newTest(t, Config{Layers: map[string]Layer{
		"L": {Destinations: []Destination{
			{Type: "writer", Writer: full, Format: "json", Async: &AsyncOptions{QueueSize: 2, Overflow: DropNewest}},
			{Type: "writer", Writer: free, Format: "json"},
			{Type: "writer", Writer: protecting, Format: "json", Level: slog.LevelError, Async: &AsyncOptions{QueueSize: 2, Overflow: DropNewest, NeverDrop: slog.LevelError}},
		}},
		"other": {Destinations: []Destination{{Type: "null"}}},
	}})
	defer full.Release()
	defer protecting.Release()
	l := slog.New(h).With("layer", "L")
	l.Error("first")
	<-full.started
	<-protecting.started
	for _, m := range []string{"a", "b"} {
		l.Error(m)
	}
	var asked atomic.Int32
	l.Info("c", "v", askedValuer{&asked}) // full drops it, free writes it, protecting is above its level
	assert.Equal(t, int32(1), asked.Load())
	mustWait(t, "a protected record must wait for room", func() { l.Error("d") }, func() { full.Release(); protecting.Release() })
	require.NoError(t, h.Close())
	assert.Equal(t, []string{"first", DropNotice, "a", "b"}, messages(t, full.out.Bytes()))
	assert.Equal(t, []string{"first", "a", "b", "c", "d"}, messages(t, free.Bytes()))
	assert.Equal(t, []string{"first", "a", "b", "d"}, messages(t, protecting.out.Bytes()))
	requireSettled(t, h.Stats())
}

// TestDropOldestNeverWaitsForAStalledWriter stalls the writer in the middle
// of a batch, when the batch buffer is full and the consumer has just taken
// the next record off the queue, then floods the DropOldest queue from many
// goroutines. Every call must return: the consumer must not hold a slot of
// the queue while it writes, or the producers find the queue neither full
// enough to evict nor free enough to enqueue.
func TestDropOldestNeverWaitsForAStalledWriter(t *testing.T) {
	w := &gatedWriter{gates: []chan struct{}{make(chan struct{}), make(chan struct{})}, started: make(chan int, 1<<16)}
	h := newTest(t, oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: 64, Overflow: DropOldest}}))
	var release sync.Once
	releaseAll := func() { release.Do(func() { close(w.gates[1]) }) }
	defer releaseAll()
	l := slog.New(h)
	l.Info("first")
	require.Equal(t, 0, <-w.started) // the consumer waits in Write 0 with "first"
	pad := strings.Repeat("x", batchBytes*2/3)
	l.Info("big1", "pad", pad)
	l.Info("big2", "pad", pad)
	close(w.gates[0])
	require.Equal(t, 1, <-w.started) // Write 1: big1, written because big2 does not fit beside it

	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 5000 {
					l.Info("m", "g", g, "i", i)
				}
			})
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("producers are stuck evicting: the queue never looks full to them")
	}
	releaseAll()
	require.NoError(t, h.Close())
	requireSettled(t, h.Stats())
	assert.Equal(t, uint64(8*5000+3), h.Stats().Accepted)
}

// A record without attributes sets only the fields it has in its ring
// slot, which relies on the consumer zeroing every slot it frees: one
// logged after records with attributes, through the same slots, carries
// none of theirs.
func TestBareRecordInReusedSlot(t *testing.T) {
	var out syncBuffer
	h, err := New(oneLayer(Destination{Type: "writer", Writer: &out, Format: "json", Async: &AsyncOptions{QueueSize: 4}}))
	require.NoError(t, err)
	l := slog.New(h)
	// Three records a round into four slots, drained after each round so
	// that none waits for room: every slot holds both kinds in turn.
	for i := range 40 {
		l.Info("attrs", "a", i, "b", "x", "c", 1, "d", 2, "e", 3, "f", 4) // in the record's array and beyond it
		l.Warn("bare")
		l.Warn("bare")
		require.NoError(t, h.Flush(context.Background()))
	}
	require.NoError(t, h.Close())
	got := lines(out.Bytes())
	require.Len(t, got, 120)
	for i, line := range got {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if i%3 == 0 {
			assert.Len(t, rec, 9, line)
		} else {
			assert.Equal(t, map[string]any{"time": rec["time"], "level": "WARN", "msg": "bare"}, rec)
		}
	}
}

// A bare record is queued as its exported fields alone (queue.enqueue):
// that is the whole record only while slog.Record has no other field but
// its attributes'. A Go release that adds one fails here first.
func TestRecordFieldsBareEnqueueCopies(t *testing.T) {
	var names []string
	rt := reflect.TypeFor[slog.Record]()
	for i := range rt.NumField() {
		names = append(names, rt.Field(i).Name)
	}
	assert.Equal(t, []string{"Time", "Message", "Level", "PC", "front", "nFront", "back"}, names)
}

package hydra

// The policies that make a caller wait: Block, BlockTimeout, and the
// NeverDrop levels of a drop policy.

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitedFor is how long, in a bubble's time, mustWait keeps a caller
// waiting before it releases it.
const waitedFor = 50 * time.Millisecond

// mustWait runs log, which must wait, and must be called in a synctest
// bubble in which the Handler was created, so that its consumers and the
// channels they and the callers block on belong to the bubble. Once every
// other goroutine of the bubble is durably blocked, log must not have
// returned; nor waitedFor later, when whatever timers they set have fired.
// mustWait then calls release and waits for log to return.
func mustWait(t *testing.T, why string, log, release func()) {
	t.Helper()
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		log()
	}()
	for _, wait := range []time.Duration{0, waitedFor} {
		time.Sleep(wait)
		synctest.Wait()
		select {
		case <-returned:
			t.Fatalf("%s (returned after %v)", why, wait)
		default:
		}
	}
	release()
	<-returned
}

func TestNeverDropWaitsUnderDropNewest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, l, w := stalled(t, AsyncOptions{QueueSize: 2, Overflow: DropNewest, NeverDrop: slog.LevelError})
		l.Info("a")
		l.Info("b")
		l.Info("dropped")
		mustWait(t, "a protected record must wait for room, not be dropped", func() { l.Error("protected") }, w.Release)
		require.NoError(t, h.Close())
		assert.Equal(t, []string{"first", DropNotice, "a", "b", "protected"}, messages(t, w.out.Bytes()))
		assert.Equal(t, waitedFor, h.Stats().Destinations[0].Blocked, "the protected record waited until released")
	})
}

func TestBlockWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, l, w := stalled(t, AsyncOptions{QueueSize: 2})
		l.Info("a")
		l.Info("a2")
		mustWait(t, "Block must wait while the queue is full", func() { l.Info("b") }, w.Release)
		require.NoError(t, h.Close())
		assert.Equal(t, []string{"first", "a", "a2", "b"}, messages(t, w.out.Bytes()))
		assert.Equal(t, waitedFor, h.Stats().Destinations[0].Blocked, "the caller waited until released")
	})
}

// TestBlockedCallerTakesRoomFreedBeforeAStalledWrite has a caller wait on a
// full Block queue while the consumer is stalled in the middle of a batch,
// then lets the consumer go on with that batch, taking records off the
// queue, until its next write stalls: the room it freed must go to the
// waiting caller at once, not after the write. The caller starts waiting
// only once the consumer is in the middle of a batch, so that no batch
// ends, and no room is announced at a batch's end, before that write.
func TestBlockedCallerTakesRoomFreedBeforeAStalledWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &gatedWriter{gates: []chan struct{}{make(chan struct{}), make(chan struct{}), make(chan struct{})}, started: make(chan int, 16)}
		h := newTest(t, oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: 4, BlockTimeout: 10 * time.Second}}))
		var opened [3]sync.Once
		open := func(gate int) { opened[gate].Do(func() { close(w.gates[gate]) }) }
		defer open(2) // so that Close returns, if the test fails
		defer open(1)
		defer open(0)
		l := slog.New(h)
		l.Info("first")
		require.Equal(t, 0, <-w.started) // the consumer waits in Write 0
		pad := strings.Repeat("x", batchBytes/3)
		for i := range 4 { // the queue is full: four records of a third of a batch each
			l.Info("big", "i", i, "pad", pad)
		}
		open(0)
		// The consumer takes three bigs, the third of which does not fit
		// beside the first two: it writes them and stalls in Write 1, in
		// the middle of its batch, with the third carried over.
		require.Equal(t, 1, <-w.started)
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			logN(l, "small", 5) // fills the three free slots, then waits
		}()
		synctest.Wait()
		select {
		case <-returned:
			t.Fatal("the queue is full: the caller must wait")
		default:
		}
		open(1)
		// The consumer goes on with its batch: it takes the fourth big and
		// the smalls, the caller's last ones too if they come in time, then
		// writes and stalls in Write 2.
		require.Equal(t, 2, <-w.started)
		synctest.Wait() // the consumer is stalled, and the caller has returned or waits still
		select {
		case <-returned:
		default:
			t.Fatal("the caller still waits for room the consumer freed before its write stalled")
		}
		open(2)
		require.NoError(t, h.Close())
		assert.Zero(t, h.Stats().Dropped)
		assert.Equal(t, []string{"first", "big", "big", "big", "big", "small", "small", "small", "small", "small"}, messages(t, w.out.Bytes()))
	})
}

func TestBlockTimeoutBoundsTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newStallWriter()
		h, err := New(oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: 2, BlockTimeout: 100 * time.Millisecond}}))
		require.NoError(t, err)
		l := slog.New(h)
		l.Info("first")
		<-w.started
		l.Info("q1")
		l.Info("q2")
		start := time.Now()
		l.Info("timed out")
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "the caller waited exactly BlockTimeout")
		d := h.Stats().Destinations[0]
		assert.Equal(t, uint64(1), d.Dropped)
		assert.Equal(t, 100*time.Millisecond, d.Blocked)
		w.Release()
		require.NoError(t, h.Close())
		assert.Equal(t, []string{"first", DropNotice, "q1", "q2"}, messages(t, w.out.Bytes()))
	})
}

func TestStalledDestinationDoesNotStallAnother(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stuck := newStallWriter()
		defer stuck.Release()
		free := &syncBuffer{}
		h := newTest(t, Config{Layers: map[string]Layer{
			"STUCK": {Destinations: []Destination{{Type: "writer", Writer: stuck, Async: &AsyncOptions{QueueSize: 4}}}},
			"FREE":  {Destinations: []Destination{{Type: "writer", Writer: free}}},
		}})
		l := slog.New(h)
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			logN(l.With("layer", "STUCK"), "m", 100) // blocks once the queue is full
		}()
		<-stuck.started
		logN(l.With("layer", "FREE"), "m", 1000)
		synctest.Wait() // both consumers and the STUCK producer are blocked, or done
		assert.Len(t, lines(free.Bytes()), 1000, "FREE wrote everything while STUCK is stalled")
		time.Sleep(waitedFor) // STUCK stays stalled: its producer must still wait
		synctest.Wait()
		select {
		case <-returned:
			t.Fatal("the STUCK producer should still be waiting")
		default:
		}
		stuck.Release()
		<-returned
		require.NoError(t, h.Close())
		assert.Len(t, lines(stuck.out.Bytes()), 100, "Block lost nothing")
	})
}

func TestDropOldestSparesProtectedRecords(t *testing.T) {
	synctest.Test(t, dropOldestSparesProtectedRecords) // see mustWait
}

func dropOldestSparesProtectedRecords(t *testing.T) {
	h, l, w := stalled(t, AsyncOptions{QueueSize: 2, Overflow: DropOldest, NeverDrop: slog.LevelError})
	l.Info("a")
	l.Error("p1")
	l.Error("p2") // a protected record evicts the unprotected oldest, "a"
	l.Info("b")   // the oldest, p1, is protected: "b" is dropped instead
	// The oldest is protected: p3 waits for room.
	mustWait(t, "p3 must wait: it may not evict a protected record, nor be dropped", func() { l.Error("p3") }, w.Release)
	require.NoError(t, h.Close())
	assert.Equal(t, []string{"first", DropNotice, "p1", "p2", "p3"}, messages(t, w.out.Bytes()))
	assert.Equal(t, uint64(2), noticed(t, w.out.Bytes()), "a evicted, b dropped")
	requireSettled(t, h.Stats())
}

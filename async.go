// This file owns the queue of an asynchronous destination: the ring of
// entries between the callers and the consumer (consumer.go), and how they
// wake each other. policy.go holds what a caller does when it is full.

package hydra

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hydralog/hydra/internal/ring"
)

// entry is what a caller hands to a destination: the record (cloned, its
// LogValuers resolved), what WithAttrs and WithGroup bound to the Handler
// that logged it, and, for handler destinations only, the caller's context.
type entry struct {
	rec   slog.Record
	scope *scope
	ctx   context.Context
	// notice marks the consumer's own drop notice, which is written like a
	// record but not counted as one.
	notice bool
	// pre, when set, holds the record formatted by its caller (see
	// sink.formatEarly): the consumer copies its bytes, and rec and scope
	// are empty.
	pre *earlyBuf
}

// queue is the asynchronous part of a sink: a ring shared by the callers
// and one consumer goroutine, which sink.run runs from New until Close.
type queue struct {
	ring         *ring.Ring[entry]
	policy       Policy
	blockTimeout time.Duration
	neverDrop    slog.Leveler
	wakeup       chan struct{} // capacity 1: a token is never lost, at most one is pending
	done         chan struct{} // closed when the consumer goroutine returns
	planned      int           // Check: the capacity New would give; ring is nil
	// netDown, when set, is the outage flag of the network destination the
	// queue feeds (netControl.down): under Block, a full queue drops the
	// newest record instead of waiting while it is set, as DropNewest
	// does. Set once, before the sink is published; the flag is read only
	// when the queue is full.
	netDown *atomic.Bool
	// early formats heavy records on callers that would wait for room:
	// asynchronous text, JSON and console destinations only (see early.go).
	early *earlyFormat

	// The fields above are set before the queue is used and only read
	// after, by every caller on every record. Those below are written
	// while records flow; the padding keeps each group's writes off the
	// others' cache lines.
	_ [cacheLine]byte

	// parked is true while the consumer waits on wakeup. A caller that
	// enqueues swaps it to false and sends the token; the consumer sets it
	// before its last look at the ring, so one side always sees the other.
	// Every caller reads it; only parking and waking write it.
	parked atomic.Bool
	_      [cacheLine]byte

	// Written by the consumer as it works, and by Flush and Close.
	room      roomSignal    // callers waiting for a free slot (Block, NeverDrop)
	progress  notifier      // Flush calls waiting for records to be written
	flushReq  atomic.Uint64 // Flush requests made
	flushDone atomic.Uint64 // Flush requests the consumer has served
	completed atomic.Uint64 // every position below it is written, failed or dropped
	abandon   atomic.Bool   // set by Shutdown at its deadline: drop what is queued
	retired   atomic.Bool   // set by Reload before it closes the ring: see errRetired
	closeOnce sync.Once     // closes the ring: at Shutdown, or when Reload retires the sink
	_         [cacheLine]byte

	// Written by callers that drop or wait.
	rejected  atomic.Uint64 // dropped on arrival: DropNewest, a timeout, a protected oldest, closed
	evicted   atomic.Uint64 // dropped by DropOldest
	abandoned atomic.Uint64 // dropped at Shutdown's deadline
	blocked   atomic.Int64  // nanoseconds callers spent waiting for room
	highWater atomic.Int64
}

// shedding reports whether a full queue drops a record that Block would
// make wait: its network destination is down.
func (q *queue) shedding() bool { return q.netDown != nil && q.netDown.Load() }

// plannedQueue is the queue of a sink Check builds: its settings, without
// the ring's memory, which New would take (up to MaxQueueSize slots).
func plannedQueue(opts AsyncOptions) *queue {
	return &queue{policy: opts.Overflow, planned: ring.RoundSize(cmp.Or(opts.QueueSize, DefaultQueueSize))}
}

func newQueue(opts AsyncOptions) *queue {
	size := opts.QueueSize
	if size == 0 {
		size = DefaultQueueSize
	}
	r := ring.New[entry](size)
	return &queue{
		ring:         r,
		policy:       opts.Overflow,
		blockTimeout: opts.BlockTimeout,
		neverDrop:    opts.NeverDrop,
		wakeup:       make(chan struct{}, 1),
		room:         roomSignal{closed: make(chan struct{})},
		done:         make(chan struct{}),
	}
}

// wake makes sure a parked consumer runs. Callers call it after every
// enqueue; while the consumer is busy it costs one atomic load.
func (q *queue) wake() {
	if q.parked.Load() && q.parked.CompareAndSwap(true, false) {
		select {
		case q.wakeup <- struct{}{}:
		default: // a token is already pending
		}
	}
}

// noteFull records that the queue was seen full: the high water mark is
// then exactly the capacity.
func (q *queue) noteFull() { q.raiseHighWater(q.ring.Cap()) }

func (q *queue) raiseHighWater(n int) {
	for {
		hw := q.highWater.Load()
		if int64(n) <= hw || q.highWater.CompareAndSwap(hw, int64(n)) {
			return
		}
	}
}

func (q *queue) dropped() uint64 {
	return q.rejected.Load() + q.evicted.Load() + q.abandoned.Load()
}

// roomSignal wakes callers waiting for room in a full queue. The consumer
// frees slots one by one but wakes the waiters only now and then: after
// every roomWakeEvery slots it frees, and after the last of a batch; it
// then wakes them all, by closing a channel (notifier's), and each tries
// again (those that find no room wait again). One wake per slot, as a
// token each, cost the consumer a fifth of its time under Block with many
// callers waiting. closed wakes them all when the queue closes.
//
// A waiter adds itself to waiters, takes the channel, tries to enqueue,
// then waits on the channel: a slot freed after the try is followed by a
// wake that closes that channel (the consumer frees before it looks at
// waiters), so a waiter never sleeps through room.
type roomSignal struct {
	waiters atomic.Int32
	wake    notifier
	closed  chan struct{} // closed when the ring closes: by Shutdown, or when Reload retires the sink
}

// roomWakeEvery is how many slots the consumer frees before it wakes the
// callers waiting for room, if any, within a batch.
const roomWakeEvery = 32

// channel returns the channel the next wake closes.
func (r *roomSignal) channel() <-chan struct{} { return r.wake.channel() }

// freed wakes every waiter, if any. With none it costs one atomic load.
func (r *roomSignal) freed() {
	if r.waiters.Load() > 0 {
		r.wake.waiters.Store(1) // broadcast only looks at whether someone waits
		r.wake.broadcast()
	}
}

// notifier lets goroutines wait for an event that another goroutine
// broadcasts, with a deadline or a context. Waiters add themselves to
// waiters, take channel, check their condition, then wait on the channel.
// broadcast closes the current channel only when someone waits, so the
// consumer pays one atomic load when nobody does.
type notifier struct {
	waiters atomic.Int32
	mu      sync.Mutex
	ch      chan struct{}
}

func (s *notifier) channel() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *notifier) broadcast() {
	if s.waiters.Load() == 0 {
		return
	}
	s.mu.Lock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
	s.mu.Unlock()
}

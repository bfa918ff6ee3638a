// This file owns the asynchronous side of a destination: its queue, the
// consumer goroutine that drains it, and how callers and the consumer wake
// each other.

package hydra

import (
	"context"
	"log/slog"
	"runtime"
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
}

// queue is the asynchronous part of a sink: a ring shared by the callers
// and one consumer goroutine, which sink.run runs from New until Close.
type queue struct {
	ring         *ring.Ring[entry]
	policy       Policy
	blockTimeout time.Duration
	neverDrop    slog.Leveler

	// parked is true while the consumer waits on wakeup. A caller that
	// enqueues swaps it to false and sends the token; the consumer sets it
	// before its last look at the ring, so one side always sees the other.
	parked atomic.Bool
	wakeup chan struct{} // capacity 1: a token is never lost, at most one is pending

	room     roomSignal // callers waiting for a free slot (Block, NeverDrop)
	progress notifier   // Flush calls waiting for records to be written

	flushReq  atomic.Uint64 // Flush requests made
	flushDone atomic.Uint64 // Flush requests the consumer has served
	completed atomic.Uint64 // every position below it is written, failed or dropped
	closing   atomic.Bool   // set by Shutdown after the ring is closed
	abandon   atomic.Bool   // set by Shutdown at its deadline: drop what is queued
	done      chan struct{} // closed when the consumer goroutine returns

	rejected  atomic.Uint64 // dropped on arrival: DropNewest, a timeout, a protected oldest, closed
	evicted   atomic.Uint64 // dropped by DropOldest
	abandoned atomic.Uint64 // dropped at Shutdown's deadline
	blocked   atomic.Int64  // nanoseconds callers spent waiting for room
	highWater atomic.Int64
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
		room:         roomSignal{tokens: make(chan struct{}, r.Cap()), closed: make(chan struct{})},
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

// roomSignal wakes callers waiting for room in a full queue: one token per
// slot the consumer frees while someone waits, so that each freed slot
// wakes one waiter and no more, and closed wakes them all when the queue
// closes. A waiter adds itself to waiters, tries to enqueue, then waits for
// a token: the consumer frees a slot before it looks at waiters, so either
// the try finds the slot or the consumer sends a token. A token a waiter
// does not need stays in the channel and wakes a later waiter for nothing,
// which tries again and waits again.
type roomSignal struct {
	waiters atomic.Int32
	tokens  chan struct{} // capacity: the ring's, so a token is never lost
	closed  chan struct{} // closed by Shutdown
}

// freed tells a waiter, if any, that a slot was freed. With no waiter it
// costs one atomic load.
func (r *roomSignal) freed() {
	if r.waiters.Load() > 0 {
		select {
		case r.tokens <- struct{}{}:
		default: // as many tokens as slots are pending already
		}
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

// run is the consumer goroutine of an asynchronous sink. It drains the
// queue in batches, parks on q.wakeup when there is nothing to do, and
// returns after Shutdown once the queue is empty (or abandoned), having
// written the pending drop notice and closed the output.
func (s *sink) run() {
	q := s.q
	defer close(q.done)
	for {
		s.batch()
		if q.abandon.Load() {
			s.abandonQueued()
			s.closeOutput()
			return
		}
		if q.closing.Load() && q.ring.Len() == 0 {
			break
		}
		if s.hasWork() {
			continue
		}
		q.parked.Store(true)
		if s.hasWork() {
			q.parked.Store(false) // a token may still arrive: the next park consumes it
			continue
		}
		<-q.wakeup
	}
	s.writeNotices(true)
	s.settle(s.out.flush())
	s.closeOutput()
}

// hasWork reports whether the consumer has something to do now. A closing
// queue whose oldest position is claimed but not yet filled has nothing to
// do: the producer filling it wakes the consumer.
func (s *sink) hasWork() bool {
	q := s.q
	return q.ring.Ready() ||
		q.flushReq.Load() != q.flushDone.Load() ||
		q.abandon.Load() ||
		(q.closing.Load() && q.ring.Len() == 0)
}

// batch writes the records queued now, up to one batch: the drop notice
// first if one is due, then records until the queue is empty or the output
// wants to write. It then updates completed and serves Flush.
func (s *sink) batch() {
	q := s.q
	want := q.flushReq.Load()
	q.raiseHighWater(q.ring.Len())
	s.writeNotices(want != q.flushDone.Load() || q.closing.Load())
	var next uint64 // the position after the last record taken
	n := 0          // records taken
	for !s.out.full() {
		sl, pos, ok := q.ring.Claim()
		if !ok {
			break
		}
		// Copy the record out and free its slot before formatting it: add
		// may write, and a slot held while a write stalls is one the
		// producers can neither fill nor evict (see TestDropOldest...).
		s.cur = sl.Val
		q.ring.Release(sl, pos)
		q.room.freed()
		s.settle(s.out.add(&s.cur))
		next = pos + 1
		n++
	}
	s.cur = entry{} // do not keep the last record's values alive
	s.settle(s.out.flush())
	if n > 0 {
		q.completed.Store(next)
	}
	q.flushDone.Store(want)
	q.progress.broadcast()
}

// abandonQueued drops every record still queued, after Shutdown's deadline.
// The ring is closed, so the set of queued records is final; a position
// claimed but not yet filled is waited for (its producer is running).
func (s *sink) abandonQueued() {
	q := s.q
	for q.ring.Len() > 0 {
		sl, pos, ok := q.ring.Claim()
		if !ok {
			runtime.Gosched()
			continue
		}
		q.ring.Release(sl, pos)
		q.abandoned.Add(1)
		q.completed.Store(pos + 1)
	}
	q.progress.broadcast()
}

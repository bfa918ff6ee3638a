// This file owns ring, the bounded lock-free queue behind every asynchronous
// destination.

package hydra

import (
	"runtime"
	"sync/atomic"
)

// ring is a bounded lock-free FIFO queue of T after Dmitry Vyukov's bounded
// MPMC queue (https://www.1024cores.net/home/lock-free-algorithms/queues/bounded-mpmc-queue).
//
// Every slot carries a sequence number that says whose turn it is. For the
// position pos that maps to the slot (pos & mask):
//
//	seq == pos          the slot is free: the producer that claims pos may fill it
//	seq == pos+1        the slot holds the record enqueued at pos: it may be dequeued
//	seq == pos+capacity the record was dequeued: the slot is free for the next lap
//
// Producers claim a position by a CAS on tail, consumers by a CAS on head, and
// each side publishes the slot by storing its next sequence number. Sequence
// differences are compared as signed integers so the comparison is right
// whatever the lap.
//
// hydra uses it with many producers (the goroutines calling Handle) and one
// consumer goroutine per destination. Producers also dequeue, through
// replaceOldest, to implement the DropOldest policy, which is why head is
// advanced by CAS rather than a plain store.
//
// The highest bit of tail marks the ring closed: once set, no position can be
// claimed, so the set of enqueued records is final and the consumer can drain
// it completely.
type ring[T any] struct {
	// tail and head are written by different goroutines (producers and the
	// consumer); the padding keeps them on separate cache lines so that a
	// producer's CAS does not invalidate the consumer's line and vice versa.
	tail atomic.Uint64 // next position to claim for enqueue; closedBit once closed
	_    [cacheLine - 8]byte
	head atomic.Uint64 // next position to dequeue
	_    [cacheLine - 8]byte

	mask  uint64 // capacity-1; capacity is a power of two
	slots []slot[T]
}

// cacheLine is the size of a CPU cache line on the platforms Go runs on
// (64 bytes; 128 on some arm64 parts, where 64 still separates the counters
// from each other's most frequent writes).
const cacheLine = 64

// closedBit marks tail once the ring is closed. Positions never get near it:
// at a billion records a second it takes 292 years to reach 1<<63.
const closedBit = 1 << 63

type slot[T any] struct {
	seq atomic.Uint64
	// pinned says the record must not be evicted by replaceOldest (a
	// never-drop level). It is atomic because evicting producers read it
	// before they own the slot; a value read from a later lap is discarded
	// when their CAS on head fails.
	pinned atomic.Bool
	val    T
}

// pushResult is the outcome of an attempt to enqueue.
type pushResult int

const (
	pushed        pushResult = iota // the record is in the ring
	ringFull                        // no free slot; nothing changed
	ringClosed                      // the ring is closed; nothing changed
	headPinned                      // replaceOldest only: the oldest record may not be evicted
	ringRoom                        // replaceOldest only: the ring has room after all; push again
	evictedClosed                   // replaceOldest only: the oldest record was evicted, then the ring closed
)

// newRing returns a ring with room for size records (see newRingSize).
func newRing[T any](size int) *ring[T] {
	n := newRingSize(size)
	r := &ring[T]{mask: uint64(n - 1), slots: make([]slot[T], n)}
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
	return r
}

// newRingSize returns the capacity of a ring asked to hold size records:
// size rounded up to a power of two, and at least 2. With one slot the
// sequence number of a full slot (pos+1) would equal that of the free slot
// for the next position, and a producer could overwrite an unread record.
func newRingSize(size int) int {
	n := 2
	for n < size {
		n <<= 1
	}
	return n
}

// capacity returns the number of slots.
func (r *ring[T]) capacity() int { return int(r.mask + 1) }

// len returns the number of positions claimed and not yet dequeued. It
// includes records whose producer is still writing them.
func (r *ring[T]) len() int {
	h := r.head.Load() // head first: tail read later is never below it
	t := r.tail.Load() &^ closedBit
	return int(t - h)
}

// enqueued returns how many records were ever enqueued.
func (r *ring[T]) enqueued() uint64 { return r.tail.Load() &^ closedBit }

// close stops the ring from accepting records. Records already claimed stay
// and can be dequeued.
func (r *ring[T]) close() { r.tail.Or(closedBit) }

// push enqueues *v if there is a free slot. It never waits.
func (r *ring[T]) push(v *T, pinned bool) pushResult {
	s, pos, res := r.reserve()
	if res == pushed {
		s.val = *v
		r.commit(s, pos, pinned)
	}
	return res
}

// reserve claims the next free position, if there is one, and returns its
// slot: the caller fills s.val and then must call commit, without delay,
// since the consumer waits for the position in order. Filling in place
// saves copying a record twice.
func (r *ring[T]) reserve() (s *slot[T], pos uint64, res pushResult) {
	pos = r.tail.Load()
	for {
		if pos&closedBit != 0 {
			return nil, pos, ringClosed
		}
		s = &r.slots[pos&r.mask]
		switch dif := int64(s.seq.Load() - pos); {
		case dif == 0:
			// The slot is free in this lap: claim pos.
			if r.tail.CompareAndSwap(pos, pos+1) {
				return s, pos, pushed
			}
			// Another producer claimed pos first, or the ring was closed.
			pos = r.tail.Load()
		case dif < 0:
			// The slot still holds the record from the previous lap, so
			// tail is a full capacity ahead of head.
			return nil, pos, ringFull
		default:
			// Another producer already claimed and filled pos: ours is stale.
			pos = r.tail.Load()
		}
	}
}

// full reports whether the ring is full and open: a push now would return
// ringFull.
func (r *ring[T]) full() bool {
	pos := r.tail.Load()
	return pos&closedBit == 0 && int64(r.slots[pos&r.mask].seq.Load()-pos) < 0
}

// commit publishes the slot reserve returned, filled, to the consumer.
func (r *ring[T]) commit(s *slot[T], pos uint64, pinned bool) {
	r.setPinned(s, pinned)
	s.seq.Store(pos + 1)
}

// setPinned stores the flag only when it changes: an atomic store is a
// full fence on amd64, and without NeverDrop the flag never changes.
func (r *ring[T]) setPinned(s *slot[T], pinned bool) {
	if s.pinned.Load() != pinned {
		s.pinned.Store(pinned)
	}
}

// replaceOldest evicts the oldest record and enqueues *v in the same step,
// when the ring is full. It returns pushed when it did, ringRoom when the ring
// turned out to have room (the caller should push again), headPinned when the
// oldest record is pinned, and ringClosed. evictedClosed means the oldest
// record was evicted but the ring closed before *v could take its place.
//
// The two CASes make the exchange atomic: after the CAS on head the evicting
// producer owns the oldest slot, and because the ring was full, that slot is
// also the one at tail. No other producer can claim tail while the slot's
// sequence still says "full", so the CAS on tail that follows cannot lose to
// a producer; it can only fail because the ring was closed in between.
func (r *ring[T]) replaceOldest(v *T, pinned bool) pushResult {
	for spins := 0; ; spins++ {
		if spins > 0 && spins%64 == 0 {
			// Another evicting producer holds the oldest slot between its
			// two CASes, or a producer has claimed the head position but not
			// filled it yet. Both finish in a few instructions unless
			// preempted; let them run.
			runtime.Gosched()
		}
		h := r.head.Load()
		t := r.tail.Load()
		if t&closedBit != 0 {
			return ringClosed
		}
		if t != h+r.mask+1 {
			if t-h <= r.mask {
				return ringRoom // the consumer made room meanwhile
			}
			continue // h is stale
		}
		s := &r.slots[h&r.mask]
		if s.seq.Load() != h+1 {
			continue // the oldest record is still being written
		}
		if s.pinned.Load() {
			if r.head.Load() != h {
				continue // the pinned record was dequeued meanwhile
			}
			return headPinned
		}
		if !r.head.CompareAndSwap(h, h+1) {
			continue // the consumer or another evicting producer took h
		}
		if !r.tail.CompareAndSwap(t, t+1) {
			// Only close can move tail now (see above). Free the slot for
			// the lap that will never come.
			var zero T
			s.val = zero
			s.seq.Store(h + r.mask + 1)
			return evictedClosed
		}
		s.val = *v // overwrites (and so releases) the evicted record
		r.commit(s, t, pinned)
		return pushed
	}
}

// ready reports whether the oldest record can be dequeued now.
func (r *ring[T]) ready() bool {
	h := r.head.Load()
	return r.slots[h&r.mask].seq.Load() == h+1
}

// claim dequeues the oldest record in place: it returns the slot, which the
// caller owns until it passes it to release, and the position. ok is false
// when the ring is empty or the oldest position is claimed but not filled
// yet; the producer filling it wakes the consumer afterwards.
//
// The caller must release the slot without blocking in between: a claimed
// slot lies outside [head, tail), so while it is held a full ring looks to
// replaceOldest as if it had room, and evicting producers spin.
func (r *ring[T]) claim() (s *slot[T], pos uint64, ok bool) {
	pos = r.head.Load()
	for {
		s = &r.slots[pos&r.mask]
		switch dif := int64(s.seq.Load() - (pos + 1)); {
		case dif == 0:
			if r.head.CompareAndSwap(pos, pos+1) {
				return s, pos, true
			}
			// An evicting producer took pos.
			pos = r.head.Load()
		case dif < 0:
			return nil, pos, false
		default:
			// pos was dequeued by an evicting producer and refilled a lap later.
			pos = r.head.Load()
		}
	}
}

// release frees a slot returned by claim for the producers' next lap.
func (r *ring[T]) release(s *slot[T], pos uint64) {
	var zero T
	s.val = zero // drop references so the garbage collector can reclaim them
	s.seq.Store(pos + r.mask + 1)
}

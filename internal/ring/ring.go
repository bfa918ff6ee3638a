// Package ring provides Ring, the bounded lock-free queue behind every
// asynchronous hydra destination: many producers, one consumer, and
// producers that may evict the oldest record to make room.
package ring

import (
	"runtime"
	"sync/atomic"
)

// Ring is a bounded lock-free FIFO queue of T after Dmitry Vyukov's bounded
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
// ReplaceOldest, to implement the DropOldest policy, which is why head is
// advanced by CAS rather than a plain store.
//
// The highest bit of tail marks the ring closed: once set, no position can be
// claimed, so the set of enqueued records is final and the consumer can drain
// it completely.
//
// A Ring is safe for concurrent use by any number of producers (Push,
// Reserve and Commit, ReplaceOldest, Close) and one consumer (Claim and
// Release); Len, Cap, Enqueued, Full and Ready may be called from anywhere.
type Ring[T any] struct {
	// mask and slots, which both sides read for every record, and tail and
	// head, which different goroutines write (producers and the consumer),
	// each have cache lines of their own: the padding keeps a producer's
	// CAS from invalidating the consumer's line and vice versa, and keeps
	// whatever the allocator places next to the Ring off all of them.
	_     [cacheLine]byte
	mask  uint64 // capacity-1; capacity is a power of two
	slots []Slot[T]
	_     [cacheLine]byte
	tail  atomic.Uint64 // next position to claim for enqueue; closedBit once closed
	_     [cacheLine]byte
	head  atomic.Uint64 // next position to dequeue
	_     [cacheLine]byte
}

// cacheLine is the size of a CPU cache line on the platforms Go runs on
// (64 bytes; 128 on some arm64 parts, where 64 still separates the counters
// from each other's most frequent writes).
const cacheLine = 64

// closedBit marks tail once the ring is closed. Positions never get near it:
// at a billion records a second it takes 292 years to reach 1<<63.
const closedBit = 1 << 63

// Slot is one cell of a Ring: its sequence number, whether its record is
// pinned, and the record. A producer fills Val between Reserve and Commit;
// the consumer reads it between Claim and Release.
type Slot[T any] struct {
	seq atomic.Uint64
	// pinned says the record must not be evicted by ReplaceOldest (a
	// never-drop level). It is atomic because evicting producers read it
	// before they own the slot; a value read from a later lap is discarded
	// when their CAS on head fails.
	pinned atomic.Bool
	Val    T // the record
}

// Result is the outcome of an attempt to enqueue.
type Result int

// The results of Push, Reserve and ReplaceOldest.
const (
	Pushed        Result = iota // the record is in the ring
	Full                        // no free slot; nothing changed
	Closed                      // the ring is closed; nothing changed
	HeadPinned                  // ReplaceOldest only: the oldest record may not be evicted
	Room                        // ReplaceOldest only: the ring has room after all; push again
	EvictedClosed               // ReplaceOldest only: the oldest record was evicted, then the ring closed
)

// New returns a ring with room for size records (see RoundSize).
func New[T any](size int) *Ring[T] {
	n := RoundSize(size)
	r := &Ring[T]{mask: uint64(n - 1), slots: make([]Slot[T], n)}
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
	return r
}

// RoundSize returns the capacity of a ring asked to hold size records:
// size rounded up to a power of two, and at least 2. With one slot the
// sequence number of a full slot (pos+1) would equal that of the free slot
// for the next position, and a producer could overwrite an unread record.
func RoundSize(size int) int {
	n := 2
	for n < size {
		n <<= 1
	}
	return n
}

// Cap returns the number of slots.
func (r *Ring[T]) Cap() int { return int(r.mask + 1) }

// Len returns the number of positions claimed and not yet dequeued. It
// includes records whose producer is still writing them. Read while
// others move head and tail, it is a snapshot of two moments: at most
// Cap, which it never truly exceeds.
func (r *Ring[T]) Len() int {
	h := r.head.Load() // head first: tail read later is never below it
	t := r.tail.Load() &^ closedBit
	return min(int(t-h), r.Cap())
}

// Enqueued returns how many records were ever enqueued.
func (r *Ring[T]) Enqueued() uint64 { return r.tail.Load() &^ closedBit }

// Close stops the ring from accepting records. Records already claimed stay
// and can be dequeued.
func (r *Ring[T]) Close() { r.tail.Or(closedBit) }

// Closed reports whether Close was called.
func (r *Ring[T]) Closed() bool { return r.tail.Load()&closedBit != 0 }

// Push enqueues *v if there is a free slot. It never waits.
func (r *Ring[T]) Push(v *T, pinned bool) Result {
	s, pos, res := r.Reserve()
	if res == Pushed {
		s.Val = *v
		r.Commit(s, pos, pinned)
	}
	return res
}

// Reserve claims the next free position, if there is one, and returns its
// slot, its Val zero: the caller fills s.Val and then must call Commit,
// without delay, since the consumer waits for the position in order.
// Filling in place saves copying a record twice.
func (r *Ring[T]) Reserve() (s *Slot[T], pos uint64, res Result) {
	pos = r.tail.Load()
	for {
		if pos&closedBit != 0 {
			return nil, pos, Closed
		}
		s = &r.slots[pos&r.mask]
		switch dif := int64(s.seq.Load() - pos); {
		case dif == 0:
			// The slot is free in this lap: claim pos.
			if r.tail.CompareAndSwap(pos, pos+1) {
				return s, pos, Pushed
			}
			// Another producer claimed pos first, or the ring was closed.
			pos = r.tail.Load()
		case dif < 0:
			// The slot still holds the record from the previous lap, so
			// tail is a full capacity ahead of head.
			return nil, pos, Full
		default:
			// Another producer already claimed and filled pos: ours is stale.
			pos = r.tail.Load()
		}
	}
}

// Full reports whether the ring is full and open: a Push now would return
// Full.
func (r *Ring[T]) Full() bool {
	pos := r.tail.Load()
	return pos&closedBit == 0 && int64(r.slots[pos&r.mask].seq.Load()-pos) < 0
}

// Commit publishes the slot Reserve returned, filled, to the consumer.
func (r *Ring[T]) Commit(s *Slot[T], pos uint64, pinned bool) {
	r.setPinned(s, pinned)
	s.seq.Store(pos + 1)
}

// setPinned stores the flag only when it changes: an atomic store is a
// full fence on amd64, and without NeverDrop the flag never changes.
func (r *Ring[T]) setPinned(s *Slot[T], pinned bool) {
	if s.pinned.Load() != pinned {
		s.pinned.Store(pinned)
	}
}

// ReplaceOldest evicts the oldest record and enqueues *v in the same step,
// when the ring is full. It returns Pushed when it did, Room when the ring
// turned out to have room (the caller should push again), HeadPinned when the
// oldest record is pinned, and Closed. EvictedClosed means the oldest
// record was evicted but the ring closed before *v could take its place.
//
// The two CASes make the exchange atomic: after the CAS on head the evicting
// producer owns the oldest slot, and because the ring was full, that slot is
// also the one at tail. No other producer can claim tail while the slot's
// sequence still says "full", so the CAS on tail that follows cannot lose to
// a producer; it can only fail because the ring was closed in between.
func (r *Ring[T]) ReplaceOldest(v *T, pinned bool) Result {
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
			return Closed
		}
		if t != h+r.mask+1 {
			if t-h <= r.mask {
				return Room // the consumer made room meanwhile
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
			return HeadPinned
		}
		if !r.head.CompareAndSwap(h, h+1) {
			continue // the consumer or another evicting producer took h
		}
		if !r.tail.CompareAndSwap(t, t+1) {
			// Only Close can move tail now (see above). Free the slot for
			// the lap that will never come.
			var zero T
			s.Val = zero
			s.seq.Store(h + r.mask + 1)
			return EvictedClosed
		}
		s.Val = *v // overwrites (and so releases) the evicted record
		r.Commit(s, t, pinned)
		return Pushed
	}
}

// Ready reports whether the oldest record can be dequeued now.
func (r *Ring[T]) Ready() bool {
	h := r.head.Load()
	return r.slots[h&r.mask].seq.Load() == h+1
}

// Claim dequeues the oldest record in place: it returns the slot, which the
// caller owns until it passes it to Release, and the position. ok is false
// when the ring is empty or the oldest position is claimed but not filled
// yet; the producer filling it wakes the consumer afterwards.
//
// The caller must release the slot without blocking in between: a claimed
// slot lies outside [head, tail), so while it is held a full ring looks to
// ReplaceOldest as if it had room, and evicting producers spin.
func (r *Ring[T]) Claim() (s *Slot[T], pos uint64, ok bool) {
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

// Release frees a slot returned by Claim for the producers' next lap. It
// sets Val to the zero value first: that drops its references, so that
// the garbage collector can reclaim them, and lets a producer that
// reserves the slot set only the fields its value uses.
func (r *Ring[T]) Release(s *Slot[T], pos uint64) {
	var zero T
	s.Val = zero
	s.seq.Store(pos + r.mask + 1)
}

// This file owns the overflow policies: what a caller of Handle does when a
// destination's queue is full.

package hydra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/hydralog/hydra/internal/ring"
)

// Policy says what Handle does when a destination's queue is full.
//
// Whatever the policy, a record at or above [AsyncOptions.NeverDrop] waits
// for room instead of being dropped, and every record dropped is counted in
// [DestinationStats.Dropped] and announced in the destination's own output
// (see the package documentation, "Drops are visible").
type Policy int

const (
	// Block makes the caller wait for room: nothing is lost, but a slow
	// destination slows the goroutines logging to it. With
	// [AsyncOptions.BlockTimeout] the wait is bounded and a record that
	// still finds no room is dropped.
	Block Policy = iota
	// DropNewest discards the incoming record: the caller never waits and
	// the queue keeps the oldest records.
	DropNewest
	// DropOldest evicts the oldest queued record to make room for the
	// incoming one: the caller never waits and the queue keeps the newest
	// records. The eviction and the enqueue are one atomic step.
	DropOldest
)

var policyNames = [...]string{
	Block:      "block",
	DropNewest: "drop-newest",
	DropOldest: "drop-oldest",
}

// String returns "block", "drop-newest" or "drop-oldest", or "Policy(n)" for
// a value that is none of them.
func (p Policy) String() string {
	if p.valid() {
		return policyNames[p]
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

func (p Policy) valid() bool { return p >= 0 && int(p) < len(policyNames) }

// MarshalText implements [encoding.TextMarshaler]. It fails for a value that
// is not one of the declared policies.
func (p Policy) MarshalText() ([]byte, error) {
	if !p.valid() {
		return nil, fmt.Errorf("hydra: cannot marshal invalid %v", p)
	}
	return []byte(policyNames[p]), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]. It accepts the names
// String returns, in any case, and "_" for "-" ("DROP_OLDEST").
func (p *Policy) UnmarshalText(text []byte) error {
	name := strings.ReplaceAll(strings.ToLower(string(text)), "_", "-")
	for i, n := range policyNames {
		if n == name {
			*p = Policy(i)
			return nil
		}
	}
	return fmt.Errorf("hydra: unknown policy %q (want %s, %s or %s)",
		text, policyNames[Block], policyNames[DropNewest], policyNames[DropOldest])
}

// enqueue puts a record on the queue, applying the overflow policy when it
// is full. It runs on the caller's goroutine. bare says the record has no
// attributes (false is always safe): the caller knows it without asking
// r.NumAttrs, whose value receiver would copy the whole record.
func (q *queue) enqueue(r *slog.Record, bare bool, sc *scope, ctx context.Context) error {
	pinned := q.neverDrop != nil && r.Level >= q.neverDrop.Level()
	s, pos, res := q.ring.Reserve()
	if res == ring.Pushed {
		// The fast path: fill the slot in place, one copy of the record.
		// Field by field: a composite literal would be built on the stack
		// and copied. The slot was zeroed when it was last released, so a
		// bare record (a message alone, or with attributes With bound)
		// sets only its exported fields: 56 bytes written, not the
		// record's 288, and half as many of the slot's cache lines taken
		// from the consumer's core (-13% a record, async, two producers).
		// TestRecordFieldsBareEnqueueCopies holds slog.Record to these
		// fields and its attributes.
		if bare {
			d := &s.Val.rec
			d.Time, d.Message, d.Level, d.PC = r.Time, r.Message, r.Level, r.PC
		} else {
			s.Val.rec = *r
		}
		s.Val.scope = sc
		s.Val.ctx = ctx
		q.ring.Commit(s, pos, pinned)
		q.wake()
		return nil
	}
	e := &entry{rec: *r, scope: sc, ctx: ctx}
	if res == ring.Full {
		q.noteFull()
		res = q.evictForRoom(e, pinned)
	}
	if err, done := q.finishEnqueue(res); done {
		return err
	}
	// Still full; under DropOldest because the oldest record is protected.
	if pinned {
		return q.waitForRoom(e, true, 0)
	}
	if q.policy == Block && !q.shedding() {
		q.formatEarly(e) // a heavy record, while the caller would wait: see early.go
		return q.waitForRoom(e, false, q.blockTimeout)
	}
	q.rejected.Add(1)
	return nil
}

// dropUnread drops a record unread, if every destination of the layer
// that a record at level reaches would drop it now, and reports whether it
// did; the drops are counted: each one queues under DropNewest (or under
// Block with its collector down, see queue.netDown), does not protect the
// level, and is full. The moment a
// queue is seen full is the moment its drop takes effect, as in enqueue,
// so the caller need not read the record, nor resolve and copy it, only to
// have it refused.
func (st *layerState) dropUnread(level slog.Level) bool {
	if len(st.routes) > 64 {
		return false
	}
	var full uint64 // the routes found full: those are counted, whatever a level does meanwhile
	for i := range st.routes {
		rt := &st.routes[i]
		if rt.hasLevel && level < rt.level.get() {
			continue
		}
		s := rt.sink
		if !s.streamQueue || !s.q.wouldDrop(level) {
			return false
		}
		full |= 1 << i
	}
	for i := range st.routes {
		if full&(1<<i) != 0 {
			q := st.routes[i].sink.q
			q.noteFull()
			q.rejected.Add(1)
		}
	}
	return true
}

// wouldDrop reports whether q would drop a record at level now.
func (q *queue) wouldDrop(level slog.Level) bool {
	return (q.policy == DropNewest || q.policy == Block && q.shedding()) &&
		(q.neverDrop == nil || level < q.neverDrop.Level()) && q.ring.Full()
}

// finishEnqueue finishes an attempt to enqueue that succeeded (the consumer is
// woken) or met a closed queue (the record is dropped). done is false when
// the queue is still full.
func (q *queue) finishEnqueue(res ring.Result) (err error, done bool) {
	switch res {
	case ring.Pushed:
		q.wake()
		return nil, true
	case ring.Closed:
		if q.retired.Load() {
			return errRetired, true // not counted here: Handle reroutes it
		}
		q.rejected.Add(1)
		return ErrClosed, true
	}
	return nil, false
}

// evictForRoom is the DropOldest step for a full queue: the oldest record
// makes room for e, unless it is protected by NeverDrop (then the result is
// ring.HeadPinned). Under the other policies it returns ring.Full at once.
func (q *queue) evictForRoom(e *entry, pinned bool) ring.Result {
	if q.policy != DropOldest {
		return ring.Full
	}
	for spins := 1; ; spins++ {
		if spins%64 == 0 {
			runtime.Gosched() // the consumer is between claim and release: let it run
		}
		switch res := q.ring.ReplaceOldest(e, pinned); res {
		case ring.Pushed:
			q.evicted.Add(1)
			return ring.Pushed
		case ring.EvictedClosed:
			q.evicted.Add(1)
			return ring.Closed
		case ring.Room:
			if res := q.ring.Push(e, pinned); res != ring.Full {
				return res
			}
			// Full again: another producer took the room first.
		default: // ring.HeadPinned, ring.Closed
			return res
		}
	}
}

// waitForRoom waits until e fits in the queue, the queue is closed, or
// timeout (if positive) expires; then e is dropped. A protected record under
// DropOldest keeps trying to evict an unprotected oldest record meanwhile.
func (q *queue) waitForRoom(e *entry, pinned bool, timeout time.Duration) error {
	start := time.Now()
	queued := false
	defer func() {
		q.blocked.Add(int64(time.Since(start)))
		if !queued && e.pre != nil {
			q.early.release(e.pre) // formatted early, then dropped
		}
	}()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	q.room.waiters.Add(1) // before trying: see roomSignal
	defer q.room.waiters.Add(-1)
	for {
		room := q.room.channel() // before trying: see roomSignal
		res := q.ring.Push(e, pinned)
		if res == ring.Full {
			res = q.evictForRoom(e, pinned)
		}
		queued = res == ring.Pushed
		if err, done := q.finishEnqueue(res); done {
			return err
		}
		if !pinned && q.shedding() {
			// Its collector is down. Looked at after the try, with waiters
			// raised before it: an outage that begins after this look sees
			// the waiter and wakes it (netOutput.outage).
			q.rejected.Add(1)
			return nil
		}
		select {
		case <-room:
		case <-q.room.closed: // the next try finds the ring closed
		case <-expired:
			q.rejected.Add(1)
			return nil
		}
	}
}

// checkAsync reports what is wrong with o.
func checkAsync(o AsyncOptions) error {
	var errs []error
	if o.QueueSize < 0 || o.QueueSize > MaxQueueSize {
		errs = append(errs, fmt.Errorf("QueueSize %d is not between 0 and %d", o.QueueSize, MaxQueueSize))
	}
	if !o.Overflow.valid() {
		errs = append(errs, fmt.Errorf("Overflow %v is not a Policy", o.Overflow))
	}
	if o.BlockTimeout < 0 {
		errs = append(errs, fmt.Errorf("BlockTimeout %v is negative", o.BlockTimeout))
	}
	if o.BlockTimeout > 0 && o.Overflow != Block {
		errs = append(errs, fmt.Errorf("BlockTimeout is set but Overflow is %v, not block", o.Overflow))
	}
	return errors.Join(errs...)
}

// This file owns the consumer goroutine of an asynchronous sink: it drains
// the queue in batches, writes them through the sink's output, serves
// Flush, parks when there is nothing to do, and stops after Shutdown.

package hydra

import "runtime"

// run is the consumer goroutine of an asynchronous sink. It drains the
// queue in batches, parks on q.wakeup when there is nothing to do, and
// returns after Shutdown once the queue is empty (or abandoned), having
// written the pending drop notice and closed the output.
func (s *sink) run() {
	q := s.q
	defer close(q.done)
	s.awaitPredecessors()
	if s.net != nil && s.net.disk != nil {
		s.net.disk.start()
	}
	for {
		s.batch()
		if q.abandon.Load() {
			s.abandonQueued()
			s.closeOutput()
			return
		}
		if q.ring.Closed() && q.ring.Len() == 0 {
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
		(q.ring.Closed() && q.ring.Len() == 0)
}

// batch writes the records queued now, up to one batch: the drop notice
// first if one is due, then records until the queue is empty or the output
// wants to write. It then updates completed and serves Flush.
func (s *sink) batch() {
	q := s.q
	want := q.flushReq.Load()
	q.raiseHighWater(q.ring.Len())
	s.writeNotices(want != q.flushDone.Load() || q.ring.Closed())
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
		n++
		if n%roomWakeEvery == 0 {
			q.room.freed()
		}
		s.settle(s.out.add(&s.cur))
		if s.cur.pre != nil { // its bytes are in the batch now
			q.early.release(s.cur.pre)
			s.cur.pre = nil
		}
		next = pos + 1
	}
	if n%roomWakeEvery != 0 {
		q.room.freed() // before the write: callers refill while it runs
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

// This file owns the circuit breaker: a destination that keeps failing is
// given a rest, and its records go to a fallback meanwhile.

package hydra

import (
	"errors"
	"sync/atomic"
	"time"
)

// Breaker states, as DestinationStats.Breaker names them.
const (
	breakerClosed int32 = iota
	breakerOpen
	breakerHalfOpen
)

var breakerStates = [...]string{breakerClosed: "closed", breakerOpen: "open", breakerHalfOpen: "half-open"}

// breakerOutput is the output of a destination with a Breaker: it hands
// records to the destination's own output, or while open to the
// fallback's. Only the sink's consumer goroutine (or a Sync sink's caller,
// under its lock) calls it; state and opened are atomic for Stats.
type breakerOutput struct {
	primary  output
	fallback output // nil: records are dropped while the breaker is open
	failures int
	cooldown time.Duration

	state    atomic.Int32
	opened   atomic.Uint64 // how many times the breaker opened
	failed   int           // writes in a row that failed
	openedAt time.Time

	// unsettled holds copies of the records handed to primary that it has
	// not yet reported written or failed, oldest first, kept only when
	// there is a fallback: records whose write fails go to the fallback
	// instead of being lost (at least once: a write that failed halfway
	// may have delivered some of them).
	unsettled []entry
	head      int // unsettled[:head] are settled
}

func newBreakerOutput(b Breaker, primary, fallback output) *breakerOutput {
	if b.Failures == 0 {
		b.Failures = 5
	}
	if b.Cooldown == 0 {
		b.Cooldown = 10 * time.Second
	}
	return &breakerOutput{primary: primary, fallback: fallback, failures: b.Failures, cooldown: b.Cooldown}
}

func (o *breakerOutput) add(e *entry) result {
	if o.state.Load() == breakerOpen {
		if time.Since(o.openedAt) < o.cooldown {
			return o.divert(e)
		}
		o.state.Store(breakerHalfOpen) // this batch is the probe
	}
	if o.fallback != nil {
		o.unsettled = append(o.unsettled, *e)
	}
	return o.failover(o.observe(o.primary.add(e)))
}

// failover settles the unsettled records that res reports: an output
// reports its records in the order it took them, written ones first, then
// those its disk buffer took.
// Those that failed go to the fallback.
func (o *breakerOutput) failover(res result) result {
	if o.fallback == nil {
		return res
	}
	clear(o.take(res.written + res.buffered)) // written or kept on disk: drop the copies
	failed := o.take(res.failed)
	for i := range failed {
		if !failed[i].notice { // a notice is not a record: the fallback writes its own
			res.failed--
			res = res.plus(o.divert(&failed[i]))
		}
	}
	clear(failed)
	if o.head == len(o.unsettled) {
		o.unsettled, o.head = o.unsettled[:0], 0
	}
	return res
}

// take removes from unsettled the oldest n records, and the notices among
// and before them, and returns them. The slice it returns is valid until
// the next append to unsettled.
func (o *breakerOutput) take(n int) []entry {
	i := o.head
	for ; i < len(o.unsettled) && (n > 0 || o.unsettled[i].notice); i++ {
		if !o.unsettled[i].notice {
			n--
		}
	}
	taken := o.unsettled[o.head:i]
	o.head = i
	return taken
}

// divert hands e to the fallback while the breaker is open.
func (o *breakerOutput) divert(e *entry) result {
	if o.fallback == nil {
		if e.notice {
			return result{}
		}
		return result{dropped: 1}
	}
	res := o.fallback.add(e)
	res.diverted, res.written = res.written, 0
	return res
}

// observe watches what the destination's writes did, and moves the
// breaker. A result of no records is no write.
func (o *breakerOutput) observe(res result) result {
	switch {
	case res.failed > 0 || res.err != nil:
		o.failed++
		if st := o.state.Load(); st == breakerHalfOpen || (st == breakerClosed && o.failed >= o.failures) {
			o.state.Store(breakerOpen)
			o.opened.Add(1)
			o.openedAt = time.Now()
		}
	case res.written > 0 || res.buffered > 0:
		o.failed = 0
		o.state.Store(breakerClosed)
	}
	return res
}

func (o *breakerOutput) full() bool { return o.primary.full() }

// discarding reports whether what is added now is thrown away: the
// breaker is open, not yet cooled down, and there is no Fallback. Notices
// wait until it is not.
func (o *breakerOutput) discarding() bool {
	return o.fallback == nil && o.state.Load() == breakerOpen && time.Since(o.openedAt) < o.cooldown
}

func (o *breakerOutput) flush() result {
	res := o.failover(o.observe(o.primary.flush()))
	if o.fallback != nil {
		fb := o.fallback.flush()
		res.diverted += fb.written
		res.failed += fb.failed
		res.err = errors.Join(res.err, fb.err)
	}
	return res
}

func (o *breakerOutput) close() error {
	err := o.primary.close()
	if o.fallback != nil {
		err = errors.Join(err, o.fallback.close())
	}
	return err
}

// This file owns the circuit breaker: a destination that keeps failing is
// given a rest, and its records go to a fallback meanwhile.

package hydra

import (
	"errors"
	"sync/atomic"
	"time"
)

// Breaker is a circuit breaker in front of a destination. After Failures
// writes in a row have failed, it opens: the destination's records go to
// its Fallback, or are dropped (counted, and announced by a DropNotice)
// when it has none. After Cooldown it half-opens: the next batch is written
// to the destination again, as a probe. If the probe succeeds the breaker
// closes; if not, it opens for another Cooldown. A write is one batch of
// a text or JSON destination, one record of a handler destination.
type Breaker struct {
	// Failures is how many writes in a row must fail to open the breaker.
	// 0 means 5.
	Failures int
	// Cooldown is how long the breaker stays open before it probes the
	// destination. 0 means 10 seconds.
	Cooldown time.Duration
}

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
	return o.observe(o.primary.add(e))
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
	case res.written > 0:
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
	res := o.observe(o.primary.flush())
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

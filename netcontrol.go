// This file owns when a network destination stops trying, and what it
// says meanwhile: the deadlines of Close and Shutdown (netControl), which
// close its sender; the outage flag that callers under the default policy
// read (see queue.netDown), with the two notes OnError hears of an
// outage; and the limit on reports of batches that keep failing.

package hydra

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// netControl tells a sink's network output that the sink is closing, that
// Close's CloseTimeout has passed since, or that Shutdown's deadline has.
// At either deadline it closes the output's sender, so that a send in
// flight (a collector that takes the request and never answers) returns at
// once, and every later one fails without trying.
type netControl struct {
	closing      chan struct{} // closed when the sink starts to close
	expired      chan struct{} // closed at either deadline
	closeTimeout time.Duration
	stop         func() error // closes the sender
	timer        *time.Timer  // fires at CloseTimeout; guarded by closeOnce
	closeOnce    sync.Once
	expireOnce   sync.Once
	// down is set while the destination's sends fail (an outage), for the
	// queue (queue.netDown); wakeWaiters wakes callers waiting for room
	// when it is set, so that they drop instead. Both set before publish.
	down        atomic.Bool
	wakeWaiters func()
}

func newNetControl(closeTimeout time.Duration) *netControl {
	return &netControl{closing: make(chan struct{}), expired: make(chan struct{}), closeTimeout: closeTimeout}
}

func (c *netControl) close() {
	c.closeOnce.Do(func() {
		close(c.closing)
		c.timer = time.AfterFunc(c.closeTimeout, c.expire)
	})
}

// expire ends every send: the deadline of Close or Shutdown has passed.
func (c *netControl) expire() {
	c.expireOnce.Do(func() {
		close(c.expired)
		if c.stop != nil {
			c.stop()
		}
	})
}

// done stops the CloseTimeout timer once the output closed on its own.
func (c *netControl) done() {
	c.closeOnce.Do(func() {}) // no timer starts after this
	if c.timer != nil {
		c.timer.Stop()
	}
}

func (c *netControl) hasExpired() bool {
	select {
	case <-c.expired:
		return true
	default:
		return false
	}
}

// errGaveUp fails the records still unsent when Close's CloseTimeout or
// Shutdown's deadline passes. Those batches are counted as failed one by
// one but reported once, with their total, when the output closes.
var errGaveUp = errors.New("not sent by the deadline of Close or Shutdown")

// outage tells OnError, once per outage, that sends fail and are retried.
// Those records are not lost (yet): the error is news, not a failure, and
// Flush and Close do not return it.
func (o *netOutput) outage(err error) {
	if !o.ctl.down.Swap(true) {
		if o.ctl.wakeWaiters != nil {
			o.ctl.wakeWaiters()
		}
		o.warn(fmt.Errorf("hydra: %s: %w (sending again with backoff)", o.label, err))
	}
}

// recovered ends an outage.
func (o *netOutput) recovered() {
	if o.ctl.down.Swap(false) {
		o.warn(fmt.Errorf("hydra: %s: sending again after an outage", o.label))
	}
}

// reportLimiter keeps a destination whose batches all fail (an HTTP 401
// for a bad token) from calling OnError for every batch: it lets one
// report through a second, and the next says how many records failed
// in between. The goroutine that reports owns it.
type reportLimiter struct {
	last time.Time
	held int // records failed since the last report, not reported
}

// hold counts n failed records, and reports whether to report them now,
// with what to add to the message about those held back.
func (l *reportLimiter) hold(n int) (string, bool) {
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < time.Second {
		l.held += n
		return "", false
	}
	l.last = now
	held := ""
	if l.held > 0 {
		held = fmt.Sprintf(" (and %s since the last report)", records(l.held))
		l.held = 0
	}
	return held, true
}

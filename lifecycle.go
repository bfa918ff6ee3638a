// This file owns the lifecycle of a Handler after New: Flush, the order
// of closing (Shutdown, Close), and the operations an operator triggers
// while records flow (Rotate, Reopen, SetLevel).

package hydra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
)

// Flush returns once every record handled before the call has been written
// (or has failed, or was dropped), with the pending drop notices, or when
// ctx is done. It returns the write errors not returned before, joined.
func (h *Handler) Flush(ctx context.Context) error {
	type request struct {
		q           *queue
		target, req uint64
	}
	var reqs []request
	c := h.core()
	for _, s := range c.sinks() {
		if q := s.q; q != nil {
			reqs = append(reqs, request{q, q.ring.Enqueued(), q.flushReq.Add(1)})
			q.wake()
		}
	}
	for _, r := range reqs {
		if err := r.q.waitFlushed(ctx, r.target, r.req); err != nil {
			return fmt.Errorf("hydra: flush: %s not written yet: %w", records(c.unwritten()), err)
		}
	}
	return c.takeErrors()
}

// waitFlushed waits until every position below target is done and the
// consumer has served Flush request req, or the consumer has stopped.
func (q *queue) waitFlushed(ctx context.Context, target, req uint64) error {
	q.progress.waiters.Add(1)
	defer q.progress.waiters.Add(-1)
	for {
		ch := q.progress.channel()
		if q.completed.Load() >= target && q.flushDone.Load() >= req {
			return nil
		}
		select {
		case <-ch:
		case <-q.done:
			return nil
		case <-ctx.Done():
			if q.completed.Load() >= target {
				return nil // every record is written: only a notice may wait
			}
			return ctx.Err()
		}
	}
}

// Closing a Handler goes through these steps, in this order. Shutdown and
// Close may be called any number of times, from any goroutine; every call
// walks the steps, skips those already done, and every wait in them ends
// at the caller's ctx.
//
//  1. The monitor, if any, is told to stop (monitor.stop, closed once) and
//     waited for (monitor.done): it may be inside Handle, waiting for room
//     in a full queue, and its last record belongs in the output.
//  2. The queues close (closeQueues, once): core.closed is set, so Rotate
//     and Reopen refuse; every ring is closed (its closed bit), so Handle
//     counts each new record as dropped and returns ErrClosed; each
//     consumer is woken, and finds the ring closed; room.closed wakes the
//     callers waiting for room, who find it closed too. Sync destinations
//     close their output here (sink.closed).
//  3. Each consumer writes what is queued and the pending notices, closes
//     its output (sink.closed) and closes queue.done. Shutdown waits for
//     every one.
//
// At the deadline, in step 1 or 3, Shutdown closes the queues if step 2
// was not reached (which also frees a monitor waiting for room) and sets
// queue.abandon on each: its consumer drops what is still queued, counted,
// as soon as its current write returns, closes its output and stops.
// A Write that never returns keeps its consumer goroutine (see Known
// issues in the README).

// Shutdown stops accepting records, writes what is queued and the pending
// drop notices, closes the files hydra opened and stops its goroutines. At
// ctx's deadline it gives up: the records still queued are dropped (as soon
// as a destination's current write returns) and the error says how many
// were not written. It returns the write errors not returned before,
// joined. Calling it again, or Close, is safe.
func (h *Handler) Shutdown(ctx context.Context) error {
	c := h.c
	if c == nil || c.unclosable {
		return nil // the zero Handler: nothing to close
	}
	select {
	case c.reloading <- struct{}{}: // no Reload runs while the queues close
	case <-ctx.Done():
		return c.abandon(ctx.Err())
	}
	if err := c.stopMonitor(ctx); err != nil {
		<-c.reloading
		return c.abandon(err)
	}
	c.closeOnce.Do(c.closeQueues)
	<-c.reloading
	for _, s := range c.sinks() {
		if s.q == nil {
			continue
		}
		select {
		case <-s.q.done:
		case <-ctx.Done():
			return c.abandon(ctx.Err())
		}
	}
	return c.takeErrors()
}

// sinks returns the sinks of the table in use, and those a Reload is
// retiring.
func (c *core) sinks() []*sink {
	c.retiredMu.Lock()
	defer c.retiredMu.Unlock()
	return append(slices.Clip(c.table.Load().sinks), c.retiring...)
}

// abandon gives up at Shutdown's deadline: see the order of closing above.
func (c *core) abandon(cause error) error {
	n := c.unwritten()
	c.closeOnce.Do(c.closeQueues)
	for _, s := range c.sinks() {
		if s.nctl != nil {
			s.nctl.expire() // before the queue: a network output may be waiting to retry
		}
		if s.q != nil {
			s.q.abandon.Store(true)
			s.q.wake()
		}
	}
	return errors.Join(
		fmt.Errorf("hydra: shutdown: %s not written by the deadline: %w", records(n), cause),
		c.takeErrors())
}

// Close is Shutdown without a deadline: it returns once everything queued
// is written. It is idempotent.
func (h *Handler) Close() error { return h.Shutdown(context.Background()) }

// closeQueues is step 2 of closing.
func (c *core) closeQueues() {
	c.closed.Store(true)
	for _, s := range c.sinks() {
		s.close()
	}
}

// unwritten returns the records accepted and not yet written, failed or
// dropped.
func (c *core) unwritten() int {
	n := 0
	for _, s := range c.sinks() {
		n += s.stats().Queued
	}
	return n
}

func (c *core) takeErrors() error {
	var errs []error
	if err := c.errs.take(); err != nil {
		errs = append(errs, err)
	}
	for _, s := range c.sinks() {
		if err := s.errs.take(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Rotate rotates every file destination now, as a SIGHUP handler would:
// lumberjack renames the file to a backup named by the time, and a new
// file starts at the path. Records keep flowing: the switch happens
// between two batches.
func (h *Handler) Rotate() error {
	return h.core().eachFileSink((*sink).rotate)
}

// Reopen closes every file destination and opens the file at its path
// again, creating it if it is missing, without making a backup: the
// counterpart of an external logrotate that moved the files away (its
// postrotate script, or a SIGHUP handler, calls Reopen). Records keep
// flowing and none is lost: the switch happens between two batches.
func (h *Handler) Reopen() error {
	return h.core().eachFileSink((*sink).reopen)
}

func (c *core) eachFileSink(do func(*sink) error) error {
	if c.closed.Load() {
		return ErrClosed
	}
	var errs []error
	for _, s := range c.sinks() {
		if s.file != nil || s.fallbackFile != nil {
			if err := do(s); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// SetLevel sets the minimum level of a layer while records are logged. If
// the layer's Level is a *slog.LevelVar, SetLevel sets it. It fails for an
// unknown layer and for a layer whose Level is some other slog.Leveler,
// which only its owner can change.
func (h *Handler) SetLevel(layer string, level slog.Level) error {
	c := h.c
	if c == nil {
		return errors.New("hydra: SetLevel: the zero Handler's level is fixed; create a Handler with New")
	}
	l, ok := c.table.Load().layers[layer]
	if !ok {
		return fmt.Errorf("hydra: SetLevel: unknown layer %q", layer)
	}
	lv := l.state.Load().level
	if lv.custom != nil {
		return fmt.Errorf("hydra: SetLevel: layer %q has a %T as its Level; set the level there", layer, lv.custom)
	}
	c.levelMu.Lock()
	defer c.levelMu.Unlock()
	lv.v.Set(level)
	c.refreshLevels()
	return nil
}

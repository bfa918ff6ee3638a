// This file owns sink, a destination after sharing: where its records go
// (an output), whether a queue stands in front of it, its counters and the
// errors it has not reported yet.

package hydra

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// sink is one destination as the routing table sees it. Destinations that
// name the same file (or stream, writer or handler) in several layers share
// one sink, so one queue and one writer.
type sink struct {
	name      string   // unique and stable: see nameSinks
	label     string   // the name and the layers, for errors
	layers    []string // the layers that route to it, sorted
	layerRefs []*layer // the same layers, for their skip counts
	out       output
	q         *queue       // nil: Sync, written on the caller's goroutine under mu
	ctx       bool         // entries carry the caller's context (handler destinations)
	inner     slog.Handler // handler destinations: asked Enabled before a record is queued
	file      logFile      // file destinations: for Rotate and Reopen
	// fallbackFile is the file of a file Fallback, for Rotate and Reopen.
	fallbackFile logFile
	spec         *spec // what it was built from, for Reload to compare
	// after are the done channels of the sinks a Reload retired that
	// write where this one does: it writes nothing before they are all
	// closed, and opens its laterFiles then. Set before the sink is
	// published, read only after.
	after     []<-chan struct{}
	preds     []*sink // the sinks of after, whose notices it continues
	later     []*laterFile
	laterOnce sync.Once
	// syncDone is closed once a Sync sink's output is closed: what a
	// successor waits for (an asynchronous sink's is queue.done).
	syncDone chan struct{}
	// net is the output of a network destination (under its Breaker, if
	// it has one), for Stats; nctl tells it that the sink closes.
	net  *netOutput
	nctl *netControl
	// streamQueue is true for an asynchronous text or JSON destination:
	// Handle queues straight to q, with no context to carry.
	streamQueue bool

	onError  func(error)
	onDrop   func(destination string, dropped uint64)
	layerKey string      // for the layer attribute of skip notices
	syncFmt  *syncFormat // Sync text and JSON without a Breaker: see syncpath.go
	free     *freeGate   // with syncFmt, when the writer is safe for concurrent use

	// Everything above is set before the sink is published and only read
	// after: callers read it on every record. What follows is written
	// while records flow, by the consumer or by Sync callers; the padding
	// keeps those writes off the cache line the callers read.
	_ [cacheLine]byte

	// mu serializes the writes of a Sync sink, and Rotate with the closing
	// of a file. closed is set once the output is closed. A Sync caller
	// updates the counts next to it while it holds it, on the line it
	// already owns.
	mu          sync.Mutex
	closed      bool
	retired     bool          // a Sync sink a Reload retired
	accepted    atomic.Uint64 // Sync sinks only
	closedDrops atomic.Uint64 // Sync sinks only
	written     atomic.Uint64 // to the destination or, diverted, to its Fallback
	failed      atomic.Uint64
	diverted    atomic.Uint64 // of written, to the Fallback
	shed        atomic.Uint64 // dropped by an open Breaker without a Fallback

	// cur is the record the consumer is formatting, copied out of its
	// slot. It lives here rather than on the consumer's stack because a
	// pointer to it goes to the output interface.
	cur       entry
	syncEntry entry // guarded by mu

	notices notices
	errs    errorLog
}

// put hands a prepared record to the sink: to its queue, or straight to its
// output for a Sync sink. It runs on the caller's goroutine. (Handle
// queues to text and JSON destinations itself.)
func (s *sink) put(ctx context.Context, r *slog.Record, sc *scope) error {
	if s.inner != nil && !s.inner.Enabled(orBackground(ctx), r.Level) {
		return nil
	}
	if s.q == nil {
		if s.syncFmt != nil {
			return s.writeSyncStream(r, sc)
		}
		return s.writeSync(ctx, r, sc)
	}
	if !s.ctx {
		ctx = nil // only handler destinations get the context
	}
	return s.q.enqueue(r, false, sc, orBackground(ctx))
}

func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// writeSync writes a record on the caller's goroutine. Errors are returned
// to the caller as well as reported like asynchronous ones.
func (s *sink) writeSync(ctx context.Context, r *slog.Record, sc *scope) error {
	s.awaitPredecessors() // before mu: Shutdown and Rotate take it
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		if s.retired {
			return errRetired // not counted here: Handle reroutes it
		}
		s.closedDrops.Add(1)
		return ErrClosed
	}
	s.accepted.Add(1)
	s.writeNotices(false)
	// The entry lives in the sink, not on the stack: handing a pointer to
	// the output interface would move a stack entry to the heap.
	s.syncEntry = entry{rec: *r, scope: sc}
	if s.ctx {
		s.syncEntry.ctx = orBackground(ctx)
	}
	res := s.out.add(&s.syncEntry)
	s.syncEntry = entry{}
	// The caller gets the error: it is not kept for Flush or Close too.
	err := s.tally(res.plus(s.out.flush()))
	if err != nil {
		if perr := callOnError(s.onError, err); perr != nil {
			s.errs.add(perr)
		}
	}
	return err
}

// start starts the consumer goroutine of an asynchronous sink.
func (s *sink) start() {
	if s.q != nil {
		go s.run()
	}
}

// close is step 2 of closing for one sink (see lifecycle.go): an
// asynchronous sink's ring is closed and its consumer woken to drain it
// and stop; a Sync sink closes its output.
func (s *sink) close() {
	if s.nctl != nil {
		s.nctl.close() // a network output stops retrying at CloseTimeout
	}
	q := s.q
	if q == nil {
		s.closeOutput()
		return
	}
	q.closeOnce.Do(func() {
		q.ring.Close()
		q.wake()
		close(q.room.closed) // callers waiting for room find the ring closed
	})
}

// retire closes a sink that a Reload replaced. A record that reaches it
// from now on is refused as retired and not counted (see errRetired).
func (s *sink) retire() {
	if s.q != nil {
		s.q.retired.Store(true) // before the ring closes: see queue.settle
	} else {
		s.mu.Lock()
		s.retired = true
		s.mu.Unlock()
	}
	s.close()
}

// wait returns once a closed sink is done: its queue drained, its output
// closed.
func (s *sink) wait() {
	if s.q != nil {
		<-s.q.done
	}
}

// awaitPredecessors holds the first write of a sink a Reload built until
// the sinks it replaced are done, then opens its files. The consumer (or,
// for a Sync sink, every caller, before it takes mu) calls it.
func (s *sink) awaitPredecessors() {
	if len(s.after) == 0 {
		return
	}
	for _, done := range s.after {
		<-done
	}
	s.laterOnce.Do(func() {
		// Under mu: Close may be writing the notices meanwhile, and a sink
		// closed before its first write has nothing to take up or open.
		var errs []error
		s.mu.Lock()
		if !s.closed {
			s.notices.continueFrom(s.layerRefs, s.preds)
			s.announcedSkips()
			for _, f := range s.later {
				if err := f.open(); err != nil {
					errs = append(errs, fmt.Errorf("hydra: %s: open %s: %w", s.label, f.path, err))
				}
			}
		}
		s.mu.Unlock()
		for _, err := range errs {
			s.report(err)
		}
	})
}

// done returns a channel closed once the sink is done: its queue drained
// and its output closed.
func (s *sink) done() <-chan struct{} {
	if s.q != nil {
		return s.q.done
	}
	return s.syncDone
}

// closeOutput closes the output once: after it a Sync sink drops records
// with ErrClosed and Rotate leaves the file alone.
func (s *sink) closeOutput() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.free != nil {
		s.free.close() // the callers writing without mu are done
	}
	if s.syncDone != nil {
		defer close(s.syncDone)
	}
	if s.q == nil { // a Sync sink: its pending notices are written here
		s.writeNotices(true)
		s.settle(s.out.flush())
	}
	if err := s.out.close(); err != nil {
		s.report(fmt.Errorf("hydra: %s: close: %w", s.label, err))
	}
}

// dropped returns the records dropped on their way to the sink.
func (s *sink) dropped() uint64 {
	if s.q != nil {
		return s.q.dropped() + s.shed.Load()
	}
	return s.closedDrops.Load() + s.shed.Load()
}

// settle counts what an output did and reports its error. It returns the
// error as reported.
func (s *sink) settle(res result) error {
	err := s.tally(res)
	if err != nil {
		s.report(err)
	}
	return err
}

// tally counts what an output did, and returns its error, if any, naming
// the destination.
func (s *sink) tally(res result) error {
	s.count(res)
	return s.failure(res)
}

// count adds res to the sink's counts.
func (s *sink) count(res result) {
	if n := res.written + res.diverted; n > 0 {
		s.written.Add(uint64(n))
	}
	if res.diverted > 0 {
		s.diverted.Add(uint64(res.diverted))
	}
	if res.dropped > 0 {
		s.shed.Add(uint64(res.dropped))
	}
	if res.failed > 0 {
		s.failed.Add(uint64(res.failed))
	}
}

// failure returns the error res reports, naming the sink, or nil.
func (s *sink) failure(res result) error {
	if res.err == nil {
		return nil
	}
	err := fmt.Errorf("hydra: %s: %w", s.label, res.err)
	if res.failed > 0 {
		err = fmt.Errorf("hydra: %s: %s not written: %w", s.label, records(res.failed), res.err)
	}
	return err
}

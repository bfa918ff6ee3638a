// This file owns sink, a destination after sharing: where its records go
// (an output), whether a queue stands in front of it, its counters and the
// errors it has not reported yet.

package hydra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/hydralog/hydra/internal/slogenc"
)

// sink is one destination as the routing table sees it. Destinations that
// name the same file (or stream, writer or handler) in several layers share
// one sink, so one queue and one writer.
type sink struct {
	name      string   // unique and stable: see nameSinks
	label     string   // the name and the layers, for errors
	kind      string   // the Destination.Type, "console" folded into "stdout"
	layers    []string // the layers that route to it, sorted
	layerRefs []*layer // the same layers, for their skip counts
	out       output
	q         *queue        // nil: Sync, written on the caller's goroutine under mu
	ctx       bool          // entries carry the caller's context (handler destinations)
	inner     slog.Handler  // handler destinations: asked Enabled before a record is queued
	file      *rotatingFile // file destinations: for Rotate
	// fallbackFile is the file of a file Fallback, for Rotate.
	fallbackFile *rotatingFile
	// streamQueue is true for an asynchronous text or JSON destination:
	// Handle queues straight to q, with no context to carry.
	streamQueue bool

	written  atomic.Uint64 // to the destination or, diverted, to its Fallback
	failed   atomic.Uint64
	diverted atomic.Uint64 // of written, to the Fallback
	shed     atomic.Uint64 // dropped by an open Breaker without a Fallback

	// cur is the record the consumer is formatting, copied out of its
	// slot. It lives here rather than on the consumer's stack because a
	// pointer to it goes to the output interface.
	cur entry

	// mu serializes the writes of a Sync sink, and Rotate with the closing
	// of a file. closed is set once the output is closed.
	mu     sync.Mutex
	closed bool

	// Sync sinks only.
	accepted    atomic.Uint64
	closedDrops atomic.Uint64
	syncEntry   entry // guarded by mu

	onError  func(error)
	onDrop   func(destination string, dropped uint64)
	layerKey string // for the layer attribute of skip notices
	notices  notices
	errs     errorLog
}

// output is where a sink's records end up. The consumer goroutine (or, for
// a Sync sink, the caller holding sink.mu) is its only user.
type output interface {
	// add takes one record: a stream output formats it into the pending
	// batch (writing the batch first if the record does not fit), a handler
	// output hands it to its handler.
	add(e *entry) result
	// full reports whether the pending batch should be written before
	// anything more is added.
	full() bool
	// flush writes the pending batch.
	flush() result
	// close flushes and releases what the output owns (its file).
	close() error
}

// result says what became of the records an output took.
type result struct {
	written  int // written to the destination
	failed   int // whose write failed
	diverted int // written to the Fallback while the Breaker was open
	dropped  int // dropped while the Breaker was open, with no Fallback
	err      error
}

func (r result) plus(o result) result {
	return result{r.written + o.written, r.failed + o.failed, r.diverted + o.diverted, r.dropped + o.dropped, errors.Join(r.err, o.err)}
}

// put hands a prepared record to the sink: to its queue, or straight to its
// output for a Sync sink. It runs on the caller's goroutine. (Handle
// queues to text and JSON destinations itself.)
func (s *sink) put(ctx context.Context, r *slog.Record, sc *scope) error {
	if s.inner != nil && !s.inner.Enabled(orBackground(ctx), r.Level) {
		return nil
	}
	if s.q == nil {
		return s.writeSync(ctx, r, sc)
	}
	if !s.ctx {
		ctx = nil // only handler destinations get the context
	}
	return s.q.enqueue(r, sc, orBackground(ctx))
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
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

// closeOutput closes the output once: after it a Sync sink drops records
// with ErrClosed and Rotate leaves the file alone.
func (s *sink) closeOutput() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.q == nil { // a Sync sink: its pending notices are written here
		s.writeNotices(true)
		s.settle(s.out.flush())
	}
	if err := s.out.close(); err != nil {
		s.report(fmt.Errorf("hydra: %s: close: %w", s.label, err))
	}
}

// rotate rotates the sink's files, its Fallback's included, unless it is
// closed.
func (s *sink) rotate() error {
	return s.eachFile("rotate", (*rotatingFile).Rotate)
}

// reopen reopens the sink's files at their paths, its Fallback's
// included, unless it is closed.
func (s *sink) reopen() error {
	return s.eachFile("reopen", (*rotatingFile).Reopen)
}

func (s *sink) eachFile(op string, do func(*rotatingFile) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	var errs []error
	for _, f := range []*rotatingFile{s.file, s.fallbackFile} {
		if f == nil {
			continue
		}
		if err := do(f); err != nil {
			errs = append(errs, fmt.Errorf("hydra: %s: %s %s: %w", s.label, op, f.path, err))
		}
	}
	return errors.Join(errs...)
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
	if res.err == nil {
		return nil
	}
	err := fmt.Errorf("hydra: %s: %w", s.label, res.err)
	if res.failed > 0 {
		err = fmt.Errorf("hydra: %s: %d records not written: %w", s.label, res.failed, res.err)
	}
	return err
}

// report passes err to Config.OnError and keeps it for the next Flush or
// Close.
func (s *sink) report(err error) {
	s.errs.add(err)
	if perr := callOnError(s.onError, err); perr != nil {
		s.errs.add(perr)
	}
}

// callOnError calls onError, if set, with err, and returns the panic it
// recovered from it as an error, if any: a callback's panic must not end
// the goroutine that reports, a consumer or a caller.
func callOnError(onError func(error), err error) (panicked error) {
	if onError == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			panicked = fmt.Errorf("hydra: OnError panicked: %v (reporting: %v)", p, err)
		}
	}()
	onError(err)
	return nil
}

// errorLog keeps the errors of a sink until Flush or Close returns them.
// It keeps the first maxKeptErrors and counts the rest, so a destination
// that fails for hours costs bounded memory.
type errorLog struct {
	mu   sync.Mutex
	errs []error
	more int
}

const maxKeptErrors = 8

func (l *errorLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) < maxKeptErrors {
		l.errs = append(l.errs, err)
	} else {
		l.more++
	}
}

// take returns the kept errors joined, and forgets them.
func (l *errorLog) take() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := l.errs
	if l.more > 0 {
		errs = append(errs, fmt.Errorf("hydra: and %d more errors", l.more))
	}
	l.errs, l.more = nil, 0
	return errors.Join(errs...)
}

// handlerOutput hands records to a slog.Handler, one call per record.
type handlerOutput struct {
	h      slog.Handler
	redact *slogenc.Redactor // nil: nothing to redact
	idx    int               // this sink's slot in scope.cache
	n      int               // records since the last flush
}

// handlerBatch is how many records a handler sink takes before it reports
// progress to Flush.
const handlerBatch = 256

func (o *handlerOutput) add(e *entry) (res result) {
	defer func() {
		if p := recover(); p != nil {
			res = result{err: fmt.Errorf("handler panicked: %v", p)}
			if !e.notice {
				res.failed = 1
			}
		}
	}()
	o.n++
	h := e.scope.handler(o.idx, o.h, o.redact)
	rec := e.rec
	if o.redact != nil {
		rec = redactRecord(o.redact, rec)
	}
	if err := h.Handle(e.ctx, rec); err != nil {
		if e.notice {
			return result{err: err}
		}
		return result{failed: 1, err: err}
	}
	if e.notice {
		return result{}
	}
	return result{written: 1}
}

func (o *handlerOutput) full() bool    { return o.n >= handlerBatch }
func (o *handlerOutput) flush() result { o.n = 0; return result{} }
func (o *handlerOutput) close() error  { return nil }

// discardOutput is the "null" destination: records are counted as written
// and go nowhere.
type discardOutput struct{}

func (discardOutput) add(*entry) result { return result{written: 1} }
func (discardOutput) full() bool        { return false }
func (discardOutput) flush() result     { return result{} }
func (discardOutput) close() error      { return nil }

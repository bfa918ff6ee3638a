// This file owns the outputs: where a sink's records end up, and what an
// output says of them. Stream outputs (file, stdout, stderr, writer) are in
// stream.go, network outputs in network.go, the Breaker's in breaker.go;
// the handler and null outputs are here.

package hydra

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/hydralog/hydra/internal/slogenc"
)

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
	// buffered went to a network destination's disk buffer: not settled
	// yet, and counted by the buffer (see replayer), not by the sink.
	buffered int
	err      error
}

func (r result) plus(o result) result {
	return result{r.written + o.written, r.failed + o.failed, r.diverted + o.diverted, r.dropped + o.dropped, r.buffered + o.buffered, errors.Join(r.err, o.err)}
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

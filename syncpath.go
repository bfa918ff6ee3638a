// This file owns the Sync path of text, JSON and console destinations
// without a Breaker: each caller formats its record outside the sink's
// lock, with an encoder from the sink's pool, and holds the lock only for
// the Write, as slog's own handlers do. Callers on many goroutines then
// format in parallel and queue only for the writer.

package hydra

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
)

// syncFormat is the pool of formatting state of a Sync stream sink.
type syncFormat struct {
	pool sync.Pool // *syncScratch
}

// syncScratch is one caller's formatting state, pooled: an encoder (its
// scratch buffers and caches are not safe for concurrent use) and the
// buffer the record is formatted into.
type syncScratch struct {
	enc *encoder
	buf []byte
	e   entry // here rather than on the stack: append takes its address
}

// maxPooledRecord is the largest buffer put back in the pool: a huge
// record's memory is not kept.
const maxPooledRecord = 64 << 10

func newSyncFormat(newEnc func() *encoder) *syncFormat {
	f := &syncFormat{}
	f.pool.New = func() any { return &syncScratch{enc: newEnc(), buf: make([]byte, 0, 1024)} }
	return f
}

// release puts x back in the pool, unless a huge record grew its buffer.
func (f *syncFormat) release(x *syncScratch) {
	if cap(x.buf) <= maxPooledRecord {
		f.pool.Put(x)
	}
}

// writeSyncStream writes a record of a Sync stream sink: formatted on the
// caller's goroutine, outside s.mu, then written under it.
func (s *sink) writeSyncStream(r *slog.Record, sc *scope) error {
	s.awaitPredecessors() // before mu: Shutdown and Rotate take it
	x := s.syncFmt.pool.Get().(*syncScratch)
	x.e = entry{rec: *r, scope: sc}
	var ferr error
	x.buf, ferr = formatOne(x.enc, x.buf[:0], &x.e)
	x.e = entry{}

	// The lock covers the closed check, the count of the record accepted
	// (before any settled count, as Stats wants), a notice if one is due,
	// the Write and its count; nothing else, so that callers queue for the writer
	// only as long as it writes.
	s.mu.Lock()
	if s.closed {
		retired := s.retired
		if !retired {
			s.closedDrops.Add(1)
		}
		s.mu.Unlock()
		s.syncFmt.release(x)
		if retired {
			return errRetired // not counted here: Handle reroutes it
		}
		return ErrClosed
	}
	s.accepted.Add(1)
	out := s.out.(*streamOutput)
	s.writeNotices(false)
	res := out.flush() // a notice, if one was due
	if ferr != nil {
		res = res.plus(result{failed: 1, err: ferr})
	} else {
		res = res.plus(writeRecord(out.w, x.buf))
	}
	s.count(res) // under mu: its counters share mu's cache line
	s.mu.Unlock()
	s.syncFmt.release(x)

	err := s.failure(res)
	if err != nil {
		if perr := callOnError(s.onError, err); perr != nil {
			s.errs.add(perr)
		}
	}
	return err
}

// formatOne appends e, formatted by enc, to dst. A panic in a user's
// callback fails this record alone (see streamOutput.format).
func formatOne(enc *encoder, dst []byte, e *entry) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = dst[:0], fmt.Errorf("formatting a record panicked: %v", p)
		}
	}()
	return enc.append(dst, e), nil
}

// writeRecord writes one formatted record with one Write: written if the
// writer took all of it, failed otherwise; a panicking writer fails it.
func writeRecord(w io.Writer, p []byte) (res result) {
	defer func() {
		if v := recover(); v != nil {
			res = result{failed: 1, err: fmt.Errorf("writer panicked: %v", v)}
		}
	}()
	n, err := w.Write(p)
	switch {
	case n < 0 || n > len(p):
		return result{failed: 1, err: fmt.Errorf("writer returned an impossible count %d for %d bytes", n, len(p))}
	case err == nil && n < len(p):
		return result{failed: 1, err: io.ErrShortWrite}
	case err != nil:
		return result{failed: 1, err: err}
	}
	return result{written: 1}
}

// This file owns the Sync path of text, JSON and console destinations
// without a Breaker: each caller formats its record outside the sink's
// lock, with an encoder from the sink's pool, and holds the lock only for
// the Write, as slog's own handlers do. Callers on many goroutines then
// format in parallel and queue only for the writer.
//
// Where the writer is itself safe for concurrent use (a file hydra opened,
// stdout, stderr, any *os.File, io.Discard, a writer shared by several
// destinations behind hydra's own lock), callers do not take the sink's
// lock at all: each one writes its record with one Write, which the
// writer keeps whole, and counts it on a stripe of its own (freeGate).
// Close waits for the callers in flight before it closes the output.
// Only callers with a notice to write take the lock, as before.

package hydra

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hydralog/hydra/internal/logfile"
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

// freeGate admits the callers of a Sync sink whose writer is safe for
// concurrent use, without a lock, and counts what they write. Each caller
// works on one stripe, chosen as stripedCounter chooses, so that callers
// on different cores write different cache lines, and it adds to two of
// its stripe's counters, each only ever growing: entered as it comes in,
// then written or failed as it leaves (or backedOut, if it found the sink
// closed). A stripe's callers inside are entered less the other three.
//
// Close sets closed, then waits until no stripe has a caller inside: a
// caller adds to entered before it reads closed, and Close sets closed
// before it reads entered, so (atomics being sequentially consistent)
// either the caller sees closed and backs out, or Close sees it entered
// and waits for it to leave.
type freeGate struct {
	closed atomic.Bool
	// drained is set once Close has seen every admitted caller leave: from
	// then on, what was accepted is exactly what was written or failed.
	drained atomic.Bool
	// shaped is set, and stays set, once a layer with RateLimit or
	// Sampling routes to the sink: until then no skip notice can fall due,
	// and callers need not look for one (see sink.skipsPending).
	shaped atomic.Bool
	_      [cacheLine]byte
	// skipsAnnounced is the total of the sink's notices.skipped: while
	// its layers' throttled and sampled counts add up to it, no skip
	// notice is due and callers need not take the lock to write one.
	skipsAnnounced atomic.Uint64
	_              [cacheLine]byte
	stripes        [counterStripes]freeStripe
}

// freeStripe is two cache lines wide, its counters in the second, so that
// they never share a line with another stripe's, however the gate is
// aligned.
type freeStripe struct {
	_                                   [cacheLine]byte
	entered, written, failed, backedOut atomic.Uint64
	_                                   [cacheLine - 32]byte
}

// stripe returns the calling goroutine's stripe. The caller keeps it from
// enter to its last count: its stack may move in between.
func (g *freeGate) stripe() *freeStripe {
	var here byte
	return &g.stripes[stripeOf(unsafe.Pointer(&here))]
}

// enter admits a caller to st, unless the sink is closed. One admitted
// leaves by adding to st.written or st.failed.
func (g *freeGate) enter(st *freeStripe) bool {
	st.entered.Add(1)
	if g.closed.Load() {
		st.backedOut.Add(1)
		return false
	}
	return true
}

// close refuses every caller from now on and returns once those admitted
// have left.
func (g *freeGate) close() {
	g.closed.Store(true)
	pause := 10 * time.Microsecond
	for spins := 0; g.inside() > 0; spins++ {
		if spins < 100 {
			runtime.Gosched() // a Write in progress, most often: it ends soon
			continue
		}
		time.Sleep(pause) // a Write that blocks: look less and less often
		pause = min(2*pause, 10*time.Millisecond)
	}
	g.drained.Store(true)
}

// inside returns how many callers are between enter and their last count,
// or more, never fewer: each stripe's departures are read before its
// arrivals, and both only grow.
func (g *freeGate) inside() uint64 {
	var n uint64
	for i := range g.stripes {
		st := &g.stripes[i]
		left := st.written.Load() + st.failed.Load() + st.backedOut.Load()
		n += st.entered.Load() - left
	}
	return n
}

// counts returns the records written and failed, then those accepted:
// read in that order, accepted is never below the others' sum. While Close
// waits, a caller that found the sink closed is counted in accepted
// between its enter and its back-out, where its record is on its way to
// the locked path (or, on a retired sink, to its successor): a Stats that
// lands in that instant counts it as queued. Once Close has returned, no
// caller is admitted, and accepted is what was written or failed: the
// counts Reload keeps of a retired sink, read then, are exact.
func (g *freeGate) counts() (written, failed, accepted uint64) {
	var backedOut uint64
	drained := g.drained.Load() // first: the counts read after it are final
	for i := range g.stripes {
		written += g.stripes[i].written.Load()
		failed += g.stripes[i].failed.Load()
	}
	if drained {
		return written, failed, written + failed
	}
	for i := range g.stripes {
		backedOut += g.stripes[i].backedOut.Load()
	}
	for i := range g.stripes {
		accepted += g.stripes[i].entered.Load()
	}
	return written, failed, accepted - backedOut
}

// skipsPending reports whether the sink's layers have throttled or sampled
// records that no notice announced yet.
func (s *sink) skipsPending() bool {
	if !s.free.shaped.Load() {
		return false
	}
	var n uint64
	for _, l := range s.layerRefs {
		n += l.throttled.Load() + l.sampled.Load()
	}
	return n != s.free.skipsAnnounced.Load()
}

// concurrentWriter reports whether w keeps every Write whole when called
// from several goroutines at once, so that a Sync sink may write to it
// without a lock of its own.
func concurrentWriter(w io.Writer) bool {
	switch w.(type) {
	case *os.File, *logfile.File, *laterFile, *lockedWriter:
		return true // each serializes its writes itself
	}
	return w == io.Discard
}

// writeSyncStream writes a record of a Sync stream sink: formatted on the
// caller's goroutine, outside s.mu, then written: under s.mu, or without
// it where the writer is safe for concurrent use and no notice is due.
func (s *sink) writeSyncStream(r *slog.Record, sc *scope) error {
	s.awaitPredecessors() // before mu: Shutdown and Rotate take it
	x := s.syncFmt.pool.Get().(*syncScratch)
	var ferr error
	x.buf, ferr = formatOne(x.enc, x.buf[:0], r, sc)

	if s.free != nil && !s.skipsPending() {
		if st := s.free.stripe(); s.free.enter(st) {
			res := result{failed: 1, err: ferr}
			if ferr == nil {
				res = writeRecord(s.out.(*streamOutput).w, x.buf)
			}
			if res.written > 0 {
				st.written.Add(1)
			} else {
				st.failed.Add(1)
			}
			s.syncFmt.release(x)
			return s.reportSync(res)
		}
		// Closed: the locked path says whether it was retired.
	}

	// The lock covers the closed check, the count of the record accepted
	// (before any settled count, as Stats wants), a notice if one is due,
	// the Write and its count; nothing else, so that callers queue for
	// the writer only as long as it writes.
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
	return s.reportSync(res)
}

// reportSync returns the error of a Sync write, if any, after telling
// OnError.
func (s *sink) reportSync(res result) error {
	err := s.failure(res)
	if err != nil {
		if perr := callOnError(s.onError, err); perr != nil {
			s.errs.add(perr)
		}
	}
	return err
}

// formatOne appends r, with what sc binds, formatted by enc, to dst. A
// panic in a user's callback fails this record alone (see
// streamOutput.format).
func formatOne(enc *encoder, dst []byte, r *slog.Record, sc *scope) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = dst[:0], fmt.Errorf("formatting a record panicked: %v", p)
		}
	}()
	return enc.enc.Append(dst, enc.preformatFor(sc), r), nil
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

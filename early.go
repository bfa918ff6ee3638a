// This file owns early formatting: a caller whose record is costly to
// format, and who finds its destination's queue full under Block, formats
// the record itself before it waits for room, and queues the bytes. The
// consumer of a destination formats on one core; with records that take
// it longer to format than the callers take to log them, it would be the
// ceiling of the destination's throughput, and the callers, blocked on a
// full queue, would leave their cores idle. Formatted by the callers,
// such records spread over their cores.
//
// Order and accounting do not change: the bytes take the record's place
// in the queue, one slot for one record, so the consumer writes them
// where it would have written the record, and every count is as it
// would be. A record that cannot be formatted (a panicking ReplaceAttr)
// is queued as it is, and fails on the consumer as it would have.

package hydra

import (
	"log/slog"
	"sync"
	"sync/atomic"
)

const (
	// anyWeight is the weight (see heavy) of a value of kind Any or
	// LogValuer: encoding/json or a LogValue call costs the encoder about
	// what eight simple attributes do.
	anyWeight = 8
	// heavyRecord is the weight (see heavy) from which a caller that
	// finds its destination's queue full formats its record before it
	// waits for room. Lighter records cost the consumer too little for
	// their bytes to be worth a buffer.
	heavyRecord = 16
	// maxEarlyBytes bounds the bytes of the records formatted early and
	// not yet copied by the consumer: a queue of records holds references
	// to values that exist anyway, one of formatted records holds their
	// bytes. Past it, callers queue their records as they are.
	maxEarlyBytes = 4 << 20
	// spareBuffers is how many buffers, of up to maxSpareBuffer bytes
	// each, the consumer keeps for the callers to reuse.
	spareBuffers   = 128
	maxSpareBuffer = 16 << 10
)

// earlyFormat is what a sink's callers format early with: encoders, each
// used by one caller at a time, and the buffers records travel in, which
// the consumer gives back once it has copied them.
type earlyFormat struct {
	encs  sync.Pool // *encoder
	spare chan *earlyBuf
	_     [cacheLine]byte
	// inflight counts the bytes of the records formatted early and not
	// yet copied by the consumer; formatted counts the records, for tests.
	inflight  atomic.Int64
	formatted atomic.Uint64
}

// earlyBuf is one record formatted by its caller.
type earlyBuf struct{ b []byte }

func newEarlyFormat(newEnc func() *encoder) *earlyFormat {
	f := &earlyFormat{spare: make(chan *earlyBuf, spareBuffers)}
	f.encs.New = func() any { return newEnc() }
	return f
}

// formatEarly replaces e, the record of a caller about to wait for room
// in a full queue under Block, with its bytes, if the record is heavy.
func (q *queue) formatEarly(e *entry) {
	if q.early == nil || !heavy(&e.rec) {
		return
	}
	if b := q.early.format(&e.rec, e.scope); b != nil {
		*e = entry{pre: b}
	}
}

// heavy reports whether formatting r costs at least heavyRecord simple
// attributes: one for each attribute, anyWeight for a value of kind Any
// or LogValuer, one more for each attribute of a group (not looking
// deeper).
func heavy(r *slog.Record) bool {
	n := r.NumAttrs()
	if n >= heavyRecord {
		return true
	}
	weight := n
	r.Attrs(func(a slog.Attr) bool {
		switch a.Value.Kind() {
		case slog.KindAny, slog.KindLogValuer:
			weight += anyWeight
		case slog.KindGroup:
			weight += len(a.Value.Group())
		}
		return weight < heavyRecord
	})
	return weight >= heavyRecord
}

// format formats r as the consumer would, or returns nil if formatting
// failed or maxEarlyBytes wait formatted already.
func (f *earlyFormat) format(r *slog.Record, sc *scope) *earlyBuf {
	if f.inflight.Load() >= maxEarlyBytes {
		return nil
	}
	var b *earlyBuf
	select {
	case b = <-f.spare:
	default:
		b = new(earlyBuf)
	}
	enc := f.encs.Get().(*encoder)
	var err error
	b.b, err = formatOne(enc, b.b[:0], r, sc)
	f.encs.Put(enc)
	if err != nil {
		f.release(b) // formatOne left it empty
		return nil
	}
	f.inflight.Add(int64(len(b.b)))
	f.formatted.Add(1)
	return b
}

// release gives a buffer back once its bytes are copied (or its record
// dropped), unless a large record grew it.
func (f *earlyFormat) release(b *earlyBuf) {
	f.inflight.Add(-int64(len(b.b)))
	if cap(b.b) > maxSpareBuffer {
		return
	}
	select {
	case f.spare <- b:
	default:
	}
}

// This file owns early formatting: a caller whose record is costly to
// format, and whose destination's consumer is behind, formats the record
// itself and queues the bytes. The consumer of a destination formats on
// one core; with records that take it longer to format than the callers
// take to log them, it would be the ceiling of the destination's
// throughput, and the callers, blocked on a full queue, would leave their
// cores idle. Formatted by the callers, such records spread over their
// cores.
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
	// anyWeight is the weight (scanned.weight) of a value of kind Any or
	// LogValuer: encoding/json or a LogValue call costs the encoder about
	// what eight simple attributes do.
	anyWeight = 8
	// heavyRecord is the weight from which a caller that finds its
	// destination's queue full formats its record before it waits for
	// room. Lighter records cost the consumer too little for the bytes
	// to be worth their buffer.
	heavyRecord = 16
	// maxEarly bounds the records formatted early and not yet written: a
	// full queue of formatted records would hold their bytes, where a
	// queue of records holds references to values that exist anyway.
	// Past it, callers queue their records as they are.
	maxEarly = 1024
	// spareBuffers is how many formatted records' buffers the consumer
	// keeps for the callers to reuse.
	spareBuffers = 256
)

// earlyFormat is what a sink's callers format early with: encoders, each
// used by one caller at a time, and the buffers records travel in, which
// the consumer gives back once it has copied them.
type earlyFormat struct {
	encs  sync.Pool // *earlyEncoder
	spare chan *earlyBuf
	_     [cacheLine]byte
	// inflight counts the records formatted early and not yet copied by
	// the consumer; formatted counts every one, for tests.
	inflight  atomic.Int64
	formatted atomic.Uint64
}

type earlyEncoder struct {
	enc *encoder
	e   entry // here rather than on the stack: append takes its address
}

// earlyBuf is one record formatted by its caller.
type earlyBuf struct{ b []byte }

func newEarlyFormat(newEnc func() *encoder) *earlyFormat {
	f := &earlyFormat{spare: make(chan *earlyBuf, spareBuffers)}
	f.encs.New = func() any { return &earlyEncoder{enc: newEnc()} }
	return f
}

// enqueueStream queues a record to an asynchronous text or JSON
// destination: as it is or, when it is heavy and the queue is full under
// Block, formatted.
func (s *sink) enqueueStream(r *slog.Record, sc *scope, weight int) error {
	if weight >= heavyRecord && s.early != nil && s.q.policy == Block && s.q.ring.Full() {
		if b := s.early.format(r, sc); b != nil {
			return s.q.enqueue(r, nil, nil, b)
		}
	}
	return s.q.enqueue(r, sc, nil, nil)
}

// format formats r as the consumer would, or returns nil if formatting
// failed or maxEarly records wait formatted already.
func (f *earlyFormat) format(r *slog.Record, sc *scope) *earlyBuf {
	if f.inflight.Add(1) > maxEarly {
		f.inflight.Add(-1)
		return nil
	}
	var b *earlyBuf
	select {
	case b = <-f.spare:
	default:
		b = new(earlyBuf)
	}
	x := f.encs.Get().(*earlyEncoder)
	x.e = entry{rec: *r, scope: sc}
	var err error
	b.b, err = formatOne(x.enc, b.b[:0], &x.e)
	x.e = entry{}
	f.encs.Put(x)
	if err != nil {
		f.release(b)
		return nil
	}
	f.formatted.Add(1)
	return b
}

// release gives a buffer back once its bytes are copied, unless a huge
// record grew it.
func (f *earlyFormat) release(b *earlyBuf) {
	f.inflight.Add(-1)
	if cap(b.b) > maxPooledRecord {
		return
	}
	select {
	case f.spare <- b:
	default:
	}
}

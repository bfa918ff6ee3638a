// This file owns the stream batching: the record-aligned batch writer
// behind every file, stdout, stderr and writer destination.

package hydra

import (
	"fmt"
	"io"
)

// batchBytes is the most a batch holds before it is written, unless a
// single record is larger. Files whose MaxSizeMB is smaller get smaller
// batches, so that lumberjack never refuses a batch it could take.
const batchBytes = 64 << 10

// recordBatch is the batch that stream and network outputs fill: records
// formatted one after another, never cut. When a record does not fit, the
// batch before it is emitted and the record moved to the front; flush
// emits the rest. emit writes (or sends) buf[:n], which holds exactly the
// records of ends, says what became of them, and empties ends.
type recordBatch struct {
	enc   formatter
	limit int // bytes per batch
	buf   []byte
	ends  []recordEnd // where each record in buf ends
	emit  func(n int) result
}

type recordEnd struct {
	off    int
	notice bool // the drop notice: written, but not counted
}

// formatter appends one formatted record, newline included, to dst.
type formatter interface {
	append(dst []byte, e *entry) []byte
}

func newRecordBatch(enc formatter, limit int, emit func(n int) result) recordBatch {
	return recordBatch{enc: enc, limit: limit, buf: make([]byte, 0, limit), emit: emit}
}

func (b *recordBatch) add(e *entry) result {
	start := len(b.buf)
	if err := b.format(e); err != nil {
		b.buf = b.buf[:start] // what the record left behind is not output
		if e.notice {
			return result{err: err}
		}
		return result{failed: 1, err: err}
	}
	var res result
	if len(b.buf) > b.limit && start > 0 {
		// The record does not fit: emit the batch before it, then move
		// it to the front.
		res = b.emit(start)
		b.buf = b.buf[:copy(b.buf, b.buf[start:])]
	}
	b.ends = append(b.ends, recordEnd{off: len(b.buf), notice: e.notice})
	return res
}

// format appends e to the batch. A user's callback that panics while the
// record is formatted (ReplaceAttr, or one the encoder calls that slog
// itself would not recover) fails this record alone: the panic is
// returned as an error, and the consumer goes on with the next record.
func (b *recordBatch) format(e *entry) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formatting a record panicked: %v", p)
		}
	}()
	b.buf = b.enc.append(b.buf, e)
	return nil
}

func (b *recordBatch) full() bool { return len(b.buf) >= b.limit }

func (b *recordBatch) flush() result {
	if len(b.buf) == 0 {
		return result{}
	}
	res := b.emit(len(b.buf))
	b.buf = b.buf[:0]
	if cap(b.buf) > 4*b.limit {
		b.buf = make([]byte, 0, b.limit) // a huge record passed; do not keep its memory
	}
	return res
}

// streamOutput formats records into a batch and writes each batch with one
// Write call. A batch holds whole records only, so a rotated file never
// ends with half a record.
type streamOutput struct {
	// The consumer writes the batch with every record: the padding keeps
	// those writes off the cache lines of whatever the allocator places
	// next to it, which callers may read on every record.
	_ [cacheLine]byte
	recordBatch
	w      io.Writer
	closer io.Closer // the file hydra opened; nil for writers it was given
	_      [cacheLine]byte
}

func newStreamOutput(w io.Writer, closer io.Closer, enc formatter, limit int) *streamOutput {
	o := &streamOutput{w: w, closer: closer}
	o.recordBatch = newRecordBatch(enc, limit, o.write)
	return o
}

// write writes buf[:n], which holds exactly the records in ends, and says
// which of them reached the writer: those that end within the bytes the
// writer accepted. A panicking writer fails the whole batch.
func (o *streamOutput) write(n int) (res result) {
	wn := 0
	defer func() {
		if p := recover(); p != nil {
			wn, res.err = 0, fmt.Errorf("writer panicked: %v", p)
		}
		for _, end := range o.ends {
			switch {
			case end.notice:
			case end.off <= wn:
				res.written++
			default:
				res.failed++
			}
		}
		o.ends = o.ends[:0]
	}()
	wn, res.err = o.w.Write(o.buf[:n])
	if wn < 0 || wn > n {
		wn, res.err = 0, fmt.Errorf("writer returned an impossible count %d for %d bytes", wn, n)
	}
	if res.err == nil && wn < n {
		res.err = io.ErrShortWrite
	}
	return res
}

func (o *streamOutput) close() error {
	if o.closer == nil {
		return nil
	}
	return o.closer.Close()
}

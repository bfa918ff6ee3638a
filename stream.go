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

// streamOutput formats records into a batch and writes each batch with one
// Write call. A batch holds whole records only: a record that does not fit
// is carried over to the next batch, so a rotated file never ends with half
// a record.
type streamOutput struct {
	w      io.Writer
	closer io.Closer // the file hydra opened; nil for writers it was given
	enc    formatter
	limit  int // bytes per batch
	buf    []byte
	ends   []recordEnd // where each record in buf ends
}

type recordEnd struct {
	off    int
	notice bool // the drop notice: written, but not counted
}

// formatter appends one formatted record, newline included, to dst.
type formatter interface {
	append(dst []byte, e *entry) []byte
}

func newStreamOutput(w io.Writer, closer io.Closer, enc formatter, limit int) *streamOutput {
	return &streamOutput{w: w, closer: closer, enc: enc, limit: limit, buf: make([]byte, 0, limit)}
}

func (o *streamOutput) add(e *entry) result {
	start := len(o.buf)
	if err := o.format(e); err != nil {
		o.buf = o.buf[:start] // what the record left behind is not output
		if e.notice {
			return result{err: err}
		}
		return result{failed: 1, err: err}
	}
	var res result
	if len(o.buf) > o.limit && start > 0 {
		// The record does not fit: write the batch before it, then move
		// it to the front.
		res = o.write(start)
		o.buf = o.buf[:copy(o.buf, o.buf[start:])]
	}
	o.ends = append(o.ends, recordEnd{off: len(o.buf), notice: e.notice})
	return res
}

// format appends e to the batch. A user's callback that panics while the
// record is formatted (ReplaceAttr, or one the encoder calls that slog
// itself would not recover) fails this record alone: the panic is
// returned as an error, and the consumer goes on with the next record.
func (o *streamOutput) format(e *entry) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formatting a record panicked: %v", p)
		}
	}()
	o.buf = o.enc.append(o.buf, e)
	return nil
}

func (o *streamOutput) full() bool { return len(o.buf) >= o.limit }

func (o *streamOutput) flush() result {
	if len(o.buf) == 0 {
		return result{}
	}
	res := o.write(len(o.buf))
	o.buf = o.buf[:0]
	if cap(o.buf) > 4*o.limit {
		o.buf = make([]byte, 0, o.limit) // a huge record passed; do not keep its memory
	}
	return res
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

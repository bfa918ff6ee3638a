// This file owns the stream destinations: the record-aligned batch writer
// behind every file, stdout, stderr and writer destination, and the
// lumberjack glue for files.

package hydra

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gopkg.in/natefinch/lumberjack.v2"
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
	o.buf = o.enc.append(o.buf, e)
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

// Rotation holds lumberjack's rotation settings for a file destination.
// Zero values mean lumberjack's defaults.
type Rotation struct {
	// MaxSizeMB is the size in megabytes at which the file is rotated.
	// 0 means 100.
	MaxSizeMB int
	// MaxBackups is the number of rotated files to keep. 0 keeps all
	// (though MaxAgeDays may still remove them).
	MaxBackups int
	// MaxAgeDays is the number of days to keep rotated files, judged by the
	// timestamp in their name. 0 keeps them regardless of age.
	MaxAgeDays int
	// Compress gzips rotated files.
	Compress bool
	// LocalTime names rotated files by local time instead of UTC.
	LocalTime bool
}

// maxBytes is the largest write lumberjack accepts for this rotation.
func (r Rotation) maxBytes() int {
	if r.MaxSizeMB == 0 {
		return 100 << 20
	}
	return r.MaxSizeMB << 20
}

// openFile opens (creating it if needed) the log file at path for a file
// destination. A new directory gets dirMode and a new file fileMode; lumberjack
// keeps the file's mode when it rotates.
func openFile(path string, rot Rotation, fileMode, dirMode os.FileMode) (*lumberjack.Logger, error) {
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	lj := &lumberjack.Logger{
		Filename:   path,
		MaxSize:    rot.MaxSizeMB,
		MaxBackups: rot.MaxBackups,
		MaxAge:     rot.MaxAgeDays,
		Compress:   rot.Compress,
		LocalTime:  rot.LocalTime,
	}
	// Make lumberjack open the file now, so a file it cannot use fails New
	// rather than the first write.
	if _, err := lj.Write(nil); err != nil {
		return nil, err
	}
	return lj, nil
}

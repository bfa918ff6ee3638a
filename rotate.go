// This file owns the stream destinations: the record-aligned batch writer
// behind every file, stdout, stderr and writer destination, and the
// lumberjack glue for files.

package hydra

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"time"
	"unsafe"

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

// Rotation holds lumberjack's rotation settings for a file destination.
// Zero values mean lumberjack's defaults.
type Rotation struct {
	// MaxSizeMB is the size in megabytes at which the file is rotated.
	// 0 means 100. A negative value turns size rotation off: the file
	// then grows until Rotate, or an external tool and Reopen, move it.
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

// maxBytes is the largest write lumberjack accepts for this rotation, and
// the size at which it rotates.
func (r Rotation) maxBytes() int64 {
	switch {
	case r.MaxSizeMB == 0:
		return 100 << 20
	case r.MaxSizeMB < 0:
		return math.MaxInt64 >> 20 << 20 // no size rotation: lumberjack's largest
	}
	return int64(r.MaxSizeMB) << 20
}

// rotatingFile is a lumberjack.Logger as hydra uses it. It makes up for
// four things lumberjack does not do:
//
//   - lumberjack names a rotated file by the time to the millisecond, so a
//     second rotation within the same millisecond renames the new file onto
//     the first backup, which is lost. rotatingFile counts the bytes of the
//     current file as lumberjack does, knows when a Write will rotate, and
//     waits for the next millisecond first, as Rotate does.
//   - A write that fails halfway (a full disk) leaves half a record at the
//     end of the file. rotatingFile cuts it off again.
//   - lumberjack cannot reopen its file without rotating it, as an
//     external logrotate that moved the file needs: Reopen does.
//   - Every Logger starts a goroutine that Close does not stop
//     (natefinch/lumberjack#56). rotatingFile stops it once the file is
//     closed for good (see stopMill).
//
// The consumer goroutine writes and Handler.Rotate and Reopen act on it,
// so a mutex guards it.
type rotatingFile struct {
	mu          sync.Mutex
	lj          *lumberjack.Logger
	path        string
	fileMode    os.FileMode
	dirMode     os.FileMode
	max         int64     // lumberjack's limit, in bytes
	size        int64     // bytes in the current file, as lumberjack counts them
	lastRotated time.Time // when the last rotation had ended
	// shut is true while lumberjack has no file open: its next Write
	// opens the file, and rotates it if it is full (see rotates).
	shut bool
}

// openFile opens (creating it if needed) the log file at path for a file
// destination. A new directory gets dirMode and a new file fileMode;
// lumberjack keeps the file's mode when it rotates.
func openFile(path string, rot Rotation, fileMode, dirMode os.FileMode) (*rotatingFile, error) {
	max := rot.maxBytes()
	rf := &rotatingFile{
		lj: &lumberjack.Logger{
			Filename:   path,
			MaxSize:    int(max >> 20),
			MaxBackups: rot.MaxBackups,
			MaxAge:     rot.MaxAgeDays,
			Compress:   rot.Compress,
			LocalTime:  rot.LocalTime,
		},
		path:     path,
		fileMode: fileMode,
		dirMode:  dirMode,
		max:      max,
	}
	if err := rf.open(); err != nil {
		rf.lj.Close()
		stopMill(rf.lj)
		return nil, err
	}
	return rf, nil
}

// open makes lumberjack open the file at f.path now, creating it and its
// directory with hydra's modes if they are missing, so that a file it
// cannot use fails New (or Reopen) rather than a later write. Opening
// rotates a file that is full already. The caller holds f.mu, or owns f.
func (f *rotatingFile) open() error {
	if err := os.MkdirAll(filepath.Dir(f.path), f.dirMode); err != nil {
		return err
	}
	file, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, f.fileMode)
	if err != nil {
		return err
	}
	info, err := file.Stat()
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	f.size, f.shut = info.Size(), true
	_, err = f.write(nil)
	return err
}

// rotates reports whether lumberjack rotates the file before it writes n
// bytes, as lumberjack.Logger.Write decides: a write larger than the
// limit is refused without rotating; a file that is open rotates when the
// write would take it past the limit; a file that the write must open
// first (openExistingOrNew) rotates when the write would take it to the
// limit or past it.
func (f *rotatingFile) rotates(n int64) bool {
	switch {
	case n > f.max:
		return false
	case f.shut:
		return f.size+n >= f.max
	}
	return f.size+n > f.max
}

func (f *rotatingFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.write(p)
}

// write is Write for a caller that holds f.mu.
func (f *rotatingFile) write(p []byte) (int, error) {
	rotates := f.rotates(int64(len(p)))
	if rotates { // lumberjack rotates before this write
		f.newMillisecond()
		f.size = 0
	}
	n, err := f.lj.Write(p)
	if rotates {
		f.lastRotated = time.Now()
	}
	if err == nil {
		f.shut = false
	}
	if n > 0 && n < len(p) {
		// Half a batch is in the file: take it out again, so that the
		// file holds whole records only. The records count as failed.
		err = errors.Join(err, f.cutPartial(n))
		return 0, err
	}
	f.size += int64(n)
	return n, err
}

// cutPartial removes the last n bytes of the file, written by a write that
// failed halfway, and reopens it: lumberjack may have opened the file
// without O_APPEND, and reopened it is in append mode, at the new end.
func (f *rotatingFile) cutPartial(n int) error {
	info, err := os.Stat(f.path)
	if err == nil && info.Size() < int64(n) {
		err = fmt.Errorf("the file has %d bytes, fewer than the %d written", info.Size(), n)
	}
	if err == nil {
		err = os.Truncate(f.path, info.Size()-int64(n))
	}
	if err != nil {
		return fmt.Errorf("cannot remove the %d bytes of a failed write, the file ends with a torn record: %w", n, err)
	}
	f.size = info.Size() - int64(n)
	if err := f.lj.Close(); err != nil {
		return err
	}
	f.shut = true // if open fails, the next Write opens the file
	return f.open()
}

// Rotate moves the current file aside and starts a new one.
func (f *rotatingFile) Rotate() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.newMillisecond()
	f.size = 0
	err := f.lj.Rotate()
	f.lastRotated = time.Now()
	if err == nil {
		f.shut = false
	}
	return err
}

// Reopen closes the file and opens the file now at its path, without
// making a backup: after an external logrotate moved the file away, the
// next records go to a new file at the path.
func (f *rotatingFile) Reopen() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.lj.Close(); err != nil {
		return err
	}
	f.shut = true
	return f.open()
}

// newMillisecond waits, if needed, until the clock is in a later
// millisecond than the end of the last rotation, so that the backup
// lumberjack is about to name cannot take the name of the previous one:
// lumberjack reads the clock for the name during the rotation, so the time
// taken after it is a bound on that name's. It waits less than a
// millisecond, and only when rotations come that fast.
func (f *rotatingFile) newMillisecond() {
	last := f.lastRotated.Truncate(time.Millisecond)
	if now := time.Now(); !now.Truncate(time.Millisecond).After(last) {
		time.Sleep(last.Add(time.Millisecond).Sub(now))
	}
}

// Close closes the file and stops lumberjack's goroutine: the file is not
// written or rotated again.
func (f *rotatingFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.lj.Close()
	stopMill(f.lj)
	return err
}

// stopMill ends the goroutine a lumberjack.Logger starts on its first
// write to compress and remove old backups, which lumberjack never stops
// (natefinch/lumberjack#56, open since 2017): each Logger leaves one
// behind, one more for every Handler closed. The goroutine ranges over the
// unexported channel millCh; closing it ends the loop once the pass in
// progress, if any, is done. Only a Logger that is never written or
// rotated again may be given here: its next rotation would send on the
// closed channel. If lumberjack's fields ever change, stopMill does
// nothing, and TestNewCloseCyclesLeaveNothingBehind fails.
func stopMill(l *lumberjack.Logger) {
	field := reflect.ValueOf(l).Elem().FieldByName("millCh")
	if !field.IsValid() || field.Kind() != reflect.Chan || field.Type().Elem().Kind() != reflect.Bool {
		return
	}
	ch := reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem()
	if !ch.IsNil() {
		ch.Close()
	}
}

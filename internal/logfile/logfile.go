// Package logfile is a log file rotated by lumberjack, with what hydra
// adds to it: backups that never take each other's name, no torn record
// after a failed write, a reopen without a backup, and no goroutine left
// behind.
package logfile

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

var _ io.WriteCloser = (*File)(nil)

// File is a log file written through a lumberjack.Logger. It makes up for
// four things lumberjack does not do:
//
//   - lumberjack names a rotated file by the time to the millisecond, so a
//     second rotation within the same millisecond renames the new file onto
//     the first backup, which is lost. File counts the bytes of the
//     current file as lumberjack does, knows when a Write will rotate, and
//     waits for the next millisecond first, as Rotate does.
//   - A write that fails halfway (a full disk) leaves half a record at the
//     end of the file. File cuts it off again.
//   - lumberjack cannot reopen its file without rotating it, as an
//     external logrotate that moved the file needs: Reopen does.
//   - Every Logger starts a goroutine that Close does not stop
//     (natefinch/lumberjack#56). File stops it once the file is
//     closed for good (see stopMill).
//
// All its methods are safe for concurrent use: hydra's consumer goroutine
// writes while Handler.Rotate and Reopen act on it.
type File struct {
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

// Options configures a File. The zero value rotates at 100 megabytes and
// keeps every backup, as lumberjack does.
type Options struct {
	// MaxSizeMB is the size in megabytes at which the file is rotated.
	// 0 means 100; a negative value turns size rotation off.
	MaxSizeMB int
	// MaxBackups is the number of rotated files to keep; 0 keeps all.
	MaxBackups int
	// MaxAgeDays is the number of days to keep rotated files; 0 keeps
	// them regardless of age.
	MaxAgeDays int
	// Compress gzips rotated files.
	Compress bool
	// LocalTime names rotated files by local time instead of UTC.
	LocalTime bool
	// FileMode is the permission of a new file; lumberjack keeps the
	// file's mode when it rotates.
	FileMode os.FileMode
	// DirMode is the permission of new directories on the way to the
	// file.
	DirMode os.FileMode
}

// MaxBytes is the size, in bytes, at which the file rotates, and the
// largest Write it accepts.
func (o Options) MaxBytes() int64 {
	switch {
	case o.MaxSizeMB == 0:
		return 100 << 20
	case o.MaxSizeMB < 0:
		return math.MaxInt64 >> 20 << 20 // no size rotation: lumberjack's largest
	}
	return int64(o.MaxSizeMB) << 20
}

// Open opens the log file at path, creating it and its directory if
// needed, so that a file that cannot be used fails here rather than at the
// first Write. A file already full is rotated.
func Open(path string, o Options) (*File, error) {
	max := o.MaxBytes()
	f := &File{
		lj: &lumberjack.Logger{
			Filename:   path,
			MaxSize:    int(max >> 20),
			MaxBackups: o.MaxBackups,
			MaxAge:     o.MaxAgeDays,
			Compress:   o.Compress,
			LocalTime:  o.LocalTime,
		},
		path:     path,
		fileMode: o.FileMode,
		dirMode:  o.DirMode,
		max:      max,
	}
	if err := f.open(); err != nil {
		f.lj.Close()
		stopMill(f.lj)
		return nil, err
	}
	return f, nil
}

// Path returns the path the File was opened with.
func (f *File) Path() string { return f.path }

// open makes lumberjack open the file at f.path now, creating it and its
// directory with hydra's modes if they are missing, so that a file it
// cannot use fails New (or Reopen) rather than a later write. Opening
// rotates a file that is full already. The caller holds f.mu, or owns f.
func (f *File) open() error {
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
func (f *File) rotates(n int64) bool {
	switch {
	case n > f.max:
		return false
	case f.shut:
		return f.size+n >= f.max
	}
	return f.size+n > f.max
}

func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.write(p)
}

// write is Write for a caller that holds f.mu.
func (f *File) write(p []byte) (int, error) {
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
func (f *File) cutPartial(n int) error {
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
func (f *File) Rotate() error {
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
func (f *File) Reopen() error {
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
func (f *File) newMillisecond() {
	last := f.lastRotated.Truncate(time.Millisecond)
	if now := time.Now(); !now.Truncate(time.Millisecond).After(last) {
		time.Sleep(last.Add(time.Millisecond).Sub(now))
	}
}

// Close closes the file and stops lumberjack's goroutine: the file is not
// written or rotated again.
func (f *File) Close() error {
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
// nothing, and TestStopMillEndsTheGoroutine fails.
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

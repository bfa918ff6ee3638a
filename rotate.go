// This file owns what hydra does with the files of file destinations:
// opening them with their Rotation, and rotating or reopening them on
// request (internal/logfile holds the lumberjack glue).

package hydra

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/hydralog/hydra/internal/logfile"
)

func (r Rotation) options(fileMode, dirMode os.FileMode) logfile.Options {
	return logfile.Options{
		MaxSizeMB:  r.MaxSizeMB,
		MaxBackups: r.MaxBackups,
		MaxAgeDays: r.MaxAgeDays,
		Compress:   r.Compress,
		LocalTime:  r.LocalTime,
		FileMode:   fileMode,
		DirMode:    dirMode,
	}
}

// maxBytes is the size at which the file rotates, and the largest write
// it accepts.
func (r Rotation) maxBytes() int64 { return r.options(0, 0).MaxBytes() }

// logFile is the file of a file destination, or of a Fallback, as Rotate
// and Reopen see it.
type logFile interface {
	Rotate() error
	Reopen() error
	Path() string
}

// laterFile is the file of a sink that a Reload builds to replace one that
// writes the same file: it opens the file only once that sink has closed
// it (sink.after), so that a file never has two lumberjacks. Until then
// there is nothing to write, rotate or reopen.
type laterFile struct {
	path string
	opts logfile.Options
	mu   sync.Mutex // the consumer writes, Rotate and Reopen come from others
	f    *logfile.File
	err  error // why it could not be opened
}

// open opens the file, once the sink it replaces has closed it.
func (l *laterFile) open() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil && l.err == nil {
		l.f, l.err = logfile.Open(l.path, l.opts)
	}
	return l.err
}

func (l *laterFile) file() (*logfile.File, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil && l.err == nil {
		return nil, errors.New("the file is not open yet") // Write never sees this: the sink opens it first
	}
	return l.f, l.err
}

func (l *laterFile) Write(p []byte) (int, error) {
	f, err := l.file()
	if err != nil {
		return 0, err
	}
	return f.Write(p)
}

func (l *laterFile) Rotate() error {
	if f, _ := l.file(); f != nil {
		return f.Rotate()
	}
	return nil
}

func (l *laterFile) Reopen() error {
	if f, _ := l.file(); f != nil {
		return f.Reopen()
	}
	return nil
}

func (l *laterFile) Close() error {
	if f, _ := l.file(); f != nil {
		return f.Close()
	}
	return nil
}

func (l *laterFile) Path() string { return l.path }

// rotate rotates the sink's files, its Fallback's included, unless it is
// closed.
func (s *sink) rotate() error {
	return s.eachFile("rotate", logFile.Rotate)
}

// reopen reopens the sink's files at their paths, its Fallback's
// included, unless it is closed.
func (s *sink) reopen() error {
	return s.eachFile("reopen", logFile.Reopen)
}

func (s *sink) eachFile(op string, do func(logFile) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		if s.retired || (s.q != nil && s.q.retired.Load()) {
			return nil // replaced by Reload: its successor has the file
		}
		return ErrClosed
	}
	var errs []error
	for _, f := range []logFile{s.file, s.fallbackFile} {
		if f == nil {
			continue
		}
		if err := do(f); err != nil {
			errs = append(errs, fmt.Errorf("hydra: %s: %s %s: %w", s.label, op, f.Path(), err))
		}
	}
	return errors.Join(errs...)
}

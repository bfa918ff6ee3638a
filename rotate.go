// This file owns what hydra does with the files of file destinations:
// opening them with their Rotation, and rotating or reopening them on
// request (internal/logfile holds the lumberjack glue).

package hydra

import (
	"errors"
	"fmt"
	"os"

	"github.com/hydralog/hydra/internal/logfile"
)

// openFile opens the log file of a file destination.
func openFile(path string, r Rotation, fileMode, dirMode os.FileMode) (*logfile.File, error) {
	return logfile.Open(path, r.options(fileMode, dirMode))
}

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

// rotate rotates the sink's files, its Fallback's included, unless it is
// closed.
func (s *sink) rotate() error {
	return s.eachFile("rotate", (*logfile.File).Rotate)
}

// reopen reopens the sink's files at their paths, its Fallback's
// included, unless it is closed.
func (s *sink) reopen() error {
	return s.eachFile("reopen", (*logfile.File).Reopen)
}

func (s *sink) eachFile(op string, do func(*logfile.File) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	var errs []error
	for _, f := range []*logfile.File{s.file, s.fallbackFile} {
		if f == nil {
			continue
		}
		if err := do(f); err != nil {
			errs = append(errs, fmt.Errorf("hydra: %s: %s %s: %w", s.label, op, f.Path(), err))
		}
	}
	return errors.Join(errs...)
}

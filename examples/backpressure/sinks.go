// This file holds the demo's sinks: a slow writer in front of a log file,
// and the helpers that create the files.

package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// slowWriter delays every write, like a slow disk or network sink, and
// counts the writes.
type slowWriter struct {
	w      io.Writer
	delay  time.Duration
	writes atomic.Uint64
}

func (s *slowWriter) Write(p []byte) (int, error) {
	s.writes.Add(1)
	time.Sleep(s.delay)
	return s.w.Write(p)
}

// createLog creates (or empties) a log file for a "writer" destination,
// with the directories on its way.
func createLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
}

// removeLog removes a log file left by an earlier run, so that what is
// read back is this run's.
func removeLog(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

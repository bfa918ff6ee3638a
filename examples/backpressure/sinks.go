// This file holds the demo's sinks: slow and failing writers in front of
// log files, and the helpers that create the files and read them back.

package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

// errNetworkDown is what a flakyWriter returns once its network is down.
var errNetworkDown = errors.New("network sink: connection reset")

// flakyWriter is a slow network sink that goes down for good after its
// first up writes: every later write takes as long, then fails.
type flakyWriter struct {
	slowWriter
	up uint64
}

func (f *flakyWriter) Write(p []byte) (int, error) {
	n := f.writes.Add(1)
	time.Sleep(f.delay)
	if n > f.up {
		return 0, errNetworkDown
	}
	return f.w.Write(p)
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

// grep returns the lines of the file that match re, at most limit of
// them (all for a negative limit).
func grep(path string, re *regexp.Regexp, limit int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && limit != 0 {
		if re.MatchString(sc.Text()) {
			lines = append(lines, sc.Text())
			limit--
		}
	}
	return lines, sc.Err()
}

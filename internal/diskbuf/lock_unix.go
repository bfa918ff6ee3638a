//go:build unix

// This file owns the directory lock on Unix: flock(2) on the "lock" file,
// which keeps a second Buffer, in this process or another, out of a
// directory in use. The kernel drops the lock when the process dies, so a
// killed program leaves no stale lock behind.

package diskbuf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// dirLock is a held lock on a directory.
type dirLock struct{ f *os.File }

func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("diskbuf: opening lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("diskbuf: %s is in use by another Buffer in this or another process (%s is locked): %w", dir, path, ErrInUse)
		}
		return nil, fmt.Errorf("diskbuf: locking %s: %w", path, err)
	}
	return &dirLock{f: f}, nil
}

func (l *dirLock) release() error {
	// Closing the only descriptor drops the flock.
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("diskbuf: releasing lock: %w", err)
	}
	return nil
}

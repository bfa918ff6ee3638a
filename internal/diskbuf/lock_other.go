//go:build !unix

// This file owns the directory lock where flock(2) is missing: it keeps a
// second Buffer in this process out of a directory in use, but not one in
// another process.

package diskbuf

import (
	"fmt"
	"path/filepath"
	"sync"
)

// held is the set of directories (absolute paths) locked in this process.
var held struct {
	sync.Mutex
	dirs map[string]bool
}

// dirLock is a held lock on a directory.
type dirLock struct{ dir string }

func lockDir(dir string) (*dirLock, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("diskbuf: locking %s: %w", dir, err)
	}
	held.Lock()
	defer held.Unlock()
	if held.dirs[abs] {
		return nil, fmt.Errorf("diskbuf: %s is in use by another Buffer in this process: %w", dir, ErrInUse)
	}
	if held.dirs == nil {
		held.dirs = make(map[string]bool)
	}
	held.dirs[abs] = true
	return &dirLock{dir: abs}, nil
}

func (l *dirLock) release() error {
	held.Lock()
	delete(held.dirs, l.dir)
	held.Unlock()
	return nil
}

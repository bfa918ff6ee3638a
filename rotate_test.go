package hydra

// Files (rotate.go): rotation by size and by Rotate under load, Reopen
// after an external rotation, and the modes of new files.

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRotationUnderConcurrentLoad logs from many goroutines into a file
// that rotates by size every megabyte while Rotate is called too. No record
// may be lost or torn, and no file may exceed the size limit.
func TestRotationUnderConcurrentLoad(t *testing.T) {
	const goroutines, perGoroutine = 8, 3000 // about 5 MB of JSON
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	h := newTest(t, namedLayer(Destination{Type: "file", Path: path, Format: "json", Rotation: Rotation{MaxSizeMB: 1}}))
	l := slog.New(h).With("layer", "L")
	pad := strings.Repeat("p", 150)
	logging := make(chan struct{}) // closed once the first record is logged
	stop := make(chan struct{})
	rotations := make(chan int)
	go func() {
		n := 0
		defer func() { rotations <- n }()
		<-logging
		for {
			// Not require: this is not the test's goroutine.
			if !assert.NoError(t, h.Rotate()) {
				return
			}
			n++
			// The pause paces the rotations, so that they come among the
			// size rotations rather than in a burst; it synchronizes
			// nothing. (Rotations in a burst are TestRapidRotationsLoseNothing.)
			select {
			case <-stop:
				return
			case <-time.After(15 * time.Millisecond):
			}
		}
	}()
	var once sync.Once
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				l.Info("m", "g", g, "i", i, "pad", pad)
				once.Do(func() { close(logging) })
			}
		})
	}
	wg.Wait()
	close(stop)
	t.Logf("%d rotations by Rotate", <-rotations)
	require.NoError(t, h.Close())

	files, err := filepath.Glob(filepath.Join(dir, "app*.log"))
	require.NoError(t, err)
	require.Greater(t, len(files), 5, "size rotation happened")
	for _, f := range files {
		info, err := os.Stat(f)
		require.NoError(t, err)
		require.LessOrEqual(t, info.Size(), int64(1<<20), "%s exceeds MaxSizeMB", f)
	}
	requireEachOnce(t, readAll(t, dir, "app"), goroutines*perGoroutine)
	requireSettled(t, h.Stats())
}

// requireEachOnce checks that recs hold want records, each once, told
// apart by their g and i attributes; notices are not records.
func requireEachOnce(t *testing.T, recs []map[string]any, want int) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range recs {
		if r["msg"] == DropNotice || r["msg"] == SkipNotice {
			continue
		}
		key := fmt.Sprint(r["g"], "/", r["i"])
		require.False(t, seen[key], "record %s written twice", key)
		seen[key] = true
	}
	assert.Equal(t, want, len(seen), "every record is in some file")
}

// TestRapidRotationsLoseNothing rotates as fast as Rotate can be called
// while records are written: lumberjack names backups to the millisecond,
// so two rotations within one would overwrite a backup.
func TestRapidRotationsLoseNothing(t *testing.T) {
	dir := t.TempDir()
	h := newTest(t, namedLayer(Destination{Type: "file", Path: filepath.Join(dir, "app.log"), Format: "json"}))
	l := slog.New(h).With("layer", "L")
	const n = 3000
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			l.Info("m", "i", i)
		}
	})
	for range 200 {
		require.NoError(t, h.Rotate())
	}
	wg.Wait()
	require.NoError(t, h.Close())
	requireEachOnce(t, readAll(t, dir, "app"), n)
}

// TestTinyMaxSizeUnderLoad rotates by size about every millisecond.
func TestTinyMaxSizeUnderLoad(t *testing.T) {
	dir := t.TempDir()
	h := newTest(t, namedLayer(Destination{Type: "file", Path: filepath.Join(dir, "app.log"), Format: "json", Rotation: Rotation{MaxSizeMB: 1}}))
	l := slog.New(h).With("layer", "L")
	pad := strings.Repeat("x", 2000) // 1 MB every ~500 records
	const goroutines, perGoroutine = 4, 2500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				l.Info("m", "g", g, "i", i, "pad", pad)
			}
		})
	}
	wg.Wait()
	require.NoError(t, h.Close())
	requireEachOnce(t, readAll(t, dir, "app"), goroutines*perGoroutine)
}

func TestRecordLargerThanMaxSizeFailsAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	var reported []error
	cfg := namedLayer(Destination{Type: "file", Path: path, Format: "json", Rotation: Rotation{MaxSizeMB: 1}})
	cfg.OnError = func(err error) { reported = append(reported, err) }
	h := newTest(t, cfg)
	l := slog.New(h).With("layer", "L")
	l.Info("before")
	l.Info("huge", "blob", strings.Repeat("x", 1<<20+1))
	l.Info("after")
	err := h.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 record not written")
	assert.Contains(t, err.Error(), "exceeds maximum file size")

	d := destStats(t, h, "file:"+path)
	assert.Equal(t, uint64(2), d.Written)
	assert.Equal(t, uint64(1), d.Failed)
	var msgs []string
	for _, f := range must(filepath.Glob(filepath.Join(dir, "app*.log"))) {
		msgs = append(msgs, messages(t, must(os.ReadFile(f)))...)
	}
	assert.ElementsMatch(t, []string{"before", "after"}, msgs)
	require.Len(t, reported, 1)
	assert.True(t, errors.Is(reported[0], err) || strings.Contains(err.Error(), reported[0].Error()))
}

func TestNegativeMaxSizeTurnsSizeRotationOff(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.log")
	h := newTest(t, oneLayer(Destination{Type: "file", Path: path, Rotation: Rotation{MaxSizeMB: -1}}))
	l := slog.New(h)
	big := strings.Repeat("x", 1<<10)
	for range 1500 { // 1.5 MB: past any MaxSizeMB of 1
		l.Info(big)
	}
	require.NoError(t, h.Close())
	assert.Equal(t, []string{"big.log"}, filesIn(t, dir))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Greater(t, info.Size(), int64(1500<<10))
}

// filesIn returns the names of the files in dir.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestReopenAfterAnExternalRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	h := newTest(t, oneLayer(Destination{Type: "file", Path: path, Format: "json", Async: &AsyncOptions{QueueSize: 64}}))
	l := slog.New(h)
	stop := make(chan struct{})
	var logged atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			l.Info("r", "i", i)
			logged.Add(1)
		}
	})
	for i := range 3 { // as logrotate does: move, then tell the program
		for logged.Load() < int64(1000*(i+1)) {
			time.Sleep(time.Millisecond)
		}
		require.NoError(t, os.Rename(path, fmt.Sprintf("%s.%d", path, i+1)))
		require.NoError(t, h.Reopen())
	}
	close(stop)
	wg.Wait()
	require.NoError(t, h.Close())
	assert.ElementsMatch(t, []string{"app.log", "app.log.1", "app.log.2", "app.log.3"}, filesIn(t, dir),
		"Reopen makes no backup of its own")
	total := 0
	for _, name := range filesIn(t, dir) {
		total += len(lines(must(os.ReadFile(filepath.Join(dir, name)))))
	}
	assert.Equal(t, int(logged.Load()), total, "nothing lost, nothing twice")
	requireSettled(t, h.Stats())
	assert.ErrorIs(t, h.Reopen(), ErrClosed)
}

func TestFilePermissions(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "new", "deeper", "app.log")
	custom := filepath.Join(dir, "custom", "app.log")
	h := newTest(t, Config{Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "file", Path: def}}},
		"B": {Destinations: []Destination{{Type: "file", Path: custom, FileMode: 0o640, DirMode: 0o750}}},
	}})
	require.NoError(t, h.Close())
	for _, tc := range []struct {
		name string
		path string
		want os.FileMode
	}{
		{"default file", def, 0o600},
		{"default directory", filepath.Dir(def), 0o700},
		{"default directory above", filepath.Dir(filepath.Dir(def)), 0o700},
		{"FileMode", custom, 0o640},
		{"DirMode", filepath.Dir(custom), 0o750},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := os.Stat(tc.path)
			require.NoError(t, err)
			assert.Equal(t, tc.want, info.Mode().Perm(), tc.path)
		})
	}
}

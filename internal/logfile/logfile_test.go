package logfile

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the tests if any goroutine outlives them, lumberjack's
// mill goroutine included: Close stops it (see stopMill).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// names returns the names of the files in dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestOpenCreatesWithTheModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "app.log")
	f, err := Open(path, Options{FileMode: 0o640, DirMode: 0o750})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm()&^0o022)
	dir, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o750), dir.Mode().Perm()&^0o022)
	assert.Equal(t, path, f.Path())
}

func TestOpenFailsOnAFileItCannotUse(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir, Options{}) // a directory
	require.Error(t, err)
}

// TestStopMillEndsTheGoroutine checks that Close ends the goroutine
// lumberjack starts on its first write (natefinch/lumberjack#56): if
// lumberjack's fields change, stopMill does nothing and this fails.
func TestStopMillEndsTheGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 20 {
		f, err := Open(filepath.Join(t.TempDir(), "app.log"), Options{MaxBackups: 1})
		require.NoError(t, err)
		_, err = f.Write([]byte("x\n"))
		require.NoError(t, err)
		require.NoError(t, f.Rotate())
		require.NoError(t, f.Close())
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // a goroutine ends a moment after its channel closes
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left behind")
}

func TestRapidRotationsKeepEveryBackup(t *testing.T) {
	dir := t.TempDir()
	f, err := Open(filepath.Join(dir, "app.log"), Options{})
	require.NoError(t, err)
	defer f.Close()
	for i := range 50 {
		_, err := fmt.Fprintf(f, "%d\n", i)
		require.NoError(t, err)
		require.NoError(t, f.Rotate())
	}
	assert.Len(t, names(t, dir), 51, "50 backups, each its own name, and the file")
}

func TestReopenMakesNoBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	f, err := Open(path, Options{FileMode: 0o600})
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Write([]byte("before\n"))
	require.NoError(t, err)
	require.NoError(t, os.Rename(path, path+".1"))
	require.NoError(t, f.Reopen())
	_, err = f.Write([]byte("after\n"))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"app.log", "app.log.1"}, names(t, dir))
	assert.Equal(t, "before\n", string(must(os.ReadFile(path+".1"))))
	assert.Equal(t, "after\n", string(must(os.ReadFile(path))))
}

func TestNegativeMaxSizeNeverRotates(t *testing.T) {
	assert.Greater(t, Options{MaxSizeMB: -1}.MaxBytes(), int64(1)<<50)
	assert.Equal(t, int64(100<<20), Options{}.MaxBytes())
	assert.Equal(t, int64(3<<20), Options{MaxSizeMB: 3}.MaxBytes())
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestRotationPredictionAtTheLimit writes exactly up to lumberjack's limit,
// once with the file open and once with lumberjack's handle closed (after
// a write that failed halfway it reopens the file): lumberjack rotates in
// the second case only, and File must know, or the backups of two
// rotations in one millisecond take one name.
func TestRotationPredictionAtTheLimit(t *testing.T) {
	for _, shut := range []bool{false, true} {
		t.Run(fmt.Sprint("shut=", shut), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			f, err := Open(path, Options{MaxSizeMB: 1, FileMode: 0o600, DirMode: 0o700})
			require.NoError(t, err)
			defer f.Close()
			_, err = f.Write(make([]byte, 1000))
			require.NoError(t, err)
			if shut {
				require.NoError(t, f.lj.Close())
				f.shut = true
			}
			_, err = f.Write(make([]byte, f.max-1000)) // to the limit exactly
			require.NoError(t, err)
			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, info.Size(), f.size, "the predicted size is the file's")
			backups := len(names(t, dir)) - 1
			assert.Equal(t, shut, backups == 1, "lumberjack rotates at the limit only when it opens the file")
		})
	}
}

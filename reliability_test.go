package hydra

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// TestNewCloseCyclesLeaveNothingBehind opens and closes handlers with file
// destinations many times: goroutines and open files must stay flat
// (lumberjack alone leaves a goroutine per Logger, natefinch/lumberjack#56).
func TestNewCloseCyclesLeaveNothingBehind(t *testing.T) {
	dir := t.TempDir()
	cycle := func(i int) {
		h, err := New(Config{Layers: map[string]Layer{
			"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "a.log"), Rotation: Rotation{MaxBackups: 2, Compress: true}}}},
			"B": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, fmt.Sprintf("b%d.log", i))}}},
		}})
		require.NoError(t, err)
		l := slog.New(h)
		l.Info("a", "layer", "A")
		l.Info("b", "layer", "B")
		require.NoError(t, h.Rotate())
		require.NoError(t, h.Close())
	}
	cycle(0) // warm up: the first cycle starts what stays (timers, pools)
	millsDone := func() bool {
		buf := make([]byte, 1<<20)
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "lumberjack")
	}
	// A compression lumberjack started may outlive Close by a moment; it
	// must then end, and its goroutine with it.
	require.True(t, waitFor(5*time.Second, millsDone), "lumberjack's goroutines ended")
	goroutines, files := runtime.NumGoroutine(), openFiles(t)
	for i := 1; i <= 50; i++ {
		cycle(i)
	}
	require.True(t, waitFor(5*time.Second, millsDone), "lumberjack goroutines remain")
	assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "goroutines after 50 cycles")
	assert.LessOrEqual(t, openFiles(t), files, "open files")
}

func openFiles(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd to count open files")
	}
	return len(entries)
}

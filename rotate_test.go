package hydra

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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

// writeRecorder keeps every Write call's bytes.
type writeRecorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func TestBatchesAreRecordAligned(t *testing.T) {
	w := &writeRecorder{}
	h := newTest(t, namedLayer(Destination{Type: "writer", Writer: w, Format: "json"}))
	l := slog.New(h).With("layer", "L")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				l.Info("m", "g", g, "i", i, "pad", strings.Repeat("x", (i*37)%3000))
			}
		})
	}
	wg.Wait()
	require.NoError(t, h.Close())

	records := 0
	for _, p := range w.writes {
		require.True(t, bytes.HasSuffix(p, []byte("\n")), "a Write ends with a whole record")
		n := len(lines(p))
		if n > 1 {
			require.LessOrEqual(t, len(p), batchBytes, "a batch of several records fits the batch size")
		}
		for _, rec := range jsonRecords(t, p) {
			require.Equal(t, "m", rec["msg"])
		}
		records += n
	}
	assert.Equal(t, 8000, records)
	assert.Less(t, len(w.writes), 8000/2, "records are batched")
}

// shortWriter accepts the first n bytes of every write.
type shortWriter struct {
	n   int
	err error
}

func (w shortWriter) Write(p []byte) (int, error) { return min(w.n, len(p)), w.err }

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("no disk") }

// constEncoder formats every record as its message and a newline.
type constEncoder struct{}

func (constEncoder) append(dst []byte, e *entry) []byte {
	return append(append(dst, e.rec.Message...), '\n')
}

func TestWriteCountsWholeRecords(t *testing.T) {
	rec := func(msg string) *entry { return &entry{rec: slog.NewRecord(time.Time{}, slog.LevelInfo, msg, 0)} }
	for _, tc := range []struct {
		name            string
		w               io.Writer
		written, failed int
		err             string
	}{
		{"all", shortWriter{n: 1 << 20}, 3, 0, ""},
		{"short without error", shortWriter{n: 6}, 1, 2, io.ErrShortWrite.Error()},
		{"short with error", shortWriter{n: 9, err: errDisk}, 2, 1, errDisk.Error()},
		{"nothing", shortWriter{n: 0, err: errDisk}, 0, 3, errDisk.Error()},
		{"impossible count", shortWriter{n: -1}, 0, 3, "impossible count"},
		{"panic", panicWriter{}, 0, 3, "writer panicked: no disk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newStreamOutput(tc.w, nil, constEncoder{}, 1024)
			for _, m := range []string{"aaaa", "bbb", "cc"} { // 5 + 4 + 3 bytes
				require.Equal(t, result{}, o.add(rec(m)))
			}
			notice := rec("n")
			notice.notice = true
			o.add(notice) // written or not, never counted
			res := o.flush()
			assert.Equal(t, tc.written, res.written)
			assert.Equal(t, tc.failed, res.failed)
			if tc.err == "" {
				assert.NoError(t, res.err)
			} else {
				assert.ErrorContains(t, res.err, tc.err)
			}
		})
	}
}

func TestBatchCarriesOverARecordThatDoesNotFit(t *testing.T) {
	w := &writeRecorder{}
	o := newStreamOutput(w, nil, constEncoder{}, 10)
	rec := func(msg string) *entry { return &entry{rec: slog.NewRecord(time.Time{}, slog.LevelInfo, msg, 0)} }
	assert.Equal(t, result{}, o.add(rec("aaaa")))
	assert.Equal(t, result{}, o.add(rec("bbbb"))) // 10 bytes: exactly full
	assert.True(t, o.full())
	assert.Equal(t, result{written: 2}, o.add(rec("cccccccccccc"))) // the batch before it is written
	assert.Equal(t, result{written: 1}, o.flush())                  // a record larger than a batch goes alone
	assert.Equal(t, []string{"aaaa\nbbbb\n", "cccccccccccc\n"}, stringsOf(w.writes))
}

func stringsOf(bs [][]byte) []string {
	var s []string
	for _, b := range bs {
		s = append(s, string(b))
	}
	return s
}

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

func TestNegativeMaxSizeTurnsSizeRotationOff(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.log")
	cfg := oneLayer(Destination{Type: "file", Path: path, Rotation: Rotation{MaxSizeMB: -1}})
	h := newTest(t, cfg)
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

func TestFilePermissions(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "new", "deeper", "app.log")
	custom := filepath.Join(dir, "custom", "app.log")
	h := newTest(t, Config{Layers: map[string]Layer{
		"A": {Destinations: []Destination{{Type: "file", Path: def}}},
		"B": {Destinations: []Destination{{Type: "file", Path: custom, FileMode: 0o640, DirMode: 0o750}}},
	}})
	require.NoError(t, h.Close())
	for path, want := range map[string]os.FileMode{
		def:                             0o600,
		filepath.Dir(def):               0o700,
		filepath.Dir(filepath.Dir(def)): 0o700,
		custom:                          0o640,
		filepath.Dir(custom):            0o750,
	} {
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, want, info.Mode().Perm(), path)
	}
}

package hydra

// Destinations that fail, stall or crawl, and a disk that fills: no caller
// waits on them under a drop policy, every record is counted, and writing
// resumes without a restart.

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fault is a destination that misbehaves until cleared.
type fault struct {
	name   string
	dest   func(t *testing.T) Destination
	clear  func()
	errors bool // whether the fault is reported as errors
}

func writerFault(name string, mode int32, errs bool) fault {
	w := &faultyWriter{release: make(chan struct{})}
	w.mode.Store(mode)
	var once sync.Once
	return fault{
		name: name,
		dest: func(*testing.T) Destination { return Destination{Type: "writer", Writer: w, Format: "json"} },
		clear: func() {
			w.mode.Store(fwOK)
			once.Do(func() { close(w.release) })
		},
		errors: errs,
	}
}

func handlerFault(name string, mode int32) fault {
	h := &faultyHandler{}
	h.mode.Store(mode)
	return fault{
		name:   name,
		dest:   func(*testing.T) Destination { return Destination{Type: "handler", Handler: h} },
		clear:  func() { h.mode.Store(0) },
		errors: true,
	}
}

// TestFaultsInDestinations drives a burst from several goroutines into a
// destination while it fails, stalls or crawls, then clears the fault.
// Under a drop policy no caller may wait on it; nothing may crash; every
// record must be counted exactly once; errors must reach OnError; and once
// the fault clears, the destination must write again without a restart.
func TestFaultsInDestinations(t *testing.T) {
	for _, policy := range []Policy{DropNewest, DropOldest} {
		faults := []fault{ // fresh for each policy: clearing is for good
			writerFault("EIO", fwEIO, true),
			writerFault("stalled for ever", fwStall, false),
			writerFault("slow", fwSlow, false),
			handlerFault("handler panics", 1),
			handlerFault("handler fails", 2),
		}
		for _, f := range faults {
			t.Run(policy.String()+"/"+f.name, func(t *testing.T) {
				var reported atomic.Int64
				d := f.dest(t)
				d.Async = &AsyncOptions{QueueSize: 64, Overflow: policy}
				cfg := oneLayer(d)
				cfg.OnError = func(error) { reported.Add(1) }
				h := newTest(t, cfg)
				t.Cleanup(f.clear) // runs before Close: a stalled writer must let go
				l := slog.New(h)

				slowest := burst(l, "during", 4, 500)
				assert.Less(t, slowest, time.Second, "a caller waited on the faulty destination")
				if f.errors { // let the consumer meet the fault with a record before it clears
					// (a failed drop notice is reported too, but fails no record)
					require.True(t, waitFor(10*time.Second, func() bool { return h.Stats().Failed > 0 }))
				}
				f.clear()
				err := h.Flush(context.Background())
				if f.errors {
					require.Error(t, err, "Flush returns what went wrong")
				} else {
					require.NoError(t, err)
				}
				before := h.Stats()
				requireSettled(t, before)
				assert.Equal(t, uint64(2000), before.Accepted)
				if f.errors {
					assert.Positive(t, before.Failed, "the fault is counted as failures")
					assert.Positive(t, reported.Load(), "OnError heard about it")
				}

				burst(l, "after", 1, 50)
				require.NoError(t, h.Flush(context.Background()), "the errors were returned once; no new ones")
				after := h.Stats()
				requireSettled(t, after)
				assert.Equal(t, before.Written+50, after.Written, "the destination writes again")
				assert.Equal(t, before.Failed, after.Failed, "and no longer fails")
			})
		}
	}
}

// burst logs n records from each of g goroutines and returns the longest
// any call took.
func burst(l *slog.Logger, msg string, g, n int) time.Duration {
	var slowest atomic.Int64
	var wg sync.WaitGroup
	for range g {
		wg.Go(func() {
			for i := range n {
				start := time.Now()
				l.Info(msg, "i", i)
				if d := int64(time.Since(start)); d > slowest.Load() {
					slowest.Store(d)
				}
			}
		})
	}
	wg.Wait()
	return time.Duration(slowest.Load())
}

// TestDiskFull writes to a file on a small tmpfs until it is full, then
// frees space: the failed records are counted and reported, the file never
// holds a torn record, and writing resumes. It mounts the tmpfs itself, so
// it runs as root only.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	filler := filepath.Join(dir, "filler")
	require.NoError(t, os.WriteFile(filler, make([]byte, 200<<10), 0o600))

	var reported []error
	var mu sync.Mutex
	cfg := oneLayer(Destination{Type: "file", Path: filepath.Join(dir, "app.log"), Format: "json",
		Async: &AsyncOptions{Overflow: DropNewest}})
	cfg.OnError = func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	}
	h, err := New(cfg)
	require.NoError(t, err)
	l := slog.New(h)
	pad := strings.Repeat("p", 200)
	for i := range 1000 { // about 300 kB: more than the disk holds
		l.Info("full", "i", i, "pad", pad)
	}
	err = h.Flush(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ENOSPC)
	st := h.Stats()
	requireSettled(t, st)
	assert.Positive(t, st.Failed)
	mu.Lock()
	assert.NotEmpty(t, reported)
	mu.Unlock()

	require.NoError(t, os.Remove(filler)) // the fault clears
	for i := range 100 {
		l.Info("after", "i", i, "pad", pad)
	}
	require.NoError(t, h.Close())
	after := h.Stats()
	requireSettled(t, after)
	assert.Equal(t, st.Written+100, after.Written, "writing resumed")

	recs := readAll(t, dir, "app") // whole JSON records only
	assert.Equal(t, int(after.Written), len(recs), "the file holds exactly the records counted as written")
	afterMsgs := 0
	for _, r := range recs {
		if r["msg"] == "after" {
			afterMsgs++
		}
	}
	assert.Equal(t, 100, afterMsgs)
}

// TestRecoveryWithoutRestartKeepsOrder fails a destination for a while
// under Block: the callers are not blocked by failures (a failing write is
// not a full queue), and what follows the fault is written in order.
func TestRecoveryWithoutRestartKeepsOrder(t *testing.T) {
	w := &faultyWriter{}
	w.mode.Store(fwEIO)
	h := newTest(t, oneLayer(Destination{Type: "writer", Writer: w, Format: "json"}))
	l := slog.New(h)
	logN(l, "lost", 100)
	require.Error(t, h.Flush(context.Background()))
	w.mode.Store(fwOK)
	logN(l, "kept", 100)
	flush(t, h)
	msgs := messages(t, w.out.Bytes())
	require.Len(t, msgs, 100)
	for i, r := range jsonRecords(t, w.out.Bytes()) {
		assert.Equal(t, "kept", r["msg"])
		assert.Equal(t, float64(i), r["i"], fmt.Sprint("record ", i))
	}
}

package hydra

// Memory: the heap stays bounded by the queue, however many records
// arrive and however long callers wait.

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestMemoryBoundedByQueue logs a million records, each with a string of
// its own, at a stalled destination under each drop policy: whatever
// arrives, the heap holds at most the queue's records and their values.
func TestMemoryBoundedByQueue(t *testing.T) {
	records := 1_000_000
	if raceEnabled || testing.Short() {
		records = 100_000
	}
	const queue = 1024
	for _, policy := range []Policy{DropNewest, DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			h, l, w := stalled(t, AsyncOptions{QueueSize: queue, Overflow: policy})
			before := heapInUse()
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := g; i < records; i += 4 {
						l.Info("m", "i", i, "payload", fmt.Sprintf("%0100d", i)) // 100 bytes of its own
					}
				})
			}
			wg.Wait()
			grown := heapInUse() - before
			// The queue's slots exist before; what may grow is the values
			// they hold: a 100-byte string and small change per record.
			bound := int64(queue*256 + 1<<20)
			assert.Less(t, grown, bound, "the heap grew by %d bytes for %d records", grown, records)
			t.Logf("%d records: heap grew by %d bytes (bound %d)", records, grown, bound)
			assert.Equal(t, uint64(records+1), h.Stats().Accepted)
			w.Release()
			require.NoError(t, h.Close())
			requireSettled(t, h.Stats())
		})
	}
}

// TestMemoryFlatWhileBlocked holds callers under Block against a stalled
// destination: however long they wait, they hold no more memory. It runs
// in a synctest bubble, so that "the callers are blocked" is a fact
// (synctest.Wait) rather than a guess, and the wait is half a second of
// the bubble's time, in which whatever timers the callers set do fire.
func TestMemoryFlatWhileBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const callers, wait = 8, 500 * time.Millisecond
		h, l, w := stalled(t, AsyncOptions{QueueSize: 64})
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() { logN(l, "m", 200) }) // blocks once 64 are queued
		}
		synctest.Wait() // every caller waits for room
		require.Equal(t, 1+64, h.Stats().Destinations[0].Queued, "\"first\", being written, and a full queue")
		early := heapInUse()
		time.Sleep(wait)
		synctest.Wait()
		late := heapInUse()
		assert.Less(t, late-early, int64(64<<10), "the heap grew by %d bytes while the callers waited", late-early)
		w.Release()
		wg.Wait()
		require.NoError(t, h.Close())
		assert.Equal(t, uint64(1+callers*200), h.Stats().Written, "Block lost nothing")
		assert.Equal(t, callers*wait, h.Stats().Destinations[0].Blocked, "every caller waited all along")
	})
}

// BenchmarkMemory is the seed's memory test: 10k and 1M records logged to
// a file as fast as one goroutine can, lossless (Block). It reports how
// much the live heap and the resident set grew (they stay bounded by the
// queue, whatever the number of records) and the allocations per record,
// caller and consumer together.
func BenchmarkMemory(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			h, err := New(Config{DefaultLayer: "MEMORY", Layers: map[string]Layer{"MEMORY": {Destinations: []Destination{
				{Type: "file", Path: filepath.Join(b.TempDir(), "memory.log")},
			}}}})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			l := slog.New(h)
			heap, rss := heapInUse(), residentSet()
			var allocs runtime.MemStats
			runtime.ReadMemStats(&allocs)
			mallocs := allocs.Mallocs
			b.ResetTimer()
			for range b.N {
				for i := range n {
					l.Info("Log", "i", i)
				}
				h.Flush(context.Background())
			}
			b.StopTimer()
			runtime.ReadMemStats(&allocs)
			b.ReportMetric(float64(allocs.Mallocs-mallocs)/float64(b.N*n), "allocs/record")
			b.ReportMetric(float64(heapInUse()-heap)/(1<<20), "heap-MB")
			b.ReportMetric(float64(residentSet()-rss)/(1<<20), "rss-MB")
		})
	}
}

// residentSet returns the process's resident memory in bytes, or 0 where
// /proc is not there.
func residentSet() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	fmt.Sscan(string(data), &size, &resident)
	return resident * int64(os.Getpagesize())
}

package ring

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pop(r *Ring[int]) (int, bool) {
	s, pos, ok := r.Claim()
	if !ok {
		return 0, false
	}
	v := s.Val
	r.Release(s, pos)
	return v, true
}

func TestRingSizeIsAPowerOfTwo(t *testing.T) {
	for size, want := range map[int]int{1: 2, 2: 2, 3: 4, 1000: 1024, 8192: 8192} {
		assert.Equal(t, want, New[int](size).Cap(), "size %d", size)
	}
}

func TestRingFIFOAcrossLaps(t *testing.T) {
	r := New[int](4)
	next, want := 0, 0
	for round := range 50 {
		n := 1 + round%4 // bursts of 1 to 4 records
		for range n {
			v := next
			require.Equal(t, Pushed, r.Push(&v, false))
			next++
		}
		assert.Equal(t, n, r.Len())
		for range n {
			require.True(t, r.Ready())
			got, ok := pop(r)
			require.True(t, ok)
			require.Equal(t, want, got)
			want++
		}
		_, ok := pop(r)
		require.False(t, ok, "empty")
		require.False(t, r.Ready())
	}
	assert.Equal(t, uint64(next), r.Enqueued())
}

// Reserve hands out a slot whose value is zero, on every lap: callers may
// fill only the fields they use.
func TestRingReserveGivesZeroSlots(t *testing.T) {
	type rec struct {
		a, b int
		s    *string
	}
	r := New[rec](2)
	word := "kept"
	for lap := range 5 {
		for range 2 {
			s, pos, res := r.Reserve()
			require.Equal(t, Pushed, res)
			require.Zero(t, s.Val, "lap %d", lap)
			s.Val = rec{a: lap, b: 1, s: &word}
			r.Commit(s, pos, false)
		}
		for range 2 {
			s, pos, ok := r.Claim()
			require.True(t, ok)
			r.Release(s, pos)
		}
	}
}

func TestRingFull(t *testing.T) {
	r := New[int](4)
	for i := range 4 {
		require.Equal(t, Pushed, r.Push(&i, false))
	}
	v := 4
	assert.Equal(t, Full, r.Push(&v, false))
	got, _ := pop(r)
	assert.Equal(t, 0, got)
	assert.Equal(t, Pushed, r.Push(&v, false), "room after a pop")
}

func TestRingReplaceOldest(t *testing.T) {
	r := New[int](4)
	v := 0
	assert.Equal(t, Room, r.ReplaceOldest(&v, false), "not full: nothing to evict")
	for i := 1; i <= 4; i++ {
		require.Equal(t, Pushed, r.Push(&i, false))
	}
	v = 5
	require.Equal(t, Pushed, r.ReplaceOldest(&v, false))
	assert.Equal(t, 4, r.Len(), "still full")
	var got []int
	for {
		x, ok := pop(r)
		if !ok {
			break
		}
		got = append(got, x)
	}
	assert.Equal(t, []int{2, 3, 4, 5}, got, "the oldest made room for the newest")
}

func TestRingReplaceOldestSparesPinned(t *testing.T) {
	r := New[int](2)
	a, b := 1, 2
	require.Equal(t, Pushed, r.Push(&a, true))
	require.Equal(t, Pushed, r.Push(&b, false))
	v := 3
	assert.Equal(t, HeadPinned, r.ReplaceOldest(&v, false))
	got, _ := pop(r)
	assert.Equal(t, 1, got, "the pinned record stayed")
	// The pinned record has left; the head (2) can be evicted once full.
	require.Equal(t, Pushed, r.Push(&v, false))
	w := 4
	assert.Equal(t, Pushed, r.ReplaceOldest(&w, false))
	got, _ = pop(r)
	assert.Equal(t, 3, got)
}

func TestRingClose(t *testing.T) {
	r := New[int](4)
	for i := range 2 {
		require.Equal(t, Pushed, r.Push(&i, false))
	}
	r.Close()
	v := 9
	assert.Equal(t, Closed, r.Push(&v, false))
	assert.Equal(t, Closed, r.ReplaceOldest(&v, false))
	assert.Equal(t, 2, r.Len(), "queued records stay")
	assert.Equal(t, uint64(2), r.Enqueued(), "the closed bit is not a count")
	for i := range 2 {
		got, ok := pop(r)
		require.True(t, ok)
		assert.Equal(t, i, got)
	}
	assert.Zero(t, r.Len())
}

// TestRingStress runs producers that push, producers that evict when the
// ring is full, and one consumer, then closes the ring at a random moment.
// Every value that entered the ring must leave it exactly once, consumed or
// evicted, and each producer's consumed values must stay in order.
func TestRingStress(t *testing.T) {
	const producers, perProducer = 8, 20000
	deadline := time.Now().Add(3 * time.Second)
	for round := 0; round < 50 && time.Now().Before(deadline); round++ {
		r := New[int](16)
		// Outcomes of the producers' attempts, one per value.
		var pushedFree, pushedEvicting, evictedThenClosed, notEntered atomic.Int64
		var wg sync.WaitGroup
		for p := range producers {
			evict := p%2 == 1
			wg.Go(func() {
				for i := range perProducer {
					v := p*perProducer + i
					res := r.Push(&v, false)
					if res == Pushed {
						pushedFree.Add(1)
						continue
					}
					if res != Full || !evict {
						runtime.Gosched()
						notEntered.Add(1)
						continue
					}
					for {
						if res = r.ReplaceOldest(&v, false); res != Room {
							break
						}
						if res = r.Push(&v, false); res != Full {
							if res == Pushed {
								pushedFree.Add(1)
								res = -1
							}
							break
						}
					}
					switch res {
					case -1:
					case Pushed:
						pushedEvicting.Add(1)
					case EvictedClosed:
						evictedThenClosed.Add(1)
					default:
						notEntered.Add(1)
					}
				}
			})
		}
		seen := make([]bool, producers*perProducer)
		last := make([]int, producers)
		for i := range last {
			last[i] = -1
		}
		consumed := int64(0)
		closeAt := 1 + rand.Int64N(producers*perProducer/2)
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		stuck := time.Now().Add(20 * time.Second)
		for finished := false; ; {
			v, ok := pop(r)
			if !ok {
				if finished && r.Len() == 0 {
					break
				}
				require.True(t, time.Now().Before(stuck), "no progress: %d queued, %d consumed", r.Len(), consumed)
				select {
				case <-done:
					finished = true
				default:
				}
				runtime.Gosched()
				continue
			}
			require.False(t, seen[v], "value %d consumed twice", v)
			seen[v] = true
			p, i := v/perProducer, v%perProducer
			require.Greater(t, i, last[p], "producer %d out of order", p)
			last[p] = i
			consumed++
			if consumed == closeAt {
				r.Close()
			}
		}
		entered := pushedFree.Load() + pushedEvicting.Load()
		evicted := pushedEvicting.Load() + evictedThenClosed.Load()
		assert.Equal(t, entered, consumed+evicted, "every value that entered left exactly once")
		assert.Equal(t, int64(producers*perProducer), entered+evictedThenClosed.Load()+notEntered.Load(),
			"every attempt has one outcome")
		assert.Equal(t, uint64(entered), r.Enqueued())
	}
}

// TestRingLenNeverExceedsCap reads Len while producers evict and a
// consumer dequeues: head and tail move between its two loads, and the
// difference of the two moments may pass the capacity, which Len must
// not report.
func TestRingLenNeverExceedsCap(t *testing.T) {
	r := New[int](8)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for v := 0; ; v++ {
				select {
				case <-stop:
					return
				default:
				}
				if r.Push(&v, false) == Full {
					r.ReplaceOldest(&v, false)
				}
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if s, pos, ok := r.Claim(); ok {
				r.Release(s, pos)
			}
		}
	})
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		if n := r.Len(); n > r.Cap() || n < 0 {
			close(stop)
			wg.Wait()
			t.Fatalf("Len %d with Cap %d", n, r.Cap())
		}
	}
	close(stop)
	wg.Wait()
}

package hydra

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

func pop(r *ring[int]) (int, bool) {
	s, pos, ok := r.claim()
	if !ok {
		return 0, false
	}
	v := s.val
	r.release(s, pos)
	return v, true
}

func TestRingSizeIsAPowerOfTwo(t *testing.T) {
	for size, want := range map[int]int{1: 2, 2: 2, 3: 4, 1000: 1024, 8192: 8192} {
		assert.Equal(t, want, newRing[int](size).capacity(), "size %d", size)
	}
}

func TestRingFIFOAcrossLaps(t *testing.T) {
	r := newRing[int](4)
	next, want := 0, 0
	for round := range 50 {
		n := 1 + round%4 // bursts of 1 to 4 records
		for range n {
			v := next
			require.Equal(t, pushed, r.push(&v, false))
			next++
		}
		assert.Equal(t, n, r.len())
		for range n {
			require.True(t, r.ready())
			got, ok := pop(r)
			require.True(t, ok)
			require.Equal(t, want, got)
			want++
		}
		_, ok := pop(r)
		require.False(t, ok, "empty")
		require.False(t, r.ready())
	}
	assert.Equal(t, uint64(next), r.enqueued())
}

func TestRingFull(t *testing.T) {
	r := newRing[int](4)
	for i := range 4 {
		require.Equal(t, pushed, r.push(&i, false))
	}
	v := 4
	assert.Equal(t, ringFull, r.push(&v, false))
	got, _ := pop(r)
	assert.Equal(t, 0, got)
	assert.Equal(t, pushed, r.push(&v, false), "room after a pop")
}

func TestRingReplaceOldest(t *testing.T) {
	r := newRing[int](4)
	v := 0
	assert.Equal(t, ringRoom, r.replaceOldest(&v, false), "not full: nothing to evict")
	for i := 1; i <= 4; i++ {
		require.Equal(t, pushed, r.push(&i, false))
	}
	v = 5
	require.Equal(t, pushed, r.replaceOldest(&v, false))
	assert.Equal(t, 4, r.len(), "still full")
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
	r := newRing[int](2)
	a, b := 1, 2
	require.Equal(t, pushed, r.push(&a, true))
	require.Equal(t, pushed, r.push(&b, false))
	v := 3
	assert.Equal(t, headPinned, r.replaceOldest(&v, false))
	got, _ := pop(r)
	assert.Equal(t, 1, got, "the pinned record stayed")
	// The pinned record has left; the head (2) can be evicted once full.
	require.Equal(t, pushed, r.push(&v, false))
	w := 4
	assert.Equal(t, pushed, r.replaceOldest(&w, false))
	got, _ = pop(r)
	assert.Equal(t, 3, got)
}

func TestRingClose(t *testing.T) {
	r := newRing[int](4)
	for i := range 2 {
		require.Equal(t, pushed, r.push(&i, false))
	}
	r.close()
	v := 9
	assert.Equal(t, ringClosed, r.push(&v, false))
	assert.Equal(t, ringClosed, r.replaceOldest(&v, false))
	assert.Equal(t, 2, r.len(), "queued records stay")
	assert.Equal(t, uint64(2), r.enqueued(), "the closed bit is not a count")
	for i := range 2 {
		got, ok := pop(r)
		require.True(t, ok)
		assert.Equal(t, i, got)
	}
	assert.Zero(t, r.len())
}

// TestRingStress runs producers that push, producers that evict when the
// ring is full, and one consumer, then closes the ring at a random moment.
// Every value that entered the ring must leave it exactly once, consumed or
// evicted, and each producer's consumed values must stay in order.
func TestRingStress(t *testing.T) {
	const producers, perProducer = 8, 20000
	deadline := time.Now().Add(3 * time.Second)
	for round := 0; round < 50 && time.Now().Before(deadline); round++ {
		r := newRing[int](16)
		// Outcomes of the producers' attempts, one per value.
		var pushedFree, pushedEvicting, evictedThenClosed, notEntered atomic.Int64
		var wg sync.WaitGroup
		for p := range producers {
			evict := p%2 == 1
			wg.Go(func() {
				for i := range perProducer {
					v := p*perProducer + i
					res := r.push(&v, false)
					if res == pushed {
						pushedFree.Add(1)
						continue
					}
					if res != ringFull || !evict {
						runtime.Gosched()
						notEntered.Add(1)
						continue
					}
					for {
						if res = r.replaceOldest(&v, false); res != ringRoom {
							break
						}
						if res = r.push(&v, false); res != ringFull {
							if res == pushed {
								pushedFree.Add(1)
								res = -1
							}
							break
						}
					}
					switch res {
					case -1:
					case pushed:
						pushedEvicting.Add(1)
					case evictedClosed:
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
				if finished && r.len() == 0 {
					break
				}
				require.True(t, time.Now().Before(stuck), "no progress: %d queued, %d consumed", r.len(), consumed)
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
				r.close()
			}
		}
		entered := pushedFree.Load() + pushedEvicting.Load()
		evicted := pushedEvicting.Load() + evictedThenClosed.Load()
		assert.Equal(t, entered, consumed+evicted, "every value that entered left exactly once")
		assert.Equal(t, int64(producers*perProducer), entered+evictedThenClosed.Load()+notEntered.Load(),
			"every attempt has one outcome")
		assert.Equal(t, uint64(entered), r.enqueued())
	}
}

package hydra

import (
	"sync"
	"testing"
)

// A striped counter loses no add, from any number of goroutines.
func TestStripedCounterIsExact(t *testing.T) {
	var c stripedCounter
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10_000 {
				c.Add(1)
			}
		})
	}
	wg.Wait()
	if got := c.Load(); got != 160_000 {
		t.Fatalf("Load() = %d, want 160000", got)
	}
}

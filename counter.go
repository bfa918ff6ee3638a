// This file owns stripedCounter, a counter that many goroutines add to
// without contending for one cache line.

package hydra

import (
	"sync/atomic"
	"unsafe"
)

// counterStripes is how many cache lines a stripedCounter spreads its adds
// over: enough that a handful of producers rarely meet on one. stripeOf
// takes the top stripeBits bits of its hash: keep the two in step.
const (
	stripeBits     = 4
	counterStripes = 1 << stripeBits
)

// stripedCounter is a counter for the caller's path: every record that
// passes a layer's level adds to one, from whatever goroutine logs it. On
// a single atomic word, producers on different cores would take turns for
// its cache line (7% of a busy caller's time in a profile with two
// producers); here each add picks a stripe by the address of its own
// stack, which differs from one goroutine to the next and stays put for
// one, so a goroutine keeps adding to the same line, and only Load, which
// Stats calls, sums them. Load is exact once the adds it should see have
// returned. (A random stripe per add cost the one-goroutine drop path
// 2.5%; this costs a shift and a multiply.)
//
// Each stripe is two cache lines wide, its counter in the second: nothing
// aligns the struct to a line, and with one-line stripes the counter of a
// stripe would share a line with its neighbour's.
type stripedCounter struct {
	stripes [counterStripes]struct {
		_ [cacheLine]byte
		n atomic.Uint64
		_ [cacheLine - 8]byte
	}
}

func (c *stripedCounter) Add(n uint64) {
	var here byte
	c.stripes[stripeOf(unsafe.Pointer(&here))].n.Add(n)
}

// stripeOf returns the stripe, in [0, counterStripes), of the goroutine
// whose stack holds here. Goroutine stacks are at least 8 KiB apart;
// Fibonacci hashing spreads their addresses over the stripes.
func stripeOf(here unsafe.Pointer) int {
	sp := uint64(uintptr(here)) >> 13
	return int((sp * 0x9E3779B97F4A7C15) >> (64 - stripeBits))
}

func (c *stripedCounter) Load() uint64 {
	var sum uint64
	for i := range c.stripes {
		sum += c.stripes[i].n.Load()
	}
	return sum
}

// cacheLine is the size of a CPU cache line on the platforms Go runs on
// (64 bytes; 128 on some arm64 parts, where 64 still keeps the fields
// that are written apart from those that are only read).
const cacheLine = 64

// This file owns the counters hydra exposes: Stats and DestinationStats.

package hydra

import (
	"slices"
	"time"
)

// Stats is a snapshot of a Handler's counters. Every record routed to a
// destination is counted there once in Accepted and, once it is settled,
// once in Written, Dropped or Failed: after Flush returns, and with no
// records logged meanwhile, Accepted == Written + Dropped + Failed for
// every destination (+ Buffered, for a network destination whose disk
// buffer holds records). Accepted, Written, Dropped and Failed are sums over
// Destinations; Throttled and Sampled count the records that never
// reached a destination, summed over Layers and over the layers a Reload
// removed, so that the totals never go down.
type Stats struct {
	Accepted, Written, Dropped, Failed uint64
	// Buffered is the sum of DestinationStats.Buffered: records waiting in
	// disk buffers, settled later.
	Buffered           uint64
	Throttled, Sampled uint64
	// Unknown counts the records that named a layer that is not
	// configured (a typo, say); they went to the default layer. Each
	// distinct name is reported once through Config.OnError. A Config
	// with one layer sends every record there unread: none is counted.
	Unknown      uint64
	Destinations []DestinationStats
	Layers       []LayerStats
}

// DestinationStats is a snapshot of one destination's counters. A
// destination shared by several layers appears once.
type DestinationStats struct {
	// Name is unique and stable: "file:<path>", "stdout", "stderr",
	// "writer", "handler" or "null". Where several destinations would
	// share a name, each adds the first of its layers ("writer:API"), and
	// those of one layer that still collide are numbered in the order they
	// are declared ("writer:API#2").
	Name string
	// Layers are the layers that route to the destination.
	Layers []string
	// Policy is the overflow policy of its queue.
	Policy Policy
	// Sync is true for a destination written on the caller's goroutine.
	Sync bool
	// Accepted counts the records routed to it (after the level checks),
	// including those dropped later.
	Accepted uint64
	// Written counts the records handed to its writer or handler without
	// error.
	Written uint64
	// Dropped counts the records discarded by the overflow policy, by
	// Shutdown's deadline, or because they arrived after Close.
	Dropped uint64
	// Failed counts the records whose write or handler call failed.
	Failed uint64
	// Queued is Accepted minus the three counts above (and Buffered): the
	// records waiting in the queue or being written now.
	Queued int
	// Capacity is the size of the queue; 0 for a Sync destination.
	Capacity int
	// HighWater is the most records seen waiting at once. The consumer
	// samples the queue before every batch and callers raise it to
	// Capacity when they find the queue full, so it is exact at the top and
	// may miss a lower peak between two batches.
	HighWater int
	// Blocked is the total time callers spent waiting for room.
	Blocked time.Duration
	// Breaker is the state of the destination's circuit breaker: "closed",
	// "open" or "half-open"; "" without one.
	Breaker string
	// BreakerOpened counts the times the breaker opened.
	BreakerOpened uint64
	// FallbackWritten counts, of Written, the records written to the
	// Fallback while the breaker was open.
	FallbackWritten uint64
	// Retired is set on the one entry, named RetiredName, that sums the
	// counters of the destinations Reload replaced or removed.
	Retired bool

	// The counters of network destinations; zero for the others.

	// Retries counts the sends that failed and were made again. A batch
	// sent again after a failure may arrive twice (at least once).
	Retries uint64
	// Truncated counts the records cut to Network.MaxDatagram.
	Truncated uint64
	// Buffered is how many of this run's records wait in the disk buffer,
	// not yet Written or Failed. Queued does not count them: after Flush,
	// Accepted == Written + Dropped + Failed + Buffered.
	Buffered int
	// BufferBytes is the size of the disk buffer's files.
	BufferBytes int64
	// Replayed counts, of Written, the records sent from the disk buffer.
	Replayed uint64
	// Recovered counts the records an earlier run left in the disk buffer
	// that this one sent: they are in neither Accepted nor Written.
	Recovered uint64
	// BufferLost counts the records of the disk buffer that will never be
	// sent: damaged on disk, or refused by the destination (an HTTP 4xx).
	// Those of this run are counted in Failed too.
	BufferLost uint64
}

// RetiredName is the name of the DestinationStats entry that sums the
// counters of the destinations Reload replaced or removed, so that the
// totals stay exact across a Reload.
const RetiredName = "retired"

// plus adds o's counters to d's, for the retired entry.
func (d DestinationStats) plus(o DestinationStats) DestinationStats {
	d.Accepted += o.Accepted
	d.Written += o.Written
	d.Dropped += o.Dropped
	d.Failed += o.Failed
	d.Queued += o.Queued
	d.Blocked += o.Blocked
	d.BreakerOpened += o.BreakerOpened
	d.FallbackWritten += o.FallbackWritten
	d.Retries += o.Retries
	d.Truncated += o.Truncated
	d.Buffered += o.Buffered
	d.BufferBytes += o.BufferBytes
	d.Replayed += o.Replayed
	d.Recovered += o.Recovered
	d.BufferLost += o.BufferLost
	return d
}

// Stats returns a snapshot of the counters. It is cheap enough to call
// every second: a few atomic loads per destination.
func (h *Handler) Stats() Stats { return h.core().stats() }

func (c *core) stats() Stats {
	// The table and the sinks being retired, read together: a sink is
	// counted once, in the table or among the retired.
	c.retiredMu.Lock()
	t := c.table.Load()
	retired := c.retired
	for _, s := range c.retiring {
		retired = retired.plus(s.stats())
	}
	c.retiredMu.Unlock()

	var st Stats
	st.Destinations = make([]DestinationStats, 0, len(t.sinks)+1)
	for _, s := range t.sinks {
		st.Destinations = append(st.Destinations, s.stats())
	}
	if retired.Accepted > 0 {
		retired.Name, retired.Retired = RetiredName, true
		st.Destinations = append(st.Destinations, retired)
	}
	for _, ds := range st.Destinations {
		st.Accepted += ds.Accepted
		st.Written += ds.Written
		st.Dropped += ds.Dropped
		st.Failed += ds.Failed
		st.Buffered += uint64(ds.Buffered)
	}
	st.Unknown = c.unknown.records.Load()
	st.Layers = make([]LayerStats, 0, len(t.layerList))
	for _, l := range t.layerList {
		st.Layers = append(st.Layers, l.stats())
	}
	for _, l := range t.everLayers {
		st.Throttled += l.throttled.Load()
		st.Sampled += l.sampled.Load()
	}
	return st
}

// stats reads the sink's counters. Settled counts are read before the
// accepted count, which only grows, so Queued is never negative.
func (s *sink) stats() DestinationStats {
	ds := DestinationStats{
		Name:   s.name,
		Layers: slices.Clone(s.layers),
		Sync:   s.q == nil,
	}
	ds.Written = s.written.Load()
	ds.Failed = s.failed.Load()
	ds.FallbackWritten = s.diverted.Load()
	shed := s.shed.Load()
	if br, ok := s.out.(*breakerOutput); ok {
		ds.Breaker = breakerStates[br.state.Load()]
		ds.BreakerOpened = br.opened.Load()
	}
	switch q := s.q; {
	case q != nil && q.ring == nil: // built by Check: no ring
		ds.Policy, ds.Capacity = q.policy, q.planned
	case q != nil:
		ds.Policy = q.policy
		ds.Capacity = q.ring.Cap()
		ds.Blocked = time.Duration(q.blocked.Load())
		evicted, abandoned, rejected := q.evicted.Load(), q.abandoned.Load(), q.rejected.Load()
		ds.Dropped = rejected + evicted + abandoned + shed
		ds.Accepted = q.ring.Enqueued() + rejected
		q.raiseHighWater(q.ring.Len())
		ds.HighWater = int(q.highWater.Load())
	default:
		closed := s.closedDrops.Load()
		ds.Dropped = closed + shed
		ds.Accepted = s.accepted.Load() + closed
		if s.free != nil {
			written, failed, accepted := s.free.counts()
			ds.Written += written
			ds.Failed += failed
			ds.Accepted += accepted
		}
	}
	if o := s.net; o != nil {
		o.stats(&ds) // after Written: see replayer.ack
	}
	ds.Queued = int(int64(ds.Accepted-ds.Written-ds.Dropped-ds.Failed) - int64(ds.Buffered))
	return ds
}

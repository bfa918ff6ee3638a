// This file owns the notices a destination writes in its own output about
// the records it did not get: dropped by its queue, or throttled or sampled
// out by one of its layers.

package hydra

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// DropNotice is the message of the WARN record a destination writes, in its
// own output, after records were dropped on their way to it: by its
// queue's overflow policy, by an open circuit breaker without a fallback,
// or at Shutdown's deadline. The record's "dropped" attribute holds the
// number dropped since the previous notice, and its "destination"
// attribute the destination's name, as in [DestinationStats.Name].
const DropNotice = "hydra: dropped records"

// noticeInterval is the least time between two notices of a destination.
const noticeInterval = time.Second

// notices is what a destination has announced so far. The consumer
// goroutine owns it; for a Sync destination, sink.mu guards it.
type notices struct {
	dropped uint64      // drops announced
	skipped [][2]uint64 // per sink.layerRefs: throttled and sampled records announced
	last    time.Time   // when the last notice was written
}

// writeNotices adds the notices that are due to the output: a DropNotice
// when records were dropped, a SkipNotice for each layer whose records
// were throttled or sampled out, since the last notices, if force is set
// or noticeInterval has passed. OnDrop hears of the drops at the same time.
func (s *sink) writeNotices(force bool) {
	if br, ok := s.out.(*breakerOutput); ok && br.discarding() {
		return // nowhere to write them: they wait for the breaker
	}
	n := &s.notices
	if n.skipped == nil {
		n.skipped = make([][2]uint64, len(s.layerRefs))
	}
	dropped := s.dropped() - n.dropped
	skipped := dropped > 0
	for i, l := range s.layerRefs {
		skipped = skipped || l.throttled.Load() != n.skipped[i][0] || l.sampled.Load() != n.skipped[i][1]
	}
	if !skipped {
		return
	}
	now := time.Now()
	if !force && now.Sub(n.last) < noticeInterval {
		return
	}
	n.last = now
	if dropped > 0 {
		n.dropped += dropped
		s.writeNotice(now, DropNotice, slog.Uint64("dropped", dropped), slog.String("destination", s.name))
		s.callOnDrop(dropped)
	}
	for i, l := range s.layerRefs {
		throttled, sampled := l.throttled.Load(), l.sampled.Load()
		if throttled == n.skipped[i][0] && sampled == n.skipped[i][1] {
			continue
		}
		s.writeNotice(now, SkipNotice, slog.String(s.layerKey, l.name),
			slog.Uint64("throttled", throttled-n.skipped[i][0]), slog.Uint64("sampled", sampled-n.skipped[i][1]))
		n.skipped[i] = [2]uint64{throttled, sampled}
	}
	s.announcedSkips()
}

// announcedSkips tells the callers of a Sync sink that write without its
// lock how many skipped records its notices have announced (see
// freeGate.skipsAnnounced).
func (s *sink) announcedSkips() {
	if s.free == nil {
		return
	}
	var total uint64
	for _, k := range s.notices.skipped {
		total += k[0] + k[1]
	}
	s.free.skipsAnnounced.Store(total)
}

// writeNotice adds one notice record to the output. Notices are written
// like records but not counted as records.
func (s *sink) writeNotice(now time.Time, msg string, attrs ...slog.Attr) {
	e := entry{rec: slog.NewRecord(now, slog.LevelWarn, msg, 0), notice: true}
	e.rec.AddAttrs(attrs...)
	if s.ctx {
		e.ctx = context.Background()
	}
	s.settle(s.out.add(&e))
}

// callOnDrop tells Config.OnDrop, if set, of dropped records. A panic in
// it is recovered and reported like a write error.
func (s *sink) callOnDrop(dropped uint64) {
	if s.onDrop == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			s.report(fmt.Errorf("hydra: %s: OnDrop panicked: %v", s.label, p))
		}
	}()
	s.onDrop(s.name, dropped)
}

// continueFrom takes up, for a sink a Reload built, the skip counts its
// predecessors announced for the layers they share, so that records
// announced before the Reload are not announced again. The predecessors
// are done: nothing writes their notices any more.
func (n *notices) continueFrom(layers []*layer, preds []*sink) {
	for i, l := range layers {
		for _, p := range preds {
			if j := slices.Index(p.layerRefs, l); j >= 0 && j < len(p.notices.skipped) {
				n.skipped[i][0] = max(n.skipped[i][0], p.notices.skipped[j][0])
				n.skipped[i][1] = max(n.skipped[i][1], p.notices.skipped[j][1])
			}
		}
	}
}

// This file owns traffic shaping: the rate limit and the sampling a layer
// applies on the caller's goroutine, before a record reaches any queue.

package hydra

import (
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// SkipNotice is the message of the WARN record a destination writes, in
// its own output, after records of one of its layers were throttled or
// sampled out. Its attributes are the layer (under Config.LayerKey) and
// the counts since the previous notice, "throttled" and "sampled".
const SkipNotice = "hydra: skipped records"

// LayerStats is a snapshot of one layer's counters. Every record that
// passes the layer's level is counted in Routed and then either handed to
// the layer's destinations or counted as Throttled or Sampled.
type LayerStats struct {
	Name      string
	Level     slog.Level // the layer's level now
	Routed    uint64     // records that passed the layer's level
	Throttled uint64     // of those, dropped by RateLimit
	Sampled   uint64     // of those, dropped by Sampling
}

// shaper is a layer's RateLimit and Sampling, as built.
type shaper struct {
	limiter *rate.Limiter // nil: no RateLimit
	sampler *sampler      // nil: no Sampling
	// dryUntil is when the limiter can next have a token, in Unix
	// nanoseconds, as computed when it last refused one. Until then every
	// record is throttled without taking the limiter's lock, which makes a
	// throttled call cheaper than an accepted one.
	dryUntil atomic.Int64
}

func newShaper(rl *RateLimit, sm *Sampling) *shaper {
	if rl == nil && sm == nil {
		return nil
	}
	sh := &shaper{}
	if rl != nil {
		burst := rl.Burst
		if burst == 0 {
			burst = max(1, int(math.Ceil(rl.PerSecond)))
		}
		sh.limiter = rate.NewLimiter(rate.Limit(rl.PerSecond), burst)
	}
	if sm != nil {
		tick := sm.Tick
		if tick == 0 {
			tick = time.Second
		}
		sh.sampler = &sampler{tick: int64(tick), first: uint64(sm.First), thereafter: uint64(sm.Thereafter)}
	}
	return sh
}

func checkShaping(rl *RateLimit, sm *Sampling) []error {
	var errs []error
	if rl != nil {
		if !(rl.PerSecond > 0) || math.IsInf(rl.PerSecond, 0) {
			errs = append(errs, fmt.Errorf("RateLimit.PerSecond %v is not a positive number", rl.PerSecond))
		}
		if rl.Burst < 0 {
			errs = append(errs, fmt.Errorf("RateLimit.Burst %d is negative", rl.Burst))
		}
	}
	if sm != nil {
		if sm.Tick < 0 || sm.First < 0 || sm.Thereafter < 0 {
			errs = append(errs, fmt.Errorf("Sampling has a negative value: %+v", *sm))
		}
		if sm.First == 0 && sm.Thereafter == 0 {
			errs = append(errs, fmt.Errorf("Sampling keeps nothing: First and Thereafter are both 0"))
		}
	}
	return errs
}

// shape decides whether a record of the layer passes its Sampling and
// RateLimit, counting it when it does not. A record that one of the
// layer's destinations protects with NeverDrop is exempt. It uses the
// record's time, so it reads no clock.
func (l *layer) shape(st *layerState, r *slog.Record) bool {
	for i := range st.routes {
		if q := st.routes[i].sink.q; q != nil && q.neverDrop != nil && r.Level >= q.neverDrop.Level() {
			return true
		}
	}
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	if sm := st.shaper.sampler; sm != nil && !sm.keep(r.Level, r.Message, t.UnixNano()) {
		l.sampled.Add(1)
		return false
	}
	if lim := st.shaper.limiter; lim != nil && !st.shaper.allow(lim, t) {
		l.throttled.Add(1)
		return false
	}
	return true
}

// allow takes a token for a record at t, if the limiter has one.
func (sh *shaper) allow(lim *rate.Limiter, t time.Time) bool {
	now := t.UnixNano()
	if now < sh.dryUntil.Load() {
		return false
	}
	if lim.AllowN(t, 1) {
		return true
	}
	// Out of tokens: none can appear before the missing fraction of one
	// has accrued. (A record with an earlier time may still come; the
	// limiter would refuse it too.)
	missing := 1 - lim.TokensAt(t)
	sh.dryUntil.Store(now + int64(missing/float64(lim.Limit())*1e9))
	return false
}

// sampler counts records by level and message in a fixed table of
// counters that reset every tick, as zap's sampler does: no lock, no
// allocation, and a collision now and then between two messages.
type sampler struct {
	tick              int64 // nanoseconds
	first, thereafter uint64
	counts            [samplerSize]sampleCount
}

const samplerSize = 1024 // a power of two

type sampleCount struct {
	resetAt atomic.Int64 // when the count starts over, in Unix nanoseconds
	n       atomic.Uint64
}

func (s *sampler) keep(level slog.Level, msg string, now int64) bool {
	// FNV-1a over the message, seeded by the level.
	h := uint32(2166136261) ^ uint32(level)
	for i := 0; i < len(msg); i++ {
		h ^= uint32(msg[i])
		h *= 16777619
	}
	n := s.counts[h&(samplerSize-1)].add(now, s.tick)
	if n <= s.first {
		return true
	}
	return s.thereafter > 0 && (n-s.first)%s.thereafter == 0
}

// add counts one record at time now and returns the count in the current
// tick. Of two goroutines that both find the tick over, one starts the new
// count; the other adds to it.
func (c *sampleCount) add(now, tick int64) uint64 {
	resetAt := c.resetAt.Load()
	if now < resetAt {
		return c.n.Add(1)
	}
	c.n.Store(1)
	if !c.resetAt.CompareAndSwap(resetAt, now+tick) {
		return c.n.Add(1) // another goroutine started the new count first
	}
	return 1
}

// stats reads the layer's counters. The dropped counts are read before
// the passed one so that Routed is never below their sum.
func (l *layer) stats() LayerStats {
	throttled, sampled := l.throttled.Load(), l.sampled.Load()
	return LayerStats{
		Name:      l.name,
		Level:     l.state.Load().level.get(),
		Routed:    throttled + sampled + l.passed.Load(),
		Throttled: throttled,
		Sampled:   sampled,
	}
}

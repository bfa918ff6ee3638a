// This file owns the disk buffer of a network destination: the consumer
// appends to it the batches it cannot send now, and the replay goroutine
// sends them, oldest first, and counts them; batches an earlier run left
// there are sent first. The files are internal/diskbuf's.

package hydra

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/hydralog/hydra/internal/diskbuf"
	"github.com/hydralog/hydra/internal/netsend"
)

// replayer couples a netOutput with its disk buffer. It is opened by New
// (or, when a sink that Reload retires holds the same Dir, by the new
// sink's consumer once that one is done), and its goroutine runs from the
// consumer's start until close.
type replayer struct {
	o    *netOutput
	s    *sink
	opts diskbuf.Options
	buf  *diskbuf.Buffer // nil until opened, or if it could not be
	// loaded is buf once opened, for Stats, which may run on any goroutine
	// while the consumer opens it.
	loaded atomic.Pointer[diskbuf.Buffer]
	// recoveredLeft counts the records of an earlier run not yet sent:
	// they are the first that Next returns. The replay goroutine's only.
	recoveredLeft int
	offs          []int // scratch for Send, the replay goroutine's
	refusals      reportLimiter
	stop          chan struct{}
	done          chan struct{}
	running       bool // the goroutine was started (the consumer's)

	// heir is the replayer of the sink that replaces this one, set by
	// Reload when it takes over the same Dir: at close, this one's
	// buffered records become the heir's (see bequeathBuffer).
	heir atomic.Pointer[replayer]
	// inherited counts the records of this run that a retired sink left
	// in the buffer: they are buffered here from the open on, and not
	// counted as recovered.
	inherited atomic.Int64

	buffered  atomic.Int64  // this run's records in the buffer now
	replayed  atomic.Uint64 // this run's records sent from the buffer
	recovered atomic.Uint64 // an earlier run's records sent from the buffer
	lost      atomic.Uint64 // records in the buffer that will never be sent: damaged, or refused
}

func newReplayer(o *netOutput, s *sink, b *DiskBuffer) *replayer {
	return &replayer{
		o: o, s: s,
		opts: diskbuf.Options{Dir: b.Dir, MaxBytes: int64(b.MaxMB) << 20},
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// open opens the buffer's files.
func (r *replayer) open() error {
	buf, err := diskbuf.Open(r.opts)
	if err != nil {
		return err
	}
	r.buf = buf
	k := r.inherited.Load()
	r.buffered.Add(k)
	r.recoveredLeft = max(0, buf.Stats().Recovered-int(k)) // an earlier run's come first
	r.loaded.Store(buf)
	return nil
}

// start opens the buffer if New could not, and starts the replay
// goroutine. The consumer calls it before its first batch. A buffer that
// cannot be opened is reported, and the destination goes on without it.
func (r *replayer) start() {
	if r.buf == nil {
		if err := r.open(); err != nil {
			r.s.report(fmt.Errorf("hydra: %s: disk buffer: %w (sending without it)", r.s.label, err))
			r.buffered.Add(r.inherited.Load()) // still on disk, for a later run
			return
		}
	}
	r.running = true
	go r.run()
}

// empty reports whether nothing waits in the buffer, the batch being
// replayed included: only then may the consumer send a batch itself.
func (r *replayer) empty() bool { return r.buf.Stats().Batches == 0 }

// run is the replay goroutine. It sends the buffer's batches in order,
// each until it is delivered or refused, and ends once close is called
// and the buffer is empty, at the first failed send after the sink began
// to close (what is left waits for the next run), or at Shutdown's
// deadline.
func (r *replayer) run() {
	defer close(r.done)
	o := r.o
	attempt := 0
	for {
		wake := r.buf.Wait()
		p, records, ok, err := r.buf.Next()
		r.noteDamage()
		switch {
		case err != nil:
			r.s.report(fmt.Errorf("hydra: %s: reading the disk buffer: %w", r.s.label, err))
			if r.closing() || !o.wait(o.back.Wait(attempt)) {
				return
			}
			attempt++
			continue
		case !ok:
			select {
			case <-wake:
				continue
			case <-r.stop:
				return
			case <-o.ctl.expired:
				return
			}
		}
		r.offs = append(r.offs[:0], len(p))
		o.sendMu.Lock()
		_, err = o.sender.Send(p, r.offs)
		o.sendMu.Unlock()
		if err == nil {
			o.recovered()
			attempt = 0
			r.ack(records, nil)
			continue
		}
		if o.ctl.hasExpired() {
			return // the sender was closed at the deadline: the batch stays on disk
		}
		if retry, after := netsend.Retryable(err); !retry {
			r.ack(records, err)
		} else {
			o.outage(err)
			o.retries.Add(1)
			if r.closing() || !o.wait(max(o.back.Wait(attempt), after)) {
				return // the batch stays on disk, for the next run
			}
			attempt++
		}
	}
}

// closing reports whether the sink began to close.
func (r *replayer) closing() bool {
	select {
	case <-r.o.ctl.closing:
		return true
	default:
		return false
	}
}

// ack removes the batch just sent (err == nil) or refused (err != nil)
// from the buffer, and counts its records. The buffered count goes down
// before written goes up, and Stats reads written first, so that no
// record is ever counted twice.
func (r *replayer) ack(n int, err error) {
	if aerr := r.buf.Ack(); aerr != nil {
		r.s.report(fmt.Errorf("hydra: %s: disk buffer: %w", r.s.label, aerr))
	}
	earlier := min(n, r.recoveredLeft)
	r.recoveredLeft -= earlier
	ours := n - earlier
	if err != nil {
		r.lost.Add(uint64(n))
		r.buffered.Add(-int64(ours))
		r.s.failed.Add(uint64(ours))
		if held, ok := r.refusals.hold(n); ok {
			r.s.report(fmt.Errorf("hydra: %s: %s from the disk buffer refused%s: %w", r.s.label, records(n), held, err))
		}
		return
	}
	r.recovered.Add(uint64(earlier))
	r.buffered.Add(-int64(ours))
	r.replayed.Add(uint64(ours))
	r.s.written.Add(uint64(ours))
}

// noteDamage counts and reports the damaged batches Next skipped.
func (r *replayer) noteDamage() {
	d := r.buf.TakeDamage()
	if d.Frames == 0 && d.Bytes == 0 {
		return
	}
	earlier := min(d.Records, r.recoveredLeft)
	r.recoveredLeft -= earlier
	ours := d.Records - earlier
	r.lost.Add(uint64(d.Records))
	r.buffered.Add(-int64(ours))
	r.s.failed.Add(uint64(ours))
	r.s.report(fmt.Errorf("hydra: %s: the disk buffer is damaged in %v: skipped %d bytes, %s", r.s.label, d.Segments, d.Bytes, records(d.Records)))
}

// append puts p, n records, at the end of the buffer, waiting for room
// while it is full unless failFast. It returns the error when they could
// not be buffered.
func (r *replayer) append(p []byte, n int) error {
	o := r.o
	for {
		room := r.buf.Room()
		err := r.buf.Append(p, n)
		if err == nil {
			r.buffered.Add(int64(n))
			return nil
		}
		if !errors.Is(err, diskbuf.ErrFull) || o.failFast || !r.waitRoom(room) {
			return err
		}
	}
}

// waitRoom waits until room is closed (an Ack freed space), and reports
// whether there is room: not if the replay goroutine stopped, or the
// deadline of Close or Shutdown passed.
func (r *replayer) waitRoom(room <-chan struct{}) bool {
	select {
	case <-room:
		return true
	case <-r.done:
		return false
	case <-r.o.ctl.expired:
		return false
	}
}

// close stops the replay goroutine once the buffer is empty (or it gave
// up), and closes the buffer's files; what is left in them is sent by the
// next run.
func (r *replayer) close() error {
	close(r.stop)
	if r.running {
		<-r.done
	}
	if n := r.refusals.held; n > 0 {
		r.s.report(fmt.Errorf("hydra: %s: %s from the disk buffer refused since the last report", r.s.label, records(n)))
	}
	if heir := r.heir.Load(); heir != nil {
		heir.inherited.Add(r.buffered.Swap(0))
	} else if n := r.buffered.Load(); n > 0 {
		// News, not a failure: they are kept, and the next run sends them.
		r.s.warn(fmt.Errorf("hydra: %s: %s left in the disk buffer %s, for the next run", r.s.label, records(int(n)), r.opts.Dir))
	}
	if r.buf == nil {
		return nil
	}
	return r.buf.Close()
}

// bytes returns the size of the buffer's files.
func (r *replayer) bytes() int64 {
	if b := r.loaded.Load(); b != nil {
		return b.Stats().Bytes
	}
	return 0
}

// bequeathBuffer makes s, which a Reload built to replace r's sink, the
// heir of r's disk buffer when it uses the same Dir: the records r leaves
// there count as s's buffered records, not as an earlier run's. Stats'
// totals hold across the Reload; the two destinations' own counts differ
// by those records, in opposite directions.
func (old *sink) bequeathBuffer(s *sink) {
	if old.net == nil || s.net == nil || old.net.disk == nil || s.net.disk == nil {
		return
	}
	if old.net.disk.opts.Dir == s.net.disk.opts.Dir {
		old.net.disk.heir.Store(s.net.disk)
	}
}

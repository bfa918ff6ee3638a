// This file owns the output of the network destinations (syslog, tcp,
// udp, http): records formatted into batches of whole records as the wire
// wants them, each batch sent through a netsend.Sender and sent again,
// after a backoff, until it is delivered, it can never be, or the sink
// closes. With a DiskBuffer, what cannot be sent now goes to disk, and
// replay.go sends it later.

package hydra

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hydralog/hydra/internal/diskbuf"
	"github.com/hydralog/hydra/internal/netsend"
)

// netOutput is the output of a network destination. Its consumer
// goroutine is its only user, but for the counters (atomic, read by
// Stats) and the sender, which the replay goroutine shares (under sendMu).
type netOutput struct {
	recordBatch // emits by send
	spec        *netSpec
	label       string // the sink's label, for errors
	offs        []int  // scratch: record ends relative to the part being sent
	sendMu      sync.Mutex
	sender      netsend.Sender
	dgram       *netsend.DatagramSender // the sender, when it sends datagrams: for Truncated
	back        netsend.Backoff
	// failFast is set under a Breaker: a failed batch is not sent again
	// but handed back as failed, for the Breaker to count and its
	// Fallback to take.
	failFast bool
	ctl      *netControl
	warn     func(error) // Config.OnError only: news of an outage, not a failure
	report   func(error) // a failure: OnError, and the next Flush or Close
	disk     *replayer   // nil without a Buffer; its buf is nil if it could not be opened

	retries  atomic.Uint64 // sends that failed and were tried again
	refusals reportLimiter // failed batches: reported at most once a second
	gaveUp   int           // records failed by the deadline of Close or Shutdown, reported at close
}

// send sends buf[:n], which holds exactly the records of ends, and says
// what became of them: written first, then buffered, then failed, in the
// order they were added (the Breaker's failover relies on it).
func (o *netOutput) send(n int) result {
	defer func() { o.ends = o.ends[:0] }()
	p, ends := o.buf[:n], o.ends
	var res result
	if o.disk != nil && o.disk.buf != nil {
		res = o.sendOrBuffer(p, ends)
	} else {
		sent, err := o.sendRetrying(p, ends, 0)
		res = tallyEnds(ends, sent, 0, err)
	}
	return o.quiet(res)
}

// quiet holds back the error of a failed batch, if another was reported
// less than a second ago (the records are counted all the same), and
// those of batches the deadline of Close or Shutdown failed, which close
// reports together.
func (o *netOutput) quiet(res result) result {
	switch {
	case res.err == nil, o.failFast: // under a Breaker, the Fallback takes them
	case errors.Is(res.err, errGaveUp):
		o.gaveUp += res.failed
		res.err = nil
	default:
		held, ok := o.refusals.hold(res.failed)
		if !ok {
			res.err = nil
		} else if held != "" {
			res.err = fmt.Errorf("%w%s", res.err, held)
		}
	}
	return res
}

// sendOrBuffer sends the batch itself when the disk buffer is empty and
// the destination takes it; otherwise what was not sent goes to the disk
// buffer, behind what waits there, for the replay goroutine to send.
func (o *netOutput) sendOrBuffer(p []byte, ends []recordEnd) result {
	r := o.disk
	sent := 0
	if r.empty() {
		n, err := o.sendOnce(p, ends, 0)
		sent = n
		if err == nil || sent == len(ends) {
			o.recovered()
			return tallyEnds(ends, sent, 0, nil)
		}
		if retry, _ := netsend.Retryable(err); !retry && !o.ctl.hasExpired() {
			return tallyEnds(ends, sent, 0, err)
		}
		if !o.ctl.hasExpired() {
			o.outage(err)
		}
	}
	base, n := 0, 0
	if sent > 0 {
		base = ends[sent-1].off
	}
	for _, e := range ends[sent:] {
		if !e.notice {
			n++
		}
	}
	if n == 0 { // notices only: they are not kept on disk
		return tallyEnds(ends, sent, 0, nil)
	}
	err := r.append(p[base:], n)
	switch {
	case err == nil:
		return tallyEnds(ends, sent, len(ends)-sent, nil)
	case errors.Is(err, diskbuf.ErrFull) || o.failFast:
		return tallyEnds(ends, sent, 0, fmt.Errorf("disk buffer: %w", err))
	}
	// The disk fails: send the records in hand, as without a buffer
	// (behind the batches on disk no longer).
	o.report(fmt.Errorf("hydra: %s: disk buffer: %w (sending the batch without it)", o.label, err))
	n2, err := o.sendRetrying(p, ends, sent)
	return tallyEnds(ends, n2, 0, err)
}

// sendRetrying sends the records of ends, from the sent-th on, until all are
// delivered, one can never be, a Breaker wants to know, or the sink gives
// up (Shutdown's deadline, Close's CloseTimeout). It returns how many
// records of ends were delivered, the first sent included.
func (o *netOutput) sendRetrying(p []byte, ends []recordEnd, sent int) (int, error) {
	for attempt := 0; ; attempt++ {
		n, err := o.sendOnce(p, ends, sent)
		sent += n
		if err == nil || sent == len(ends) {
			o.recovered()
			return sent, nil
		}
		if o.ctl.hasExpired() {
			return sent, errGaveUp
		}
		retry, after := netsend.Retryable(err)
		if !retry || o.failFast {
			return sent, err
		}
		o.outage(err)
		o.retries.Add(1)
		if !o.wait(max(o.back.Wait(attempt), after)) {
			return sent, errGaveUp
		}
	}
}

// sendOnce makes one attempt to send the records of ends from the first-th
// on. It returns how many of them were delivered.
func (o *netOutput) sendOnce(p []byte, ends []recordEnd, first int) (int, error) {
	base := 0
	if first > 0 {
		base = ends[first-1].off
	}
	o.offs = o.offs[:0]
	for _, e := range ends[first:] {
		o.offs = append(o.offs, e.off-base)
	}
	o.sendMu.Lock()
	defer o.sendMu.Unlock()
	return o.sender.Send(p[base:ends[len(ends)-1].off], o.offs)
}

// wait sleeps d before the next attempt, and reports whether to make it:
// not after Shutdown's deadline, nor once Close has waited CloseTimeout.
func (o *netOutput) wait(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return !o.ctl.hasExpired()
	case <-o.ctl.expired:
		return false
	}
}

// tallyEnds says what became of the records of ends when the first sent
// of them were delivered, the buffered after them went to the disk buffer
// and the rest failed with err. Notices are not counted.
func tallyEnds(ends []recordEnd, sent, buffered int, err error) result {
	var res result
	for i, e := range ends {
		switch {
		case e.notice:
		case i < sent:
			res.written++
		case i < sent+buffered:
			res.buffered++
		default:
			res.failed++
		}
	}
	if res.failed > 0 {
		res.err = err
	}
	return res
}

func (o *netOutput) close() error {
	o.ctl.done()
	var err error
	if o.disk != nil {
		err = o.disk.close()
	}
	if o.gaveUp > 0 {
		err = errors.Join(err, fmt.Errorf("%s %w", records(o.gaveUp), errGaveUp))
	}
	if o.refusals.held > 0 {
		err = errors.Join(err, fmt.Errorf("%s failed since the last report", records(o.refusals.held)))
	}
	if cerr := o.sender.Close(); cerr != nil && !errors.Is(cerr, netsend.ErrClosed) {
		err = errors.Join(err, cerr)
	}
	return err
}

// truncated returns how many datagrams were cut to MaxDatagram.
func (o *netOutput) truncated() uint64 {
	if o.dgram == nil {
		return 0
	}
	return o.dgram.Truncated()
}

// stats adds the network counters to ds.
func (o *netOutput) stats(ds *DestinationStats) {
	ds.Retries = o.retries.Load()
	ds.Truncated = o.truncated()
	if r := o.disk; r != nil {
		ds.Buffered = int(r.buffered.Load())
		ds.Replayed = r.replayed.Load()
		ds.Recovered = r.recovered.Load()
		ds.BufferLost = r.lost.Load()
		ds.BufferBytes = r.bytes()
	}
}

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
	"slices"
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
	spec   *netSpec
	label  string // the sink's label, for errors
	enc    formatter
	limit  int // bytes per batch
	buf    []byte
	ends   []recordEnd
	offs   []int // scratch: record ends relative to the part being sent
	sendMu sync.Mutex
	sender netsend.Sender
	dgram  *netsend.DatagramSender // the sender, when it sends datagrams: for Truncated
	back   netsend.Backoff
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

// reportLimiter keeps a destination whose batches all fail (an HTTP 401
// for a bad token) from calling OnError for every batch: it lets one
// report through a second, and the next says how many records failed
// in between. The goroutine that reports owns it.
type reportLimiter struct {
	last time.Time
	held int // records failed since the last report, not reported
}

// hold counts n failed records, and reports whether to report them now,
// with what to add to the message about those held back.
func (l *reportLimiter) hold(n int) (string, bool) {
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < time.Second {
		l.held += n
		return "", false
	}
	l.last = now
	held := ""
	if l.held > 0 {
		held = fmt.Sprintf(" (and %s since the last report)", records(l.held))
		l.held = 0
	}
	return held, true
}

// netControl tells a sink's network output that the sink is closing, that
// Close's CloseTimeout has passed since, or that Shutdown's deadline has.
// At either deadline it closes the output's sender, so that a send in
// flight (a collector that takes the request and never answers) returns at
// once, and every later one fails without trying.
type netControl struct {
	closing      chan struct{} // closed when the sink starts to close
	abandon      chan struct{} // closed at Shutdown's deadline
	expired      chan struct{} // closed at either deadline
	closingAt    atomic.Int64  // when closing was closed, in Unix nanoseconds
	closeTimeout time.Duration
	stop         func() error // closes the sender
	timer        *time.Timer  // fires at CloseTimeout; guarded by closeOnce
	closeOnce    sync.Once
	abandonOnce  sync.Once
	expireOnce   sync.Once
	// down is set while the destination's sends fail (an outage), for the
	// queue (queue.netDown); wakeWaiters wakes callers waiting for room
	// when it is set, so that they drop instead. Both set before publish.
	down        atomic.Bool
	wakeWaiters func()
}

func newNetControl(closeTimeout time.Duration) *netControl {
	return &netControl{closing: make(chan struct{}), abandon: make(chan struct{}), expired: make(chan struct{}),
		closeTimeout: closeTimeout}
}

func (c *netControl) close() {
	c.closeOnce.Do(func() {
		c.closingAt.Store(time.Now().UnixNano())
		close(c.closing)
		c.timer = time.AfterFunc(c.closeTimeout, c.expire)
	})
}

func (c *netControl) giveUp() {
	c.abandonOnce.Do(func() { close(c.abandon) })
	c.expire()
}

// expire ends every send: the deadline of Close or Shutdown has passed.
func (c *netControl) expire() {
	c.expireOnce.Do(func() {
		close(c.expired)
		if c.stop != nil {
			c.stop()
		}
	})
}

// done stops the CloseTimeout timer once the output closed on its own.
func (c *netControl) done() {
	c.closeOnce.Do(func() {}) // no timer starts after this
	if c.timer != nil {
		c.timer.Stop()
	}
}

func (c *netControl) hasExpired() bool {
	select {
	case <-c.expired:
		return true
	default:
		return false
	}
}

// closeLeft returns how much of timeout is left since the sink began to
// close; timeout itself if it has not.
func (c *netControl) closeLeft(timeout time.Duration) time.Duration {
	at := c.closingAt.Load()
	if at == 0 {
		return timeout
	}
	return timeout - time.Since(time.Unix(0, at))
}

func (o *netOutput) add(e *entry) result {
	start := len(o.buf)
	if err := o.format(e); err != nil {
		o.buf = o.buf[:start]
		if e.notice {
			return result{err: err}
		}
		return result{failed: 1, err: err}
	}
	var res result
	if len(o.buf) > o.limit && start > 0 {
		res = o.send(start)
		o.buf = o.buf[:copy(o.buf, o.buf[start:])]
	}
	o.ends = append(o.ends, recordEnd{off: len(o.buf), notice: e.notice})
	return res
}

// format appends e to the batch; a panic in a user's callback fails this
// record alone (see streamOutput.format).
func (o *netOutput) format(e *entry) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formatting a record panicked: %v", p)
		}
	}()
	o.buf = o.enc.append(o.buf, e)
	return nil
}

func (o *netOutput) full() bool { return len(o.buf) >= o.limit }

func (o *netOutput) flush() result {
	if len(o.buf) == 0 {
		return result{}
	}
	res := o.send(len(o.buf))
	o.buf = o.buf[:0]
	if cap(o.buf) > 4*o.limit {
		o.buf = make([]byte, 0, o.limit)
	}
	return res
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

// errGaveUp fails the records still unsent when Close's CloseTimeout or
// Shutdown's deadline passes. Those batches are counted as failed one by
// one but reported once, with their total, when the output closes.
var errGaveUp = errors.New("not sent by the deadline of Close or Shutdown")

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

// outage tells OnError, once per outage, that sends fail and are retried.
// Those records are not lost (yet): the error is news, not a failure, and
// Flush and Close do not return it.
func (o *netOutput) outage(err error) {
	if !o.ctl.down.Swap(true) {
		if o.ctl.wakeWaiters != nil {
			o.ctl.wakeWaiters()
		}
		o.warn(fmt.Errorf("hydra: %s: %w (sending again with backoff)", o.label, err))
	}
}

// recovered ends an outage.
func (o *netOutput) recovered() {
	if o.ctl.down.Swap(false) {
		o.warn(fmt.Errorf("hydra: %s: sending again after an outage", o.label))
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

// newNetOutput builds the output of a network destination: its formatter,
// its sender (which connects on the first batch, not now), and its disk
// buffer, opened now, unless a sink that this Reload retires holds it:
// then the consumer opens it once that sink is done.
func (b *builder) newNetOutput(sp *spec, s *sink) (*netOutput, error) {
	ns := sp.net
	opts := netsend.Options{
		DialTimeout:  ns.network.DialTimeout,
		WriteTimeout: ns.network.WriteTimeout,
		TLS:          ns.tls,
		MaxDatagram:  ns.network.MaxDatagram,
		Headers:      ns.http.Headers,
		Gzip:         ns.http.Gzip,
		ContentType:  "application/x-ndjson",
	}
	if sp.format != formatJSON {
		opts.ContentType = "text/plain; charset=utf-8"
	}
	if sp.typ == typeHTTP && ns.http.Timeout > 0 {
		opts.WriteTimeout = ns.http.Timeout
	}
	o := &netOutput{
		spec:     ns,
		label:    s.label,
		limit:    batchBytes,
		buf:      make([]byte, 0, batchBytes),
		back:     netsend.Backoff{Min: ns.network.BackoffMin, Max: ns.network.BackoffMax},
		failFast: sp.breaker != nil,
		ctl:      s.nctl,
		warn:     s.warn,
		report:   s.report,
	}
	var err error
	switch {
	case sp.typ == typeHTTP:
		o.sender, err = netsend.HTTP(ns.addr, opts)
	case ns.datagram:
		o.dgram, err = netsend.Datagram(ns.target, opts)
		o.sender = o.dgram
	default:
		o.sender, err = netsend.Stream(ns.target, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("hydra: %s (%s): %w", sp.where, sp.label(), err)
	}
	s.nctl.stop = o.sender.Close
	body := newEncoder(sp.format, false, &b.cfg, b.redact, b.c.newScopeSlot())
	switch {
	case sp.typ == typeSyslog:
		o.enc = newSyslogEncoder(ns, body)
	case ns.datagram:
		o.enc = datagramLines{body}
	default:
		o.enc = body
	}
	if ns.buffer != nil {
		o.disk = newReplayer(o, s, ns.buffer)
		if !b.replacesBuffer(ns.buffer.Dir) {
			if err := o.disk.open(); err != nil {
				o.sender.Close()
				return nil, fmt.Errorf("hydra: %s (%s): Buffer: %w", sp.where, sp.label(), err)
			}
		}
	}
	return o, nil
}

// replacesBuffer reports whether a sink of the table in use that this
// build does not keep has its disk buffer in dir.
func (b *builder) replacesBuffer(dir string) bool {
	if b.prev == nil {
		return false
	}
	for _, s := range b.prev.sinks {
		if ns := s.spec.net; ns != nil && ns.buffer != nil && ns.buffer.Dir == dir {
			return !slices.ContainsFunc(b.order, func(sp *spec) bool { return sp.sink == s })
		}
	}
	return false
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

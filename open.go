// This file owns the opening of sinks, the last step of New: each sink's
// output (its formatter and writer, its handler, or its network sender and
// disk buffer, behind a Breaker if it has one), its file, and its queue.

package hydra

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/hydralog/hydra/internal/logfile"
	"github.com/hydralog/hydra/internal/netsend"
)

// openSinks returns the sinks of the table being built, in the order of
// b.order: the sinks Reload keeps (spec.sink set by keepSinks), and new
// ones, with their outputs and queues, their files opened. Should a file
// fail, the files already opened are closed again.
func (b *builder) openSinks() ([]*sink, error) {
	var errs []error
	var opened []*logfile.File
	var sinks, fresh []*sink
	open := func(s *sink, sp *spec) (output, logFile) {
		out, f, err := b.newOutput(sp, s)
		switch f := f.(type) {
		case *logfile.File:
			opened = append(opened, f)
		case *laterFile:
			s.later = append(s.later, f)
		}
		if err != nil {
			errs = append(errs, err)
		}
		return out, f
	}
	for _, sp := range b.order {
		if sp.sink != nil { // kept by Reload
			sinks = append(sinks, sp.sink)
			continue
		}
		s := &sink{name: sp.name, label: sp.sinkLabel(), layers: sp.layers, spec: sp,
			onError: b.cfg.OnError, onDrop: b.cfg.OnDrop, layerKey: b.cfg.LayerKey}
		for _, name := range sp.layers {
			s.layerRefs = append(s.layerRefs, b.c.layerObj(name))
		}
		if b.prev != nil {
			// Built by Reload: what its layers skipped so far is not news
			// here (see notices.continueFrom).
			s.notices.skipped = make([][2]uint64, len(s.layerRefs))
			for i, l := range s.layerRefs {
				s.notices.skipped[i] = [2]uint64{l.throttled.Load(), l.sampled.Load()}
			}
		}
		fresh = append(fresh, s)
		if sp.net != nil {
			s.nctl = newNetControl(sp.net.network.CloseTimeout)
		}
		s.out, s.file = open(s, sp)
		if sp.typ == typeHandler {
			s.inner, s.ctx = sp.handler, true
		}
		if sp.breaker != nil {
			var fallback output
			if sp.fallback != nil {
				fallback, s.fallbackFile = open(s, sp.fallback)
				s.ctx = s.ctx || sp.fallback.typ == typeHandler
			}
			s.out = newBreakerOutput(*sp.breaker, s.out, fallback)
		}
		if no, ok := s.out.(*netOutput); ok {
			s.net = no
		} else if br, ok := s.out.(*breakerOutput); ok {
			s.net, _ = br.primary.(*netOutput)
		}
		switch {
		case sp.sync:
			s.syncDone = make(chan struct{})
			if so, ok := s.out.(*streamOutput); ok {
				if enc, ok := so.enc.(*encoder); ok {
					s.syncFmt = newSyncFormat(enc.twin)
					if concurrentWriter(so.w) {
						s.free = new(freeGate)
						s.announcedSkips() // what notices.skipped starts from
					}
				}
			}
		case b.dry:
			s.q = plannedQueue(sp.async)
		default:
			s.q = newQueue(sp.async)
			s.streamQueue = !s.ctx && typeRules[sp.typ].stream
			if so, ok := s.out.(*streamOutput); ok && s.streamQueue {
				if enc, ok := so.enc.(*encoder); ok {
					s.q.early = newEarlyFormat(enc.twin)
				}
			}
			if sp.dropWhileDown {
				s.q.netDown = &s.nctl.down
				s.nctl.wakeWaiters = s.q.room.freed // wakes every waiter, to drop
			}
		}
		sp.sink = s
		sinks = append(sinks, s)
	}
	if len(errs) > 0 {
		for _, f := range opened {
			f.Close()
		}
		for _, s := range fresh {
			if s.net != nil {
				s.net.close() // releases its disk buffer
			}
		}
		return nil, errors.Join(errs...)
	}
	return sinks, nil
}

// newOutput builds the output of a destination (or of a Fallback): its
// formatter and writer, or its handler. A file destination's file is
// opened, and returned; or, when a sink of the table in use that Reload
// replaces writes the same file, it is a laterFile, opened when that sink
// is done.
func (b *builder) newOutput(sp *spec, s *sink) (output, logFile, error) {
	if typeRules[sp.typ].net {
		if b.dry {
			return discardOutput{}, nil, nil
		}
		out, err := b.newNetOutput(sp, s)
		return out, nil, err
	}
	var w io.Writer
	var file logFile
	var closer io.Closer // nil unless hydra opened the file
	switch sp.typ {
	case typeNull:
		return discardOutput{}, nil, nil
	case typeHandler:
		return &handlerOutput{h: sp.handler, redact: b.redact, idx: b.c.newScopeSlot()}, nil, nil
	case typeFile:
		switch opts := sp.rotation.options(sp.fileMode, sp.dirMode); {
		case b.dry:
			w = io.Discard
		case b.replacesFile(sp.real):
			later := &laterFile{path: sp.path, opts: opts}
			file, w, closer = later, later, later
		default:
			f, err := logfile.Open(sp.path, opts)
			if err != nil {
				return nil, nil, fmt.Errorf("hydra: %s (file %q): %w", sp.where, sp.path, err)
			}
			file, w, closer = f, f, f
		}
	case typeStdout:
		w = os.Stdout
	case typeStderr:
		w = os.Stderr
	case typeWriter:
		w = sp.writer
	}
	color := consoleColor(sp, w)
	if sp.target != nil && sp.target.shared() {
		w = &lockedWriter{mu: b.c.lockFor(sp.key), w: w}
	}
	limit := batchBytes
	if sp.typ == typeFile {
		limit = int(min(int64(limit), sp.rotation.maxBytes()))
	}
	return newStreamOutput(w, closer, newEncoder(sp.format, color, &b.cfg, b.redact, b.c.newScopeSlot()), limit), file, nil
}

// replacesFile reports whether a sink of the table in use that this
// build does not keep writes the file at real, as its own or its
// Fallback's.
func (b *builder) replacesFile(real string) bool {
	if b.prev == nil {
		return false
	}
	for _, s := range b.prev.sinks {
		if s.spec.real == real || (s.spec.fallback != nil && s.spec.fallback.real == real) {
			return !slices.ContainsFunc(b.order, func(sp *spec) bool { return sp.sink == s })
		}
	}
	return false
}

// lockedWriter serializes the writes of sinks that share a stream or
// writer, so that each batch reaches it whole.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
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
	var enc formatter = body
	switch {
	case sp.typ == typeSyslog:
		enc = newSyslogEncoder(ns, body)
	case ns.datagram:
		enc = datagramLines{body}
	}
	o.recordBatch = newRecordBatch(enc, batchBytes, o.send)
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

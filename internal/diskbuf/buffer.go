// This file owns the Buffer: its state, the writer's side (Append, Room),
// the segments' life from creation to deletion, Stats and Close. Open is in
// open.go, the reader's side in read.go.

package diskbuf

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
)

var (
	// ErrFull is returned by Append when the batch would take the segment
	// files past Options.MaxBytes. Nothing was written; wait on Room and try
	// again.
	ErrFull = errors.New("diskbuf: full")

	// ErrTooLarge is returned by Append for a batch that could never fit:
	// its frame (payload and a 32-byte header) is larger than
	// Options.MaxBytes, or its payload is 4 GiB or more.
	ErrTooLarge = errors.New("diskbuf: batch larger than the buffer")

	// ErrClosed is returned by Append, Next and Ack after Close.
	ErrClosed = errors.New("diskbuf: closed")

	// ErrInUse is wrapped by the error Open returns when another Buffer
	// holds the directory.
	ErrInUse = errors.New("diskbuf: directory in use")
)

// Buffer is an on-disk FIFO of batches. Append is called by one goroutine at
// a time (the writer), Next and Ack by one goroutine at a time (the reader),
// and Stats, TakeDamage, Wait, Room and Close by any goroutine; one mutex
// guards it all. A Buffer starts no goroutines.
type Buffer struct {
	opts Options
	lock *dirLock
	done chan struct{} // closed by Close

	mu       sync.Mutex
	closed   bool
	ledger   *ledger
	segs     []*segment // on disk, oldest first; every one holds a pending frame
	queue    []frameRef // unacknowledged frames, oldest first
	inflight bool       // Next returned queue[0] and Ack has not come
	wseg     *segment   // the segment Append writes to, or nil
	wf       *os.File
	rseg     *segment // the segment rf reads, or nil
	rf       *os.File
	wbuf     []byte // the frame being written
	rbuf     []byte // the frame Next returned; its payload is handed out
	nextSeq  uint64
	nextSeg  uint64

	records   int
	bytes     int64
	recovered int
	damage    Damage
	wait      chan struct{} // closed by the next Append; nil until Wait asks
	room      chan struct{} // closed when a segment is deleted; nil until Room asks
}

// Append adds a batch of records (at least one) at the end of the buffer.
// p is copied; the caller may reuse it when Append returns.
//
// The frame is written with a single write(2) before Append returns, so it
// survives the process being killed; it survives a crash of the machine
// only once the operating system has flushed it, as Append does not fsync.
// A segment is fsynced when it is closed for being full, and by Close.
//
// Append returns [ErrFull], having written nothing, when the frame would
// take the segment files past MaxBytes, and [ErrTooLarge] when it could
// never fit. After a failed write it truncates the torn frame away, or when
// it cannot, leaves that segment for a new one.
func (b *Buffer) Append(p []byte, records int) error {
	if records < 1 || uint64(records) > math.MaxUint32 {
		return fmt.Errorf("diskbuf: append: %d records, want 1 to %d", records, uint32(math.MaxUint32))
	}
	size := headerSize + int64(len(p))
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if size > b.opts.MaxBytes || uint64(len(p)) > math.MaxUint32 {
		return fmt.Errorf("diskbuf: append: a frame of %d bytes, MaxBytes %d: %w", size, b.opts.MaxBytes, ErrTooLarge)
	}
	if b.bytes+size > b.opts.MaxBytes {
		return ErrFull
	}
	if b.wseg != nil && b.wseg.size >= b.opts.SegmentBytes {
		if err := b.seal(); err != nil {
			return err
		}
	}
	if b.wseg == nil {
		if err := b.startSegment(); err != nil {
			return err
		}
	}
	seg := b.wseg
	if int64(cap(b.wbuf)) < size {
		b.wbuf = make([]byte, size)
	}
	frame := b.wbuf[:size]
	putHeader(frame, b.nextSeq, p, uint32(records))
	copy(frame[headerSize:], p)
	n, err := b.wf.WriteAt(frame, seg.size)
	if err != nil {
		err = fmt.Errorf("diskbuf: append to %s: %w", seg.name, err)
		if n > 0 {
			if terr := b.wf.Truncate(seg.size); terr != nil {
				// The torn frame stays on disk, counted, after the
				// frames the queue knows; a restart reports it as
				// damage. Nothing more goes into this segment.
				seg.size += int64(n)
				b.bytes += int64(n)
				f := b.wf
				b.wseg, b.wf = nil, nil
				err = errors.Join(err, b.closeFile(seg, f, false))
			}
		}
		if seg.pending == 0 {
			err = errors.Join(err, b.removeSegment(seg))
		}
		return err
	}
	b.queue = append(b.queue, frameRef{seg: seg, off: seg.size, seq: b.nextSeq, length: uint32(len(p)), records: uint32(records)})
	b.nextSeq++
	seg.pending++
	seg.size += size
	b.bytes += size
	b.records += records
	if b.wait != nil {
		close(b.wait)
		b.wait = nil
	}
	return nil
}

// startSegment creates the next segment file and makes it the one Append
// writes to.
func (b *Buffer) startSegment() error {
	seg := &segment{id: b.nextSeg, name: segmentName(b.nextSeg)}
	seg.path = filepath.Join(b.opts.Dir, seg.name)
	f, err := os.OpenFile(seg.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("diskbuf: creating segment: %w", err)
	}
	b.nextSeg++
	b.segs = append(b.segs, seg)
	b.wseg, b.wf = seg, f
	return nil
}

// seal closes the segment Append writes to, fsyncing it first.
func (b *Buffer) seal() error {
	seg, f := b.wseg, b.wf
	b.wseg, b.wf = nil, nil
	return b.closeFile(seg, f, true)
}

// closeFile closes f, fsyncing it first when sync is set.
func (b *Buffer) closeFile(seg *segment, f *os.File, sync bool) error {
	var errs []error
	if sync {
		if err := f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("diskbuf: syncing %s: %w", seg.name, err))
		}
	}
	if err := f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("diskbuf: closing %s: %w", seg.name, err))
	}
	return errors.Join(errs...)
}

// removeSegment deletes seg, whose frames are all acknowledged or skipped,
// and tells a writer waiting on Room.
func (b *Buffer) removeSegment(seg *segment) error {
	var errs []error
	if b.wseg == seg {
		errs = append(errs, b.closeFile(seg, b.wf, false))
		b.wseg, b.wf = nil, nil
	}
	if b.rseg == seg {
		errs = append(errs, b.closeFile(seg, b.rf, false))
		b.rseg, b.rf = nil, nil
	}
	errs = append(errs, removeFile(seg.path))
	if i := indexOf(b.segs, seg); i >= 0 {
		b.segs = append(b.segs[:i], b.segs[i+1:]...)
	}
	b.bytes -= seg.size
	if b.room != nil {
		close(b.room)
		b.room = nil
	}
	return errors.Join(errs...)
}

func indexOf(segs []*segment, seg *segment) int {
	for i, s := range segs {
		if s == seg {
			return i
		}
	}
	return -1
}

// Room returns a channel that is closed once space is freed after the
// call: when Ack, or Next skipping damage, deletes a segment, or the
// Buffer closes. A writer that got [ErrFull] waits on it and tries again.
// Acks that free no segment do not close it, since they free no bytes.
func (b *Buffer) Room() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.done
	}
	if b.room == nil {
		b.room = make(chan struct{})
	}
	return b.room
}

// Stats is a snapshot of a Buffer's contents.
type Stats struct {
	// Batches and Records are the batches not yet acknowledged and the
	// records they hold, those recovered at Open included.
	Batches, Records int

	// Bytes is what the segment files hold on disk.
	Bytes int64

	// Recovered is the records Open found left by an earlier run. It does
	// not change after Open.
	Recovered int
}

// Stats returns the buffer's counts now.
func (b *Buffer) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Stats{Batches: len(b.queue), Records: b.records, Bytes: b.bytes, Recovered: b.recovered}
}

// Close fsyncs the segment being written, closes the files and releases the
// directory lock. Unacknowledged batches stay on disk for the next Open.
// Channels from Wait and Room are closed. Close is safe to call twice; the
// second call does nothing.
func (b *Buffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	close(b.done)
	for _, ch := range []chan struct{}{b.wait, b.room} {
		if ch != nil {
			close(ch)
		}
	}
	b.wait, b.room = nil, nil
	return errors.Join(b.closeFiles(), b.lock.release())
}

// closeFiles closes the segment files and the ledger.
func (b *Buffer) closeFiles() error {
	var errs []error
	if b.wf != nil {
		errs = append(errs, b.closeFile(b.wseg, b.wf, true))
		b.wseg, b.wf = nil, nil
	}
	if b.rf != nil {
		errs = append(errs, b.closeFile(b.rseg, b.rf, false))
		b.rseg, b.rf = nil, nil
	}
	if b.ledger != nil {
		errs = append(errs, b.ledger.close())
		b.ledger = nil
	}
	return errors.Join(errs...)
}

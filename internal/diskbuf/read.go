// This file owns the reader's side of a Buffer: Next, Ack, Wait, and the
// Damage that Next and Open skip.

package diskbuf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Damage says what corrupt data was skipped: by Open's scan of the segments
// an earlier run left, and by Next.
type Damage struct {
	// Frames is the frames lost whose header could be read, so that their
	// records are known; Records is the records they held.
	Frames, Records int

	// Bytes is every byte skipped as damage: those frames, and data with no
	// readable header (a torn tail, garbage, an unreadable segment).
	Bytes int64

	// Segments names the segment files the damage was in, oldest first.
	Segments []string
}

// add counts damage in the segment file name.
func (d *Damage) add(name string, frames, records int, bytes int64) {
	d.Frames += frames
	d.Records += records
	d.Bytes += bytes
	if !slices.Contains(d.Segments, name) {
		d.Segments = append(d.Segments, name)
	}
}

// merge adds o to d.
func (d *Damage) merge(o Damage) {
	d.Frames += o.Frames
	d.Records += o.Records
	d.Bytes += o.Bytes
	for _, name := range o.Segments {
		if !slices.Contains(d.Segments, name) {
			d.Segments = append(d.Segments, name)
		}
	}
}

// TakeDamage returns the damage skipped since the previous call (or since
// Open, damage found by Open included) and starts counting afresh.
func (b *Buffer) TakeDamage() Damage {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.damage
	b.damage = Damage{}
	return d
}

// Wait returns a channel that is closed by the next Append after the call,
// or by Close. The reader takes it before calling Next, so that an Append
// between the two is not missed:
//
//	for {
//		ready := b.Wait()
//		p, n, ok, err := b.Next()
//		if !ok && err == nil {
//			<-ready // or a stop channel
//			continue
//		}
//		...
//	}
func (b *Buffer) Wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.done
	}
	if b.wait == nil {
		b.wait = make(chan struct{})
	}
	return b.wait
}

// Next returns the oldest batch not yet acknowledged, and how many records
// it holds, without removing it; ok is false when the buffer is empty.
// Calling Next again before Ack returns the same batch. p is owned by the
// Buffer: it is valid until the next call of Ack or Next.
//
// Damage found on the way (a frame whose CRC fails, a frame that is no
// longer all there, a segment removed or no longer readable) is skipped and
// acknowledged, counted for [Buffer.TakeDamage], and never returned. err is
// an error from reading a segment that is not damage (such as EIO); the
// batch stays, and the next call tries again. After Close, err is
// [ErrClosed].
func (b *Buffer) Next() (p []byte, records int, ok bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, 0, false, ErrClosed
	}
	for len(b.queue) > 0 {
		fr := b.queue[0]
		if !b.inflight {
			good, err := b.read(fr)
			if err != nil {
				return nil, 0, false, err
			}
			if !good {
				b.damage.add(fr.seg.name, 1, int(fr.records), headerSize+int64(fr.length))
				if err := b.pop(); err != nil {
					return nil, 0, false, err
				}
				continue
			}
			b.inflight = true
		}
		return b.rbuf[headerSize : headerSize+int(fr.length)], int(fr.records), true, nil
	}
	return nil, 0, false, nil
}

// read reads the frame fr into b.rbuf; good is false when it is damaged.
func (b *Buffer) read(fr frameRef) (good bool, err error) {
	if b.rseg != fr.seg {
		if b.rf != nil {
			b.rf.Close() // read-only: there is nothing to lose
			b.rseg, b.rf = nil, nil
		}
		f, err := os.Open(fr.seg.path)
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return false, nil // a segment gone or unreadable is damage
		}
		if err != nil {
			return false, fmt.Errorf("diskbuf: opening %s: %w", fr.seg.name, err)
		}
		b.rseg, b.rf = fr.seg, f
	}
	size := headerSize + int(fr.length)
	if cap(b.rbuf) < size {
		b.rbuf = make([]byte, size)
	}
	frame := b.rbuf[:size]
	n, err := b.rf.ReadAt(frame, fr.off)
	if n < size {
		if err == nil || errors.Is(err, io.EOF) {
			return false, nil // the file lost its end
		}
		return false, fmt.Errorf("diskbuf: reading %s at %d: %w", fr.seg.name, fr.off, err)
	}
	h, ok := parseHeader(frame)
	if !ok || h.seq != fr.seq || h.length != fr.length || h.records != fr.records {
		return false, nil
	}
	return payloadOK(frame, h), nil
}

// Ack removes the batch Next returned. It writes the ledger (with pwrite,
// not fsync), so that a restart does not return the batch again: a kill
// between Next and Ack makes at most that one batch come back. A segment
// whose frames are all acknowledged is deleted, which closes the channel
// from Room. The batch is removed even when the ledger write fails; the
// error then says a restart may return it again.
func (b *Buffer) Ack() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if !b.inflight {
		return errors.New("diskbuf: Ack without a batch from Next")
	}
	b.inflight = false
	return b.pop()
}

// pop removes the oldest frame, records it in the ledger, and deletes its
// segment once the segment holds no other pending frame.
func (b *Buffer) pop() error {
	fr := b.queue[0]
	b.queue[0] = frameRef{}
	b.queue = b.queue[1:]
	b.records -= int(fr.records)
	err := b.ledger.store(fr.seq)
	fr.seg.pending--
	if fr.seg.pending == 0 {
		err = errors.Join(err, b.removeSegment(fr.seg))
	}
	return err
}

// This file owns Open: its Options, locking the directory, and recovering
// the batches an earlier run left.

package diskbuf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

const (
	lockName = "lock"

	minDefaultSegment = 64 << 10
	maxDefaultSegment = 8 << 20
)

// Options configures a Buffer.
type Options struct {
	// Dir is the directory that holds the buffer's files. It is created,
	// with mode 0700, if missing. Required.
	Dir string

	// MaxBytes is the most the segment files may hold together, in bytes,
	// headers and not yet deleted acknowledged frames included. Required,
	// above zero.
	MaxBytes int64

	// SegmentBytes is the size in bytes at which a segment is closed and the
	// next batch starts a new one; a segment may pass it by one batch.
	// Zero means MaxBytes/4, but at least 64 KiB and at most 8 MiB.
	SegmentBytes int64
}

// Open opens the buffer in opts.Dir, creating the directory if needed, and
// locks it: a second Open of the same directory, in this process or another,
// fails with an error wrapping [ErrInUse] until Close. (Without flock(2), on
// platforms other than Unix, only a second Open in this process is kept
// out.)
//
// Open scans the segments an earlier run left: their unacknowledged frames
// are the first batches Next returns, and [Stats].Recovered counts their
// records. It reads headers only; a payload is checked when Next reads it.
// Damage found by the scan (a torn tail, a bad header, a segment it cannot
// read) is reported by the first [Buffer.TakeDamage]. Those segments are
// never appended to: the first Append starts a new one.
func Open(opts Options) (*Buffer, error) {
	if opts.Dir == "" {
		return nil, errors.New("diskbuf: Options.Dir is empty")
	}
	if opts.MaxBytes <= 0 {
		return nil, fmt.Errorf("diskbuf: Options.MaxBytes is %d, want above zero", opts.MaxBytes)
	}
	if opts.SegmentBytes < 0 {
		return nil, fmt.Errorf("diskbuf: Options.SegmentBytes is %d, want zero or above", opts.SegmentBytes)
	}
	if opts.SegmentBytes == 0 {
		opts.SegmentBytes = min(max(opts.MaxBytes/4, minDefaultSegment), maxDefaultSegment)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("diskbuf: creating %s: %w", opts.Dir, err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	b := &Buffer{opts: opts, lock: lock, done: make(chan struct{})}
	if err := b.recover(); err != nil {
		return nil, errors.Join(err, b.closeFiles(), lock.release())
	}
	return b, nil
}

// recover reads the ledger and scans the segments left in the directory.
func (b *Buffer) recover() error {
	l, err := openLedger(filepath.Join(b.opts.Dir, ledgerName))
	if err != nil {
		return err
	}
	b.ledger = l
	names, err := listSegments(b.opts.Dir)
	if err != nil {
		return err
	}
	maxSeq := l.acked
	for _, name := range names {
		id, _ := parseSegmentName(name)
		b.nextSeg = max(b.nextSeg, id+1)
		seg := &segment{id: id, name: name, path: filepath.Join(b.opts.Dir, name)}
		f, err := openSegmentFile(seg)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed since it was listed
		}
		if err != nil && !errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("diskbuf: opening segment %s: %w", name, err)
		}
		if err != nil {
			// Unreadable: damage. Its size is what the directory says.
			if fi, serr := os.Stat(seg.path); serr == nil {
				seg.size = fi.Size()
			}
			b.damage.add(name, 0, 0, seg.size)
			if err := removeFile(seg.path); err != nil {
				return fmt.Errorf("diskbuf: segment %s cannot be read or removed: %w", name, err)
			}
			continue
		}
		res := scan(f, seg, l.acked)
		f.Close()
		b.damage.merge(res.damage)
		maxSeq = max(maxSeq, res.maxSeq)
		if len(res.frames) == 0 {
			// Empty, acknowledged whole, or all damage.
			if err := removeFile(seg.path); err != nil {
				return err
			}
			continue
		}
		seg.pending = len(res.frames)
		b.segs = append(b.segs, seg)
		b.bytes += seg.size
		b.queue = append(b.queue, res.frames...)
		for _, fr := range res.frames {
			b.records += int(fr.records)
		}
	}
	b.recovered = b.records
	b.nextSeq = maxSeq + 1
	return nil
}

// This file owns segments: the files that hold the frames, how they are
// named, listed and scanned when a Buffer opens a directory an earlier run
// left behind.

package diskbuf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

const segmentExt = ".seg"

// segment is one segment file. Its fields are used under Buffer.mu.
type segment struct {
	id      uint64
	name    string // base name, as Damage reports it
	path    string
	size    int64 // bytes on disk
	pending int   // frames in the queue that live in this segment
}

// frameRef locates an unacknowledged frame. Its header was checked when the
// frame was appended or scanned; its payload is checked when Next reads it.
type frameRef struct {
	seg     *segment
	off     int64
	seq     uint64
	length  uint32
	records uint32
}

// segmentName is the file name of segment id: zero-padded so that lexical
// order is creation order.
func segmentName(id uint64) string {
	return fmt.Sprintf("%020d%s", id, segmentExt)
}

// parseSegmentName returns the id of a file named by segmentName.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentExt)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	id, err := strconv.ParseUint(digits, 10, 64)
	return id, err == nil
}

// listSegments returns the segment files in dir, oldest first.
func listSegments(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("diskbuf: listing %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if _, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// scanResult is what scanning one segment found.
type scanResult struct {
	frames []frameRef // with a seq above acked, oldest first
	maxSeq uint64     // the highest seq of any good header, acked or not
	damage Damage
}

// scan reads the headers of the frames in seg, whose file is f, and returns
// those not yet acknowledged (seq above acked). It reads headers only;
// payloads are checked by Next. Damage (a header that fails its checks, a
// frame running past the end of the file, a torn tail, a read error) is
// skipped and counted, never returned as a frame.
func scan(f io.ReaderAt, seg *segment, acked uint64) scanResult {
	var res scanResult
	buf := make([]byte, scanChunk)
	lost := func(frames, records int, bytes int64) {
		res.damage.add(seg.name, frames, records, bytes)
	}
	for off := int64(0); off < seg.size; {
		rest := seg.size - off
		if rest < headerSize {
			lost(0, 0, rest) // a torn header
			break
		}
		if k, _ := f.ReadAt(buf[:headerSize], off); k < headerSize {
			lost(0, 0, rest) // unreadable from here on
			break
		}
		h, ok := parseHeader(buf[:headerSize])
		if ok && h.size() <= rest {
			res.maxSeq = max(res.maxSeq, h.seq)
			if h.seq > acked {
				res.frames = append(res.frames, frameRef{seg: seg, off: off, seq: h.seq, length: h.length, records: h.records})
			}
			off += h.size()
			continue
		}
		// A bad header, or a good one whose payload runs past the end of the
		// file: look for the next good header. When a good header is found
		// further on, the short frame was damage in the middle of the file;
		// when none is, it was a torn tail.
		next, _, found, err := findHeader(f, off+1, seg.size, buf)
		if err != nil || !found {
			next = seg.size
		}
		if ok {
			lost(1, int(h.records), next-off)
		} else {
			lost(0, 0, next-off)
		}
		off = next
	}
	return res
}

// openSegmentFile opens seg for reading and records its size.
func openSegmentFile(seg *segment) (*os.File, error) {
	f, err := os.Open(seg.path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	seg.size = fi.Size()
	return f, nil
}

// removeFile deletes path; a file already gone is not an error.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("diskbuf: removing segment: %w", err)
	}
	return nil
}

// This file owns the frame format: how one batch is laid out in a segment
// file, how its header and payload are checked, and how a reader finds the
// next good frame after damage.
//
// A segment file is a run of frames with nothing before, between or after
// them. A frame is a 32-byte header followed by the payload. Integers are
// little-endian.
//
//	offset size field
//	     0    4 magic: the bytes 'h' 'd' 'b' 'f' (0x68 0x64 0x62 0x66)
//	     4    1 version: 1
//	     5    3 reserved: zero
//	     8    8 seq: the batch's sequence number (uint64), one more than the
//	            frame appended before it in this directory, starting at 1;
//	            never reused, across segments and restarts
//	    16    4 length: payload bytes (uint32)
//	    20    4 records: records in the payload (uint32, at least 1)
//	    24    4 frame CRC: CRC-32C (Castagnoli) of bytes 0..23 followed by
//	            the payload
//	    28    4 header CRC: CRC-32C of bytes 0..27
//	    32    n payload: length bytes, the batch as given to Append
//
// The header CRC covers the frame CRC too, so a header that passes its CRC
// can be trusted whole: its length says where the next frame starts even
// when the payload is damaged, and its record count says how many records
// were lost. A header that fails is not trusted at all: the reader looks for
// the next offset holding the magic and a header that passes its CRC, and
// counts the bytes between as damage. A length is never used to allocate
// before it is checked against the bytes the file still holds.

package diskbuf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

const (
	headerSize   = 32
	frameVersion = 1
	// scanChunk is how much of a file findHeader reads at a time.
	scanChunk = 64 << 10
)

var (
	frameMagic = [4]byte{'h', 'd', 'b', 'f'}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// header is a decoded frame header that passed its checks.
type header struct {
	seq     uint64
	length  uint32
	records uint32
	crc     uint32 // the frame CRC
}

// size is the frame's size on disk, header included.
func (h header) size() int64 { return headerSize + int64(h.length) }

// putHeader writes the header of the frame holding payload into dst[:headerSize].
func putHeader(dst []byte, seq uint64, payload []byte, records uint32) {
	dst = dst[:headerSize]
	copy(dst[0:4], frameMagic[:])
	dst[4] = frameVersion
	dst[5], dst[6], dst[7] = 0, 0, 0
	binary.LittleEndian.PutUint64(dst[8:16], seq)
	binary.LittleEndian.PutUint32(dst[16:20], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[20:24], records)
	crc := crc32.Update(crc32.Checksum(dst[0:24], castagnoli), castagnoli, payload)
	binary.LittleEndian.PutUint32(dst[24:28], crc)
	binary.LittleEndian.PutUint32(dst[28:32], crc32.Checksum(dst[0:28], castagnoli))
}

// parseHeader decodes src[:headerSize]; ok is false unless the magic,
// version, reserved bytes, record count and header CRC are all as the format
// says.
func parseHeader(src []byte) (h header, ok bool) {
	if len(src) < headerSize {
		return header{}, false
	}
	src = src[:headerSize]
	if !bytes.Equal(src[0:4], frameMagic[:]) || src[4] != frameVersion || src[5]|src[6]|src[7] != 0 {
		return header{}, false
	}
	if crc32.Checksum(src[0:28], castagnoli) != binary.LittleEndian.Uint32(src[28:32]) {
		return header{}, false
	}
	h = header{
		seq:     binary.LittleEndian.Uint64(src[8:16]),
		length:  binary.LittleEndian.Uint32(src[16:20]),
		records: binary.LittleEndian.Uint32(src[20:24]),
		crc:     binary.LittleEndian.Uint32(src[24:28]),
	}
	if h.records == 0 {
		return header{}, false
	}
	return h, true
}

// payloadOK reports whether frame, a whole frame (header and payload) whose
// header parsed as h, passes its frame CRC.
func payloadOK(frame []byte, h header) bool {
	if int64(len(frame)) != h.size() {
		return false
	}
	crc := crc32.Update(crc32.Checksum(frame[0:24], castagnoli), castagnoli, frame[headerSize:])
	return crc == h.crc
}

// findHeader looks in r, from offset from up to end, for the first offset
// holding a header that passes parseHeader. buf is scratch space of at least
// headerSize+1 bytes; it reads len(buf) bytes at a time. found is false when
// there is none; err is an I/O error other than reaching the end of the file.
func findHeader(r io.ReaderAt, from, end int64, buf []byte) (off int64, h header, found bool, err error) {
	for pos := from; end-pos >= headerSize; {
		n := int(min(int64(len(buf)), end-pos))
		k, err := r.ReadAt(buf[:n], pos)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, header{}, false, fmt.Errorf("diskbuf: reading at %d: %w", pos, err)
		}
		last := k < len(buf) || pos+int64(k) >= end
		chunk := buf[:k]
		for i := 0; i+headerSize <= len(chunk); i++ {
			j := bytes.Index(chunk[i:], frameMagic[:])
			if j < 0 {
				break
			}
			i += j
			if i+headerSize > len(chunk) {
				break // the next chunk starts early enough to see it whole
			}
			if h, ok := parseHeader(chunk[i:]); ok {
				return pos + int64(i), h, true, nil
			}
		}
		if last {
			break
		}
		// Every offset up to k-headerSize was tried; start the next chunk at
		// the first one that was not.
		pos += int64(k - headerSize + 1)
	}
	return 0, header{}, false, nil
}

// This file owns the framing of syslog messages on stream transports:
// octet counting, RFC 6587 section 3.4.1.

package syslogfmt

import "strconv"

// AppendOctetCount appends msg to dst framed by octet counting (RFC 6587
// section 3.4.1), "LEN SP MSG" with LEN the length of msg in decimal, and
// returns the extended buffer. It does not allocate when dst has room.
func AppendOctetCount(dst, msg []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(msg)), 10)
	dst = append(dst, ' ')
	return append(dst, msg...)
}

// FrameInPlace frames by octet counting (RFC 6587 section 3.4.1) the
// message the caller wrote at dst[start:]: it inserts "LEN " before it,
// shifting the message right, and returns the extended buffer. It does
// not allocate when dst has room for the prefix (at most 8 bytes for
// messages under 10 MB). It panics if start is outside 0..len(dst).
func FrameInPlace(dst []byte, start int) []byte {
	n := len(dst) - start
	var digits [20]byte
	prefix := strconv.AppendInt(digits[:0], int64(n), 10)
	prefix = append(prefix, ' ')
	end := len(dst)
	dst = append(dst, prefix...) // grow by len(prefix); bytes overwritten below
	copy(dst[start+len(prefix):], dst[start:end])
	copy(dst[start:], prefix)
	return dst
}

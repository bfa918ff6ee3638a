// This file owns how the encoder writes times and durations: times in
// RFC 3339 with milliseconds in text and with nanoseconds in JSON, as slog
// writes them, reusing the formatted second of the previous time;
// durations as time.Duration.String, without allocating.

package slogenc

import (
	"time"
)

var zeroTime time.Time

// timeCache keeps the date-and-second and the zone of the last time
// formatted: records logged within one second share them, and only the
// fraction is formatted anew.
type timeCache struct {
	valid bool
	sec   int64
	loc   *time.Location
	buf   []byte // "2006-01-02T15:04:05" followed by the zone ("Z", "+07:00")
}

// Unix seconds between which every time, in any zone, has a four-digit
// year: 0001-01-02 and 9999-12-30 in UTC.
const (
	minCachedUnix = -62135596800 + 86400
	maxCachedUnix = 253402300800 - 2*86400
)

// parts returns t's date and second ("2006-01-02T15:04:05") and zone, or
// false for a time whose year may not have four digits.
func (c *timeCache) parts(t time.Time) (date, zone []byte, ok bool) {
	sec := t.Unix()
	if sec < minCachedUnix || sec > maxCachedUnix {
		return nil, nil, false
	}
	loc := t.Location()
	if !c.valid || sec != c.sec || loc != c.loc {
		c.buf = t.AppendFormat(c.buf[:0], time.RFC3339)
		c.valid, c.sec, c.loc = true, sec, loc
	}
	const dateLen = len("2006-01-02T15:04:05")
	return c.buf[:dateLen], c.buf[dateLen:], true
}

func (s *encodeState) appendTime(t time.Time) {
	if s.e.json {
		s.appendJSONTime(t)
	} else {
		s.appendTextTime(t)
	}
}

// appendTextTime writes t as slog's text format does: RFC 3339 with exactly
// three digits of milliseconds, truncated.
func (s *encodeState) appendTextTime(t time.Time) {
	date, zone, ok := s.e.times.parts(t)
	if !ok {
		s.buf = appendRFC3339Millis(s.buf, t)
		return
	}
	ms := t.Nanosecond() / 1e6
	s.buf = append(s.buf, date...)
	s.buf = append(s.buf, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	s.buf = append(s.buf, zone...)
}

// appendRFC3339Millis is slog's own, for the times outside the cache.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...) // drop the fourth digit
}

// appendJSONTime writes t as a JSON string in RFC 3339 with nanoseconds,
// trailing zeros trimmed, as slog does. For a year outside [0,9999], which
// RFC 3339 cannot express, slog writes an error string followed by the time
// string, which is not JSON; here the two are one string.
func (s *encodeState) appendJSONTime(t time.Time) {
	date, zone, ok := s.e.times.parts(t)
	if !ok {
		if y := t.Year(); y < 0 || y >= 10000 {
			s.appendString("!ERROR:time.Time year outside of range [0,9999]: " + t.Format(time.RFC3339Nano))
			return
		}
		s.buf = append(s.buf, '"')
		s.buf = t.AppendFormat(s.buf, time.RFC3339Nano)
		s.buf = append(s.buf, '"')
		return
	}
	s.buf = append(s.buf, '"')
	s.buf = append(s.buf, date...)
	if ns := t.Nanosecond(); ns != 0 {
		s.buf = appendNanos(s.buf, uint32(ns))
	}
	s.buf = append(s.buf, zone...)
	s.buf = append(s.buf, '"')
}

// appendNanos writes ns, in (0, 1e9), as a fraction of a second: a dot
// and nine digits, trailing zeros trimmed. It writes two digits per
// division, as strconv does, but into place, with no length to find.
func appendNanos(b []byte, ns uint32) []byte {
	n := len(b)
	b = append(b, ".000000000"...)
	f := b[n+1:]
	for i := 8; i > 0; i -= 2 {
		q := ns / 100
		d := (ns - q*100) * 2
		f[i-1], f[i] = digitPairs[d], digitPairs[d+1]
		ns = q
	}
	f[0] = byte('0' + ns)
	end := len(b)
	for b[end-1] == '0' {
		end--
	}
	return b[:end]
}

// digitPairs holds "00" to "99": the digits of i are at 2i and 2i+1.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendDuration writes d.String() without allocating. It follows
// time.Duration.format.
func appendDuration(dst []byte, d time.Duration) []byte {
	var buf [32]byte
	w := len(buf)
	u := uint64(d)
	neg := d < 0
	if neg {
		u = -u
	}
	if u < uint64(time.Second) {
		var prec int
		w--
		buf[w] = 's'
		w--
		switch {
		case u == 0:
			buf[w] = '0'
			return append(dst, buf[w:]...)
		case u < uint64(time.Microsecond):
			prec = 0
			buf[w] = 'n'
		case u < uint64(time.Millisecond):
			prec = 3
			w-- // "µ" takes two bytes
			copy(buf[w:], "µ")
		default:
			prec = 6
			buf[w] = 'm'
		}
		w, u = fmtFrac(buf[:w], u, prec)
		w = fmtInt(buf[:w], u)
	} else {
		w--
		buf[w] = 's'
		w, u = fmtFrac(buf[:w], u, 9)
		w = fmtInt(buf[:w], u%60)
		u /= 60
		if u > 0 {
			w--
			buf[w] = 'm'
			w = fmtInt(buf[:w], u%60)
			u /= 60
			if u > 0 {
				w--
				buf[w] = 'h'
				w = fmtInt(buf[:w], u)
			}
		}
	}
	if neg {
		w--
		buf[w] = '-'
	}
	return append(dst, buf[w:]...)
}

// fmtFrac writes the fraction of v/10**prec into the tail of buf, without
// trailing zeros, and returns where it starts and v/10**prec.
func fmtFrac(buf []byte, v uint64, prec int) (nw int, nv uint64) {
	w := len(buf)
	print := false
	for range prec {
		digit := v % 10
		print = print || digit != 0
		if print {
			w--
			buf[w] = byte(digit) + '0'
		}
		v /= 10
	}
	if print {
		w--
		buf[w] = '.'
	}
	return w, v
}

// fmtInt writes v into the tail of buf and returns where it starts.
func fmtInt(buf []byte, v uint64) int {
	w := len(buf)
	if v == 0 {
		w--
		buf[w] = '0'
	} else {
		for v > 0 {
			w--
			buf[w] = byte(v%10) + '0'
			v /= 10
		}
	}
	return w
}

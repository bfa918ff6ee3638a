// This file owns how the encoder writes times: RFC 3339 with milliseconds
// in text and with nanoseconds in JSON, as slog writes them, reusing the
// formatted second of the previous time.

package hydra

import (
	"strconv"
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
		var digits [16]byte
		frac := strconv.AppendUint(digits[:0], uint64(1e9+ns), 10) // "1" and nine digits
		frac[0] = '.'
		n := len(frac)
		for frac[n-1] == '0' {
			n--
		}
		s.buf = append(s.buf, frac[:n]...)
	}
	s.buf = append(s.buf, zone...)
	s.buf = append(s.buf, '"')
}

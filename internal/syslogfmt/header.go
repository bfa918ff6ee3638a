// This file owns the header of a syslog message: the PRI, the timestamp
// and the header fields of RFC 5424 and RFC 3164, sanitised to what each
// RFC allows.

package syslogfmt

import (
	"log/slog"
	"strconv"
	"time"
)

// Maximum lengths in bytes of the RFC 5424 header fields, and of the RFC
// 3164 TAG.
const (
	MaxHostname = 255
	MaxAppName  = 48
	MaxProcID   = 128
	MaxMsgID    = 32
	MaxTag      = 32
)

// Timestamp layouts: RFC 5424's RFC 3339 with microseconds and the zone
// offset ("Z" for UTC), and RFC 3164's local time, the day space-padded.
const (
	layout5424 = "2006-01-02T15:04:05.000000Z07:00"
	layout3164 = "Jan _2 15:04:05"
)

// Header holds the fields of a syslog header that do not change from one
// record to the next. Its zero value writes RFC 5424 headers of facility
// kern with every field "-"; set Facility to [User] for programs. A Header
// is safe for concurrent use by Append as long as no one changes its
// fields.
type Header struct {
	// Facility is the facility of every message. A code outside 0..23
	// is written as User.
	Facility Facility
	// Hostname is the HOSTNAME field: "-" when empty (RFC 5424), left out
	// when empty (RFC 3164, where the receiver puts the sender's address).
	Hostname string
	// AppName is the APP-NAME field (RFC 5424) or the TAG (RFC 3164):
	// "-" when empty.
	AppName string
	// ProcID is the PROCID field (RFC 5424, "-" when empty) or the PID in
	// brackets after the TAG (RFC 3164, left out when empty); usually
	// strconv.Itoa(os.Getpid()).
	ProcID string
	// RFC3164 selects the BSD format of RFC 3164 instead of RFC 5424.
	RFC3164 bool
}

// Append appends to dst the header of one message for a record at time t
// with level l and message ID msgid, then a space, and returns the
// extended buffer; the caller appends the MSG. It does not allocate when
// dst has room.
//
// RFC 5424 headers read "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - ":
// TIMESTAMP is RFC 3339 with six fraction digits and the zone offset of t,
// STRUCTURED-DATA is always "-". Each field keeps the bytes 33 to 126,
// others become '_', is cut to its maximum length ([MaxHostname],
// [MaxAppName], [MaxProcID], [MaxMsgID]), and reads "-" when empty.
//
// RFC 3164 headers read "<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: ", the
// time as t's location gives it, the day padded with a space. The TAG is
// AppName with letters, digits and "._-/" kept, other bytes '_', cut to
// [MaxTag]. msgid is ignored.
func (h *Header) Append(dst []byte, t time.Time, l slog.Level, msgid string) []byte {
	f := h.Facility
	if f < 0 || f > maxFacility {
		f = User
	}
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(f)*8+int64(Severity(l)), 10)
	dst = append(dst, '>')
	if h.RFC3164 {
		return h.append3164(dst, t)
	}
	dst = append(dst, '1', ' ')
	dst = t.AppendFormat(dst, layout5424)
	dst = append(dst, ' ')
	dst = appendField(dst, h.Hostname, MaxHostname)
	dst = append(dst, ' ')
	dst = appendField(dst, h.AppName, MaxAppName)
	dst = append(dst, ' ')
	dst = appendField(dst, h.ProcID, MaxProcID)
	dst = append(dst, ' ')
	dst = appendField(dst, msgid, MaxMsgID)
	return append(dst, ' ', '-', ' ')
}

func (h *Header) append3164(dst []byte, t time.Time) []byte {
	dst = t.AppendFormat(dst, layout3164)
	dst = append(dst, ' ')
	if h.Hostname != "" {
		dst = appendField(dst, h.Hostname, MaxHostname)
		dst = append(dst, ' ')
	}
	dst = appendTag(dst, h.AppName)
	if h.ProcID != "" {
		dst = append(dst, '[')
		dst = appendPID(dst, h.ProcID)
		dst = append(dst, ']')
	}
	return append(dst, ':', ' ')
}

// appendField appends s as an RFC 5424 header field: PRINTUSASCII (33 to
// 126) kept, every other byte '_', cut to max bytes, "-" when empty.
func appendField(dst []byte, s string, max int) []byte {
	if s == "" {
		return append(dst, '-')
	}
	if len(s) > max {
		s = s[:max]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 {
			c = '_'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendTag appends s as an RFC 3164 TAG: letters, digits and "._-/"
// kept, every other byte '_', cut to MaxTag bytes, "-" when empty.
func appendTag(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	if len(s) > MaxTag {
		s = s[:MaxTag]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == '-', c == '/':
		default:
			c = '_'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendPID appends s as the PID of an RFC 3164 TAG: PRINTUSASCII but the
// brackets and ':' kept, every other byte '_', cut to MaxProcID bytes.
func appendPID(dst []byte, s string) []byte {
	if len(s) > MaxProcID {
		s = s[:MaxProcID]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 || c == '[' || c == ']' || c == ':' {
			c = '_'
		}
		dst = append(dst, c)
	}
	return dst
}

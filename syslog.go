// This file owns the formatters of the network destinations: a syslog
// message per record (internal/syslogfmt's header, then the record as the
// destination's Format writes it), framed by octet counting over streams;
// and the lines of tcp and udp destinations, one per datagram over udp.

package hydra

import (
	"log/slog"
	"os"
	"strconv"

	"github.com/hydralog/hydra/internal/syslogfmt"
)

// syslogEncoder formats each record as one syslog message.
type syslogEncoder struct {
	body     *encoder // the record, as the destination's Format writes it
	hdr      syslogfmt.Header
	msgIDKey string
	octets   bool // frame by octet counting (RFC 6587): over streams
}

func newSyslogEncoder(ns *netSpec, body *encoder) *syslogEncoder {
	return &syslogEncoder{
		body: body,
		hdr: syslogfmt.Header{
			Facility: ns.facility,
			Hostname: ns.syslog.Hostname,
			AppName:  ns.syslog.AppName,
			ProcID:   strconv.Itoa(os.Getpid()),
			RFC3164:  ns.syslog.RFC3164,
		},
		msgIDKey: ns.syslog.MsgIDKey,
		octets:   !ns.datagram,
	}
}

func (f *syslogEncoder) append(dst []byte, e *entry) []byte {
	start := len(dst)
	dst = f.hdr.Append(dst, e.rec.Time, e.rec.Level, f.msgID(e))
	dst = trimNewline(f.body.append(dst, e))
	if f.octets {
		dst = syslogfmt.FrameInPlace(dst, start)
	}
	return dst
}

// msgID returns the value of the record's msgid attribute, or "".
func (f *syslogEncoder) msgID(e *entry) string {
	id := ""
	e.rec.Attrs(func(a slog.Attr) bool {
		if a.Key == f.msgIDKey {
			id = a.Value.String()
			return false
		}
		return true
	})
	return id
}

func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		return b[:n-1]
	}
	return b
}

// datagramLines formats a record as a line without its newline: one
// datagram is one record.
type datagramLines struct{ enc formatter }

func (f datagramLines) append(dst []byte, e *entry) []byte {
	return trimNewline(f.enc.append(dst, e))
}

// This file owns the benchmarks of header formatting and framing.

package syslogfmt

import (
	"log/slog"
	"testing"
)

// BenchmarkAppend measures one header, RFC 5424 and RFC 3164, appended to
// a reused buffer, framed for TCP in place; it reports 0 allocs/op.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name    string
		rfc3164 bool
	}{{"5424", false}, {"3164", true}} {
		b.Run(bc.name, func(b *testing.B) {
			h := Header{Facility: Local0, Hostname: "web-1.example.com", AppName: "billing", ProcID: "4242", RFC3164: bc.rfc3164}
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				buf = h.Append(buf[:0], testTime, slog.LevelInfo, "audit")
				buf = append(buf, "hello world"...)
				buf = FrameInPlace(buf, 0)
			}
		})
	}
}

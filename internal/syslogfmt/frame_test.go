// This file owns the tests of octet-counting framing.

package syslogfmt

import (
	"strings"
	"testing"
)

func TestOctetCount(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		msg    string
		want   string
	}{
		{"empty", "", "", "0 "},
		{"short", "", "<14>1 - - - - - - hi", "20 <14>1 - - - - - - hi"},
		{"after earlier frame", "3 abc", "hello", "3 abc5 hello"},
		{"nine to ten", "", "123456789", "9 123456789"},
		{"ten", "", "1234567890", "10 1234567890"},
		{"long", "x", strings.Repeat("m", 12345), "x12345 " + strings.Repeat("m", 12345)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendOctetCount([]byte(tt.prefix), []byte(tt.msg))); got != tt.want {
				t.Errorf("AppendOctetCount = %.60q, want %.60q", got, tt.want)
			}
			// In place, with and without spare capacity.
			for _, spare := range []int{0, 16} {
				buf := make([]byte, 0, len(tt.prefix)+len(tt.msg)+spare)
				buf = append(buf, tt.prefix...)
				buf = append(buf, tt.msg...)
				if got := string(FrameInPlace(buf, len(tt.prefix))); got != tt.want {
					t.Errorf("FrameInPlace (spare %d) = %.60q, want %.60q", spare, got, tt.want)
				}
			}
		})
	}
}

func TestOctetCountAllocs(t *testing.T) {
	msg := []byte("<14>1 2026-03-05T07:08:09.123456+02:00 host app 1 - - hello")
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() {
		buf = AppendOctetCount(buf[:0], msg)
	}); n != 0 {
		t.Errorf("AppendOctetCount allocates %v times per call, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		buf = append(buf[:0], msg...)
		buf = FrameInPlace(buf, 0)
	}); n != 0 {
		t.Errorf("FrameInPlace allocates %v times per call, want 0", n)
	}
}

// This file owns the tests of message headers: PRI, exact RFC 5424 and
// RFC 3164 headers, sanitised fields, and the allocation budget.

package syslogfmt

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testTime is a fixed instant in a fixed zone, 2026-03-05 07:08:09.123456789
// at UTC+02:00, so headers are exact wherever the tests run.
var testTime = time.Date(2026, 3, 5, 7, 8, 9, 123456789, time.FixedZone("EET", 2*3600))

func TestHeaderPRI(t *testing.T) {
	levels := []struct {
		level slog.Level
		sev   int
	}{
		{slog.LevelDebug, 7}, {slog.LevelInfo, 6}, {slog.LevelInfo + 2, 5},
		{slog.LevelWarn, 4}, {slog.LevelError, 3}, {slog.LevelError + 4, 2},
	}
	for _, n := range facilityNames {
		for _, lv := range levels {
			for _, rfc3164 := range []bool{false, true} {
				h := Header{Facility: n.f, RFC3164: rfc3164}
				got := string(h.Append(nil, testTime, lv.level, ""))
				want := "<" + strconv.Itoa(int(n.f)*8+lv.sev) + ">"
				if !strings.HasPrefix(got, want) {
					t.Errorf("%s/%v/3164=%v: header %q, want PRI %q", n.name, lv.level, rfc3164, got, want)
				}
			}
		}
	}
}

func TestHeaderOutOfRangeFacility(t *testing.T) {
	for _, f := range []Facility{-1, 24, 1000} {
		h := Header{Facility: f}
		if got := string(h.Append(nil, testTime, slog.LevelInfo, "")); !strings.HasPrefix(got, "<14>") {
			t.Errorf("Facility %d: header %q, want PRI <14> (user.info)", f, got)
		}
	}
}

func TestHeaderAppend(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		name  string
		h     Header
		t     time.Time
		level slog.Level
		msgid string
		want  string
	}{
		{
			name:  "5424 full",
			h:     Header{Facility: Local3, Hostname: "web-1.example.com", AppName: "billing", ProcID: "4242"},
			t:     testTime,
			level: slog.LevelWarn,
			msgid: "audit",
			want:  "<156>1 2026-03-05T07:08:09.123456+02:00 web-1.example.com billing 4242 audit - ",
		},
		{
			name:  "5424 empty fields",
			h:     Header{Facility: User},
			t:     testTime,
			level: slog.LevelInfo,
			want:  "<14>1 2026-03-05T07:08:09.123456+02:00 - - - - - ",
		},
		{
			name:  "5424 UTC and whole second",
			h:     Header{Facility: Daemon, Hostname: "h", AppName: "a", ProcID: "1"},
			t:     time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
			level: slog.LevelError,
			msgid: "m",
			want:  "<27>1 2026-12-31T23:59:59.000000Z h a 1 m - ",
		},
		{
			name:  "5424 negative offset",
			h:     Header{Facility: Kern, Hostname: "h", AppName: "a", ProcID: "1"},
			t:     time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("", -(9*3600+30*60))),
			level: slog.LevelDebug,
			want:  "<7>1 2026-01-02T03:04:05.000006-09:30 h a 1 - - ",
		},
		{
			name:  "5424 spaces and non-ASCII replaced",
			h:     Header{Facility: User, Hostname: "my host", AppName: "café app", ProcID: "1\t2"},
			t:     testTime,
			level: slog.LevelInfo,
			msgid: "id\x7f\x00",
			want:  "<14>1 2026-03-05T07:08:09.123456+02:00 my_host caf___app 1_2 id__ - ",
		},
		{
			name:  "5424 long fields cut",
			h:     Header{Facility: User, Hostname: long, AppName: long, ProcID: long},
			t:     testTime,
			level: slog.LevelInfo,
			msgid: long,
			want: "<14>1 2026-03-05T07:08:09.123456+02:00 " + long[:255] + " " + long[:48] + " " +
				long[:128] + " " + long[:32] + " - ",
		},
		{
			name:  "3164 full",
			h:     Header{Facility: Local3, Hostname: "web-1", AppName: "billing", ProcID: "4242", RFC3164: true},
			t:     testTime,
			level: slog.LevelWarn,
			msgid: "ignored",
			want:  "<156>Mar  5 07:08:09 web-1 billing[4242]: ",
		},
		{
			name:  "3164 two-digit day",
			h:     Header{Facility: Auth, Hostname: "h", AppName: "sshd", ProcID: "7", RFC3164: true},
			t:     time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC),
			level: slog.LevelError + 4,
			want:  "<34>Nov 23 01:02:03 h sshd[7]: ",
		},
		{
			name:  "3164 empty hostname and procid",
			h:     Header{Facility: User, AppName: "app", RFC3164: true},
			t:     testTime,
			level: slog.LevelInfo,
			want:  "<14>Mar  5 07:08:09 app: ",
		},
		{
			name:  "3164 empty appname",
			h:     Header{Facility: User, RFC3164: true},
			t:     testTime,
			level: slog.LevelInfo,
			want:  "<14>Mar  5 07:08:09 -: ",
		},
		{
			name:  "3164 tag sanitised and cut",
			h:     Header{Facility: User, Hostname: "a host", AppName: "my app:é/" + long, ProcID: "[1]", RFC3164: true},
			t:     testTime,
			level: slog.LevelInfo,
			want:  "<14>Mar  5 07:08:09 a_host my_app___/" + long[:22] + "[_1_]: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("keep:")
			got := string(tt.h.Append(prefix, tt.t, tt.level, tt.msgid))
			if got != "keep:"+tt.want {
				t.Errorf("Append:\n got %q\nwant %q", got, "keep:"+tt.want)
			}
		})
	}
}

func TestHeaderAppendAllocs(t *testing.T) {
	for _, rfc3164 := range []bool{false, true} {
		h := Header{Facility: Local0, Hostname: "host", AppName: "app", ProcID: "123", RFC3164: rfc3164}
		buf := make([]byte, 0, 1024)
		allocs := testing.AllocsPerRun(100, func() {
			buf = h.Append(buf[:0], testTime, slog.LevelInfo, "msgid")
		})
		if allocs != 0 {
			t.Errorf("3164=%v: Append allocates %v times per call, want 0", rfc3164, allocs)
		}
	}
}

// This file owns the proof that package syslogfmt writes headers rsyslog
// parses as meant: RFC 5424 and RFC 3164 headers over TCP, framed by octet
// counting, and over UDP.

package rsyslogtest

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hydralog/hydra/internal/syslogfmt"
)

func TestSyslogfmtHeaders(t *testing.T) {
	s := Start(t, Options{TCP: true, UDP: true})
	at := time.Date(2026, 3, 5, 7, 8, 9, 123456000, time.FixedZone("", 2*3600))
	tests := []struct {
		name  string
		h     syslogfmt.Header
		level slog.Level
		msgid string
		want  Message // Input and MsgID of 3164 set below
	}{
		{
			name:  "5424",
			h:     syslogfmt.Header{Facility: syslogfmt.Local3, Hostname: "web-1.example.com", AppName: "billing", ProcID: "4242"},
			level: slog.LevelWarn, msgid: "audit",
			want: Message{Facility: 19, Severity: 4, Hostname: "web-1.example.com", AppName: "billing", ProcID: "4242", MsgID: "audit",
				Timestamp: "2026-03-05T07:08:09.123456+02:00"},
		},
		{
			name:  "5424 empty fields",
			h:     syslogfmt.Header{Facility: syslogfmt.User},
			level: slog.LevelDebug,
			want:  Message{Facility: 1, Severity: 7, Hostname: "-", AppName: "-", ProcID: "-", MsgID: "-"},
		},
		{
			name:  "5424 sanitised",
			h:     syslogfmt.Header{Facility: syslogfmt.Kern, Hostname: "my host", AppName: "café app", ProcID: "1 2"},
			level: slog.LevelError + 4, msgid: "a b",
			want: Message{Facility: 0, Severity: 2, Hostname: "my_host", AppName: "caf___app", ProcID: "1_2", MsgID: "a_b"},
		},
		{
			name:  "5424 long fields cut",
			h:     syslogfmt.Header{Facility: syslogfmt.Local7, Hostname: strings.Repeat("h", 300), AppName: strings.Repeat("a", 60), ProcID: strings.Repeat("1", 200)},
			level: slog.LevelInfo + 2, msgid: strings.Repeat("m", 40),
			want: Message{Facility: 23, Severity: 5, Hostname: strings.Repeat("h", 255), AppName: strings.Repeat("a", 48),
				ProcID: strings.Repeat("1", 128), MsgID: strings.Repeat("m", 32)},
		},
		{
			name:  "3164",
			h:     syslogfmt.Header{Facility: syslogfmt.Daemon, Hostname: "web-1.example.com", AppName: "billing", ProcID: "4242", RFC3164: true},
			level: slog.LevelError, msgid: "ignored",
			want: Message{Facility: 3, Severity: 3, Hostname: "web-1.example.com", AppName: "billing", ProcID: "4242"},
		},
		{
			name:  "3164 no hostname no pid",
			h:     syslogfmt.Header{Facility: syslogfmt.AuthPriv, AppName: "sshd", RFC3164: true},
			level: slog.LevelInfo,
			want:  Message{Facility: 10, Severity: 6, Hostname: "127.0.0.1", AppName: "sshd", ProcID: "-"},
		},
	}
	type sent struct {
		name string
		want Message
	}
	var all []sent
	for _, tt := range tests {
		for _, network := range []string{"tcp", "udp"} {
			text := tt.name + " over " + network
			// The msgid tells the messages apart; 3164 has none, so its
			// text does.
			w := tt.want
			w.Input = "im" + network
			w.Msg = "hello " + text
			buf := tt.h.Append(nil, at, tt.level, tt.msgid)
			buf = append(buf, w.Msg...)
			if tt.h.RFC3164 {
				w.MsgID = "-"
				w.Msg = " " + w.Msg // rsyslog keeps the space after "TAG:"
			}
			if network == "tcp" {
				send(t, "tcp", s.TCPAddr, string(syslogfmt.FrameInPlace(buf, 0)))
			} else {
				send(t, "udp", s.UDPAddr, string(buf))
			}
			all = append(all, sent{text, w})
		}
	}
	got := s.WaitMessages(t, len(all), waitTimeout)
	if len(got) != len(all) {
		t.Fatalf("got %d messages, want %d: %+v", len(got), len(all), got)
	}
	for _, sn := range all {
		t.Run(sn.name, func(t *testing.T) {
			for _, g := range got {
				if strings.HasSuffix(g.Msg, "hello "+sn.name) {
					checkMessage(t, g, sn.want)
					if sn.want.Timestamp != "" && g.Timestamp != sn.want.Timestamp {
						t.Errorf("timestamp %q, want %q", g.Timestamp, sn.want.Timestamp)
					}
					return
				}
			}
			t.Errorf("no message %q in %+v", sn.name, got)
		})
	}
}

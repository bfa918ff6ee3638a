package netsend

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in         string
		wantScheme string
		wantAddr   string
		wantErr    string // a substring of the error; "" for none
	}{
		{in: "tcp://localhost:514", wantScheme: "tcp", wantAddr: "localhost:514"},
		{in: "udp://10.0.0.1:514", wantScheme: "udp", wantAddr: "10.0.0.1:514"},
		{in: "tls://logs.example.com:6514", wantScheme: "tls", wantAddr: "logs.example.com:6514"},
		{in: "TCP://h:1", wantScheme: "tcp", wantAddr: "h:1"},
		{in: "tcp://[::1]:514", wantScheme: "tcp", wantAddr: "[::1]:514"},
		{in: "unix:///dev/log", wantScheme: "unix", wantAddr: "/dev/log"},
		{in: "unixgram:///run/x.sock", wantScheme: "unixgram", wantAddr: "/run/x.sock"},
		{in: "unix://rel/x.sock", wantScheme: "unix", wantAddr: "rel/x.sock"},
		{in: "localhost:514", wantErr: "missing scheme"},
		{in: "ftp://h:21", wantErr: `unknown scheme "ftp" (want tcp, udp, tls, unix or unixgram)`},
		{in: "tcp://localhost", wantErr: "missing port"},
		{in: "tcp://[::1]", wantErr: "missing port"},
		{in: "tcp://localhost:", wantErr: "missing port"},
		{in: "tcp://:514", wantErr: "missing host"},
		{in: "udp://", wantErr: "missing port"},
		{in: "tcp://h:0", wantErr: `port "0" is not a number from 1 to 65535`},
		{in: "tcp://h:70000", wantErr: `port "70000" is not a number from 1 to 65535`},
		{in: "tcp://h:syslog", wantErr: `port "syslog"`},
		{in: "tcp://h:514/path", wantErr: `unexpected "/path" after host:port`},
		{in: "unix://", wantErr: "missing socket path"},
		{in: "unixgram://", wantErr: "missing socket path"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			scheme, addr, err := ParseAddress(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseAddress(%q) = %q, %q, want an error with %q", tt.in, scheme, addr, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.in) {
					t.Fatalf("ParseAddress(%q) error %q, want it to name the address and say %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAddress(%q): %v", tt.in, err)
			}
			if scheme != tt.wantScheme || addr != tt.wantAddr {
				t.Fatalf("ParseAddress(%q) = %q, %q, want %q, %q", tt.in, scheme, addr, tt.wantScheme, tt.wantAddr)
			}
		})
	}
}

func TestConstructorsRejectTheWrongKindOfAddress(t *testing.T) {
	tests := []struct {
		name    string
		make    func() error
		wantErr string
	}{
		{"Stream udp", func() error { _, err := Stream("udp://h:1", Options{}); return err }, "datagram transport"},
		{"Stream unixgram", func() error { _, err := Stream("unixgram:///x", Options{}); return err }, "datagram transport"},
		{"Stream bad", func() error { _, err := Stream("tcp://h", Options{}); return err }, "missing port"},
		{"Datagram tcp", func() error { _, err := Datagram("tcp://h:1", Options{}); return err }, "stream transport"},
		{"Datagram tls", func() error { _, err := Datagram("tls://h:1", Options{}); return err }, "stream transport"},
		{"HTTP ftp", func() error { _, err := HTTP("ftp://h/x", Options{}); return err }, `scheme "ftp"`},
		{"HTTP no host", func() error { _, err := HTTP("http:///x", Options{}); return err }, "missing host"},
		{"HTTP bad", func() error { _, err := HTTP("http://h:x/", Options{}); return err }, "HTTP URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.make()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one with %q", err, tt.wantErr)
			}
		})
	}
}

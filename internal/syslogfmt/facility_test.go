// This file owns the tests of facility names and of the level to severity
// mapping.

package syslogfmt

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestParseFacility(t *testing.T) {
	tests := []struct {
		in   string
		want Facility
	}{
		{"", User},
		{"kern", 0}, {"user", 1}, {"mail", 2}, {"daemon", 3},
		{"auth", 4}, {"syslog", 5}, {"lpr", 6}, {"news", 7},
		{"uucp", 8}, {"cron", 9}, {"authpriv", 10}, {"ftp", 11},
		{"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19},
		{"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23},
		{"LOCAL3", Local3}, {"Daemon", Daemon}, {"AuthPriv", AuthPriv},
	}
	for _, tt := range tests {
		got, err := ParseFacility(tt.in)
		if err != nil {
			t.Errorf("ParseFacility(%q): error %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseFacility(%q) = %d, want %d", tt.in, got, tt.want)
		}
		if tt.in != "" && !strings.EqualFold(got.String(), tt.in) {
			t.Errorf("Facility(%d).String() = %q, want %q", got, got.String(), strings.ToLower(tt.in))
		}
	}
}

func TestParseFacilityUnknown(t *testing.T) {
	for _, in := range []string{"local8", "security", " user", "kernel"} {
		_, err := ParseFacility(in)
		if !errors.Is(err, ErrUnknownFacility) {
			t.Errorf("ParseFacility(%q): error %v, want one wrapping ErrUnknownFacility", in, err)
			continue
		}
		for _, name := range []string{"kern", "authpriv", "local0", "local7"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("ParseFacility(%q): error %q does not list %q", in, err, name)
			}
		}
	}
}

func TestFacilityStringUnnamed(t *testing.T) {
	if got, want := Facility(13).String(), "facility(13)"; got != want {
		t.Errorf("Facility(13).String() = %q, want %q", got, want)
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  int
	}{
		{slog.LevelDebug - 4, SevDebug},
		{slog.LevelDebug, SevDebug},
		{slog.LevelInfo - 1, SevDebug},
		{slog.LevelInfo, SevInfo},
		{slog.LevelInfo + 1, SevInfo},
		{slog.LevelInfo + 2, SevNotice},
		{slog.LevelWarn - 1, SevNotice},
		{slog.LevelWarn, SevWarning},
		{slog.LevelError - 1, SevWarning},
		{slog.LevelError, SevErr},
		{slog.LevelError + 3, SevErr},
		{slog.LevelError + 4, SevCrit},
		{slog.LevelError + 100, SevCrit},
	}
	for _, tt := range tests {
		if got := Severity(tt.level); got != tt.want {
			t.Errorf("Severity(%v) = %d, want %d", tt.level, got, tt.want)
		}
	}
}

// This file owns the syslog facility codes and their names, and the
// mapping of slog levels to syslog severities.

package syslogfmt

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Facility is a syslog facility code, RFC 5424 table 1. The PRI of a
// message is Facility*8 + severity.
type Facility int

// Facility codes, RFC 5424 table 1. Codes 12 to 15 (ntp, security,
// console, clock) have no constant: few systems agree on their names.
const (
	Kern     Facility = 0
	User     Facility = 1
	Mail     Facility = 2
	Daemon   Facility = 3
	Auth     Facility = 4
	Syslog   Facility = 5
	LPR      Facility = 6
	News     Facility = 7
	UUCP     Facility = 8
	Cron     Facility = 9
	AuthPriv Facility = 10
	FTP      Facility = 11
	Local0   Facility = 16
	Local1   Facility = 17
	Local2   Facility = 18
	Local3   Facility = 19
	Local4   Facility = 20
	Local5   Facility = 21
	Local6   Facility = 22
	Local7   Facility = 23
)

// maxFacility is the largest facility code a PRI can carry.
const maxFacility = 23

// facilityNames lists the names ParseFacility accepts, in code order.
var facilityNames = []struct {
	name string
	f    Facility
}{
	{"kern", Kern}, {"user", User}, {"mail", Mail}, {"daemon", Daemon},
	{"auth", Auth}, {"syslog", Syslog}, {"lpr", LPR}, {"news", News},
	{"uucp", UUCP}, {"cron", Cron}, {"authpriv", AuthPriv}, {"ftp", FTP},
	{"local0", Local0}, {"local1", Local1}, {"local2", Local2},
	{"local3", Local3}, {"local4", Local4}, {"local5", Local5},
	{"local6", Local6}, {"local7", Local7},
}

// ErrUnknownFacility is wrapped by the error ParseFacility returns for a
// name it does not know.
var ErrUnknownFacility = errors.New("syslogfmt: unknown facility")

// ParseFacility returns the facility named s: "kern", "user", "mail",
// "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
// "ftp" or "local0" to "local7", in any case. The empty string is [User].
// An unknown name is an error wrapping [ErrUnknownFacility] that lists the
// valid names.
func ParseFacility(s string) (Facility, error) {
	if s == "" {
		return User, nil
	}
	for _, n := range facilityNames {
		if strings.EqualFold(s, n.name) {
			return n.f, nil
		}
	}
	valid := make([]string, len(facilityNames))
	for i, n := range facilityNames {
		valid[i] = n.name
	}
	return User, fmt.Errorf("%w %q (valid: %s)", ErrUnknownFacility, s, strings.Join(valid, ", "))
}

// String returns the facility's name as ParseFacility accepts it, or its
// code in decimal for a code without a name.
func (f Facility) String() string {
	for _, n := range facilityNames {
		if n.f == f {
			return n.name
		}
	}
	return fmt.Sprintf("facility(%d)", int(f))
}

// Syslog severities, RFC 5424 table 2, as Severity returns them.
const (
	SevEmerg   = 0
	SevAlert   = 1
	SevCrit    = 2
	SevErr     = 3
	SevWarning = 4
	SevNotice  = 5
	SevInfo    = 6
	SevDebug   = 7
)

// Severity maps a slog level to a syslog severity, RFC 5424 table 2:
//
//	level                      severity
//	l >= LevelError+4          2 crit
//	LevelError <= l < Error+4  3 err
//	LevelWarn <= l < Error     4 warning
//	LevelInfo+2 <= l < Warn    5 notice
//	LevelInfo <= l < Info+2    6 info
//	l < LevelInfo              7 debug
//
// Severity never returns emerg (0) or alert (1): those concern the whole
// system, which no single program's log record should claim.
func Severity(l slog.Level) int {
	switch {
	case l >= slog.LevelError+4:
		return SevCrit
	case l >= slog.LevelError:
		return SevErr
	case l >= slog.LevelWarn:
		return SevWarning
	case l >= slog.LevelInfo+2:
		return SevNotice
	case l >= slog.LevelInfo:
		return SevInfo
	default:
		return SevDebug
	}
}

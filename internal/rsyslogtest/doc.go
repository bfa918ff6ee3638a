// This file owns the package documentation.

// Package rsyslogtest runs a real rsyslogd for tests: [Start] writes a
// configuration into the test's temporary directory, starts rsyslogd in
// the foreground on free ports of 127.0.0.1 (TCP, UDP, TCP with TLS) and
// on a Unix datagram socket, and waits until it listens; [Server.Messages]
// reads back every message as rsyslog parsed it.
//
// The rsyslogd needs no root and touches nothing outside the temporary
// directory: no default configuration, no /dev/log, no kernel log, its
// work directory and pid file in the temporary directory. When rsyslogd is
// not installed, Start skips the test; CI installs it with
// "apt-get install -y rsyslog" (and rsyslog-gnutls for TLS).
//
// Every message received goes to [Server.Out], one JSON object a line.
// Readiness probes (MSGID "rsyslogtest-probe") go elsewhere and never
// appear in Out. rsyslog's own messages go to [Server.Log].
package rsyslogtest

// This file owns the rsyslog configuration the helper generates: the
// inputs on free ports, the output template, the probe filter, and the
// search for rsyslogd and its TLS stream driver.

package rsyslogtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ProbeMsgID is the MSGID of the messages the helper sends to learn that
// an input is ready. rsyslog writes them to a file of their own, not Out.
const ProbeMsgID = "rsyslogtest-probe"

// maxMessageSize is rsyslog's maxMessageSize in bytes: long records are
// not cut below it.
const maxMessageSize = 64 << 10

// installHint says how to install rsyslogd, for the skip message.
const installHint = "apt-get install -y rsyslog"

// findRsyslogd returns the path of rsyslogd, looked up on PATH then in
// /usr/sbin and /sbin, or "" when it is not installed.
func findRsyslogd() string {
	if p, err := exec.LookPath("rsyslogd"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/rsyslogd", "/sbin/rsyslogd", "/usr/local/sbin/rsyslogd"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// tlsDriver returns the name of the TLS stream driver of this rsyslog
// build ("gtls", or "ossl" when only that one is installed), or "" and a
// reason naming the Debian package to install when there is none. When
// the module directory cannot be found it answers "gtls" and lets
// rsyslogd report a missing driver.
func tlsDriver() (driver, missing string) {
	var dirs []string
	for _, pattern := range []string{"/usr/lib/*/rsyslog", "/usr/lib/rsyslog", "/usr/lib64/rsyslog", "/usr/local/lib/rsyslog"} {
		m, _ := filepath.Glob(pattern) // only a malformed pattern is an error
		dirs = append(dirs, m...)
	}
	return tlsDriverIn(dirs)
}

// tlsDriverIn is tlsDriver looking in the module directories dirs: the
// first that holds imtcp.so is rsyslog's.
func tlsDriverIn(dirs []string) (driver, missing string) {
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "imtcp.so")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "lmnsd_gtls.so")); err == nil {
			return "gtls", ""
		}
		if _, err := os.Stat(filepath.Join(d, "lmnsd_ossl.so")); err == nil {
			return "ossl", ""
		}
		return "", fmt.Sprintf("rsyslog TLS driver lmnsd_gtls.so not installed in %s (apt-get install -y rsyslog-gnutls)", d)
	}
	return "gtls", ""
}

// freePort returns a port of 127.0.0.1 that was free a moment ago for
// network "tcp" or "udp". Another process may take it before rsyslogd
// binds it; Start then reports rsyslogd's complaint.
func freePort(network string) (string, error) {
	var addr net.Addr
	switch network {
	case "tcp":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("rsyslogtest: free tcp port: %w", err)
		}
		addr = l.Addr()
		l.Close()
	default:
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("rsyslogtest: free udp port: %w", err)
		}
		addr = c.LocalAddr()
		c.Close()
	}
	return addr.String(), nil
}

// configFiles are the paths a configuration names.
type configFiles struct {
	work, out, probes, log string
}

// quote returns s as an rsyslog string constant.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// port returns the port of a "127.0.0.1:port" address.
func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr) // addresses come from freePort
	return p
}

// config returns the rsyslog configuration of s, whose addresses are set;
// driver is the TLS stream driver when s listens with TLS.
func (s *Server) config(f configFiles, tls *TLSFiles, driver string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Written by rsyslogtest for one test; rsyslogd -n -C -f this -i pidfile.")
	w("global(")
	w("  workDirectory=%s", quote(f.work))
	w("  maxMessageSize=\"%d\"", maxMessageSize)
	w("  net.enableDNS=\"off\"")
	w("  preserveFQDN=\"on\"")
	w("  parser.escapeControlCharactersOnReceive=\"off\"")
	if tls != nil {
		w("  defaultNetstreamDriverCAFile=%s", quote(tls.CA))
		w("  defaultNetstreamDriverCertFile=%s", quote(tls.Cert))
		w("  defaultNetstreamDriverKeyFile=%s", quote(tls.Key))
	}
	w(")")
	// One queue worker, so that messages leave in the order they came:
	// with several, rsyslog writes batches of one connection out of order.
	w(`main_queue(queue.workerThreads="1")`)
	if s.SocketPath != "" {
		w(`module(load="imuxsock" sysSock.use="off")`)
	}
	if s.TCPAddr != "" || s.TLSAddr != "" {
		w(`module(load="imtcp")`)
	}
	if s.UDPAddr != "" {
		w(`module(load="imudp")`)
	}
	w(`template(name="rsyslogtest" type="list" option.jsonf="on") {`)
	for _, p := range [][2]string{
		{"facility", "syslogfacility"}, {"severity", "syslogseverity"},
		{"hostname", "hostname"}, {"appname", "app-name"}, {"procid", "procid"},
		{"msgid", "msgid"}, {"tag", "syslogtag"}, {"input", "inputname"},
		{"msg", "msg"}, {"rawmsg", "rawmsg"},
	} {
		w(`  property(outname=%q name=%q format="jsonf")`, p[0], p[1])
	}
	w(`  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")`)
	w("}")
	w(`ruleset(name="rsyslogtest") {`)
	w(`  if $msgid == %s then {`, quote(ProbeMsgID))
	w(`    action(type="omfile" file=%s template="RSYSLOG_FileFormat" flushOnTXEnd="on" asyncWriting="off")`, quote(f.probes))
	w(`    stop`)
	w(`  }`)
	w(`  action(type="omfile" file=%s template="rsyslogtest" flushOnTXEnd="on" asyncWriting="off")`, quote(f.out))
	w("}")
	if s.TCPAddr != "" {
		w(`input(type="imtcp" address="127.0.0.1" port=%q ruleset="rsyslogtest")`, port(s.TCPAddr))
	}
	if s.TLSAddr != "" {
		w(`input(type="imtcp" address="127.0.0.1" port=%q ruleset="rsyslogtest"`, port(s.TLSAddr))
		w(`  streamDriver.name=%q streamDriver.mode="1" streamDriver.authMode="anon")`, driver)
	}
	if s.UDPAddr != "" {
		w(`input(type="imudp" address="127.0.0.1" port=%q ruleset="rsyslogtest")`, port(s.UDPAddr))
	}
	if s.SocketPath != "" {
		w(`input(type="imuxsock" socket=%s useSpecialParser="off" parseHostname="on"`, quote(s.SocketPath))
		w(`  rateLimit.interval="0" ruleset="rsyslogtest")`)
	}
	w("# rsyslogd's own messages.")
	w(`action(type="omfile" file=%s flushOnTXEnd="on" asyncWriting="off")`, quote(f.log))
	return b.String()
}

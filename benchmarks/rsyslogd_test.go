package benchmarks

// An rsyslogd for the benchmarks that parses every message and writes it
// to /dev/null. rsyslogtest's server writes every message to a file as JSON, which
// caps it at about 70 000 messages a second on the development machine:
// the benchmarks would measure that file, not the senders.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// startRsyslogd starts rsyslogd listening with imtcp on a free port of
// 127.0.0.1, writing what it receives to /dev/null, and returns "127.0.0.1:port"
// once it accepts connections. It skips tb when rsyslogd is not installed;
// a tb.Cleanup stops it.
func startRsyslogd(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/rsyslogd"); err != nil {
			tb.Skip("rsyslogd not installed (Debian: apt-get install rsyslog)")
		}
		bin = "/usr/sbin/rsyslogd"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	dir := tb.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "work"), 0o755); err != nil {
		tb.Fatal(err)
	}
	conf := fmt.Sprintf(`global(workDirectory=%q net.enableDNS="off")
module(load="imtcp")
ruleset(name="discard") { action(type="omfile" file="/dev/null") }
input(type="imtcp" address="127.0.0.1" port=%q ruleset="discard")
`, filepath.Join(dir, "work"), port)
	confFile := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	stderr, err := os.Create(filepath.Join(dir, "rsyslogd.stderr"))
	if err != nil {
		tb.Fatal(err)
	}
	defer stderr.Close() // the child holds its own descriptor
	cmd := exec.Command(bin, "-n", "-C", "-f", confFile, "-i", filepath.Join(dir, "rsyslogd.pid"))
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, stderr, stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	out, _ := os.ReadFile(filepath.Join(dir, "rsyslogd.stderr"))
	tb.Fatalf("rsyslogd did not listen on %s in 10 seconds: %s", addr, out)
	return ""
}

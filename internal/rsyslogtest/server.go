// This file owns the rsyslogd process of a test: Start, and stopping,
// killing and restarting it.

package rsyslogtest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds of the waits on rsyslogd.
const (
	// readyTimeout bounds the wait for rsyslogd to listen on every input.
	readyTimeout = 10 * time.Second
	// stopTimeout bounds the wait for rsyslogd to exit after SIGTERM,
	// then after SIGKILL.
	stopTimeout = 10 * time.Second
)

// Options says where the rsyslogd of a test listens. Its zero value
// listens nowhere, which is of little use.
type Options struct {
	// TCP listens with imtcp on a free port of 127.0.0.1 ([Server.TCPAddr]),
	// framing by octet counting or by LF.
	TCP bool
	// UDP listens with imudp on a free port of 127.0.0.1 ([Server.UDPAddr]).
	UDP bool
	// TLS, when not nil, listens with imtcp over TLS on a free port of
	// 127.0.0.1 ([Server.TLSAddr]) with these files, clients
	// unauthenticated. It needs rsyslog's gtls stream driver (Debian
	// package rsyslog-gnutls); Start skips the test without it.
	TLS *TLSFiles
	// Unix listens with imuxsock on a Unix datagram socket in the test's
	// temporary directory ([Server.SocketPath]).
	Unix bool
}

// TLSFiles are the PEM files of rsyslogd's TLS listener.
type TLSFiles struct {
	// CA is the certificate of the authority that signed Cert.
	CA string
	// Cert is the server's certificate.
	Cert string
	// Key is the server's private key.
	Key string
}

// Server is an rsyslogd running for one test. Its methods are safe for
// concurrent use.
type Server struct {
	// TCPAddr, UDPAddr and TLSAddr are "127.0.0.1:port", or "" for an
	// input not asked for.
	TCPAddr, UDPAddr, TLSAddr string
	// SocketPath is the Unix datagram socket of imuxsock, or "".
	SocketPath string
	// Out is the file rsyslogd writes every message to, one JSON object
	// a line (see [Message]).
	Out string
	// Log is the file of rsyslogd's own messages, for diagnosing a test.
	Log string
	// Dir is the directory of the configuration, pid file and outputs.
	Dir string
	// Config is the path of the configuration file.
	Config string

	bin, pidFile, stderr, probes string
	readyTimeout                 time.Duration // the bound of the wait for readiness

	mu   sync.Mutex
	proc *process // nil when stopped; guarded by mu
	runs int      // rsyslogd starts so far, which tell probes apart; guarded by mu
	errs []error  // failures to stop, reported by the cleanup; guarded by mu
}

// process is one run of rsyslogd. Its wait goroutine, started by run,
// ends when the process exits; err and done are set then.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the result of cmd.Wait, read after done is closed
}

// Start starts rsyslogd for the test t as opts asks, waits until it
// listens on every input (at most 10 s) and registers a t.Cleanup that
// stops it. It skips the test when rsyslogd is not installed, or when
// opts.TLS is set and rsyslog's TLS driver is not, and fails it when
// rsyslogd does not start.
//
// rsyslogd runs as "rsyslogd -n -C -f CONF -i PIDFILE" in a directory of
// t.TempDir(): in the foreground, with no default configuration, its work
// directory, pid file and outputs in that directory.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := findRsyslogd()
	if bin == "" {
		t.Skip("rsyslogd not installed (" + installHint + ")")
	}
	var driver string
	if opts.TLS != nil {
		var missing string
		if driver, missing = tlsDriver(); driver == "" {
			t.Skip(missing)
		}
	}
	dir := t.TempDir()
	s := &Server{
		Dir:     dir,
		Out:     filepath.Join(dir, "out.jsonl"),
		Log:     filepath.Join(dir, "rsyslogd.log"),
		Config:  filepath.Join(dir, "rsyslog.conf"),
		bin:     bin,
		pidFile: filepath.Join(dir, "rsyslogd.pid"),
		stderr:  filepath.Join(dir, "rsyslogd.stderr"),
		probes:  filepath.Join(dir, "probes.log"),

		readyTimeout: readyTimeout,
	}
	var err error
	if opts.TCP {
		if s.TCPAddr, err = freePort("tcp"); err != nil {
			t.Fatal(err)
		}
	}
	if opts.TLS != nil {
		if s.TLSAddr, err = freePort("tcp"); err != nil {
			t.Fatal(err)
		}
	}
	if opts.UDP {
		if s.UDPAddr, err = freePort("udp"); err != nil {
			t.Fatal(err)
		}
	}
	if opts.Unix {
		s.SocketPath = filepath.Join(dir, "log.sock")
		if len(s.SocketPath) > 100 { // sun_path holds 108 bytes
			short, err := os.MkdirTemp("", "rsyslogtest")
			if err != nil {
				t.Fatalf("rsyslogtest: socket directory: %v", err)
			}
			t.Cleanup(func() { os.RemoveAll(short) })
			s.SocketPath = filepath.Join(short, "log.sock")
		}
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatalf("rsyslogtest: work directory: %v", err)
	}
	conf := s.config(configFiles{work: work, out: s.Out, probes: s.probes, log: s.Log}, opts.TLS, driver)
	if err := os.WriteFile(s.Config, []byte(conf), 0o644); err != nil {
		t.Fatalf("rsyslogtest: write config: %v", err)
	}
	t.Cleanup(s.stopOrReport(t))
	if err := s.run(); err != nil {
		t.Fatal(err)
	}
	return s
}

// stopOrReport returns the cleanup of t, which stops rsyslogd and fails
// t if it, or an earlier Stop or Kill, failed to stop it.
func (s *Server) stopOrReport(t testing.TB) func() {
	return func() {
		s.record(s.stop(syscall.SIGTERM))
		s.mu.Lock()
		err := errors.Join(s.errs...)
		s.errs = nil
		s.mu.Unlock()
		if err != nil {
			t.Error(err)
		}
	}
}

// record keeps err, if not nil, for the cleanup to report.
func (s *Server) record(err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	s.errs = append(s.errs, err)
	s.mu.Unlock()
}

// run starts rsyslogd and waits until it is ready; on failure it stops
// it and returns an error carrying rsyslogd's complaints.
func (s *Server) run() error {
	os.Remove(s.pidFile) // a killed rsyslogd leaves it; absent is fine
	stderr, err := os.OpenFile(s.stderr, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("rsyslogtest: %w", err)
	}
	defer stderr.Close() // the child holds its own descriptor
	cmd := exec.Command(s.bin, "-n", "-C", "-f", s.Config, "-i", s.pidFile)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("rsyslogtest: start rsyslogd: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.mu.Lock()
	s.proc = p
	s.runs++
	run := s.runs
	s.mu.Unlock()
	if err := s.waitReady(p, run, time.Now().Add(s.readyTimeout)); err != nil {
		return errors.Join(err, s.stop(syscall.SIGKILL), s.diagnostics())
	}
	return nil
}

// diagnostics returns an error holding rsyslogd's stderr and log, or nil
// when both are empty.
func (s *Server) diagnostics() error {
	var b bytes.Buffer
	for _, f := range []string{s.stderr, s.Log} {
		data, err := os.ReadFile(f)
		if len(bytes.TrimSpace(data)) == 0 || err != nil {
			continue
		}
		fmt.Fprintf(&b, "%s:\n%s", filepath.Base(f), data)
	}
	if b.Len() == 0 {
		return nil
	}
	return errors.New(b.String())
}

// stop sends sig to rsyslogd, if it runs, and waits for it to exit; it
// sends SIGKILL when it has not exited stopTimeout after sig. The error
// says that rsyslogd had to be killed, or that it exited with an error
// after SIGTERM.
func (s *Server) stop(sig syscall.Signal) error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	// Signal errors mean the process has exited already; done says so.
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			return fmt.Errorf("rsyslogtest: rsyslogd (pid %d) did not exit after SIGKILL", p.cmd.Process.Pid)
		}
		return fmt.Errorf("rsyslogtest: rsyslogd (pid %d) did not exit within %v of %v; killed", p.cmd.Process.Pid, stopTimeout, sig)
	}
	if sig == syscall.SIGTERM && p.err != nil {
		return fmt.Errorf("rsyslogtest: rsyslogd (pid %d) after SIGTERM: %w", p.cmd.Process.Pid, p.err)
	}
	return nil
}

// Stop sends SIGTERM to rsyslogd and waits for it to exit, having
// flushed Out; it kills it if it has not exited within 10 s. Stop on a
// stopped Server does nothing. The test's cleanup reports a failure to
// stop at SIGTERM.
func (s *Server) Stop() {
	s.record(s.stop(syscall.SIGTERM))
}

// Kill sends SIGKILL to rsyslogd and waits for it to exit, as a crash
// would end it; messages it had not written are lost. Kill on a stopped
// Server does nothing.
// The test's cleanup reports a process that outlived SIGKILL.
func (s *Server) Kill() {
	s.record(s.stop(syscall.SIGKILL))
	s.record(s.cutTornLine())
}

// cutTornLine cuts Out back to its last whole line: rsyslogd killed in
// the middle of writing a message leaves part of a line, which the next
// run's first line would otherwise extend. The message it held is lost,
// as it would be for a real receiver.
func (s *Server) cutTornLine() error {
	data, err := os.ReadFile(s.Out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	whole := bytes.LastIndexByte(data, '\n') + 1
	if whole == len(data) {
		return nil
	}
	return os.Truncate(s.Out, int64(whole))
}

// Restart stops rsyslogd if it runs (SIGTERM), starts it again with the
// same configuration, ports and socket, and waits until it listens; it
// fails t if it does not start. Out keeps the messages of earlier runs.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.record(s.stop(syscall.SIGTERM))
	if err := s.run(); err != nil {
		t.Fatal(err)
	}
}

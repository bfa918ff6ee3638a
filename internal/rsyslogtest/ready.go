// This file owns the wait for rsyslogd to be ready: a connection to each
// TCP port, and a probe message through each input that must come out in
// the probe file.

package rsyslogtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// readyPoll is the interval between attempts to reach rsyslogd.
const readyPoll = 25 * time.Millisecond

// probe is one input's readiness check: send tries to send a probe with
// the nonce, which then shows up in the probe file. A nil send means a
// connection is all the check asks (TLS).
type probe struct {
	name  string
	nonce string
	send  func(msg []byte) error
}

// waitReady waits until rsyslogd process p, started as run number run,
// has every input ready, or until deadline.
func (s *Server) waitReady(p *process, run int, deadline time.Time) error {
	var pending []probe
	add := func(name string, send func([]byte) error) {
		pending = append(pending, probe{name: name, nonce: fmt.Sprintf("%s-%d", name, run), send: send})
	}
	if s.TCPAddr != "" {
		add("tcp", func(msg []byte) error {
			return dialSend("tcp", s.TCPAddr, []byte(fmt.Sprintf("%d %s", len(msg), msg)))
		})
	}
	if s.TLSAddr != "" {
		add("tls", nil)
	}
	if s.UDPAddr != "" {
		add("udp", func(msg []byte) error { return dialSend("udp", s.UDPAddr, msg) })
	}
	if s.SocketPath != "" {
		add("unix", func(msg []byte) error { return dialSend("unixgram", s.SocketPath, msg) })
	}
	var lastErr error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("rsyslogtest: rsyslogd exited before it was ready: %v", p.err)
		default:
		}
		probes, _ := os.ReadFile(s.probes) // absent until the first probe
		left := pending[:0]
		for _, pr := range pending {
			switch {
			case pr.send == nil:
				c, err := net.DialTimeout("tcp", s.TLSAddr, time.Second)
				if err == nil {
					c.Close()
					continue
				}
				lastErr = err
			case bytes.Contains(probes, []byte(pr.nonce)):
				continue
			default:
				msg := fmt.Sprintf("<13>1 - - rsyslogtest - %s - %s", ProbeMsgID, pr.nonce)
				if err := pr.send([]byte(msg)); err != nil {
					lastErr = err
				}
			}
			left = append(left, pr)
		}
		pending = left
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			names := make([]string, len(pending))
			for i, pr := range pending {
				names[i] = pr.name
			}
			return fmt.Errorf("rsyslogtest: rsyslogd not ready on %s within %v (last error: %v)",
				strings.Join(names, ", "), s.readyTimeout, lastErr)
		}
		time.Sleep(readyPoll)
	}
}

// dialSend sends msg in one write on a new connection to addr.
func dialSend(network, addr string, msg []byte) error {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetWriteDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	_, err = c.Write(msg)
	return err
}

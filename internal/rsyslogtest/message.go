// This file owns reading back the messages rsyslogd wrote to Out.

package rsyslogtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"testing"
	"time"
)

// Message is one message as rsyslog parsed it: the properties of rsyslog's
// template that writes Out.
type Message struct {
	// Facility and Severity are the numbers of the PRI (syslogfacility,
	// syslogseverity).
	Facility, Severity int
	// Hostname, AppName, ProcID and MsgID are the header fields; "-" where
	// an RFC 5424 message had "-". For an RFC 3164 message AppName and
	// ProcID come from the TAG and MsgID is "-".
	Hostname, AppName, ProcID, MsgID string
	// Timestamp is the TIMESTAMP of the header as rsyslog parsed it, in
	// RFC 3339 (timereported); for RFC 3164, which has no year or zone,
	// rsyslog supplies them.
	Timestamp string
	// Tag is rsyslog's syslogtag ("app[123]" for either format).
	Tag string
	// Input is the rsyslog input that received it: "imtcp", "imudp" or
	// "imuxsock".
	Input string
	// Msg is the MSG part. rsyslog keeps the space that follows the
	// "TAG:" of an RFC 3164 message; control characters are not escaped.
	Msg string
	// RawMsg is the message as received, without its framing.
	RawMsg string
	// Raw is the line of Out.
	Raw string
}

// line is a line of Out: rsyslog writes every property as a string.
type line struct {
	Facility  string `json:"facility"`
	Severity  string `json:"severity"`
	Hostname  string `json:"hostname"`
	AppName   string `json:"appname"`
	ProcID    string `json:"procid"`
	MsgID     string `json:"msgid"`
	Tag       string `json:"tag"`
	Input     string `json:"input"`
	Msg       string `json:"msg"`
	RawMsg    string `json:"rawmsg"`
	Timestamp string `json:"timestamp"`
}

// Messages returns the messages in Out, in the order rsyslogd wrote them;
// none when Out does not exist yet. A line rsyslogd is still writing is
// left for a later call. It fails t when Out cannot be read or parsed.
func (s *Server) Messages(t testing.TB) []Message {
	t.Helper()
	msgs, err := s.messages()
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func (s *Server) messages() ([]Message, error) {
	data, err := os.ReadFile(s.Out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		data = nil
	}
	var msgs []Message
	for n := 1; len(data) > 0; n++ {
		raw, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		var l line
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, fmt.Errorf("rsyslogtest: %s line %d: %w", s.Out, n, err)
		}
		m := Message{
			Hostname: l.Hostname, AppName: l.AppName, ProcID: l.ProcID, MsgID: l.MsgID,
			Timestamp: l.Timestamp, Tag: l.Tag, Input: l.Input, Msg: l.Msg, RawMsg: l.RawMsg, Raw: string(raw),
		}
		if m.Facility, err = strconv.Atoi(l.Facility); err != nil {
			return nil, fmt.Errorf("rsyslogtest: %s line %d: facility: %w", s.Out, n, err)
		}
		if m.Severity, err = strconv.Atoi(l.Severity); err != nil {
			return nil, fmt.Errorf("rsyslogtest: %s line %d: severity: %w", s.Out, n, err)
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// waitPoll is the interval at which WaitMessages reads Out.
const waitPoll = 10 * time.Millisecond

// WaitMessages reads Out until it holds at least n messages or timeout
// has passed, and returns the messages it holds then, which may be fewer
// than n. It fails t when Out cannot be read or parsed.
func (s *Server) WaitMessages(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages(t)
		if len(msgs) >= n || !time.Now().Before(deadline) {
			return msgs
		}
		time.Sleep(waitPoll)
	}
}

// This file owns the configuration of the network destinations ("syslog",
// "tcp", "udp" and "http"): the options of Destination.Syslog, HTTP, TLS,
// Network and Buffer. Each field says its default and unit; every zero
// value works.

package hydra

import "time"

// SyslogOptions configures a "syslog" destination. Each record is one
// syslog message: the header (priority, time, host, app name, process id,
// msgid) is built from the record, and the message body is the record as
// the destination's Format writes it (text by default, or json), on one
// line. The attributes go in the body rather than in RFC 5424's
// structured data because structured data holds flat strings only, while
// the body keeps groups and types, and collectors (rsyslog's mmjsonparse,
// Vector, Fluent Bit) parse a JSON body as they parse hydra's JSON files.
type SyslogOptions struct {
	// Facility is "user" (the default), "kern", "mail", "daemon", "auth",
	// "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp" or
	// "local0" to "local7", in any case.
	Facility string
	// AppName names the program in each message. "" means the base name
	// of the executable.
	AppName string
	// Hostname names this machine in each message. "" means os.Hostname.
	Hostname string
	// RFC3164 writes the old BSD format ("<PRI>Mmm dd hh:mm:ss host
	// app[pid]: msg") instead of RFC 5424, for receivers that know no
	// other.
	RFC3164 bool
	// MsgIDKey is the attribute of a record whose value becomes the RFC
	// 5424 MSGID (cut to 32 printable ASCII characters). "" means "msgid".
	// Only the record's own attributes are looked at, not those bound by
	// With; the attribute stays in the body too.
	MsgIDKey string
}

// HTTPOptions configures an "http" destination: batches of records, one
// per line, each batch the body of one POST.
type HTTPOptions struct {
	// Headers are added to every request, for instance Authorization.
	Headers map[string]string
	// Gzip compresses each body, with Content-Encoding: gzip.
	Gzip bool
	// Timeout bounds each request, from dialing to the end of the answer.
	// 0 means Network.WriteTimeout (10 seconds by default).
	Timeout time.Duration
}

// TLSOptions configures TLS for a "tls://" Address or an "https://" URL.
// The files are read by New (and Reload); a file that cannot be read or
// parsed fails it, naming the file.
type TLSOptions struct {
	// CAFile is a PEM file of the certificate authorities the server's
	// certificate is checked against. "" means the system's.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key, for
	// servers that ask for one. Both or neither.
	CertFile, KeyFile string
	// ServerName is the name the server's certificate must have. "" means
	// the host of the Address or URL.
	ServerName string
	// InsecureSkipVerify accepts any certificate: for tests only.
	InsecureSkipVerify bool
}

// NetworkOptions configures the connection of a network destination.
//
// A destination connects on its first batch, not in New, so that New
// never waits for the network. A network destination that sets no Async
// of its own, under Config.Async's default policy (Block, no
// BlockTimeout), blocks callers while its collector is slow, as a file
// does, but drops the newest records while it is down (from the first
// failed send to the next that succeeds), when its queue is full: a
// collector that is down must not stop the program. The drops are counted
// and announced by a DropNotice once the collector is back; NeverDrop
// still makes the levels it protects wait. Set Async to block through an
// outage too, or give the destination a Buffer, so that an outage loses
// nothing. When a send fails, the batch is sent again
// after a wait that doubles from BackoffMin up to BackoffMax, each wait
// chosen at random between half and all of it (jitter, so that many
// programs that lost one collector do not come back at once), or the
// server's Retry-After when it asks for longer. The consumer goroutine
// waits meanwhile; the queue and its overflow policy protect the callers,
// as they do from a slow file. With a Breaker, a failed batch is not
// retried: the Breaker counts it, and its Fallback takes the records.
// With a Buffer, the batch goes to the disk buffer instead.
type NetworkOptions struct {
	// DialTimeout bounds each connection attempt. 0 means 5 seconds.
	DialTimeout time.Duration
	// WriteTimeout bounds the sending of one batch, so that a peer that
	// stops reading cannot hold the destination forever. 0 means 10
	// seconds.
	WriteTimeout time.Duration
	// BackoffMin is the first wait before a batch is sent again. 0 means
	// 100 milliseconds.
	BackoffMin time.Duration
	// BackoffMax caps the wait between two attempts. 0 means 30 seconds.
	BackoffMax time.Duration
	// CloseTimeout is how long Close keeps trying to send what is queued
	// to a destination that is down; what is still unsent then fails,
	// counted, or stays in the Buffer for the next run. Shutdown's
	// deadline, when sooner, wins. 0 means 10 seconds.
	CloseTimeout time.Duration
	// MaxDatagram is the most bytes of one record sent over "udp://" or
	// "unix://": a longer record is cut to it, and counted in
	// DestinationStats.Truncated. 0 means 2048 for syslog (the size RFC
	// 5424 asks every receiver to take) and 65507 for udp (the largest
	// UDP datagram over IPv4).
	MaxDatagram int
}

// DiskBuffer keeps the batches a network destination could not send in
// files, and sends them later, in order: while the destination is down
// (or slow) the queue keeps draining to disk instead of filling, and the
// batches survive a restart of the program: the next New with the same Dir
// sends them first. Only once the files hold MaxMB does the overflow
// policy apply (or, with a Breaker, the Breaker count the batches that do
// not fit as failed, so that its Fallback takes them).
//
// The files are written without fsync: what was buffered survives the
// program being killed, not the machine losing power before the system
// wrote it out. A damaged file (a write cut by a crash, a flipped bit) is
// detected by checksums: the damaged batches are skipped, counted and
// reported, the rest sent.
type DiskBuffer struct {
	// Dir holds the buffer's files; it is created (0700) if missing. One
	// Handler at a time may use it: a second fails, naming it.
	Dir string
	// MaxMB caps the files, in megabytes. 0 means 256.
	MaxMB int
}

// This file owns the settings of a network destination: the checks of its
// Address or URL, Syslog, HTTP, TLS, Network and Buffer fields, and the
// netSpec they make, defaults applied, that network.go builds the output
// from.

package hydra

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/hydralog/hydra/internal/netsend"
	"github.com/hydralog/hydra/internal/syslogfmt"
)

// netSpec is a network destination's settings after defaults. Two specs
// are one sink's when they are deeply equal (see spec.differs).
type netSpec struct {
	target   string // the Address, or the URL without its password: for names and messages
	scheme   string // "tcp", "tls", "udp", "unix", "unixgram", "http" or "https"
	addr     string // host:port or socket path; the URL for http
	datagram bool   // one record per datagram: udp, unix, unixgram

	syslog   SyslogOptions // AppName, Hostname and MsgIDKey filled in
	facility syslogfmt.Facility
	http     HTTPOptions
	tlsOpts  *TLSOptions // as configured, for equal
	tls      *tls.Config // loaded from tlsOpts; nil: no TLS, or the system's roots
	network  NetworkOptions
	buffer   *DiskBuffer // Dir absolute, MaxMB filled in; nil: none
}

// equal reports whether two network destinations are configured alike.
// The TLS settings are compared as configured: a loaded *tls.Config holds
// functions, which reflect.DeepEqual never finds equal.
func (ns *netSpec) equal(o *netSpec) bool {
	if ns == nil || o == nil {
		return ns == o
	}
	a, b := *ns, *o
	a.tls, b.tls = nil, nil
	return reflect.DeepEqual(a, b)
}

// Network defaults, as NetworkOptions documents them.
const (
	defaultDialTimeout     = 5 * time.Second
	defaultWriteTimeout    = 10 * time.Second
	defaultBackoffMin      = 100 * time.Millisecond
	defaultBackoffMax      = 30 * time.Second
	defaultCloseTimeout    = 10 * time.Second
	defaultSyslogDatagram  = 2048
	defaultUDPDatagram     = 65507
	defaultBufferMB        = 256
	defaultSyslogMsgIDKey  = "msgid"
	maxNetworkDurationDays = 7 // a larger duration is surely a mistake of unit
)

// netSettings checks the network fields of d, a destination of type t,
// and returns its netSpec.
func netSettings(t destType, d *Destination) (*netSpec, []error) {
	var errs []error
	ns := &netSpec{}
	if t == typeHTTP {
		ns.target = redactURL(d.URL)
		u, err := url.Parse(d.URL)
		switch {
		case d.URL == "": // checkDestination says it is required
		case err != nil:
			errs = append(errs, fmt.Errorf("URL: %v", err))
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, fmt.Errorf("URL %q: want an http:// or https:// URL", ns.target))
		case u.Host == "":
			errs = append(errs, fmt.Errorf("URL %q has no host", ns.target))
		default:
			ns.scheme, ns.addr = u.Scheme, d.URL
		}
	} else {
		ns.target = d.Address
		scheme, addr, err := netsend.ParseAddress(d.Address)
		if d.Address == "" {
			// checkDestination says it is required
		} else if err != nil {
			errs = append(errs, fmt.Errorf("Address: %s", strings.TrimPrefix(err.Error(), "netsend: ")))
		} else if err := checkScheme(t, scheme); err != nil {
			errs = append(errs, fmt.Errorf("Address %q: %w", d.Address, err))
		}
		ns.scheme, ns.addr = scheme, addr
		ns.datagram = scheme == "udp" || scheme == "unixgram" || (scheme == "unix" && t == typeSyslog)
		if scheme == "unix" && t == typeSyslog {
			ns.scheme = "unixgram" // /dev/log is a datagram socket
		}
	}
	if f, _ := parseFormat(d.Format); f == formatConsole { // an unknown one is checkDestination's
		errs = append(errs, fmt.Errorf("Format \"console\" is for people at a terminal, not for %s destinations", t))
	}
	if d.Sync {
		errs = append(errs, fmt.Errorf("Sync does not apply to %s destinations: a send may wait for the network, and is retried", t))
	}

	if d.Syslog != nil {
		ns.syslog = *d.Syslog
	}
	if t == typeSyslog {
		fac, err := syslogfmt.ParseFacility(ns.syslog.Facility)
		if err != nil {
			errs = append(errs, fmt.Errorf("Syslog.Facility: %w", err))
		}
		ns.facility = fac
		if ns.syslog.AppName == "" {
			ns.syslog.AppName = filepath.Base(os.Args[0])
		}
		if ns.syslog.Hostname == "" {
			ns.syslog.Hostname, _ = os.Hostname()
		}
		ns.syslog.MsgIDKey = cmp.Or(ns.syslog.MsgIDKey, defaultSyslogMsgIDKey)
	}

	if d.Network != nil {
		ns.network = *d.Network
	}
	n := &ns.network
	for _, f := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"DialTimeout", &n.DialTimeout, defaultDialTimeout},
		{"WriteTimeout", &n.WriteTimeout, defaultWriteTimeout},
		{"BackoffMin", &n.BackoffMin, defaultBackoffMin},
		{"BackoffMax", &n.BackoffMax, defaultBackoffMax},
		{"CloseTimeout", &n.CloseTimeout, defaultCloseTimeout},
	} {
		if *f.v < 0 || *f.v > maxNetworkDurationDays*24*time.Hour {
			errs = append(errs, fmt.Errorf("Network.%s is %v: want a duration between 0 (the default, %v) and %d days", f.name, *f.v, f.def, maxNetworkDurationDays))
		}
		*f.v = cmp.Or(*f.v, f.def)
	}
	if n.BackoffMin > n.BackoffMax {
		errs = append(errs, fmt.Errorf("Network.BackoffMin (%v) is more than BackoffMax (%v)", n.BackoffMin, n.BackoffMax))
	}
	switch {
	case n.MaxDatagram < 0:
		errs = append(errs, fmt.Errorf("Network.MaxDatagram is %d: want 0 (the default) or a size in bytes", n.MaxDatagram))
	case n.MaxDatagram > 0 && !ns.datagram:
		errs = append(errs, fmt.Errorf("Network.MaxDatagram is only for udp:// and unix:// addresses, not %q", ns.target))
	case n.MaxDatagram > defaultUDPDatagram && ns.scheme == "udp":
		errs = append(errs, fmt.Errorf("Network.MaxDatagram is %d: a UDP datagram holds at most %d bytes", n.MaxDatagram, defaultUDPDatagram))
	case n.MaxDatagram == 0 && ns.datagram && t == typeSyslog:
		n.MaxDatagram = defaultSyslogDatagram
	case n.MaxDatagram == 0 && ns.datagram:
		n.MaxDatagram = defaultUDPDatagram
	}

	if d.HTTP != nil {
		ns.http = *d.HTTP
		if ns.http.Timeout < 0 {
			errs = append(errs, fmt.Errorf("HTTP.Timeout is %v: want 0 (Network.WriteTimeout) or more", ns.http.Timeout))
		}
	}

	secure := ns.scheme == "tls" || ns.scheme == "https"
	switch o := d.TLS; {
	case o != nil && !secure:
		errs = append(errs, fmt.Errorf("TLS is only for tls:// addresses and https:// URLs, not %q", ns.target))
	case o != nil:
		cfg, err := netsend.LoadTLS(o.CAFile, o.CertFile, o.KeyFile, o.ServerName, o.InsecureSkipVerify)
		if err != nil {
			errs = append(errs, fmt.Errorf("TLS: %w", err))
		}
		opts := *o
		ns.tls, ns.tlsOpts = cfg, &opts
	}

	if b := d.Buffer; b != nil {
		buf := *b
		nerrs := len(errs)
		if ns.datagram {
			errs = append(errs, fmt.Errorf("Buffer does not apply to %q: a datagram that is lost cannot be told from one that arrived", ns.target))
		}
		if buf.Dir == "" {
			errs = append(errs, errors.New("Buffer.Dir is required"))
		}
		if buf.MaxMB < 0 {
			errs = append(errs, fmt.Errorf("Buffer.MaxMB is %d: want 0 (the default, %d) or more", buf.MaxMB, defaultBufferMB))
		}
		if len(errs) == nerrs {
			dir, err := filepath.Abs(buf.Dir)
			if err != nil {
				errs = append(errs, fmt.Errorf("Buffer.Dir: %w", err))
			}
			buf.Dir = dir
			buf.MaxMB = cmp.Or(buf.MaxMB, defaultBufferMB)
			ns.buffer = &buf
		}
	}
	return ns, errs
}

// checkScheme reports an Address scheme that a destination of type t
// cannot use.
func checkScheme(t destType, scheme string) error {
	ok := map[destType][]string{
		typeSyslog: {"udp", "tcp", "tls", "unix", "unixgram"},
		typeTCP:    {"tcp", "tls", "unix"},
		typeUDP:    {"udp", "unixgram"},
	}[t]
	for _, s := range ok {
		if s == scheme {
			return nil
		}
	}
	return fmt.Errorf("a %s destination sends over %s", t, schemeList(ok))
}

func schemeList(ss []string) string {
	out := ""
	for i, s := range ss {
		switch {
		case i == 0:
		case i == len(ss)-1:
			out += " or "
		default:
			out += ", "
		}
		out += s + "://"
	}
	return out
}

// redactURL returns u without its password or query values, for names
// and messages.
func redactURL(u string) string { return netsend.RedactURL(u) }

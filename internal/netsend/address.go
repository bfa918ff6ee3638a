// This file owns the parsing of a destination's address: scheme://host:port
// for the inet transports, scheme:///path for unix sockets.

package netsend

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ParseAddress splits an address such as "tcp://host:port",
// "udp://host:port", "tls://host:port", "unix:///path" or
// "unixgram:///path" into its scheme (lower case) and the address to dial:
// "host:port" for tcp, udp and tls, the socket's path for unix and unixgram.
//
// The error names what is wrong: a missing scheme, an unknown scheme, a
// missing host or port, a port out of range, a path after host:port, or a
// missing path.
func ParseAddress(s string) (scheme, addr string, err error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", "", fmt.Errorf("netsend: address %q: missing scheme (want tcp://, udp://, tls://, unix:// or unixgram://)", s)
	}
	scheme = strings.ToLower(scheme)
	switch scheme {
	case "unix", "unixgram":
		if rest == "" {
			return "", "", fmt.Errorf("netsend: address %q: missing socket path", s)
		}
		return scheme, rest, nil
	case "tcp", "udp", "tls":
	default:
		return "", "", fmt.Errorf("netsend: address %q: unknown scheme %q (want tcp, udp, tls, unix or unixgram)", s, scheme)
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return "", "", fmt.Errorf("netsend: address %q: unexpected %q after host:port", s, rest[i:])
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		if !strings.Contains(rest, ":") || strings.HasSuffix(rest, "]") {
			return "", "", fmt.Errorf("netsend: address %q: missing port", s)
		}
		return "", "", fmt.Errorf("netsend: address %q: %w", s, err)
	}
	if host == "" {
		return "", "", fmt.Errorf("netsend: address %q: missing host", s)
	}
	if port == "" {
		return "", "", fmt.Errorf("netsend: address %q: missing port", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("netsend: address %q: port %q is not a number from 1 to 65535", s, port)
	}
	return scheme, rest, nil
}

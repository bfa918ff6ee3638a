// This file owns the package documentation.

// Package syslogfmt formats the headers of syslog messages, RFC 5424 and
// RFC 3164, and frames messages for TCP by octet counting (RFC 6587).
//
// A caller appends the header of a record with [Header.Append], then the
// MSG part (hydra puts a record's attributes there, not in STRUCTURED-DATA),
// and, for a stream transport, frames the message with [FrameInPlace] or
// [AppendOctetCount]. Nothing here allocates once the destination buffer
// has room.
package syslogfmt

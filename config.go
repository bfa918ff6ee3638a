// This file owns the configuration a user writes: Config, and the types
// of its fields (Layer, Destination, AsyncOptions, Rotation, Breaker,
// RateLimit, Sampling, Monitor). Each field says its default and unit;
// every zero value works. New checks them (build.go, destination.go).

package hydra

import (
	"context"
	"io"
	"log/slog"
	"os"
	"regexp"
	"time"
)

// Config configures a [Handler]. The zero Config is ready to use: it logs
// text at INFO to stderr through the DEFAULT layer.
type Config struct {
	// Layers maps each layer name to its level and destinations. Names are
	// case-sensitive.
	Layers map[string]Layer
	// DefaultLayer names the layer for records that name no layer or an
	// unknown one. "" means "DEFAULT". If Layers lacks it, a layer writing
	// text to stderr at INFO is added under that name.
	DefaultLayer string
	// LayerKey is the attribute key that names a record's layer. "" means
	// "layer".
	LayerKey string
	// Async holds the queue options of every asynchronous destination that
	// sets no Destination.Async of its own.
	Async AsyncOptions
	// AddSource adds the source position of the log call to text, JSON
	// and console output, as in [slog.HandlerOptions].
	AddSource bool
	// ReplaceAttr rewrites attributes in text and JSON output, as in
	// [slog.HandlerOptions]. It runs on the consumer goroutines and on
	// callers (of a Sync destination, and of a full Block queue formatting
	// a heavy record early), so it must be safe for concurrent use.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr
	// OnError is told about every failed write, error returned by a handler
	// destination and panic recovered from one. It runs on the goroutine
	// that wrote: a destination's consumer goroutine, or the caller for a
	// Sync destination. The same errors are returned by the next Flush or
	// Close. nil means they are only returned.
	OnError func(error)
	// Redact lists attribute keys, compared without regard to case, whose
	// values are written as "[REDACTED]" (see [Redacted]) wherever they
	// are: in records, in groups at any depth, and among the attributes
	// bound by With; a redacted group key hides the whole group. It applies
	// to every format and destination, and to the attributes handed to
	// handler destinations, so the value never reaches a writer.
	Redact []string
	// RedactPatterns replace what they match in string values and in
	// messages by "[REDACTED]", for secrets that come without a telling
	// key (card numbers, bearer tokens). Each pattern runs over every
	// string value on the consumer goroutines: keep them few and simple.
	RedactPatterns []*regexp.Regexp
	// Monitor logs a record of the Stats into a layer at an interval; nil:
	// none.
	Monitor *Monitor
	// OnDrop is told, with each DropNotice, which destination dropped how
	// many records since the previous one: at most about once a second
	// per destination, on its consumer goroutine. For alerting on loss.
	OnDrop func(destination string, dropped uint64)
	// ContextAttrs returns attributes to add to a record from the context
	// it was logged with: trace and span ids, a request id. They reach
	// every destination, files included, after the record's own
	// attributes. It runs on the caller's goroutine for every record that
	// passes the levels (slog passes context.Background() when the caller
	// gave none), so it must be fast and safe for concurrent use; a panic
	// in it is recovered and reported, and the record is logged without
	// them. Like the record's own attributes, they go in the groups a
	// logger opened with WithGroup. nil: none, at no cost.
	ContextAttrs func(ctx context.Context) []slog.Attr
}

// Layer is a named stream of records with its own level and destinations.
type Layer struct {
	// Level is the minimum level of the layer's records; lower ones are
	// discarded before anything else is done. nil means slog.LevelInfo.
	// A *slog.LevelVar stays live, and SetLevel sets it.
	Level slog.Leveler
	// Destinations receive every record of the layer that passes their
	// own Level. A layer needs at least one (Type "null" discards).
	Destinations []Destination
	// RateLimit caps the layer's records per second; nil: no limit.
	RateLimit *RateLimit
	// Sampling keeps a sample of repeated records; nil: every record.
	// Both apply on the caller's goroutine, before any queue, to records
	// that pass the layer's level; records that a destination of the
	// layer protects with NeverDrop are exempt.
	Sampling *Sampling
}

// Destination is one place a layer's records go.
type Destination struct {
	// Type is "file", "stdout" (or "console"), "stderr", "writer",
	// "handler" or "null"; or, to send records over the network, "syslog",
	// "tcp", "udp" or "http" (see [NetworkOptions]).
	Type string
	// Path is the file to write; required for "file", unused otherwise.
	// Destinations whose cleaned absolute paths are equal share one file
	// and one queue, and must agree on every other setting.
	Path string
	// Format is "text" (the default) or "json", slog's TextHandler and
	// JSONHandler output, or "console", text for people at a terminal:
	// "15:04:05.000 INF message  key=value", colored when the output is a
	// terminal (never a file), unless NO_COLOR is set and not empty or
	// TERM is "dumb". Any case. Not used by "handler" and "null". An
	// "http" destination writes "json" unless told "text"; network
	// destinations take no "console".
	Format string
	// Level is the destination's own minimum level, checked after the
	// layer's. nil means the layer's level only.
	Level slog.Leveler
	// Rotation configures lumberjack for a "file" destination.
	Rotation Rotation
	// FileMode is the permission of a new log file; 0 means 0600.
	FileMode os.FileMode
	// DirMode is the permission of new directories on the way to Path;
	// 0 means 0700.
	DirMode os.FileMode
	// Writer receives the output of a "writer" destination. hydra never
	// closes it, and writes to it from one goroutine at a time.
	// Destinations that name the same stream or comparable Writer share
	// one queue when their settings agree; otherwise each has its own, and
	// their batches take turns, as they do with a Fallback that writes
	// there. A destination with a Breaker keeps its stream or Writer to
	// itself: New fails if another destination writes there.
	Writer io.Writer
	// Handler receives the records of a "handler" destination, on the
	// destination's consumer goroutine (on the caller's with Sync), with
	// the caller's context: it travels through the queue, so it may be
	// done by the time the record is handled (trace ids in it stay valid),
	// and it is kept alive until then. Its Enabled is asked on the
	// caller's goroutine, before the record is queued.
	Handler slog.Handler
	// Async overrides Config.Async for this destination. A network
	// destination without it does not block while its collector is down
	// under Config.Async's default policy: see [NetworkOptions].
	Async *AsyncOptions
	// Sync writes on the caller's goroutine, under a lock, without a queue:
	// slower, but nothing is pending when Handle returns. Useful while
	// debugging a crash.
	Sync bool
	// Breaker gives a failing destination a rest: see [Breaker]. nil: no
	// circuit breaker.
	Breaker *Breaker
	// Fallback takes the records while the Breaker is open, for instance a
	// local file for a network sink. It needs a Breaker, is written by the
	// destination's consumer, and takes Type, Format and the fields of its
	// type only; it cannot be a network destination. nil: records are
	// dropped while the breaker is open.
	Fallback *Destination

	// Address is where a "syslog", "tcp" or "udp" destination sends its
	// records: "tcp://host:port", "udp://host:port", "tls://host:port"
	// (TCP with TLS, see TLS), or, for syslog, "unix:///dev/log" (the
	// local syslog daemon's datagram socket). Over a stream, syslog
	// messages are framed by octet counting (RFC 6587) and tcp records
	// end with a newline; over a datagram socket each record is one
	// datagram.
	Address string
	// URL is where an "http" destination POSTs its batches: "http://…" or
	// "https://…" (see TLS).
	URL string
	// Syslog configures a "syslog" destination; nil means the defaults of
	// [SyslogOptions].
	Syslog *SyslogOptions
	// HTTP configures an "http" destination; nil means the defaults of
	// [HTTPOptions].
	HTTP *HTTPOptions
	// TLS configures the certificates of a "tls://" Address or an
	// "https://" URL; nil means the system's authorities.
	TLS *TLSOptions
	// Network configures the connection of a network destination; nil
	// means the defaults of [NetworkOptions].
	Network *NetworkOptions
	// Buffer keeps on disk what a network destination could not send yet
	// (see [DiskBuffer]); nil keeps nothing but the queue. Not for "udp"
	// or syslog over udp://, which cannot tell a lost datagram.
	Buffer *DiskBuffer
}

const (
	// DefaultLayerName is the default [Config.DefaultLayer].
	DefaultLayerName = "DEFAULT"
	// DefaultLayerKey is the default [Config.LayerKey].
	DefaultLayerKey = "layer"
)

// AsyncOptions configures the queue in front of a destination.
// The zero value is a lossless queue of [DefaultQueueSize] records.
type AsyncOptions struct {
	// QueueSize is the capacity of the queue, in records. 0 means
	// DefaultQueueSize; other values are rounded up to a power of two, and
	// to at least 2.
	// Each slot takes 344 bytes (on 64-bit platforms) whether used or not.
	QueueSize int
	// Overflow is what a full queue does to the caller. The zero value is
	// Block.
	Overflow Policy
	// BlockTimeout bounds the wait under Block: a record that finds no room
	// within it is dropped. 0 waits for room however long it takes. It is an
	// error with any other policy.
	BlockTimeout time.Duration
	// NeverDrop protects records at or above this level: they wait for room
	// under every policy, without BlockTimeout, and DropOldest never evicts
	// them. nil protects nothing.
	NeverDrop slog.Leveler
}

const (
	// DefaultQueueSize is the queue capacity used when
	// [AsyncOptions.QueueSize] is 0.
	DefaultQueueSize = 8192
	// MaxQueueSize is the largest [AsyncOptions.QueueSize] accepted.
	MaxQueueSize = 1 << 20
)

// Rotation holds lumberjack's rotation settings for a file destination.
// Zero values mean lumberjack's defaults.
type Rotation struct {
	// MaxSizeMB is the size in megabytes at which the file is rotated.
	// 0 means 100. A negative value turns size rotation off: the file
	// then grows until Rotate, or an external tool and Reopen, move it.
	MaxSizeMB int
	// MaxBackups is the number of rotated files to keep. 0 keeps all
	// (though MaxAgeDays may still remove them).
	MaxBackups int
	// MaxAgeDays is the number of days to keep rotated files, judged by the
	// timestamp in their name. 0 keeps them regardless of age.
	MaxAgeDays int
	// Compress gzips rotated files.
	Compress bool
	// LocalTime names rotated files by local time instead of UTC.
	LocalTime bool
}

// Breaker is a circuit breaker in front of a destination. After Failures
// writes in a row have failed, it opens: the destination's records go to
// its Fallback, or are dropped (counted, and announced by a DropNotice)
// when it has none. After Cooldown it half-opens: the next batch is written
// to the destination again, as a probe. If the probe succeeds the breaker
// closes; if not, it opens for another Cooldown. A write is one batch of
// a text or JSON destination, one record of a handler destination.
type Breaker struct {
	// Failures is how many writes in a row must fail to open the breaker.
	// 0 means 5.
	Failures int
	// Cooldown is how long the breaker stays open before it probes the
	// destination. 0 means 10 seconds.
	Cooldown time.Duration
}

// RateLimit caps a layer's records with a token bucket: PerSecond tokens
// a second, up to Burst at once. A record that finds no token is
// throttled: dropped before it is queued, counted in
// [LayerStats.Throttled], and announced in the layer's destinations by a
// [SkipNotice]. The caller never waits.
type RateLimit struct {
	// PerSecond is the sustained rate, in records per second; it must be
	// positive.
	PerSecond float64
	// Burst is how many records may pass at once after a quiet spell.
	// 0 means PerSecond rounded up (at least 1).
	Burst int
}

// Sampling keeps, of the records with the same level and message, the
// first First in every Tick, then every Thereafter-th; the others are
// sampled out: dropped before they are queued, counted in
// [LayerStats.Sampled], and announced by a [SkipNotice]. As in zap's
// sampler, messages are told apart by a hash into a fixed table, so two
// messages may now and then share a count.
type Sampling struct {
	// Tick is the period over which records are counted; 0 means one
	// second.
	Tick time.Duration
	// First is how many records of a kind pass in each Tick before
	// sampling starts.
	First int
	// Thereafter keeps every Thereafter-th record after the first First;
	// 0 drops them all.
	Thereafter int
}

// Monitor logs a record of the Handler's Stats into a layer at an
// interval, so that a dashboard or a human reading the logs can follow
// queue depths, drops and throughput over time (the seed's MONITOR layer).
// The record's message is [StatsMessage]; its attributes are the totals of
// [Stats] and, in the group "destinations", each destination's queue
// depth, high water mark and drops.
type Monitor struct {
	// Layer is the layer the record is logged into; it must exist.
	Layer string
	// Interval is the time between two records. 0 means 10 seconds.
	Interval time.Duration
	// Level is the record's level. The zero value is INFO.
	Level slog.Level
}

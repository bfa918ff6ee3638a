// Package hydra is a [log/slog] handler that routes each record by its
// layer to that layer's destinations, and puts every destination behind its
// own bounded, lock-free queue, so that logging never stalls the program
// and records never vanish silently.
//
//	h := hydra.NewHandler(hydra.Config{
//		Layers: map[string]hydra.Layer{
//			"API":   {Destinations: []hydra.Destination{{Type: "file", Path: "logs/api.log"}}},
//			"AUDIT": {Level: slog.LevelInfo, Destinations: []hydra.Destination{{Type: "stdout", Format: "json"}}},
//		},
//	})
//	defer h.Close()
//	logger := slog.New(h)
//	logger.Info("request handled", "layer", "API", "status", 200)
//
// # Layers
//
// A record goes to exactly one layer, chosen in this order: a "layer"
// attribute bound with [slog.Logger.With] (resolved once, there), a
// top-level "layer" attribute of the record, the layer set on the context
// with [ContextWithLayer], else [Config.DefaultLayer]. An unknown name goes
// to the default layer too, counted in [Stats].Unknown and reported once
// per name through [Config.OnError]; a "layer" attribute inside a group
// does not route. The attribute stays in the output, and a record routed
// by its context carries it too. The key is [Config.LayerKey].
//
// Each layer has a level and destinations, and each destination may have a
// level of its own: a file rotated by lumberjack, stdout, stderr, any
// [io.Writer], any other [slog.Handler], or nothing ("null"). Text and JSON
// output is exactly slog's TextHandler and JSONHandler output, including
// [Config.AddSource] and [Config.ReplaceAttr]; the "console" format is
// text for people, colored on a terminal unless NO_COLOR is set. Destinations naming the same
// file (through any path) share one writer and one queue. Every destination
// has a unique, stable name ([DestinationStats].Name), used in Stats,
// notices, OnDrop and errors.
//
// # Queues and the caller
//
// On the caller's goroutine, Handle picks the layer, checks the levels,
// resolves [slog.LogValuer]s (so the value logged is the value at the time
// of the call) and copies the record into each destination's queue: no
// formatting, no I/O, and no allocation for records of up to five
// attributes. When the layer is known without reading the record (one
// layer in the Config, or a Handler bound by WithAttrs) and every
// destination would drop the record under DropNewest, it is dropped unread:
// its LogValuers are not resolved.
//
// One consumer goroutine per destination formats the records into batches
// of whole records and writes each batch with one Write, so a rotated file
// never holds half a record. A destination that stalls stalls only its own
// queue. Per destination, records are written in the order they were
// queued.
//
// The queue is a bounded multi-producer queue after Dmitry Vyukov's
// design. When it is full, the destination's [Policy] decides: [Block]
// waits for room (optionally at most [AsyncOptions.BlockTimeout]),
// [DropNewest] discards the incoming record, [DropOldest] evicts the
// oldest queued one in the same atomic step that queues the new one.
// Records at or above [AsyncOptions.NeverDrop] always wait for room instead.
// A [Destination] with Sync set has no queue and writes on the caller's
// goroutine.
//
// # Shaping traffic
//
// A layer's [RateLimit] (a token bucket) and [Sampling] (the first records
// of each level and message in a tick, then one in n) run on the caller's
// goroutine after the level check; what they refuse is counted in
// [LayerStats] and announced in the stream by a [SkipNotice]. A
// destination's [Breaker] opens after a run of failed writes and sends its
// records to a Fallback destination until a probe succeeds; the records of
// a write that failed go to the Fallback too.
// [Config.Redact] and [Config.RedactPatterns] keep secrets out of every
// output.
//
// # Drops are visible
//
// Every record routed to a destination is counted once as accepted and,
// once settled, once as written, dropped or failed; after [Handler.Flush],
// Accepted == Written + Dropped + Failed for every destination in
// [Handler.Stats]. After records were dropped, the destination writes, in
// its own output, before its next batch and at most about once a second, a
// WARN record with message [DropNotice], an attribute "dropped" holding
// the count since the previous notice and an attribute "destination"
// naming it. Flush and Close write a pending notice.
//
// Write errors, errors from handler destinations and panics in them never
// reach the caller of Handle on the asynchronous path: they are counted as
// failed, passed to [Config.OnError] and returned by the next Flush or
// Close (a Sync destination's are returned by Handle instead). A panic in a
// user's callback that runs on a hydra goroutine (ReplaceAttr, OnError,
// OnDrop, a handler destination) is recovered and reported the same way.
// The package never prints on its own. [Config.OnDrop] hears of
// drops, [Handler.PublishExpvar] serves the stats through expvar, and
// [Config.Monitor] logs them into a layer at an interval.
//
// # Lifecycle
//
// [New] opens every file and starts one goroutine per asynchronous
// destination; it reports every problem in the Config at once.
// [Handler.Close] (or [Handler.Shutdown] with a deadline) stops accepting
// records, writes everything queued and the pending drop notices, closes
// the files it opened and stops its goroutines. Call it before the program
// exits, also when it exits on a signal: records still queued when the
// process dies are lost. After Close, Handle returns an error wrapping
// [ErrClosed] and counts the record as dropped. [Handler.Reload] applies a
// new Config while records flow: levels, rate limits and sampling change
// in place, destinations are added, replaced (drained first) or removed,
// and no record is lost or written twice. [Handler.Rotate] makes
// lumberjack rotate the files now; [Handler.Reopen] reopens them at their
// paths without a backup, for an external logrotate.
//
// # Values logged asynchronously
//
// Values other than LogValuers are formatted later, on the consumer
// goroutine. A map or slice logged and then modified may show the later
// contents, as in every asynchronous logger: log a copy, or implement
// [slog.LogValuer].
package hydra

// For the maintainer: the nouns of the code, and the files in the order a
// record meets them.
//
// Nouns:
//
//   - table: the layers and sinks one Config makes. Reload builds a new
//     one and publishes it in one store; a layer keeps its identity across
//     tables, a sink is kept or retired.
//   - layer: a named stream of records (Config.Layers); each record goes
//     to exactly one. Its routes, level and shaping are its state, which
//     Reload replaces.
//   - destination: one place a layer's records go, as the user wrote it
//     (Destination). After defaults and checks it is a spec.
//   - target: what a destination writes to: a file (by its real path), a
//     stream, a comparable Writer or Handler.
//   - sink: a destination after sharing. Destinations with the same target
//     and settings, in any layers, are one sink: one queue, one output,
//     one set of counters, one unique name.
//   - route: a layer's link to a sink, with the destination's own level.
//   - queue: the bounded ring (internal/ring) in front of an asynchronous
//     sink, with its overflow policy; one consumer goroutine drains it.
//   - output: what the consumer hands records to: a stream output
//     (formats records into a batch of whole records, one Write each), a
//     network output (the same batches, sent and retried), a handler
//     output, the null output, or a breaker around one of them.
//   - scope: what WithAttrs and WithGroup bound to a Handler; each sink
//     derives what it needs from it once and caches it in the scope.
//   - notice: a record a sink writes about records it did not get
//     (DropNotice, SkipNotice); written, never counted.
//
// A record's path, file by file:
//
//	config.go       the user's Config and the types of its fields
//	config*.go      a Config from a file: LoadConfig, ParseConfig (keys, values,
//	                environment, YAML and JSON, errors with their lines)
//	build.go        New: Config → core (layers, routes, sinks), every problem at once
//	destination.go  one destination: the types and their rules, the checks, the spec
//	confignet.go    the options of network destinations (Syslog, HTTP, TLS, Network, Buffer)
//	netspec.go      a network destination's checks and settings
//	share.go        targets, sharing, names
//	open.go         outputs, files and queues opened
//	handler.go      Handler and the four slog methods; Handle is the caller's path
//	layers.go       which layer, and the levels
//	shaping.go      rate limit and sampling, on the caller
//	prepare.go      the scan for the layer and LogValuers; resolving
//	scope.go        what With and WithGroup bound
//	policy.go       enqueue, and what a full queue does (the overflow policies)
//	async.go        the queue and how callers and the consumer wake each other
//	consumer.go     the consumer goroutine: batches, Flush, stop
//	sink.go         a sink: its counters, the Sync path, settling results
//	output.go       the output interface; handler and null outputs
//	stream.go       batches of whole records, one Write each
//	format.go       text and JSON through internal/slogenc
//	network.go      network outputs: batches sent, retried with backoff (internal/netsend)
//	syslog.go       syslog messages (internal/syslogfmt), lines over datagrams
//	replay.go       the disk buffer (internal/diskbuf) and its replay goroutine
//	breaker.go      the circuit breaker and its fallback
//	rotate.go       files: Rotate and Reopen (internal/logfile: lumberjack)
//	notice.go       drop and skip notices
//	report.go       errors off the caller's goroutine: OnError, Flush, Close
//	stats.go        Stats
//	monitor.go      the Monitor record and expvar
//	redact.go       redaction for handler destinations
//	lifecycle.go    Flush, the order of closing, Rotate, Reopen, SetLevel
//	reload.go       Reload: a new table beside the old, kept and retired sinks

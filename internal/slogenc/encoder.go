// This file owns the Encoder, its options and the record layout of the
// text and JSON formats: the built-in attributes, then the attributes
// bound by WithAttrs, then the record's own, in the groups started by
// WithGroup. The console format's layout is in console.go.

package slogenc

import (
	"bytes"
	"encoding/json"
	"log/slog"
)

// Options configure an [Encoder]. The zero value writes slog's text format
// with no source, no ReplaceAttr and no redaction.
type Options struct {
	// JSON selects slog's JSON format; false selects the text format.
	JSON bool
	// Console selects the console format, for people at a terminal (see
	// [Encoder.Append]); it takes precedence over JSON.
	Console bool
	// Color adds ANSI colors to the console format: the level by
	// severity, errors in red, the time, source and keys dimmed. It is
	// ignored by the other formats. Whether the output goes to a terminal
	// is for the caller to decide.
	Color bool
	// AddSource writes the source of each record, as
	// [slog.HandlerOptions.AddSource] does.
	AddSource bool
	// ReplaceAttr rewrites or removes each attribute before it is written,
	// as [slog.HandlerOptions.ReplaceAttr] does. nil keeps them as they are.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr
	// Redact hides values by key and by pattern, before ReplaceAttr sees
	// them (see [Redactor]). nil redacts nothing.
	Redact *Redactor
}

// Encoder writes what log/slog's TextHandler or JSONHandler would write
// for the same record, byte for byte, but faster and without allocating
// for the common kinds: it keeps its buffers, caches the formatted second
// of the last time and the source of each call site, and takes no lock.
// Its third format, the console format, lays the record out for people
// and writes its attributes as the text format does.
//
// Its structure mirrors slog's commonHandler and handleState
// (log/slog/handler.go) step by step, because byte-identical output
// depends on their details: when a separator is written, when an empty
// group vanishes, what ReplaceAttr sees. It departs from them on purpose
// where slog's output is wrong (see appendAttr and appendJSONTime); the
// differential tests and FuzzEncoder check everything else.
//
// An Encoder is not safe for concurrent use: hydra gives each sink its
// own, used by the sink's consumer goroutine only (or by callers holding a
// Sync sink's lock).
type Encoder struct {
	// Formatting writes the scratch fields below with every record; the
	// padding keeps those writes off the cache lines of whatever the
	// allocator places next to the Encoder.
	_         [cacheLine]byte
	json      bool
	console   bool // the console format; json is false
	color     bool // console only
	addSource bool
	rep       func(groups []string, a slog.Attr) slog.Attr
	redact    *Redactor // nil: nothing to redact

	root    Preformat // what a Handler without WithAttrs or WithGroup has bound
	prefix  []byte    // scratch: the text handler's key prefix
	groups  []string  // scratch: the open groups, for ReplaceAttr
	scratch []byte    // scratch: values formatted before they are quoted
	keys    []string  // scratch: map keys being sorted (see marshalMap)
	times   timeCache
	sources map[uintptr]*callSite
	jsonBuf bytes.Buffer
	jsonEnc *json.Encoder
	_       [cacheLine]byte
}

// cacheLine is the size of a CPU cache line on the platforms Go runs on.
const cacheLine = 64

// New returns an Encoder with the given options.
func New(opts Options) *Encoder {
	e := &Encoder{
		json:      opts.JSON && !opts.Console,
		console:   opts.Console,
		color:     opts.Console && opts.Color,
		addSource: opts.AddSource,
		rep:       opts.ReplaceAttr,
		redact:    opts.Redact,
	}
	e.jsonEnc = json.NewEncoder(&e.jsonBuf)
	e.jsonEnc.SetEscapeHTML(false) // as slog does
	return e
}

// encodeState is slog's handleState: the state of one record, or of one
// WithAttrs call, being formatted.
type encodeState struct {
	e      *Encoder
	p      *Preformat
	buf    []byte
	sep    byte // the separator to write before the next key; 0 for none
	prefix []byte
	// groups lists the open groups for ReplaceAttr; nil when there is no
	// ReplaceAttr, and while the built-in attributes are written.
	groups *[]string
}

func (e *Encoder) newState(p *Preformat, buf []byte, sep byte) encodeState {
	s := encodeState{e: e, p: p, buf: buf, sep: sep, prefix: e.prefix[:0]}
	if e.rep != nil {
		e.groups = append(e.groups[:0], p.groups[:p.nOpen]...)
		s.groups = &e.groups
	}
	return s
}

// done hands the scratch buffers back to the encoder.
func (s *encodeState) done() {
	s.e.prefix = s.prefix[:0]
	if s.groups != nil {
		s.e.groups = (*s.groups)[:0]
	}
}

func (s *encodeState) attrSep() byte {
	if s.e.json {
		return ','
	}
	return ' '
}

// Append formats r, newline included, onto dst and returns the extended
// buffer. p holds what WithAttrs and WithGroup bound: [Encoder.Root], or a
// Preformat derived from it by this Encoder. r is read, not kept.
//
// In the console format a record is one line: the time of day, the
// level, the source, the message, padded so that attributes start in one
// column, then the attributes as in the text format (see appendConsole):
//
//	15:04:05.000 INF server/main.go:42 listening              addr=:8080 tls=true
func (e *Encoder) Append(dst []byte, p *Preformat, r *slog.Record) []byte {
	if e.console {
		return e.appendConsole(dst, p, r)
	}
	s := e.newState(p, dst, 0)
	if e.json && e.rep == nil {
		s.appendJSONHead(r)
	} else {
		s.appendHead(r)
	}
	s.appendNonBuiltIns(r)
	s.buf = append(s.buf, '\n')
	s.done()
	return s.buf
}

// appendHead writes the built-in attributes: time, level, source and
// message.
func (s *encodeState) appendHead(r *slog.Record) {
	if s.e.json {
		s.buf = append(s.buf, '{')
	}
	// The built-in attributes are in no group, and ReplaceAttr sees none.
	groups := s.groups
	s.groups = nil
	if !r.Time.IsZero() {
		t := r.Time.Round(0) // strip the monotonic reading, as Attrs do
		if s.e.rep == nil {
			s.appendBuiltinKey(slog.TimeKey)
			s.appendTime(t)
		} else {
			s.appendAttr(slog.Time(slog.TimeKey, t))
		}
	}
	if s.e.rep == nil {
		s.appendBuiltinKey(slog.LevelKey)
		s.appendLevel(r.Level)
	} else {
		s.appendAttr(slog.Any(slog.LevelKey, r.Level))
	}
	if s.e.addSource {
		s.appendSource(r.PC)
	}
	msg := r.Message
	if s.e.redact != nil {
		msg = s.e.redact.Text(msg)
	}
	if s.e.rep == nil {
		s.appendBuiltinKey(slog.MessageKey)
		s.appendString(msg)
	} else {
		s.appendAttr(slog.String(slog.MessageKey, msg))
	}
	s.groups = groups
}

// appendJSONHead is appendHead for the JSON format without ReplaceAttr,
// the common case: the keys and the punctuation around them are written
// as constants, the level name in its quotes.
func (s *encodeState) appendJSONHead(r *slog.Record) {
	if r.Time.IsZero() {
		s.buf = append(s.buf, `{"level":"`...)
	} else {
		s.buf = append(s.buf, `{"time":`...)
		s.appendJSONTime(r.Time.Round(0)) // strip the monotonic reading, as Attrs do
		s.buf = append(s.buf, `,"level":"`...)
	}
	s.buf = appendLevelName(s.buf, r.Level, &levelNames)
	s.buf = append(s.buf, '"')
	s.sep = ','
	if s.e.addSource {
		s.appendSource(r.PC)
	}
	msg := r.Message
	if s.e.redact != nil {
		msg = s.e.redact.Text(msg)
	}
	s.buf = append(s.buf, `,"msg":"`...)
	s.buf = appendEscapedJSONString(s.buf, msg)
	s.buf = append(s.buf, '"')
}

func (s *encodeState) appendNonBuiltIns(r *slog.Record) {
	if pfa := s.p.attrs; len(pfa) > 0 {
		if s.sep != 0 {
			s.buf = append(s.buf, s.sep)
		}
		s.buf = append(s.buf, pfa...)
		s.sep = s.attrSep()
		if s.e.json && pfa[len(pfa)-1] == '{' {
			s.sep = 0
		}
	}
	// The record's attributes are in the groups started by WithGroup; if
	// it has none (or all of them vanish), those groups are not written.
	// (slog asks NumAttrs first, which copies the record: an empty loop
	// followed by the truncation below comes to the same.)
	s.prefix = append(s.prefix, s.p.groupPrefix...)
	pos := len(s.buf)
	s.openGroups()
	nOpen := len(s.p.groups)
	empty := true
	r.Attrs(func(a slog.Attr) bool {
		if s.appendAttr(a) {
			empty = false
		}
		return true
	})
	if empty {
		s.buf = s.buf[:pos]
		nOpen = s.p.nOpen
	}
	if s.e.json {
		for range nOpen {
			s.buf = append(s.buf, '}')
		}
		s.buf = append(s.buf, '}')
	}
}

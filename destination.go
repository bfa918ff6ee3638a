// This file owns one destination's settings: the types of destination and
// the rules of each, the checks of a Destination's fields, and the spec
// they make, with what it writes to.

package hydra

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// destType is a Destination.Type, parsed.
type destType uint8

const (
	typeFile destType = iota + 1
	typeStdout
	typeStderr
	typeWriter
	typeHandler
	typeNull
	typeSyslog
	typeTCP
	typeUDP
	typeHTTP
)

// typeRules says what each type of destination is made of. The fields that
// belong to one type only are in typeFields.
var typeRules = [...]struct {
	name    string // as Type names it, and as its sinks are named
	stream  bool   // formats records (Format applies) and writes them to an io.Writer
	queue   bool   // may have a queue (Async applies); a null destination never waits
	breaker bool   // may fail, so a Breaker applies
	net     bool   // sends over the network (network.go): no Sync, no console
}{
	typeFile:    {"file", true, true, true, false},
	typeStdout:  {"stdout", true, true, true, false},
	typeStderr:  {"stderr", true, true, true, false},
	typeWriter:  {"writer", true, true, true, false},
	typeHandler: {"handler", false, true, true, false},
	typeNull:    {"null", false, false, false, false},
	typeSyslog:  {"syslog", true, true, true, true},
	typeTCP:     {"tcp", true, true, true, true},
	typeUDP:     {"udp", true, true, true, true},
	typeHTTP:    {"http", true, true, true, true},
}

// typeSet is a set of destination types, for the fields several types
// share.
type typeSet uint16

func typesOf(ts ...destType) typeSet {
	var s typeSet
	for _, t := range ts {
		s |= 1 << t
	}
	return s
}

func (s typeSet) has(t destType) bool { return s&(1<<t) != 0 }

func (s typeSet) String() string {
	var names []string
	for t := typeFile; t <= typeHTTP; t++ {
		if s.has(t) {
			names = append(names, t.String())
		}
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

var netTypes = typesOf(typeSyslog, typeTCP, typeUDP, typeHTTP)

func (t destType) String() string { return typeRules[t].name }

// typeFields are the fields that belong to one type: required by it when
// required is set, an error with any other type.
var typeFields = [...]struct {
	name     string
	of       typeSet
	required bool
	set      func(*Destination) bool
}{
	{"Path", typesOf(typeFile), true, func(d *Destination) bool { return d.Path != "" }},
	{"Writer", typesOf(typeWriter), true, func(d *Destination) bool { return d.Writer != nil }},
	{"Handler", typesOf(typeHandler), true, func(d *Destination) bool { return d.Handler != nil }},
	{"Rotation, FileMode or DirMode", typesOf(typeFile), false, func(d *Destination) bool {
		return d.Rotation != Rotation{} || d.FileMode != 0 || d.DirMode != 0
	}},
	{"Address", typesOf(typeSyslog, typeTCP, typeUDP), true, func(d *Destination) bool { return d.Address != "" }},
	{"URL", typesOf(typeHTTP), true, func(d *Destination) bool { return d.URL != "" }},
	{"Syslog", typesOf(typeSyslog), false, func(d *Destination) bool { return d.Syslog != nil }},
	{"HTTP", typesOf(typeHTTP), false, func(d *Destination) bool { return d.HTTP != nil }},
	{"TLS, Network or Buffer", netTypes, false, func(d *Destination) bool {
		return d.TLS != nil || d.Network != nil || d.Buffer != nil
	}},
}

// parseType parses a Destination.Type, in any case; "console" is stdout.
func parseType(s string) (destType, error) {
	name := strings.ToLower(s)
	if name == "console" {
		return typeStdout, nil
	}
	for t := typeFile; t <= typeHTTP; t++ {
		if typeRules[t].name == name {
			return t, nil
		}
	}
	if s == "" {
		return 0, errors.New("Type is required (file, stdout, stderr, writer, handler, null, syslog, tcp, udp or http)")
	}
	return 0, fmt.Errorf("unknown Type %q (want file, stdout, console, stderr, writer, handler, null, syslog, tcp, udp or http)", s)
}

// label names a destination in messages: "file \"app.log\"", "stdout".
func (sp *spec) label() string { return destLabel(sp.typ, sp.path) }

// destLabel names a destination of type t that writes to where (a file's
// path, a network destination's address), if known.
func destLabel(t destType, where string) string {
	if where != "" && (t == typeFile || typeRules[t].net) {
		return fmt.Sprintf("%s %q", t, where)
	}
	return t.String()
}

// destTarget returns what a destination names as its target: a file's
// path, a network destination's address or URL (without a password).
func destTarget(t destType, d *Destination) string {
	switch {
	case t == typeFile:
		return d.Path
	case t == typeHTTP:
		return redactURL(d.URL)
	case typeRules[t].net:
		return d.Address
	}
	return ""
}

// checkDestination returns what is wrong with the fields of d, a
// destination of type t, that make its output.
func checkDestination(t destType, d *Destination) []error {
	var errs []error
	for _, f := range typeFields {
		switch set := f.set(d); {
		case f.of.has(t) && f.required && !set:
			errs = append(errs, fmt.Errorf("%s is required", f.name))
		case !f.of.has(t) && set:
			errs = append(errs, fmt.Errorf("%s is only for %s destinations", f.name, f.of))
		}
	}
	if r := d.Rotation; r.MaxBackups < 0 || r.MaxAgeDays < 0 {
		errs = append(errs, fmt.Errorf("Rotation has a negative value: %+v", r))
	}
	if d.FileMode&^os.ModePerm != 0 || d.DirMode&^os.ModePerm != 0 {
		errs = append(errs, fmt.Errorf("FileMode and DirMode take permission bits only, got %v and %v", d.FileMode, d.DirMode))
	}
	if _, err := parseFormat(d.Format); err != nil {
		errs = append(errs, err)
	}
	if d.Format != "" && !typeRules[t].stream {
		errs = append(errs, fmt.Errorf("Format does not apply to %s destinations", t))
	}

	if d.Async != nil {
		switch {
		case !typeRules[t].queue:
			errs = append(errs, fmt.Errorf("Async does not apply to %s destinations: they have no queue", t))
		case d.Sync:
			errs = append(errs, errors.New("Async and Sync are both set"))
		default:
			if err := checkAsync(*d.Async); err != nil {
				errs = append(errs, fmt.Errorf("Async: %w", err))
			}
		}
	}
	return errs
}

// destFormat is a Destination.Format, parsed.
type destFormat uint8

const (
	formatText destFormat = iota
	formatJSON
	formatConsole
)

// parseFormat parses a Destination.Format, in any case; "" is text.
func parseFormat(s string) (destFormat, error) {
	switch strings.ToLower(s) {
	case "", "text":
		return formatText, nil
	case "json":
		return formatJSON, nil
	case "console":
		return formatConsole, nil
	}
	return formatText, fmt.Errorf("unknown Format %q (want text, json or console)", s)
}

// settings validates the fields of d that make its output, and returns
// them with defaults applied, and the key that tells what it writes to (nil
// for a target that cannot be compared). It returns a nil spec after
// reporting a problem.
func (b *builder) settings(where string, d Destination) (*spec, any) {
	t, err := parseType(d.Type)
	if err != nil {
		b.errorf("%s: %v", where, err)
		return nil, nil
	}
	errs := checkDestination(t, &d)
	var real string
	if t == typeFile && len(errs) == 0 {
		if real, err = realPath(d.Path); err != nil {
			errs = append(errs, err)
		}
	}
	var ns *netSpec
	if typeRules[t].net {
		var nerrs []error
		ns, nerrs = netSettings(t, &d)
		errs = append(errs, nerrs...)
	}
	if len(errs) > 0 {
		for _, err := range errs {
			b.errorf("%s (%s): %v", where, destLabel(t, destTarget(t, &d)), err)
		}
		return nil, nil
	}
	format, _ := parseFormat(d.Format)
	sp := &spec{
		typ:      t,
		where:    where,
		name:     t.String(),
		format:   format,
		rotation: d.Rotation,
		fileMode: cmp.Or(d.FileMode, 0o600),
		dirMode:  cmp.Or(d.DirMode, 0o700),
		async:    b.cfg.Async,
		sync:     d.Sync || !typeRules[t].queue,
		writer:   d.Writer,
		handler:  d.Handler,
	}
	if d.Async != nil {
		sp.async = *d.Async
	} else if typeRules[t].net && sp.async.Overflow == Block && sp.async.BlockTimeout == 0 {
		// A collector that is down must not stop the program: under the
		// default policy a network destination that sets no Async blocks
		// while its collector is slow, and drops while it is down (see
		// NetworkOptions and queue.netDown).
		sp.dropWhileDown = true
	}
	if t == typeFile {
		sp.path, sp.real = d.Path, real
		sp.name = "file:" + filepath.Clean(d.Path)
	}
	if ns != nil {
		sp.net, sp.path = ns, ns.target
		sp.name = t.String() + ":" + ns.target
		if t == typeHTTP && d.Format == "" {
			sp.format = formatJSON
		}
	}
	return sp, targetKey(t, &d, real)
}

// targetKey returns what a destination writes to, as a map key: equal keys
// are one target. It is nil for a Writer or Handler that cannot be
// compared, which is a target of its own.
func targetKey(t destType, d *Destination, real string) any {
	switch t {
	case typeFile:
		return "file:" + real
	case typeWriter:
		switch d.Writer {
		case os.Stdout:
			return typeStdout.String()
		case os.Stderr:
			return typeStderr.String()
		}
		if reflect.TypeOf(d.Writer).Comparable() {
			return d.Writer
		}
		return nil
	case typeHandler:
		if reflect.TypeOf(d.Handler).Comparable() {
			return d.Handler
		}
		return nil
	case typeSyslog, typeTCP, typeUDP:
		return t.String() + ":" + d.Address
	case typeHTTP:
		return t.String() + ":" + d.URL
	}
	return t.String()
}

// realPath returns the absolute path of a file with every symbolic link
// resolved, so that two paths to one file are seen as one. The file, and
// even its directory, need not exist yet: the part of the path that
// exists is resolved, and the rest appended.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest), nil
		}
		if dir == filepath.Dir(dir) {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// spec is a destination's settings after defaults, keyed by what it writes
// to. Destinations with the same key share one spec and so one sink.
type spec struct {
	typ      destType
	name     string // the sink's name in Stats
	where    string // where it was first declared, for messages
	path     string // file: as written; network: the address or URL
	real     string // file: the absolute path, symbolic links resolved
	format   destFormat
	rotation Rotation
	fileMode os.FileMode
	dirMode  os.FileMode
	async    AsyncOptions
	sync     bool
	writer   io.Writer
	handler  slog.Handler
	layers   []string
	key      any     // what it writes to (see targetKey); nil: its own target
	target   *target // nil for targets that cannot be compared
	sink     *sink
	breaker  *Breaker
	fallback *spec    // the Fallback's settings; it has no sink of its own
	net      *netSpec // network destinations: their settings
	// dropWhileDown: a network destination under the default Block that
	// drops instead while its collector is down.
	dropWhileDown bool
}

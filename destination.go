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
)

// typeRules says what each type of destination is made of. The fields that
// belong to one type only are in typeFields.
var typeRules = [...]struct {
	name    string // as Type names it, and as its sinks are named
	stream  bool   // formats records (Format applies) and writes them to an io.Writer
	queue   bool   // may have a queue (Async applies); a null destination never waits
	breaker bool   // may fail, so a Breaker applies
}{
	typeFile:    {"file", true, true, true},
	typeStdout:  {"stdout", true, true, true},
	typeStderr:  {"stderr", true, true, true},
	typeWriter:  {"writer", true, true, true},
	typeHandler: {"handler", false, true, true},
	typeNull:    {"null", false, false, false},
}

func (t destType) String() string { return typeRules[t].name }

// typeFields are the fields that belong to one type: required by it when
// required is set, an error with any other type.
var typeFields = [...]struct {
	name     string
	of       destType
	required bool
	set      func(*Destination) bool
}{
	{"Path", typeFile, true, func(d *Destination) bool { return d.Path != "" }},
	{"Writer", typeWriter, true, func(d *Destination) bool { return d.Writer != nil }},
	{"Handler", typeHandler, true, func(d *Destination) bool { return d.Handler != nil }},
	{"Rotation, FileMode or DirMode", typeFile, false, func(d *Destination) bool {
		return d.Rotation != Rotation{} || d.FileMode != 0 || d.DirMode != 0
	}},
}

// parseType parses a Destination.Type, in any case; "console" is stdout.
func parseType(s string) (destType, error) {
	name := strings.ToLower(s)
	if name == "console" {
		return typeStdout, nil
	}
	for t := typeFile; t <= typeNull; t++ {
		if typeRules[t].name == name {
			return t, nil
		}
	}
	if s == "" {
		return 0, errors.New("Type is required (file, stdout, stderr, writer, handler or null)")
	}
	return 0, fmt.Errorf("unknown Type %q (want file, stdout, console, stderr, writer, handler or null)", s)
}

// label names a destination in messages: "file \"app.log\"", "stdout".
func (sp *spec) label() string { return destLabel(sp.typ, sp.path) }

func destLabel(t destType, path string) string {
	if t == typeFile && path != "" {
		return fmt.Sprintf("file %q", path)
	}
	return t.String()
}

// checkDestination returns what is wrong with the fields of d, a
// destination of type t, that make its output.
func checkDestination(t destType, d *Destination) []error {
	var errs []error
	for _, f := range typeFields {
		switch set := f.set(d); {
		case f.of == t && f.required && !set:
			errs = append(errs, fmt.Errorf("%s is required", f.name))
		case f.of != t && set:
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
	if len(errs) > 0 {
		for _, err := range errs {
			b.errorf("%s (%s): %v", where, destLabel(t, d.Path), err)
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
	}
	if t == typeFile {
		sp.path, sp.real = d.Path, real
		sp.name = "file:" + filepath.Clean(d.Path)
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
	path     string
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
	fallback *spec // the Fallback's settings; it has no sink of its own
}

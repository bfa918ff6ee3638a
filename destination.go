// This file owns the settings of one destination, and the output New builds
// from them: its formatter and writer, or its handler.

package hydra

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/hydralog/hydra/internal/logfile"
)

// label names a destination in messages: "file \"app.log\"", "stdout".
func (sp *spec) label() string {
	if sp.kind == "file" && sp.path != "" {
		return fmt.Sprintf("file %q", sp.path)
	}
	return sp.kind
}

// settings validates the fields of d that make its output, and returns
// them with defaults applied, and the key that tells what it writes to (nil
// for a target that cannot be compared). It returns a nil spec after
// reporting a problem.
func (b *builder) settings(where string, d Destination) (*spec, any) {
	kind := strings.ToLower(d.Type)
	if kind == "console" {
		kind = "stdout"
	}
	nerrs := len(b.errs)
	fail := func(format string, args ...any) {
		b.errorf("%s (%s): "+format, append([]any{where, (&spec{kind: kind, path: d.Path}).label()}, args...)...)
	}
	switch kind {
	case "file":
		if d.Path == "" {
			fail("Path is required")
		}
	case "writer":
		if d.Writer == nil {
			fail("Writer is required")
		}
	case "handler":
		if d.Handler == nil {
			fail("Handler is required")
		}
	case "stdout", "stderr", "null":
	case "":
		b.errorf("%s: Type is required (file, stdout, stderr, writer, handler or null)", where)
		return nil, nil
	default:
		b.errorf("%s: unknown Type %q (want file, stdout, console, stderr, writer, handler or null)", where, d.Type)
		return nil, nil
	}
	if d.Path != "" && kind != "file" {
		fail("Path is only for file destinations")
	}
	if d.Writer != nil && kind != "writer" {
		fail("Writer is only for writer destinations")
	}
	if d.Handler != nil && kind != "handler" {
		fail("Handler is only for handler destinations")
	}
	if kind != "file" && (d.Rotation != Rotation{} || d.FileMode != 0 || d.DirMode != 0) {
		fail("Rotation, FileMode and DirMode are only for file destinations")
	}
	if r := d.Rotation; r.MaxBackups < 0 || r.MaxAgeDays < 0 {
		fail("Rotation has a negative value: %+v", r)
	}
	if d.FileMode&^os.ModePerm != 0 || d.DirMode&^os.ModePerm != 0 {
		fail("FileMode and DirMode take permission bits only, got %v and %v", d.FileMode, d.DirMode)
	}
	sp := &spec{
		kind:     kind,
		where:    where,
		name:     kind,
		rotation: d.Rotation,
		fileMode: cmp.Or(d.FileMode, 0o600),
		dirMode:  cmp.Or(d.DirMode, 0o700),
		async:    b.cfg.Async,
		sync:     d.Sync || kind == "null",
		writer:   d.Writer,
		handler:  d.Handler,
	}
	switch strings.ToLower(d.Format) {
	case "", "text":
	case "json":
		sp.json = true
	default:
		fail("unknown Format %q (want text or json)", d.Format)
	}
	if d.Format != "" && (kind == "handler" || kind == "null") {
		fail("Format does not apply to %s destinations", kind)
	}
	if d.Async != nil {
		switch {
		case kind == "null":
			fail("Async does not apply to null destinations: they have no queue")
		case d.Sync:
			fail("Async and Sync are both set")
		default:
			if err := checkAsync(*d.Async); err != nil {
				fail("Async: %v", err)
			}
		}
		sp.async = *d.Async
	}
	if len(b.errs) > nerrs {
		return nil, nil
	}
	var key any
	switch kind {
	case "file":
		real, err := realPath(d.Path)
		if err != nil {
			fail("%v", err)
			return nil, nil
		}
		sp.path, sp.real = d.Path, real
		sp.name = "file:" + filepath.Clean(d.Path)
		key = "file:" + real
	case "stdout", "stderr", "null":
		key = kind
	case "writer":
		switch d.Writer {
		case os.Stdout:
			key = "stdout"
		case os.Stderr:
			key = "stderr"
		default:
			if reflect.TypeOf(d.Writer).Comparable() {
				key = d.Writer
			}
		}
	case "handler":
		if reflect.TypeOf(d.Handler).Comparable() {
			key = d.Handler
		}
	}
	return sp, key
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

// openSinks builds the output and queue of every sink, opening files.
// Should a file fail, the files already opened are closed again.
func (b *builder) openSinks(c *core) error {
	var errs []error
	var files []*logfile.File
	for _, sp := range b.order {
		s := sp.sink
		s.layers = sp.layers
		out, file, err := b.newOutput(c, sp)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.out, s.file = out, file
		files = append(files, file)
		if sp.kind == "handler" {
			s.inner, s.ctx = sp.handler, true
		}
		if sp.breaker != nil {
			var fallback output
			if sp.fallback != nil {
				if fallback, s.fallbackFile, err = b.newOutput(c, sp.fallback); err != nil {
					errs = append(errs, err)
					continue
				}
				files = append(files, s.fallbackFile)
				s.ctx = s.ctx || sp.fallback.kind == "handler"
			}
			s.out = newBreakerOutput(*sp.breaker, out, fallback)
		}
		if !sp.sync {
			s.q = newQueue(sp.async)
			s.streamQueue = !s.ctx && sp.kind != "null"
		}
		c.sinks = append(c.sinks, s)
	}
	if len(errs) > 0 {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
		return errors.Join(errs...)
	}
	return nil
}

// newOutput builds the output of a destination (or of a Fallback): its
// formatter and writer, or its handler. It opens the file of a file
// destination, and returns it.
func (b *builder) newOutput(c *core, sp *spec) (output, *logfile.File, error) {
	var w io.Writer
	var file *logfile.File
	switch sp.kind {
	case "null":
		return discardOutput{}, nil, nil
	case "handler":
		c.nScoped++
		return &handlerOutput{h: sp.handler, redact: b.redact, idx: c.nScoped - 1}, nil, nil
	case "file":
		f, err := openFile(sp.path, sp.rotation, sp.fileMode, sp.dirMode)
		if err != nil {
			return nil, nil, fmt.Errorf("hydra: %s (file %q): %w", sp.where, sp.path, err)
		}
		file, w = f, f
	case "stdout":
		w = os.Stdout
	case "stderr":
		w = os.Stderr
	case "writer":
		w = sp.writer
	}
	if sp.target != nil && sp.target.shared() {
		w = &lockedWriter{mu: &sp.target.mu, w: w}
	}
	limit := batchBytes
	var closer io.Closer // nil unless hydra opened the file
	if file != nil {
		limit, closer = int(min(int64(limit), sp.rotation.maxBytes())), file
	}
	c.nScoped++
	return newStreamOutput(w, closer, newEncoder(sp.json, &b.cfg, b.redact, c.nScoped-1), limit), file, nil
}

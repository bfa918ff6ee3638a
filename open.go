// This file owns the opening of sinks, the last step of New: each sink's
// output (its formatter and writer, or its handler, behind a Breaker if it
// has one), its file, and its queue.

package hydra

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/hydralog/hydra/internal/logfile"
)

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
		if sp.typ == typeHandler {
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
				s.ctx = s.ctx || sp.fallback.typ == typeHandler
			}
			s.out = newBreakerOutput(*sp.breaker, out, fallback)
		}
		if !sp.sync {
			s.q = newQueue(sp.async)
			s.streamQueue = !s.ctx && typeRules[sp.typ].stream
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
	switch sp.typ {
	case typeNull:
		return discardOutput{}, nil, nil
	case typeHandler:
		c.nScoped++
		return &handlerOutput{h: sp.handler, redact: b.redact, idx: c.nScoped - 1}, nil, nil
	case typeFile:
		if b.dry {
			w = io.Discard
			break
		}
		f, err := openFile(sp.path, sp.rotation, sp.fileMode, sp.dirMode)
		if err != nil {
			return nil, nil, fmt.Errorf("hydra: %s (file %q): %w", sp.where, sp.path, err)
		}
		file, w = f, f
	case typeStdout:
		w = os.Stdout
	case typeStderr:
		w = os.Stderr
	case typeWriter:
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

// lockedWriter serializes the writes of sinks that share a stream or
// writer, so that each batch reaches it whole.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// This file owns the formatter of the stream destinations (text, JSON and
// console): the encoder of internal/slogenc, given for each record the
// preformatted attributes of its scope, which each sink builds once per
// scope and keeps in the scope's cache; and whether console output is
// colored.

package hydra

import (
	"io"
	"os"

	"github.com/hydralog/hydra/internal/slogenc"
	"golang.org/x/term"
)

// encoder formats the records of one stream sink. It belongs to that sink
// and is used by its consumer goroutine only (or by callers holding a Sync
// sink's lock), as is the sink's slot in every scope's cache.
type encoder struct {
	enc  *slogenc.Encoder
	idx  int // the sink's slot in scope.cache
	opts slogenc.Options
}

// twin returns another encoder of the same sink: the same options and
// slot, its own scratch (for the Sync path's pool).
func (e *encoder) twin() *encoder {
	return &encoder{enc: slogenc.New(e.opts), idx: e.idx, opts: e.opts}
}

func newEncoder(format destFormat, color bool, cfg *Config, rd *slogenc.Redactor, idx int) *encoder {
	opts := slogenc.Options{
		JSON:        format == formatJSON,
		Console:     format == formatConsole,
		Color:       color,
		AddSource:   cfg.AddSource,
		ReplaceAttr: cfg.ReplaceAttr,
		Redact:      rd,
	}
	return &encoder{enc: slogenc.New(opts), idx: idx, opts: opts}
}

// consoleColor reports whether the console output of sp to w is colored,
// which is decided once, as the destination is built: only when w is a
// terminal (stdout, stderr, or a Writer that is an *os.File), the
// environment variable NO_COLOR is unset or empty (https://no-color.org),
// and TERM is not "dumb" (a terminal that shows escape sequences as they
// are). A file destination is never colored, whatever its path.
func consoleColor(sp *spec, w io.Writer) bool {
	if sp.format != formatConsole || sp.typ == typeFile || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	// Through SyscallConn: Fd would put the file in blocking mode.
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	if err := rc.Control(func(fd uintptr) { tty = term.IsTerminal(int(fd)) }); err != nil {
		return false
	}
	return tty
}

// append formats en's record, newline included, onto dst.
func (e *encoder) append(dst []byte, en *entry) []byte {
	if en.pre != nil {
		return append(dst, en.pre.b...) // formatted by its caller
	}
	return e.enc.Append(dst, e.preformatFor(en.scope), &en.rec)
}

// preformatFor returns the preformat of a scope, building it, and its
// parents', on first use by this sink. Callers of a Sync sink format
// concurrently, each with an encoder of the sink's pool, so the cache
// holds it atomically: two that build it at once build the same bytes, and
// either may win.
func (e *encoder) preformatFor(sc *scope) *slogenc.Preformat {
	if sc == nil {
		return e.enc.Root()
	}
	c := sc.slot(e.idx)
	if p := c.pre.Load(); p != nil {
		return p
	}
	parent := e.preformatFor(sc.parent)
	var p *slogenc.Preformat
	if sc.attrs != nil {
		p = e.enc.WithAttrs(parent, sc.attrs)
	} else {
		p = parent.WithGroup(sc.group)
	}
	c.pre.Store(p)
	return p
}

// This file owns the sharing of destinations: the targets they write to
// (a file, a stream, a writer, a handler), which destinations share one
// sink, the checks that two never write one file unknowingly, and the
// names that tell the sinks apart.

package hydra

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/hydralog/hydra/internal/ring"
)

// target is one place destinations write to: a file, a stream, a writer or
// a handler. Destinations that agree on their settings share a spec; a
// stream or writer may also carry several specs (say, text for one layer and
// JSON for another), whose sinks then take turns through the target's lock
// (core.lockFor).
type target struct {
	specs     []*spec
	fallbacks int // Fallbacks that write here too, from their destination's consumer
}

// shared reports whether more than one goroutine writes to the target, so
// that each must hold the target's lock for a batch.
func (t *target) shared() bool { return len(t.specs)+t.fallbacks > 1 }

// share registers sp with the target named by key. It returns the spec of
// an earlier destination sp can share (same target, same settings), or nil
// when sp gets a sink of its own; an error when the two cannot coexist: a
// file is one lumberjack, and a destination with a Breaker keeps its
// target to itself.
func (b *builder) share(sp *spec, key any) (*spec, error) {
	tg := b.targets[key]
	if tg == nil {
		tg = &target{}
		b.targets[key] = tg
	}
	for _, old := range tg.specs {
		if old.differs(sp) == "" {
			return old, nil
		}
	}
	if len(tg.specs) > 0 {
		old := tg.specs[0]
		switch {
		case sp.breaker != nil || old.breaker != nil:
			return nil, fmt.Errorf("writes where %s writes: a destination with a Breaker keeps its target to itself", old.where)
		case sp.typ == typeFile:
			return nil, fmt.Errorf("%s differs from %s, which writes to the same file", old.differs(sp), old.where)
		}
	}
	tg.specs = append(tg.specs, sp)
	sp.target = tg
	return nil, nil
}

// checkFallbackFiles reports a Fallback writing to a file that a
// destination or another Fallback writes to: two lumberjacks would rotate
// it under each other.
func (b *builder) checkFallbackFiles() {
	seen := map[any]*spec{}
	for _, f := range b.fallbackFiles {
		if tg := b.targets[f.key]; tg != nil && len(tg.specs) > 0 {
			b.errorf("%s (%s): %s writes to this file already", f.spec.where, f.spec.label(), tg.specs[0].where)
		} else if other := seen[f.key]; other != nil {
			b.errorf("%s (%s): %s writes to this file already", f.spec.where, f.spec.label(), other.where)
		}
		seen[f.key] = f.spec
	}
}

// checkHardLinks reports two file destinations (or Fallbacks) whose paths
// differ, symbolic links resolved, but that name one existing file: hard
// links. Two lumberjacks would write, and rotate, one file.
func (b *builder) checkHardLinks() {
	type file struct {
		where, real string
		info        os.FileInfo
	}
	var files []file
	add := func(sp *spec) {
		if info, err := os.Stat(sp.path); err == nil {
			for _, f := range files {
				if f.real != sp.real && os.SameFile(f.info, info) {
					b.errorf("%s (%s): is the same file as %s, under another path", sp.where, sp.label(), f.where)
					return
				}
			}
			files = append(files, file{sp.where, sp.real, info})
		}
	}
	for _, sp := range b.order {
		if sp.typ == typeFile {
			add(sp)
		}
	}
	for _, f := range b.fallbackFiles {
		add(f.spec)
	}
}

type fallbackFile struct {
	key  any
	spec *spec
}

// differs names the first setting in which two destinations that write to
// the same place disagree, or returns "" when they can share a sink.
func (sp *spec) differs(o *spec) string {
	switch {
	case sp.format != o.format:
		return "Format"
	case sp.rotation != o.rotation:
		return "Rotation"
	case sp.fileMode != o.fileMode || sp.dirMode != o.dirMode:
		return "FileMode or DirMode"
	case sp.sync != o.sync:
		return "Sync"
	case !sp.sync && !sameAsync(sp.async, o.async):
		return "Async"
	case sp.breaker != nil || o.breaker != nil:
		return "Breaker" // a destination with a breaker keeps its own
	case !sp.net.equal(o.net):
		return "Syslog, HTTP, TLS, Network or Buffer"
	}
	return ""
}

func sameAsync(a, b AsyncOptions) bool {
	size := func(n int) int { return ring.RoundSize(cmp.Or(n, DefaultQueueSize)) }
	return size(a.QueueSize) == size(b.QueueSize) &&
		a.Overflow == b.Overflow &&
		a.BlockTimeout == b.BlockTimeout &&
		sameLeveler(a.NeverDrop, b.NeverDrop)
}

func sameLeveler(a, b slog.Leveler) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.TypeOf(a).Comparable() && a == b
}

// nameSinks gives every sink its unique, stable name. A file is named by
// its path ("file:logs/app.log"), every other sink by its type ("stderr",
// "writer"). Where several sinks would share a name, each adds the first
// layer that routes to it ("writer:API"), and sinks of one layer that
// still share one are numbered in the order they are declared
// ("writer:API#2"). The names depend on the Config only, except that a
// sink a Reload keeps keeps its name, and the new ones avoid it.
func (b *builder) nameSinks() {
	count := map[string]int{}
	taken := map[string]bool{}
	for _, sp := range b.order {
		if sp.sink != nil { // kept by Reload: named already
			taken[sp.name] = true
		} else {
			count[sp.name]++
		}
	}
	seen := map[string]int{}
	for _, sp := range b.order {
		if sp.sink != nil {
			continue
		}
		base := sp.name
		if count[base] > 1 || taken[base] {
			base += ":" + sp.layers[0]
		}
		name := base
		for n := 2; seen[name] > 0 || taken[name]; n++ {
			name = base + "#" + strconv.Itoa(n)
		}
		seen[name]++
		sp.name = name
	}
}

// sinkLabel names a sink in errors: its name and its layers.
func (sp *spec) sinkLabel() string {
	noun := "layer"
	if len(sp.layers) > 1 {
		noun = "layers"
	}
	return fmt.Sprintf("%s (%s %s)", sp.name, noun, strings.Join(sp.layers, ", "))
}

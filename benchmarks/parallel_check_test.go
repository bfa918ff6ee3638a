package benchmarks

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

// lineWriter keeps what it is given; it is safe for concurrent use, as a
// Writer shared by goroutines must be.
type lineWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *lineWriter) lines() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Split(strings.TrimSuffix(w.buf.String(), "\n"), "\n")
}

// keys lists the keys of a decoded JSON object, nested ones as "g.k".
func keys(prefix string, m map[string]any) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, prefix+k)
		if sub, ok := m[k].(map[string]any); ok && k != "user" && k != "counts" {
			out = append(out, keys(prefix+k+".", sub)...)
		}
	}
	return out
}

// TestParallelHandlersDoTheSameWork keeps the parallel suite honest: for
// every shape, each handler writes one JSON line per record, with the keys
// slog.JSONHandler writes, and nothing for the disabled level.
func TestParallelHandlersDoTheSameWork(t *testing.T) {
	const n = 3
	for _, s := range parShapes {
		t.Run(s.name, func(t *testing.T) {
			var want []string
			for _, ph := range parHandlers[1:] { // not the floor: it writes nothing
				w := &lineWriter{}
				h, flush, closeH := ph.open(t, w, s.addSource)
				l := s.logger(slog.New(h))
				for range n {
					s.log(l)
				}
				flush()
				closeH()
				lines := w.lines()
				if s.name == "disabled" {
					if w.buf.Len() != 0 {
						t.Errorf("%s wrote %q below its level", ph.name, lines)
					}
					continue
				}
				if len(lines) != n {
					t.Fatalf("%s: %d records logged, %d lines written", ph.name, n, len(lines))
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
					t.Fatalf("%s wrote %q: %v", ph.name, lines[0], err)
				}
				got := keys("", m)
				if want == nil {
					want = got
				} else if !slices.Equal(got, want) {
					t.Errorf("%s wrote keys\n%v\nslog-json wrote\n%v", ph.name, got, want)
				}
			}
		})
	}
}

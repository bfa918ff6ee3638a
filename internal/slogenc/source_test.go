package slogenc

import (
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A call site's source attribute is formatted once and then copied: the
// copy is slog's bytes, in both formats, after a time or without one, with
// and without attributes, and the zero pc writes none.
func TestSourceOfACallSiteFormattedOnce(t *testing.T) {
	var pcs [2]uintptr
	runtime.Callers(1, pcs[:])
	require.NotEqual(t, pcs[0], pcs[1])
	for _, format := range []string{"text", "json"} {
		p := newPair(t, format, true, nil)
		for _, pc := range []uintptr{pcs[0], pcs[0], 0, pcs[1], pcs[0], pcs[1]} {
			for _, tm := range []time.Time{time.Now(), {}} {
				for _, attrs := range [][]slog.Attr{nil, {slog.Int("n", 1)}} {
					r := slog.NewRecord(tm, slog.LevelWarn, `say "hi"`, pc)
					r.AddAttrs(attrs...)
					got, want := p.handle(t, []op{{group: "g"}}, r)
					require.Equal(t, want, got, "%s pc %x", format, pc)
				}
			}
		}
		e := p.hydra.(*encHandler).enc
		require.NotNil(t, e.sources[pcs[0]].attr, "formatted once and kept")
		require.NotNil(t, e.sources[pcs[1]].attr, "formatted once and kept")
	}
}

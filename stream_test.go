package hydra

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceAttrPanicFailsOneRecord(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var heard errorList
			out := &syncBuffer{}
			cfg := oneLayer(Destination{Type: "writer", Writer: out, Format: format})
			cfg.OnError = heard.add
			cfg.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == "boom" {
					panic("ReplaceAttr exploded")
				}
				return a
			}
			h := newTest(t, cfg)
			l := slog.New(h)
			l.Info("before")
			l.Info("x", "boom", 1)
			l.With("boom", 2).Info("bound") // the panic comes from the scope's attributes
			l.Info("after")
			err := h.Flush(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "ReplaceAttr exploded")
			require.Len(t, heard.get(), 2, "OnError hears of each")
			got := out.String()
			assert.Contains(t, got, "before")
			assert.Contains(t, got, "after")
			assert.NotContains(t, got, "bound")
			assert.Len(t, lines(out.Bytes()), 2, "no half record is left behind")
			st := h.Stats()
			assert.Equal(t, uint64(2), st.Failed)
			assert.Equal(t, uint64(2), st.Written)
			requireSettled(t, st)
		})
	}
}

package hydra

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type intRef struct{ n *int }

func (c intRef) LogValue() slog.Value { return slog.IntValue(*c.n) }

func TestLogValuersResolveAtCallTime(t *testing.T) {
	cfg, _ := writerLayers("json", "A")
	w := newStallWriter()
	cfg.Layers["A"].Destinations[0].Writer = w
	h := newTest(t, cfg)
	n := 1
	l := slog.New(h).With("layer", "A", "bound", intRef{&n})
	l.Info("m", "v", intRef{&n}, slog.Group("g", "nested", intRef{&n}))
	n = 2 // the consumer has not formatted the record yet: the writer is stalled
	w.Release()
	flush(t, h)
	recs := jsonRecords(t, w.out.Bytes())
	require.Len(t, recs, 1)
	assert.Equal(t, float64(1), recs[0]["bound"])
	assert.Equal(t, float64(1), recs[0]["v"])
	assert.Equal(t, map[string]any{"nested": float64(1)}, recs[0]["g"])
}

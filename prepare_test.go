package hydra

// The caller's preparation of a record (prepare.go): values are resolved
// at the time of the call.

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// intRef is a LogValuer whose value is *n at the moment it is resolved.
type intRef struct{ n *int }

func (c intRef) LogValue() slog.Value { return slog.IntValue(*c.n) }

func TestLogValuersResolveAtCallTime(t *testing.T) {
	cfg, _ := writerLayers("json", "A")
	w := newStallWriter()
	cfg.Layers["A"].Destinations[0].Writer = w
	h := newTest(t, cfg)
	t.Cleanup(w.Release) // registered after Close, so it runs before it
	n := 1
	l := slog.New(h).With("layer", "A", "bound", intRef{&n})
	l.Info("first")
	<-w.started // the consumer is stuck writing "first": it formats nothing more until released
	l.Info("m", "v", intRef{&n}, slog.Group("g", "nested", intRef{&n}))
	n = 2 // the consumer has not formatted "m" yet
	w.Release()
	flush(t, h)
	recs := jsonRecords(t, w.out.Bytes())
	require.Len(t, recs, 2)
	assert.Equal(t, float64(1), recs[1]["bound"])
	assert.Equal(t, float64(1), recs[1]["v"])
	assert.Equal(t, map[string]any{"nested": float64(1)}, recs[1]["g"])
}

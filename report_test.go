package hydra

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPanickingOnErrorIsRecovered(t *testing.T) {
	w := &failWriter{failing: true}
	cfg := oneLayer(Destination{Type: "writer", Writer: w})
	cfg.OnError = func(error) { panic("OnError exploded") }
	h := newTest(t, cfg)
	slog.New(h).Info("x")
	err := h.Flush(context.Background())
	require.ErrorIs(t, err, errDisk, "the write error is still returned")
	assert.Contains(t, err.Error(), "OnError panicked: OnError exploded")
	requireSettled(t, h.Stats())
}

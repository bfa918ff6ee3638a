package hydra

// The Sync path of a sink (sink.go): written before Handle returns, its
// error returned to the caller once.

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSyncDestinationWritesBeforeHandleReturns(t *testing.T) {
	buf := &syncBuffer{}
	h := newTest(t, namedLayer(Destination{Type: "writer", Writer: buf, Sync: true}))
	slog.New(h).Info("now", "layer", "L")
	assert.Contains(t, buf.String(), "msg=now", "no Flush needed")
	d := destStats(t, h, "writer")
	assert.True(t, d.Sync)
	assert.Equal(t, uint64(1), d.Written)
}

func TestSyncWriteErrorReachesCaller(t *testing.T) {
	w := &failWriter{failing: true}
	var reported []error
	cfg := namedLayer(Destination{Type: "writer", Writer: w, Sync: true})
	cfg.OnError = func(err error) { reported = append(reported, err) }
	h := newTest(t, cfg)
	err := h.WithAttrs([]slog.Attr{slog.String("layer", "L")}).Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0))
	require.ErrorIs(t, err, errDisk)
	require.Len(t, reported, 1)
	assert.ErrorIs(t, reported[0], errDisk)
	assert.Equal(t, uint64(1), destStats(t, h, "writer").Failed)
	assert.NoError(t, h.Flush(context.Background()), "the caller had the error: Flush does not return it again")
	assert.NoError(t, h.Close(), "nor does Close")
}

package hydra

// Handler destinations (output.go): their failures, and the scope and
// context they are given.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type panicHandler struct{ slog.Handler }

func (panicHandler) Handle(context.Context, slog.Record) error { panic("boom") }
func (h panicHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h panicHandler) WithGroup(string) slog.Handler           { return h }

type errHandler struct{ panicHandler }

func (errHandler) Handle(context.Context, slog.Record) error { return errDisk }

func TestHandlerDestinationFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		inner slog.Handler
		want  string
	}{
		{"panics", panicHandler{slog.NewTextHandler(io.Discard, nil)}, "handler panicked: boom"},
		{"errors", errHandler{panicHandler{slog.NewTextHandler(io.Discard, nil)}}, errDisk.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			cfg := oneLayer(Destination{Type: "handler", Handler: tc.inner})
			cfg.OnError = func(err error) { calls.Add(1) }
			h := newTest(t, cfg)
			logN(slog.New(h), "m", 3)
			err := h.Flush(context.Background())
			require.ErrorContains(t, err, tc.want)
			d := destStats(t, h, "handler")
			assert.Equal(t, uint64(3), d.Failed)
			assert.Equal(t, int32(3), calls.Load())
			requireSettled(t, h.Stats())
		})
	}
}

func TestHandlerDestinationSeesScopeAndContext(t *testing.T) {
	var got, want bytes.Buffer
	inner := slog.NewJSONHandler(&got, nil)
	h := newTest(t, Config{DefaultLayer: "L", Layers: map[string]Layer{"L": {Level: slog.LevelDebug, Destinations: []Destination{{Type: "handler", Handler: inner}}}}})
	direct := slog.NewJSONHandler(&want, nil)
	for _, hd := range []slog.Handler{h, direct} {
		l := slog.New(hd).With("a", 1).WithGroup("g").With("b", 2)
		l.Info("m", "c", 3)
		l.Debug("inner level filters")
		l.WithGroup("h").Info("n", slog.Group("x", "y", 4))
	}
	require.NoError(t, h.Close())
	assert.Equal(t, stripTime(want.String()), stripTime(got.String()))
	assert.Equal(t, uint64(2), h.Stats().Written, "the inner handler's Enabled is asked first")

	// The caller's context reaches the inner handler.
	var seen atomic.Value
	h2 := newTest(t, oneLayer(Destination{Type: "handler", Handler: &ctxRecorder{Handler: slog.DiscardHandler, seen: &seen}}))
	slog.New(h2).InfoContext(context.WithValue(context.Background(), testCtxKey{}, "v"), "m")
	flush(t, h2)
	assert.Equal(t, "v", seen.Load())
}

type testCtxKey struct{}

// ctxRecorder records the testCtxKey value of the context it handles.
type ctxRecorder struct {
	slog.Handler
	seen *atomic.Value
}

func (c *ctxRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (c *ctxRecorder) Handle(ctx context.Context, _ slog.Record) error {
	c.seen.Store(ctx.Value(testCtxKey{}))
	return nil
}

// stripTime removes the time from JSON lines so outputs made at different
// moments compare equal.
func stripTime(s string) string {
	var b strings.Builder
	for _, l := range lines([]byte(s)) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			return s
		}
		delete(m, "time")
		b.Write(must(json.Marshal(m)))
		b.WriteByte('\n')
	}
	return b.String()
}

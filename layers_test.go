package hydra

// Routing (layers.go): which layer a record goes to, unknown layers, and
// the levels of layers and destinations.

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type layerValuer struct{ calls *atomic.Int32 }

func (v layerValuer) LogValue() slog.Value {
	v.calls.Add(1)
	return slog.StringValue("A")
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestRouting(t *testing.T) {
	ctxB := ContextWithLayer(context.Background(), "B")
	for _, tc := range []struct {
		name string
		log  func(l *slog.Logger)
		want string // the layer whose output holds the record
	}{
		{"record attribute", func(l *slog.Logger) { l.Info("m", "layer", "A") }, "A"},
		{"no layer", func(l *slog.Logger) { l.Info("m") }, DefaultLayerName},
		{"unknown layer", func(l *slog.Logger) { l.Info("m", "layer", "Z") }, DefaultLayerName},
		{"context", func(l *slog.Logger) { l.InfoContext(ctxB, "m") }, "B"},
		{"record beats context", func(l *slog.Logger) { l.InfoContext(ctxB, "m", "layer", "A") }, "A"},
		{"WithAttrs beats record", func(l *slog.Logger) { l.With("layer", "B").Info("m", "layer", "A") }, "B"},
		{"WithAttrs beats context", func(l *slog.Logger) { l.With("layer", "A").InfoContext(ctxB, "m") }, "A"},
		{"later WithAttrs wins", func(l *slog.Logger) { l.With("layer", "A").With("layer", "B").Info("m") }, "B"},
		{"first record attribute wins", func(l *slog.Logger) { l.Info("m", "layer", "B", "layer", "A") }, "B"},
		{"WithAttrs survives WithGroup", func(l *slog.Logger) { l.With("layer", "A").WithGroup("g").Info("m") }, "A"},
		{"record attribute in a WithGroup does not route", func(l *slog.Logger) { l.WithGroup("g").Info("m", "layer", "A") }, DefaultLayerName},
		{"WithAttrs in a WithGroup does not route", func(l *slog.Logger) { l.WithGroup("g").With("layer", "A").Info("m") }, DefaultLayerName},
		{"attribute in a group does not route", func(l *slog.Logger) { l.Info("m", slog.Group("g", "layer", "A")) }, DefaultLayerName},
		{"group in a WithGroup falls back to context", func(l *slog.Logger) { l.WithGroup("g").InfoContext(ctxB, "m", "layer", "A") }, "B"},
		{"non-string value", func(l *slog.Logger) { l.Info("m", "layer", stringer("B")) }, "B"},
		{"LogValuer value", func(l *slog.Logger) { l.Info("m", "layer", layerValuer{new(atomic.Int32)}) }, "A"},
		{"more than five attributes", func(l *slog.Logger) { l.Info("m", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "layer", "A") }, "A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, bufs := writerLayers("json", "A", "B", DefaultLayerName)
			h := newTest(t, cfg)
			tc.log(slog.New(h))
			flush(t, h)
			for name, buf := range bufs {
				if name == tc.want {
					assert.Len(t, lines(buf.Bytes()), 1, "layer %s", name)
				} else {
					assert.Empty(t, buf.String(), "layer %s", name)
				}
			}
		})
	}
}

func TestLayerAttributeStaysInOutput(t *testing.T) {
	cfg, bufs := writerLayers("json", "A")
	h := newTest(t, cfg)
	slog.New(h).Info("m", "layer", "A", "k", "v")
	slog.New(h).With("layer", "A").Info("bound")
	flush(t, h)
	recs := jsonRecords(t, bufs["A"].Bytes())
	require.Len(t, recs, 2)
	assert.Equal(t, "A", recs[0]["layer"])
	assert.Equal(t, "v", recs[0]["k"])
	assert.Equal(t, "A", recs[1]["layer"])
}

func TestWithAttrsResolvesLayerOnce(t *testing.T) {
	cfg, bufs := writerLayers("json", "A")
	h := newTest(t, cfg)
	calls := new(atomic.Int32)
	l := slog.New(h).With("layer", layerValuer{calls})
	logN(l, "m", 10)
	flush(t, h)
	assert.Len(t, lines(bufs["A"].Bytes()), 10)
	assert.Equal(t, int32(1), calls.Load(), "LogValue calls")
}

func TestCustomLayerKey(t *testing.T) {
	cfg, bufs := writerLayers("json", "A", DefaultLayerName)
	cfg.LayerKey = "subsystem"
	h := newTest(t, cfg)
	slog.New(h).Info("m", "subsystem", "A")
	slog.New(h).Info("m", "layer", "A")
	flush(t, h)
	assert.Len(t, lines(bufs["A"].Bytes()), 1)
	assert.Len(t, lines(bufs[DefaultLayerName].Bytes()), 1)
}

func TestLevels(t *testing.T) {
	all, warn := &syncBuffer{}, &syncBuffer{}
	h := newTest(t, Config{Layers: map[string]Layer{
		"A": {Level: slog.LevelDebug, Destinations: []Destination{
			{Type: "writer", Writer: all, Format: "json"},
			{Type: "writer", Writer: warn, Format: "json", Level: slog.LevelWarn},
		}},
		DefaultLayerName: {Level: slog.LevelError, Destinations: []Destination{{Type: "null"}}},
	}})
	l := slog.New(h).With("layer", "A")
	l.Debug("d")
	l.Info("i")
	l.Warn("w")
	flush(t, h)
	assert.Equal(t, []string{"d", "i", "w"}, messages(t, all.Bytes()))
	assert.Equal(t, []string{"w"}, messages(t, warn.Bytes()))

	require.NoError(t, h.SetLevel("A", slog.LevelWarn))
	l.Info("hidden")
	l.Error("e")
	flush(t, h)
	assert.Equal(t, []string{"d", "i", "w", "e"}, messages(t, all.Bytes()))

	err := h.SetLevel("nope", slog.LevelInfo)
	require.ErrorContains(t, err, `unknown layer "nope"`)
}

func TestEnabled(t *testing.T) {
	ctx := context.Background()
	userVar := new(slog.LevelVar)
	userVar.Set(slog.LevelWarn)
	for _, static := range []bool{true, false} {
		t.Run(fmt.Sprintf("static=%v", static), func(t *testing.T) {
			var lvl slog.Leveler = slog.LevelWarn
			if !static {
				lvl = userVar
			}
			h := newTest(t, Config{Layers: map[string]Layer{
				"A":              {Level: slog.LevelDebug, Destinations: []Destination{{Type: "null", Level: slog.LevelInfo}}},
				"B":              {Level: lvl, Destinations: []Destination{{Type: "null"}}},
				DefaultLayerName: {Level: slog.LevelError, Destinations: []Destination{{Type: "null"}}},
			}})
			assert.Equal(t, static, h.c.table.Load().static)
			bound := func(layer string) slog.Handler { return h.WithAttrs([]slog.Attr{slog.String("layer", layer)}) }

			assert.False(t, h.Enabled(ctx, slog.LevelDebug), "unbound: no layer takes DEBUG")
			assert.True(t, h.Enabled(ctx, slog.LevelInfo), "unbound: A takes INFO")
			assert.False(t, bound("A").Enabled(ctx, slog.LevelDebug), "A's destination wants INFO")
			assert.True(t, bound("A").Enabled(ctx, slog.LevelInfo))
			assert.False(t, bound("B").Enabled(ctx, slog.LevelInfo))
			assert.True(t, bound("B").Enabled(ctx, slog.LevelWarn))
			assert.False(t, bound("Z").Enabled(ctx, slog.LevelWarn), "unknown layer: the default's level")

			// Lowering a level must be seen at once, whoever sets it.
			if static {
				require.NoError(t, h.SetLevel("B", slog.LevelDebug))
			} else {
				userVar.Set(slog.LevelDebug)
				defer userVar.Set(slog.LevelWarn)
			}
			assert.True(t, bound("B").Enabled(ctx, slog.LevelDebug))
			assert.True(t, h.Enabled(ctx, slog.LevelDebug))
		})
	}
}

// Handlers that choose the layer per record answer Enabled from the
// core's floor through one pointer; bound ones, and the zero Handler,
// ask their layer.
func TestEnabledReadsTheFloorOnlyUnbound(t *testing.T) {
	h := newTest(t, oneLayer(Destination{Type: "null"}))
	assert.Same(t, &h.c.floor, h.floor)
	assert.Same(t, &h.c.floor, h.WithGroup("g").(*Handler).floor)
	assert.Same(t, &h.c.floor, h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).(*Handler).floor)
	bound := h.WithAttrs([]slog.Attr{slog.String("layer", DefaultLayerName)}).(*Handler)
	assert.Nil(t, bound.floor)
	assert.Nil(t, bound.WithGroup("g").(*Handler).floor)
	assert.Nil(t, h.WithAttrs([]slog.Attr{slog.String("layer", "nowhere")}).(*Handler).floor)
	var zero Handler
	assert.Nil(t, zero.floor)
	assert.False(t, zero.Enabled(context.Background(), slog.LevelDebug))
	assert.True(t, zero.Enabled(context.Background(), slog.LevelInfo))
	assert.Same(t, &zeroCore().floor, zero.WithGroup("g").(*Handler).floor)
}

func TestUnknownLayersAreCountedAndReportedOnce(t *testing.T) {
	var heard errorList
	cfg, bufs := writerLayers("json", "AUDIT", DefaultLayerName)
	cfg.OnError = heard.add
	h := newTest(t, cfg)
	l := slog.New(h)
	for range 3 {
		l.Info("typo", "layer", "AUIDT")
	}
	l.Info("other", "layer", "XX")
	bound := l.With("layer", "NOPE")
	bound.Info("bound")
	bound.Info("bound")
	l.InfoContext(ContextWithLayer(context.Background(), "CTX?"), "from the context")
	l.Info("known", "layer", "AUDIT")
	flush(t, h)
	assert.Equal(t, uint64(7), h.Stats().Unknown)
	assert.Len(t, lines(bufs[DefaultLayerName].Bytes()), 7, "they went to the default layer")
	var reported []string
	for _, err := range heard.get() {
		reported = append(reported, err.Error())
	}
	assert.ElementsMatch(t, []string{
		`hydra: unknown layer "AUIDT" (under key "layer"): its records go to layer "DEFAULT"`,
		`hydra: unknown layer "XX" (under key "layer"): its records go to layer "DEFAULT"`,
		`hydra: unknown layer "NOPE" (under key "layer"): its records go to layer "DEFAULT"`,
		`hydra: unknown layer "CTX?" (under key "layer"): its records go to layer "DEFAULT"`,
	}, reported)
}

func TestUnknownLayerReportsAreBounded(t *testing.T) {
	var heard errorList
	cfg := Config{OnError: heard.add, Layers: map[string]Layer{
		"A":              {Destinations: []Destination{{Type: "null"}}},
		DefaultLayerName: {Destinations: []Destination{{Type: "null"}}},
	}}
	h := newTest(t, cfg)
	l := slog.New(h)
	for i := range 1000 {
		l.Info("hostile", "layer", fmt.Sprint("L", i))
	}
	assert.Equal(t, uint64(1000), h.Stats().Unknown)
	assert.Len(t, heard.get(), maxUnknownNames+1, "each of the first names, then one word for the rest")
	n := 0
	h.c.unknown.names.Range(func(any, any) bool { n++; return true })
	assert.LessOrEqual(t, n, maxUnknownNames, "memory stays bounded")
}

func TestContextLayerAddsTheLayerAttribute(t *testing.T) {
	cfg, bufs := writerLayers("json", "API", DefaultLayerName)
	h := newTest(t, cfg)
	ctx := ContextWithLayer(context.Background(), "API")
	l := slog.New(h)
	l.InfoContext(ctx, "five", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5) // the layer is the sixth
	l.WithGroup("g").InfoContext(ctx, "grouped", "a", 1)
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "mine", 0)
	r.AddAttrs(slog.Int("a", 1))
	require.NoError(t, h.Handle(ctx, r))
	l.InfoContext(ctx, "bare") // no attributes but the one the context adds
	flush(t, h)
	recs := jsonRecords(t, bufs["API"].Bytes())
	require.Len(t, recs, 4)
	assert.Equal(t, "API", recs[0]["layer"])
	assert.Equal(t, float64(5), recs[0]["e"])
	assert.Equal(t, map[string]any{"a": float64(1), "layer": "API"}, recs[1]["g"])
	assert.Equal(t, "API", recs[2]["layer"])
	assert.Equal(t, 1, r.NumAttrs(), "the caller's record is not changed")
	assert.Equal(t, "API", recs[3]["layer"])
}

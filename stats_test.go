package hydra

// Stats (stats.go): the names of the destinations and their layers.

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatsNamesAndLayers(t *testing.T) {
	dir := t.TempDir()
	h := newTest(t, Config{Layers: map[string]Layer{
		"A":              {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "x.log")}, {Type: "console"}}},
		"B":              {Destinations: []Destination{{Type: "stdout"}, {Type: "handler", Handler: slog.DiscardHandler}}},
		DefaultLayerName: {Destinations: []Destination{{Type: "stderr", Sync: true}, {Type: "null"}}},
	}})
	got := map[string][]string{}
	for _, d := range h.Stats().Destinations {
		got[d.Name] = d.Layers
	}
	assert.Equal(t, map[string][]string{
		"file:" + filepath.Join(dir, "x.log"): {"A"},
		"stdout":                              {"A", "B"},
		"handler":                             {"B"},
		"stderr":                              {DefaultLayerName},
		"null":                                {DefaultLayerName},
	}, got)
}

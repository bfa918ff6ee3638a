package hydra

// One destination's rules (destination.go): Type and Format in any case,
// and a file known by what it is, whatever path names it.

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormatIsCaseInsensitive(t *testing.T) {
	out := &syncBuffer{}
	h := newTest(t, oneLayer(Destination{Type: "WRITER", Writer: out, Format: "JSON"}))
	slog.New(h).Info("x")
	flush(t, h)
	assert.Equal(t, "x", jsonRecords(t, out.Bytes())[0]["msg"])
}

func TestOneFileUnderTwoPathsIsOneFile(t *testing.T) {
	dir := t.TempDir()
	realPath := filepath.Join(dir, "app.log")
	require.NoError(t, os.WriteFile(realPath, nil, 0o600))
	link := filepath.Join(dir, "link.log")
	require.NoError(t, os.Symlink(realPath, link))
	linkedDir := filepath.Join(dir, "linked")
	require.NoError(t, os.Symlink(dir, linkedDir))
	hard := filepath.Join(dir, "hard.log")
	require.NoError(t, os.Link(realPath, hard))

	twoLayers := func(a, b Destination) Config {
		return Config{DefaultLayer: "A", Layers: map[string]Layer{
			"A": {Destinations: []Destination{a}},
			"B": {Destinations: []Destination{b}},
		}}
	}
	t.Run("symlink, formats differ", func(t *testing.T) {
		_, err := New(twoLayers(Destination{Type: "file", Path: realPath}, Destination{Type: "file", Path: link, Format: "json"}))
		require.ErrorContains(t, err, "Format differs")
	})
	t.Run("symlinked directory, new file", func(t *testing.T) {
		_, err := New(twoLayers(Destination{Type: "file", Path: filepath.Join(dir, "new.log")},
			Destination{Type: "file", Path: filepath.Join(linkedDir, "new.log"), Format: "json"}))
		require.ErrorContains(t, err, "Format differs")
	})
	t.Run("symlink, same settings: one sink", func(t *testing.T) {
		h := newTest(t, twoLayers(Destination{Type: "file", Path: realPath}, Destination{Type: "file", Path: link}))
		require.Len(t, h.Stats().Destinations, 1)
		assert.Equal(t, []string{"A", "B"}, h.Stats().Destinations[0].Layers)
	})
	t.Run("hard link", func(t *testing.T) {
		_, err := New(twoLayers(Destination{Type: "file", Path: realPath}, Destination{Type: "file", Path: hard}))
		require.ErrorContains(t, err, "is the same file as")
	})
}

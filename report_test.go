package hydra

// Errors off the caller's goroutine (report.go): counted, told to OnError,
// returned once by Flush; a panicking OnError.

import (
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteErrorsAreCountedAndReported(t *testing.T) {
	w := &failWriter{failing: true}
	var mu sync.Mutex
	var reported []error
	cfg := oneLayer(Destination{Type: "writer", Writer: w, Format: "json"})
	cfg.OnError = func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	}
	h := newTest(t, cfg)
	l := slog.New(h)
	logN(l, "lost", 10)
	err := h.Flush(context.Background())
	require.ErrorIs(t, err, errDisk)
	// The consumer may take the ten records in more than one batch: each
	// failed batch is one error, naming the destination and its layer.
	failed := 0
	for _, m := range notWritten.FindAllStringSubmatch(err.Error(), -1) {
		failed += must(strconv.Atoi(m[1]))
	}
	assert.Equal(t, 10, failed, "%v", err)
	assert.Contains(t, err.Error(), "hydra: writer (layer L): ")
	assert.NoError(t, h.Flush(context.Background()), "an error is returned once")

	w.set(false)
	logN(l, "kept", 5)
	flush(t, h)

	d := destStats(t, h, "writer")
	assert.Equal(t, uint64(10), d.Failed)
	assert.Equal(t, uint64(5), d.Written)
	requireSettled(t, h.Stats())
	assert.Equal(t, []string{"kept", "kept", "kept", "kept", "kept"}, messages(t, w.out.Bytes()), "the writer recovered")
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, reported)
	assert.ErrorIs(t, reported[0], errDisk)
}

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

// notWritten finds the counts in "hydra: writer (layer L): 3 records not
// written" errors.
var notWritten = regexp.MustCompile(`\(layer L\): (\d+) records? not written`)

package hydra

// The console format (format.go, and Format in destination.go): through a
// Handler to a writer, which is not a terminal, so uncolored; AddSource;
// where Format "console" applies.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock matches the time of day that starts a console line.
var clock = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d\d\d `)

// TestConsoleFormat logs through a Handler to a writer destination in the
// console format, in any case: the time of day, the level, the message,
// padded when attributes follow, the attributes bound by With and
// WithGroup and the record's, redacted, and no color, the writer not
// being a terminal.
func TestConsoleFormat(t *testing.T) {
	for _, format := range []string{"console", "Console", "CONSOLE"} {
		t.Run(format, func(t *testing.T) {
			out := &syncBuffer{}
			h := newTest(t, Config{DefaultLayer: "L", Redact: []string{"token"}, Layers: map[string]Layer{
				"L": {Destinations: []Destination{{Type: "writer", Writer: out, Format: format}}},
			}})
			l := slog.New(h)
			l.Info("request handled", "method", "GET", "status", 200)
			l.With("svc", "api").WithGroup("req").Warn("slow", "took", "2s", "token", "secret")
			l.Error("failed", "err", errors.New("boom\nbang"))
			l.Info("nothing else")
			flush(t, h)
			got := out.String()
			assert.NotContains(t, got, "\x1b", "not a terminal: no color")
			want := "INF request handled                          method=GET status=200\n" +
				"WRN slow                                     svc=api req.took=2s req.token=[REDACTED]\n" +
				"ERR failed                                   err=\"boom\\nbang\"\n" +
				"INF nothing else\n"
			assert.Equal(t, want, clock.ReplaceAllString(got, ""))
			assert.Len(t, clock.FindAllString(got, -1), 4, "every line starts with the time of day: %q", got)
		})
	}
}

// TestConsoleSource writes AddSource as the directory and file, and the
// line, before the message.
func TestConsoleSource(t *testing.T) {
	out := &syncBuffer{}
	h := newTest(t, Config{DefaultLayer: "L", AddSource: true, Layers: map[string]Layer{
		"L": {Destinations: []Destination{{Type: "writer", Writer: out, Format: "console", Sync: true}}},
	}})
	_, file, line, _ := runtime.Caller(0)
	slog.New(h).Info("here", "k", "v")
	src := fmt.Sprintf("%s/%s:%d", filepath.Base(filepath.Dir(file)), filepath.Base(file), line+1)
	assert.Equal(t, "INF "+src+" here"+strings.Repeat(" ", 40-len(src)-len(" here"))+" k=v\n", clock.ReplaceAllString(out.String(), ""))
}

// TestConsoleFormatChecks: console is a Format of stream destinations
// only, and destinations that share a file agree on it.
func TestConsoleFormatChecks(t *testing.T) {
	_, err := New(oneLayer(Destination{Type: "handler", Handler: slog.DiscardHandler, Format: "console"}))
	require.ErrorContains(t, err, "Format does not apply to handler destinations")
	_, err = New(oneLayer(Destination{Type: "stdout", Format: "consol"}))
	require.ErrorContains(t, err, `unknown Format "consol" (want text, json or console)`)
	path := filepath.Join(t.TempDir(), "app.log")
	_, err = New(oneLayer(Destination{Type: "file", Path: path, Format: "console"}, Destination{Type: "file", Path: path}))
	require.ErrorContains(t, err, "Format differs")
}

// TestConsoleColorNeedsATerminal: a Writer that is not an *os.File, or
// an *os.File that is not a terminal, gets no color; nor does any other
// format.
func TestConsoleColorNeedsATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.log"))
	require.NoError(t, err)
	defer f.Close()
	var typedNil *os.File
	for name, w := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "regular file": f, "nil *os.File": typedNil} {
		assert.False(t, consoleColor(&spec{typ: typeWriter, format: formatConsole}, w), name)
	}
}

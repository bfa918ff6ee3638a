package hydra

// Fuzzing of New with generated Configs, and of Policy's text form.

import (
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gen turns fuzz input into configurations, so that the fuzzer's mutations
// change them in meaningful ways. It reads zeros once the input runs out.
// (FuzzEncoder, with the records and chains, is in internal/slogenc.)
type gen struct {
	data []byte
}

func (g *gen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *gen) intn(n int) int { return int(g.byte()) % n }

// FuzzConfig builds random configurations: New must return a Handler or
// an error, never panic, and a Handler it returns must log and close.
func FuzzConfig(f *testing.F) {
	for _, seed := range []string{"", "\x01\x02\x03", "\x02\x00\x01\x05\x03\x02\x07", "\xff\xfe\xfd\xfc\xfb\xfa"} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{data: data}
		types := []string{"file", "stdout", "console", "stderr", "writer", "handler", "null", "", "FILE", "kafka"}
		formats := []string{"", "text", "json", "xml"}
		levels := []slog.Leveler{nil, slog.LevelDebug, slog.LevelError, slog.Level(int8(g.byte())), new(slog.LevelVar)}
		cfg := Config{Layers: map[string]Layer{}, DefaultLayer: []string{"", "A", "DEFAULT"}[g.intn(3)],
			LayerKey: []string{"", "layer", "x"}[g.intn(3)], AddSource: g.intn(2) == 1}
		cfg.Async = g.async()
		for range g.intn(4) {
			var l Layer
			l.Level = levels[g.intn(len(levels))]
			for range g.intn(4) {
				d := Destination{Type: types[g.intn(len(types))], Format: formats[g.intn(len(formats))], Sync: g.intn(4) == 0}
				switch g.intn(6) {
				case 0:
					d.Path = filepath.Join(dir, []string{"a.log", "b.log", "sub/c.log"}[g.intn(3)])
				case 1:
					d.Path = []string{"", "/proc/nope/x.log", dir}[g.intn(3)]
				case 2:
					d.Writer = io.Discard
				case 3:
					d.Handler = slog.DiscardHandler
				}
				if g.intn(3) == 0 {
					d.Level = levels[g.intn(len(levels))]
				}
				if g.intn(3) == 0 {
					a := g.async()
					d.Async = &a
				}
				d.Rotation = Rotation{MaxSizeMB: int(int8(g.byte())) % 3, MaxBackups: int(int8(g.byte())) % 3}
				l.Destinations = append(l.Destinations, d)
			}
			cfg.Layers[[]string{"A", "B", "DEFAULT", ""}[g.intn(4)]] = l
		}
		h, err := New(cfg)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "hydra: ") {
				t.Fatalf("an error that does not say where it comes from: %v", err)
			}
			return
		}
		l := slog.New(h)
		l.Info("m", "layer", "A")
		l.Error("m", "layer", "B")
		if err := h.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Logf("close: %v", err) // a write error is fine; a panic is not
		}
	})
}

func (g *gen) async() AsyncOptions {
	return AsyncOptions{
		QueueSize:    []int{0, 1, 3, 64, -1, MaxQueueSize + 1}[g.intn(6)],
		Overflow:     Policy(int8(g.byte()) % 4),
		BlockTimeout: time.Duration(int8(g.byte())) * time.Millisecond,
		NeverDrop:    []slog.Leveler{nil, slog.LevelError}[g.intn(2)],
	}
}

// FuzzPolicyText checks that UnmarshalText never panics, and that what it
// accepts marshals back to the canonical name of the same policy.
func FuzzPolicyText(f *testing.F) {
	for _, seed := range []string{"block", "drop-newest", "drop-oldest", "DROP_OLDEST", "", "drop", "\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var p Policy
		if err := p.UnmarshalText([]byte(text)); err != nil {
			return
		}
		out, err := p.MarshalText()
		if err != nil {
			t.Fatalf("%q unmarshals to %v, which does not marshal: %v", text, p, err)
		}
		if !strings.EqualFold(strings.ReplaceAll(text, "_", "-"), string(out)) {
			t.Fatalf("%q unmarshals to %q", text, out)
		}
	})
}

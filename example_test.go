package hydra_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hydralog/hydra"
)

// withoutTime drops the time so that the output below is the same on every
// run.
func withoutTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// A Handler routes each record to the destinations of its layer. Close it
// before the program exits: it writes what is still queued.
func Example() {
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "APP",
		ReplaceAttr:  withoutTime,
		Layers: map[string]hydra.Layer{
			"APP": {Destinations: []hydra.Destination{{Type: "stdout"}}},
			"DB":  {Level: slog.LevelWarn, Destinations: []hydra.Destination{{Type: "stdout"}}},
		},
	})
	logger := slog.New(h)

	logger.Info("request handled", "status", 200)
	logger.Info("slow query", "layer", "DB", "ms", 120) // below DB's level
	logger.Warn("pool exhausted", "layer", "DB")

	if err := h.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// level=INFO msg="request handled" status=200
	// level=WARN msg="pool exhausted" layer=DB
}

// The layer comes from a layer attribute bound with With, then one on the
// record, then the context, then the default layer.
func Example_layers() {
	h := hydra.NewHandler(hydra.Config{
		ReplaceAttr: withoutTime,
		Layers: map[string]hydra.Layer{
			"API":                  {Destinations: []hydra.Destination{{Type: "stdout", Format: "json"}}},
			"AUDIT":                {Destinations: []hydra.Destination{{Type: "stdout", Format: "json"}}},
			hydra.DefaultLayerName: {Destinations: []hydra.Destination{{Type: "stdout", Format: "json"}}},
		},
	})
	logger := slog.New(h)
	audit := logger.With("layer", "AUDIT") // resolved once, here

	ctx := hydra.ContextWithLayer(context.Background(), "API")
	logger.InfoContext(ctx, "from the context")
	logger.InfoContext(ctx, "from the record", "layer", "AUDIT")
	audit.InfoContext(ctx, "bound", "user", "ada")
	logger.Info("no layer")

	h.Close()
	for _, d := range h.Stats().Destinations {
		fmt.Println(d.Name, d.Layers, "written:", d.Written)
	}
	// Output:
	// {"level":"INFO","msg":"from the context","layer":"API"}
	// {"level":"INFO","msg":"from the record","layer":"AUDIT"}
	// {"level":"INFO","msg":"bound","layer":"AUDIT","user":"ada"}
	// {"level":"INFO","msg":"no layer"}
	// stdout [API AUDIT DEFAULT] written: 4
}

// gate is a writer that holds every write until it is opened, like a disk
// that has stopped answering.
type gate struct {
	entered chan struct{}
	open    chan struct{}
}

func (g *gate) Write(p []byte) (int, error) {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.open
	return os.Stdout.Write(p)
}

// Under DropNewest a caller never waits: when the queue is full the record
// is dropped, counted, and announced in the destination's own output.
func Example_dropNewest() {
	disk := &gate{entered: make(chan struct{}, 1), open: make(chan struct{})}
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "BURST",
		ReplaceAttr:  withoutTime,
		Layers: map[string]hydra.Layer{"BURST": {Destinations: []hydra.Destination{{
			Type:   "writer",
			Writer: disk,
			Async:  &hydra.AsyncOptions{QueueSize: 4, Overflow: hydra.DropNewest},
		}}}},
	})
	logger := slog.New(h)

	logger.Info("burst", "i", 0)
	<-disk.entered // the destination is stuck writing record 0
	for i := 1; i <= 9; i++ {
		logger.Info("burst", "i", i) // 1-4 fit in the queue, 5-9 are dropped
	}
	close(disk.open)
	h.Close()

	st := h.Stats()
	fmt.Printf("accepted %d, written %d, dropped %d\n", st.Accepted, st.Written, st.Dropped)
	// Output:
	// level=INFO msg=burst i=0
	// level=WARN msg="hydra: dropped records" dropped=5 destination=writer
	// level=INFO msg=burst i=1
	// level=INFO msg=burst i=2
	// level=INFO msg=burst i=3
	// level=INFO msg=burst i=4
	// accepted 10, written 5, dropped 5
}

// Files rotate by size through lumberjack, and on demand with Rotate, for
// instance on SIGHUP.
func Example_rotation() {
	dir, err := os.MkdirTemp("", "hydra-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.log")

	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "APP",
		ReplaceAttr:  withoutTime,
		Layers: map[string]hydra.Layer{"APP": {Destinations: []hydra.Destination{{
			Type:     "file",
			Path:     path,
			Rotation: hydra.Rotation{MaxSizeMB: 100, MaxBackups: 3},
		}}}},
	})
	logger := slog.New(h)
	logger.Info("before rotation")
	h.Flush(context.Background())
	if err := h.Rotate(); err != nil {
		fmt.Println(err)
	}
	logger.Info("after rotation")
	h.Close()

	entries, _ := os.ReadDir(dir)
	fmt.Println(len(entries), "files")
	current, _ := os.ReadFile(path)
	fmt.Print(string(current))
	for _, e := range entries {
		if e.Name() != "app.log" && strings.HasPrefix(e.Name(), "app-") {
			backup, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			fmt.Print("backup: ", string(backup))
		}
	}
	// Output:
	// 2 files
	// level=INFO msg="after rotation"
	// backup: level=INFO msg="before rotation"
}

// A Policy reads from configuration text, for instance a flag or a JSON
// file.
func ExamplePolicy_UnmarshalText() {
	var p hydra.Policy
	if err := p.UnmarshalText([]byte("drop-oldest")); err != nil {
		fmt.Println(err)
	}
	fmt.Println(p, p == hydra.DropOldest)
	fmt.Println(p.UnmarshalText([]byte("drop-everything")))
	// Output:
	// drop-oldest true
	// hydra: unknown policy "drop-everything" (want block, drop-newest or drop-oldest)
}

// SetLevel changes a layer's level while the program runs.
func ExampleHandler_SetLevel() {
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "APP",
		ReplaceAttr:  withoutTime,
		Layers:       map[string]hydra.Layer{"APP": {Destinations: []hydra.Destination{{Type: "stdout"}}}},
	})
	logger := slog.New(h)
	logger.Debug("hidden")
	if err := h.SetLevel("APP", slog.LevelDebug); err != nil {
		fmt.Println(err)
	}
	logger.Debug("shown")
	err := h.SetLevel("NOPE", slog.LevelDebug)
	h.Close()
	fmt.Println(err)
	// Output:
	// level=DEBUG msg=shown
	// hydra: SetLevel: unknown layer "NOPE"
}

// A RateLimit caps a layer's records per second on the caller's goroutine;
// what it throttles is counted and announced in the stream. (Sync keeps
// this example's output in a fixed order.)
func ExampleRateLimit() {
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "API",
		ReplaceAttr:  withoutTime,
		Layers: map[string]hydra.Layer{"API": {
			RateLimit:    &hydra.RateLimit{PerSecond: 1, Burst: 3},
			Destinations: []hydra.Destination{{Type: "stdout", Sync: true}},
		}},
	})
	logger := slog.New(h)
	for i := range 10 { // a burst: the first 3 pass
		logger.Info("request", "i", i)
	}
	h.Close()
	ls := h.Stats().Layers[0]
	fmt.Printf("%s: routed %d, throttled %d\n", ls.Name, ls.Routed, ls.Throttled)
	// Output:
	// level=INFO msg=request i=0
	// level=INFO msg=request i=1
	// level=INFO msg=request i=2
	// level=WARN msg="hydra: skipped records" layer=API throttled=7 sampled=0
	// API: routed 10, throttled 7
}

// Sampling keeps the first records of a kind (level and message) in each
// tick, then every Thereafter-th. The gap is announced before the next
// record, then, less than a second later, at Close.
func ExampleSampling() {
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "EVENTS",
		ReplaceAttr:  withoutTime,
		Layers: map[string]hydra.Layer{"EVENTS": {
			Sampling:     &hydra.Sampling{Tick: time.Minute, First: 2, Thereafter: 5},
			Destinations: []hydra.Destination{{Type: "stdout", Sync: true}},
		}},
	})
	logger := slog.New(h)
	for i := 1; i <= 12; i++ {
		logger.Info("cache miss", "n", i)
	}
	h.Close()
	// Output:
	// level=INFO msg="cache miss" n=1
	// level=INFO msg="cache miss" n=2
	// level=WARN msg="hydra: skipped records" layer=EVENTS throttled=0 sampled=4
	// level=INFO msg="cache miss" n=7
	// level=INFO msg="cache miss" n=12
	// level=WARN msg="hydra: skipped records" layer=EVENTS throttled=0 sampled=4
}

// flaky is a network sink that fails its first writes.
type flaky struct{ failures int }

func (f *flaky) Write(p []byte) (int, error) {
	if f.failures > 0 {
		f.failures--
		return 0, errors.New("connection refused")
	}
	return len(p), nil
}

// A Breaker gives a failing destination a rest and sends its records to a
// Fallback meanwhile, here stdout standing in for a local file.
func ExampleBreaker() {
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "AUDIT",
		ReplaceAttr:  withoutTime,
		Layers: map[string]hydra.Layer{"AUDIT": {Destinations: []hydra.Destination{{
			Type:     "writer",
			Writer:   &flaky{failures: 100},
			Sync:     true,
			Breaker:  &hydra.Breaker{Failures: 2, Cooldown: time.Minute},
			Fallback: &hydra.Destination{Type: "stdout"},
		}}}},
	})
	logger := slog.New(h)
	for i := range 5 {
		// The first two fail at the primary and go to the fallback; then
		// the breaker is open, and the rest go straight there.
		logger.Info("user deleted", "i", i)
	}
	h.Close()
	d := h.Stats().Destinations[0]
	fmt.Printf("breaker %s, opened %d; written %d (by the fallback %d), failed %d\n",
		d.Breaker, d.BreakerOpened, d.Written, d.FallbackWritten, d.Failed)
	// Output:
	// level=INFO msg="user deleted" i=0
	// level=INFO msg="user deleted" i=1
	// level=INFO msg="user deleted" i=2
	// level=INFO msg="user deleted" i=3
	// level=INFO msg="user deleted" i=4
	// breaker open, opened 1; written 5 (by the fallback 5), failed 0
}

// Redact hides values by key, wherever they are; RedactPatterns hide what
// they match in strings.
func Example_redact() {
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer:   "APP",
		ReplaceAttr:    withoutTime,
		Redact:         []string{"password", "token"},
		RedactPatterns: []*regexp.Regexp{regexp.MustCompile(`Bearer \S+`)},
		Layers:         map[string]hydra.Layer{"APP": {Destinations: []hydra.Destination{{Type: "stdout", Format: "json"}}}},
	})
	logger := slog.New(h).With("token", "abc123")
	logger.Info("login with Bearer xyz.789", slog.Group("user", "name", "ada", "Password", "hunter2"))
	h.Close()
	// Output:
	// {"level":"INFO","msg":"login with [REDACTED]","token":"[REDACTED]","user":{"name":"ada","Password":"[REDACTED]"}}
}

// A Monitor logs the stats into a layer at an interval, the seed's MONITOR
// layer; PublishExpvar serves them on /debug/vars. Here the stats are DEBUG
// records, which the MONITOR layer (at INFO) lets through only once it is
// set to DEBUG, so that the first one written, printed below, counts the
// "work" record, whenever the ticks come.
func ExampleMonitor() {
	stats := &firstLine{line: make(chan string, 1)}
	h := hydra.NewHandler(hydra.Config{
		DefaultLayer: "APP",
		Monitor:      &hydra.Monitor{Layer: "MONITOR", Interval: 100 * time.Millisecond, Level: slog.LevelDebug},
		Layers: map[string]hydra.Layer{
			"APP":     {Destinations: []hydra.Destination{{Type: "null"}}},
			"MONITOR": {Destinations: []hydra.Destination{{Type: "writer", Writer: stats, Format: "json"}}},
		},
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 || (a.Key != slog.MessageKey && a.Key != "accepted" && a.Key != "dropped") {
				return slog.Attr{} // keep this example's output short and steady
			}
			return a
		},
	})
	slog.New(h).Info("work")
	h.SetLevel("MONITOR", slog.LevelDebug)
	fmt.Print(<-stats.line) // the first tick since SetLevel
	h.Close()
	// Output:
	// {"msg":"hydra: stats","accepted":1,"dropped":0}
}

// firstLine is a writer that passes the first line written to it on line,
// and discards everything else: what ExampleMonitor prints does not depend
// on how many ticks come before Close.
type firstLine struct {
	once sync.Once
	line chan string
}

func (w *firstLine) Write(p []byte) (int, error) {
	w.once.Do(func() {
		first, _, _ := strings.Cut(string(p), "\n")
		w.line <- first + "\n"
	})
	return len(p), nil
}

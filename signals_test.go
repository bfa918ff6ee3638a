package hydra

// A service that ends on SIGTERM, or on a panic through a deferred Close,
// loses no accepted record. Each scenario runs in a child process: the
// test binary run again, with childEnv naming the scenario.

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// childEnv names the scenario a re-executed test binary runs instead of
// the tests; childPath the log file it writes.
const (
	childEnv  = "HYDRA_TEST_CHILD"
	childPath = "HYDRA_TEST_CHILD_LOG"
	childAddr = "HYDRA_TEST_CHILD_ADDR" // a network destination's address
)

// runChild runs a scenario of signals_test.go in this process and returns
// the exit code.
func runChild(scenario string) int {
	switch scenario {
	case "sigterm":
		return childSIGTERM(os.Getenv(childPath))
	case "panic":
		childPanic(os.Getenv(childPath))
	case "buffer":
		return childBuffer(os.Getenv(childPath), os.Getenv(childAddr))
	}
	return 3
}

// childSIGTERM is a service that follows the README's shutdown pattern:
// it logs from four goroutines until SIGTERM, then shuts the handler down
// with a deadline. It prints READY once logging, and at the end how many
// records each goroutine had accepted (Handle returned nil).
func childSIGTERM(path string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	h := NewHandler(Config{DefaultLayer: "APP", Layers: map[string]Layer{"APP": {Destinations: []Destination{
		{Type: "file", Path: path, Format: "json"},
	}}}})
	accepted := make([]int, 4)
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(shutdownCtx); err != nil {
			fmt.Fprintln(os.Stderr, "logs:", err)
		}
		for g, n := range accepted {
			fmt.Printf("%d:%d\n", g, n)
		}
	}()
	var wg sync.WaitGroup
	for g := range accepted {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				r := slog.NewRecord(time.Now(), slog.LevelInfo, "work", 0)
				r.AddAttrs(slog.Int("g", g), slog.Int("i", i))
				if h.Handle(context.Background(), r) != nil {
					return
				}
				accepted[g] = i + 1
			}
		})
	}
	fmt.Println("READY")
	<-ctx.Done()
	wg.Wait()
	return 0
}

// childPanic logs 5000 records and panics; the deferred Close runs while
// the panic unwinds main.
func childPanic(path string) {
	h := NewHandler(Config{DefaultLayer: "APP", Layers: map[string]Layer{"APP": {Destinations: []Destination{
		{Type: "file", Path: path, Format: "json"},
	}}}})
	defer h.Close()
	l := slog.New(h)
	for i := range 5000 {
		l.Info("work", "g", 0, "i", i)
	}
	panic("the service crashed")
}

// child starts this test binary as a child running scenario.
func child(t *testing.T, scenario, path string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+scenario, childPath+"="+path)
	cmd.Stderr = os.Stderr
	return cmd
}

// onDisk returns how many records of each goroutine the file holds,
// checking that they are 0..n-1 in order, none missing or repeated.
func onDisk(t *testing.T, path string) map[int]int {
	t.Helper()
	next := map[int]int{}
	for _, r := range jsonRecords(t, must(os.ReadFile(path))) {
		g, i := int(r["g"].(float64)), int(r["i"].(float64))
		require.Equal(t, next[g], i, "goroutine %d: record %d follows %d", g, i, next[g]-1)
		next[g] = i + 1
	}
	return next
}

func TestSIGTERMLosesNoAcceptedRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	cmd := child(t, "sigterm", path)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	out := bufio.NewScanner(stdout)
	require.True(t, out.Scan())
	require.Equal(t, "READY", out.Text())
	time.Sleep(100 * time.Millisecond) // mid-burst
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	accepted := map[int]int{}
	for out.Scan() {
		g, n, ok := strings.Cut(out.Text(), ":")
		require.True(t, ok, out.Text())
		accepted[must(strconv.Atoi(g))] = must(strconv.Atoi(n))
	}
	require.NoError(t, cmd.Wait())
	require.Len(t, accepted, 4)
	total := 0
	for _, n := range accepted {
		total += n
	}
	require.Positive(t, total, "the child logged before the signal")
	assert.Equal(t, accepted, onDisk(t, path), "every accepted record is on disk, in order")
	t.Logf("%d records accepted and written before SIGTERM ended the child", total)
}

func TestPanicUnwindingThroughCloseLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	cmd := child(t, "panic", path)
	cmd.Stderr = nil // the panic's trace is expected
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode(), "the panic ends the child")
	assert.Equal(t, map[int]int{0: 5000}, onDisk(t, path), "the deferred Close wrote every record")
}

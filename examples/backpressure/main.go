// Command backpressure replays the Hydra-Logger backpressure guide with
// hydra, and measures it.
//
// Run as is, it replays the guide's burst: 5 goroutines log 100 records
// each, with no pause, into logs/backpressure/burst.log, then the program
// prints what happened to every record. Flags put the burst under
// pressure:
//
//	go run ./examples/backpressure -goroutines 16 -records 10000 \
//	    -queue 64 -policy drop-newest -delay 1ms
//
// -delay makes every write to the file take that long, like a slow disk or
// a network sink; with a drop policy the table then shows the drops, and
// the file holds "hydra: dropped records" notices where they happened.
//
// -scenario runs the guide's other scenarios (the rapid, controlled and
// memory tests, high-frequency events, debug logging in a loop, a slow
// network sink, batch logging, drop detection, queue monitoring), each
// with the hydra feature made for it, and prints one row per scenario:
// what was logged and what became of it, the caller's time per record,
// the time until everything is on disk, and the change in memory.
// -scenario all runs them all; -scenario strategies runs one load under
// each of the guide's handling strategies, side by side, and -chart draws
// that table as an SVG bar chart.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hydralog/hydra"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// cli runs the demo with args and returns the exit status: 0 when it ran
// (or printed its usage for -h), 2 for a mistake in the command line, 1
// when the run itself failed.
func cli(args []string, stdout, stderr io.Writer) int {
	err := run(args, stdout)
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "backpressure: %v\nRun with -h for the scenarios and flags.\n", err)
		return 2
	default:
		fmt.Fprintln(stderr, "backpressure:", err)
		return 1
	}
}

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// options are the demo's flags.
type options struct {
	scenario string
	scale    float64
	dir      string
	chart    string
	markdown bool

	// The burst's own flags.
	goroutines, records, queue int
	policy                     hydra.Policy
	delay                      time.Duration
	path                       string
}

// burstFlags shape the burst scenario only.
var burstFlags = []string{"goroutines", "records", "queue", "policy", "delay", "file"}

// maxScale bounds -scale, so that no run takes minutes.
const maxScale = 10

// parse reads the flags. For -h it prints the usage to out and returns
// flag.ErrHelp; every other mistake is a usageError.
func parse(args []string, out io.Writer) (options, error) {
	o := options{policy: hydra.Block}
	fs := flag.NewFlagSet("backpressure", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by cli, the usage below
	fs.StringVar(&o.scenario, "scenario", "burst", "the scenario to run: one of those listed above")
	fs.Float64Var(&o.scale, "scale", 1, "multiplies the number of records of every scenario, e.g. 0.1 (below 1, the controlled test's pauses shrink too)")
	fs.StringVar(&o.dir, "dir", filepath.Join("logs", "backpressure"), "the directory the scenarios write to; their files are replaced on every run")
	fs.StringVar(&o.chart, "chart", "", "with -scenario strategies: also draw the table as an SVG bar chart into this file")
	fs.BoolVar(&o.markdown, "markdown", false, "print the table as markdown (every scenario but the burst, which prints its own)")
	fs.IntVar(&o.goroutines, "goroutines", 5, "burst: goroutines logging at once")
	fs.IntVar(&o.records, "records", 100, "burst: records each goroutine logs, with no pause")
	fs.IntVar(&o.queue, "queue", hydra.DefaultQueueSize, "burst: queue size of the file destination, in records")
	fs.TextVar(&o.policy, "policy", hydra.Block, "burst: what a full queue does: block, drop-newest or drop-oldest")
	fs.DurationVar(&o.delay, "delay", 0, "burst: simulated slowness of the destination, per write (e.g. 1ms)")
	fs.StringVar(&o.path, "file", "", "burst: the log file, replaced on every run (default DIR/burst.log)")
	fs.Usage = func() {} // the flag package calls it on every error; -h prints it below

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(out, fs)
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usagef("unexpected argument %q: name a scenario with -scenario", fs.Arg(0))
	}
	if !slices.Contains(scenarioNames(), o.scenario) {
		return o, usagef("unknown scenario %q; the scenarios are %s", o.scenario, strings.Join(scenarioNames(), ", "))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.scenario != "burst" {
		for _, name := range burstFlags {
			if set[name] {
				return o, usagef("-%s shapes the burst scenario only, not %q (-scale sizes the others)", name, o.scenario)
			}
		}
	}
	if o.markdown && o.scenario == "burst" {
		return o, usagef("-markdown prints the tables of the other scenarios; the burst prints its own")
	}
	if o.chart != "" && o.scenario != "strategies" {
		return o, usagef("-chart draws the strategies table: use it with -scenario strategies")
	}
	switch {
	case !(o.scale > 0 && o.scale <= maxScale):
		return o, usagef("-scale %v must be above 0 and at most %d", o.scale, maxScale)
	case o.goroutines < 1:
		return o, usagef("-goroutines %d must be at least 1", o.goroutines)
	case o.records < 0:
		return o, usagef("-records %d must be at least 0", o.records)
	case o.queue < 1 || o.queue > hydra.MaxQueueSize:
		return o, usagef("-queue %d must be between 1 and %d", o.queue, hydra.MaxQueueSize)
	case o.delay < 0:
		return o, usagef("-delay %v must not be negative", o.delay)
	}
	if o.path == "" {
		o.path = filepath.Join(o.dir, "burst.log")
	}
	return o, nil
}

// usage prints how to run the demo, the scenarios and the flags.
func usage(out io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(out, "Usage: go run ./examples/backpressure [flags]")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Replays the Hydra-Logger backpressure guide with hydra. With no flags it runs")
	fmt.Fprintln(out, "the guide's burst: 5 goroutines x 100 records into logs/backpressure/burst.log.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Scenarios (-scenario NAME):")
	for _, s := range scenarios {
		fmt.Fprintf(out, "  %-11s %s\n", s.name, s.about)
	}
	fmt.Fprintf(out, "  %-11s %s\n", "all", "every scenario above, one row each")
	fmt.Fprintf(out, "  %-11s %s\n", "strategies", "one load against a slow sink under each handling strategy, side by side")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "For instance:")
	fmt.Fprintln(out, "  go run ./examples/backpressure -scenario all")
	fmt.Fprintln(out, "  go run ./examples/backpressure -scenario strategies -chart strategies.svg")
	fmt.Fprintln(out, "  go run ./examples/backpressure -goroutines 16 -records 10000 -queue 64 -policy drop-newest -delay 1ms")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Flags:")
	fs.SetOutput(out)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// run parses args and runs the scenario they name, printing to out.
func run(args []string, out io.Writer) error {
	o, err := parse(args, out)
	if err != nil {
		return err
	}
	switch o.scenario {
	case "burst":
		return runBurst(o, out)
	case "all":
		return runAll(o, out)
	case "strategies":
		return runStrategies(o, out)
	default:
		return runScenario(o, out)
	}
}

// Command hydra checks hydra configuration files.
//
// Usage:
//
//	hydra check FILE
//
// check reads FILE (.yaml, .yml or .json) with [hydra.LoadConfig], checks
// it as [hydra.New] would, without opening or creating any file, and
// prints the routing table: each layer with its level, and each
// destination with its name, the layers that feed it, its queue's capacity
// and overflow policy, or "sync" for one written on the caller's
// goroutine. A writer or handler destination takes its Writer or Handler
// in code, after loading: check stands in for it.
//
// The exit status is 0 for a good file, 1 for a bad one (every problem is
// printed, each on a line of its own, with its key's path and line where
// the file's shape or a value is wrong), and 2 for a usage error.
//
//	go run github.com/hydralog/hydra/cmd/hydra check hydra.yaml
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/hydralog/hydra"
)

const usage = `usage: hydra check FILE

check reads a hydra configuration file (.yaml, .yml or .json), checks it as
hydra.New would, without opening any file, and prints its layers and
destinations. Exit status: 0 good, 1 bad file, 2 usage error.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command with args, and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("hydra", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	if err := flags.Parse(args); err != nil {
		return usageError(err, stdout, stderr)
	}
	args = flags.Args()
	switch {
	case len(args) == 0:
		return usageError(errors.New("no command"), stdout, stderr)
	case args[0] == "help":
		fmt.Fprint(stdout, usage)
		return 0
	case args[0] != "check":
		return usageError(fmt.Errorf("unknown command %q", args[0]), stdout, stderr)
	}
	check := flag.NewFlagSet("check", flag.ContinueOnError)
	check.SetOutput(io.Discard)
	if err := check.Parse(args[1:]); err != nil {
		return usageError(err, stdout, stderr)
	}
	if check.NArg() != 1 {
		return usageError(errors.New("check takes one FILE"), stdout, stderr)
	}
	return checkFile(check.Arg(0), stdout, stderr)
}

// usageError prints the usage, and returns the exit status: 0 for -h,
// which asked for it, 2 otherwise.
func usageError(err error, stdout, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "hydra: %v\n%s", err, usage)
	return 2
}

// checkFile checks one file and prints its routing table, or its problems.
func checkFile(path string, stdout, stderr io.Writer) int {
	cfg, err := hydra.LoadConfig(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	standIns := standIn(cfg)
	st, err := hydra.Check(cfg)
	if err != nil {
		// Check's problems are the Config's meaning: they name layers and
		// destinations, not lines. Say which file they are in.
		for line := range strings.Lines(err.Error()) {
			fmt.Fprint(stderr, strings.Replace(line, "hydra: ", "hydra: "+path+": ", 1))
		}
		fmt.Fprintln(stderr)
		return 1
	}
	printTable(stdout, st)
	for _, l := range st.Layers {
		if _, ok := cfg.Layers[l.Name]; !ok {
			fmt.Fprintf(stdout, "\nLayer %s is not in the file: as the default layer, it was added, writing text to stderr at INFO.", l.Name)
			for name := range cfg.Layers {
				if strings.EqualFold(name, l.Name) {
					fmt.Fprintf(stdout, " Did you mean %s?", name)
				}
			}
			fmt.Fprintln(stdout)
		}
	}
	switch {
	case standIns == 1:
		fmt.Fprintln(stdout, "\n1 destination takes its Writer or Handler in code: check stood in for it.")
	case standIns > 1:
		fmt.Fprintf(stdout, "\n%d destinations take their Writer or Handler in code: check stood in for them.\n", standIns)
	}
	return 0
}

// standIn gives every writer and handler destination without its Writer or
// Handler one that stands in for it, each of its own, and returns their
// number.
func standIn(cfg hydra.Config) int {
	n := 0
	var fill func(d *hydra.Destination)
	fill = func(d *hydra.Destination) {
		switch strings.ToLower(d.Type) {
		case "writer":
			if d.Writer == nil {
				n++
				d.Writer = &standInWriter{}
			}
		case "handler":
			if d.Handler == nil {
				n++
				d.Handler = &standInHandler{}
			}
		}
		if d.Fallback != nil {
			fill(d.Fallback)
		}
	}
	for _, l := range cfg.Layers {
		for i := range l.Destinations {
			fill(&l.Destinations[i])
		}
	}
	return n
}

// printTable prints the layers and the destinations of st.
func printTable(w io.Writer, st hydra.Stats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tLEVEL")
	for _, l := range st.Layers {
		fmt.Fprintf(tw, "%s\t%v\n", l.Name, l.Level)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(tw, "DESTINATION\tLAYERS\tQUEUE\tPOLICY")
	for _, d := range st.Destinations {
		queue, policy := fmt.Sprint(d.Capacity), d.Policy.String()
		if d.Sync {
			queue, policy = "-", "sync"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, strings.Join(d.Layers, ","), queue, policy)
	}
	tw.Flush()
}

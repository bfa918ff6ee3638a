// Command parallel runs the parallel suite (BenchmarkParallelShapes,
// BenchmarkParallelOversub and BenchmarkParallelOneCaller, in
// parallel_test.go) and turns its output into a table of medians and
// ratios, a chart, and a CPU profile of hydra:
//
//	cd benchmarks && go run ./cmd/parallel
//
// It runs the suite in interleaved rounds (-count 1 each, so that every
// handler sees the same machine from one round to the next), appending the
// raw output to results/parallel.txt; writes the medians and the ratios
// hydra-async and hydra-sync to slog.JSONHandler and phuslu/log to
// results/parallel.md; draws results/parallel.svg (ratios to
// slog.JSONHandler per shape at -cpu 2); and profiles hydra-async on the
// bare message and the nested group at -cpu 2 into
// results/parallel-profile.txt. -skip-run redoes the table and the chart
// from an earlier results/parallel.txt; -in reads any go test -bench output
// instead.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func main() {
	rounds := flag.Int("rounds", 9, "interleaved rounds of the suite (about 45s each on 2 vCPUs); the tables show medians")
	benchtime := flag.String("benchtime", "100ms", "go test -benchtime for each benchmark")
	cpus := flag.String("cpu", "1,2,4", "go test -cpu for BenchmarkParallelShapes")
	oversubCPU := flag.String("oversub-cpu", "2", "go test -cpu for BenchmarkParallelOversub (4 goroutines per CPU)")
	oneCallerCPU := flag.String("one-caller-cpu", "2", "go test -cpu for BenchmarkParallelOneCaller (one goroutine; \"\" skips it)")
	skipRun := flag.Bool("skip-run", false, "do not run the benchmarks: read results/parallel.txt from an earlier run")
	profile := flag.Bool("profile", true, "profile hydra-async at -cpu 2 into results/parallel-profile.txt")
	profileTime := flag.String("profile-time", "2s", "go test -benchtime for each profile")
	in := flag.String("in", "", "read this go test -bench output instead of running (implies -skip-run, -profile=false)")
	out := flag.String("out", "results", "directory for the raw output, the table, the chart and the profile")
	flag.Parse()
	log.SetFlags(0)
	suite := []family{{"Shapes", *cpus}, {"Oversub", *oversubCPU}, {"OneCaller", *oneCallerCPU}}
	if err := run(*rounds, *benchtime, suite, *skipRun, *profile, *profileTime, *in, *out); err != nil {
		log.Fatal("parallel: ", err)
	}
}

// family is one benchmark of the suite, BenchmarkParallel<name>, and the
// -cpu list it runs at ("" skips it).
type family struct{ name, cpus string }

func run(rounds int, benchtime string, suite []family, skipRun, profile bool, profileTime, in, out string) error {
	if _, err := os.Stat("parallel_test.go"); err != nil {
		return errors.New("run it from the benchmarks directory: cd benchmarks && go run ./cmd/parallel")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	raw := filepath.Join(out, "parallel.txt")
	if in != "" {
		raw, skipRun, profile = in, true, false
	}
	if !skipRun {
		f, err := os.Create(raw)
		if err != nil {
			return err
		}
		w := io.MultiWriter(f, os.Stdout)
		for r := range rounds {
			fmt.Fprintf(os.Stderr, "round %d of %d\n", r+1, rounds)
			for _, fam := range suite {
				if fam.cpus == "" {
					continue
				}
				if err := goTest(w, "^BenchmarkParallel"+fam.name+"$", fam.cpus, benchtime); err != nil {
					f.Close()
					return err
				}
			}
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	f, err := os.Open(raw)
	if err != nil {
		return err
	}
	res, err := parse(f)
	f.Close()
	if err != nil {
		return err
	}
	if len(res) == 0 {
		return fmt.Errorf("no BenchmarkParallel results in %s", raw)
	}
	md := res.markdown()
	if err := os.WriteFile(filepath.Join(out, "parallel.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	if err := res.chart(filepath.Join(out, "parallel.svg"), "Shapes", 2); err != nil {
		return err
	}
	if profile {
		return profileHydra(filepath.Join(out, "parallel-profile.txt"), profileTime)
	}
	return nil
}

func goTest(w io.Writer, pattern, cpus, benchtime string) error {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", pattern, "-benchmem",
		"-cpu", cpus, "-count", "1", "-benchtime", benchtime, ".")
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -bench %s: %w", pattern, err)
	}
	return nil
}

// The handlers, in the order of the tables: the floor (slog's front end
// alone), the peers, then hydra.
var handlers = []string{"floor", "slog-json", "phuslu", "hydra-async", "hydra-sync"}

// The shapes, in the order of parallel_test.go.
var shapes = []string{"bare", "attrs5", "kv10", "with10", "group10", "nested100", "source", "any", "disabled"}

// key names one benchmark: family is "Shapes" or "Oversub"; cpu is its
// GOMAXPROCS.
type key struct {
	family, shape, handler string
	cpu                    int
}

// results holds every value measured, by benchmark and unit.
type results map[key]map[string][]float64

var line = regexp.MustCompile(`^BenchmarkParallel(\w+)/([\w-]+)/([\w-]+?)(?:-(\d+))?\s+\d+\s+(.*)$`)

// parse reads go test -bench output, keeping the lines of the parallel
// suite. A name without a -N suffix ran at GOMAXPROCS 1.
func parse(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		cpu := 1
		if m[4] != "" {
			cpu, _ = strconv.Atoi(m[4])
		}
		k := key{m[1], m[2], m[3], cpu}
		f := strings.Fields(m[5])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", sc.Text(), err)
			}
			if res[k] == nil {
				res[k] = map[string][]float64{}
			}
			res[k][f[i+1]] = append(res[k][f[i+1]], v)
		}
	}
	return res, sc.Err()
}

// median returns the median of the values of k in unit, and whether there
// are any.
func (r results) median(k key, unit string) (float64, bool) {
	vs := slices.Clone(r[k][unit])
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2], true
	}
	return (vs[n/2-1] + vs[n/2]) / 2, true
}

// cpus lists the GOMAXPROCS values family ran at.
func (r results) cpus(family string) []int {
	var out []int
	for k := range r {
		if k.family == family && !slices.Contains(out, k.cpu) {
			out = append(out, k.cpu)
		}
	}
	slices.Sort(out)
	return out
}

func (r results) runs(family string) int {
	n := 0
	for k, units := range r {
		if k.family == family {
			n = max(n, len(units["ns/op"]))
		}
	}
	return n
}

// ratio is the median, over the rounds, of num's ns/op over den's in the
// same round, "" where either is missing. Each round runs a shape's
// handlers one after the other, within a second or two, while the
// machine's speed drifts over tens of seconds: a ratio within a round
// cancels most of the drift, a ratio of two medians does not. Where the
// two have not run the same number of rounds, it is the ratio of their
// medians.
func (r results) ratio(family, shape string, cpu int, num, den string) string {
	v, ok := r.ratioValue(family, shape, cpu, num, den)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%.2f", v)
}

func (r results) ratioValue(family, shape string, cpu int, num, den string) (float64, bool) {
	a := r[key{family, shape, num, cpu}]["ns/op"]
	b := r[key{family, shape, den, cpu}]["ns/op"]
	if len(a) == 0 || len(b) == 0 {
		return 0, false
	}
	if len(a) != len(b) {
		ma, _ := r.median(key{family, shape, num, cpu}, "ns/op")
		mb, _ := r.median(key{family, shape, den, cpu}, "ns/op")
		return ma / mb, mb > 0
	}
	per := results{{}: {"x": make([]float64, 0, len(a))}}
	for i := range a {
		if b[i] > 0 {
			per[key{}]["x"] = append(per[key{}]["x"], a[i]/b[i])
		}
	}
	return per.median(key{}, "x")
}

// row is one line of a markdown table.
func row(cells []string) string {
	return "| " + strings.Join(cells, " | ") + " |\n"
}

func formatNs(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

var titles = map[string]string{
	"Shapes":    "b.RunParallel, GOMAXPROCS goroutines",
	"Oversub":   "b.SetParallelism(4): 4 goroutines per CPU",
	"OneCaller": "one goroutine, GOMAXPROCS from -cpu (a core left for hydra's consumer)",
}

// markdown writes, per family, the median ns/op of each handler by shape
// and -cpu with hydra's ratios, then the medians of B/op and allocs/op.
func (r results) markdown() string {
	var sb strings.Builder
	for _, family := range []string{"Shapes", "Oversub", "OneCaller"} {
		cpus := r.cpus(family)
		if len(cpus) == 0 {
			continue
		}
		fmt.Fprintf(&sb, "### BenchmarkParallel%s: %s\n\n", family, titles[family])
		fmt.Fprintf(&sb, "Median ns/op of %d runs (per record, all goroutines together; lower is better). Ratios: the median over the rounds of hydra's ns/op over the peer's in the same round; below 1 hydra is faster.\n\n", r.runs(family))
		sb.WriteString("| shape | cpu | " + strings.Join(handlers, " | ") + " | async/slog | async/phuslu | sync/slog | sync/phuslu |\n")
		sb.WriteString("|---|---:|" + strings.Repeat("---:|", len(handlers)+4) + "\n")
		for _, shape := range shapes {
			for _, cpu := range cpus {
				if _, ok := r[key{family, shape, "slog-json", cpu}]; !ok {
					continue
				}
				cells := []string{shape, strconv.Itoa(cpu)}
				for _, h := range handlers {
					v, ok := r.median(key{family, shape, h, cpu}, "ns/op")
					cells = append(cells, "")
					if ok {
						cells[len(cells)-1] = formatNs(v)
					}
				}
				cells = append(cells,
					r.ratio(family, shape, cpu, "hydra-async", "slog-json"),
					r.ratio(family, shape, cpu, "hydra-async", "phuslu"),
					r.ratio(family, shape, cpu, "hydra-sync", "slog-json"),
					r.ratio(family, shape, cpu, "hydra-sync", "phuslu"))
				sb.WriteString(row(cells))
			}
		}
		sb.WriteString("\n")
	}
	cpus := r.cpus("Shapes")
	if len(cpus) == 0 {
		return sb.String()
	}
	cpu := cpus[len(cpus)-1]
	if slices.Contains(cpus, 2) {
		cpu = 2
	}
	fmt.Fprintf(&sb, "### Allocations (BenchmarkParallelShapes, -cpu %d)\n\nMedian B/op and allocs/op, as `B / allocs`. The floor's are slog's front end's own (the []any of a variadic call, slog.Any's boxing).\n\n", cpu)
	sb.WriteString("| shape | " + strings.Join(handlers, " | ") + " |\n")
	sb.WriteString("|---|" + strings.Repeat("---:|", len(handlers)) + "\n")
	for _, shape := range shapes {
		cells, seen := []string{shape}, false
		for _, h := range handlers {
			k := key{"Shapes", shape, h, cpu}
			b, ok1 := r.median(k, "B/op")
			a, ok2 := r.median(k, "allocs/op")
			cells = append(cells, "")
			if ok1 && ok2 {
				cells[len(cells)-1], seen = fmt.Sprintf("%.0f / %.0f", b, a), true
			}
		}
		if seen {
			sb.WriteString(row(cells))
		}
	}
	return sb.String()
}

// profileHydra profiles hydra-async at -cpu 2 on the bare message and the
// nested group, and writes the 15 hottest functions of each, by flat and
// by cumulative time.
func profileHydra(file, profileTime string) error {
	dir, err := os.MkdirTemp("", "parallel-profile")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "benchmarks.test")
	if out, err := exec.Command("go", "test", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go test -c: %v\n%s", err, out)
	}
	var sb strings.Builder
	sb.WriteString("CPU profiles of hydra-async under b.RunParallel at -cpu 2 (written by go run ./cmd/parallel).\n")
	for _, shape := range []string{"bare", "nested100"} {
		prof := filepath.Join(dir, shape+".prof")
		bench := exec.Command(bin, "-test.run", "^$", "-test.bench", "^BenchmarkParallelShapes$/^"+shape+"$/^hydra-async$",
			"-test.benchmem", "-test.cpu", "2", "-test.benchtime", profileTime, "-test.cpuprofile", prof)
		bench.Dir = "."
		out, err := bench.CombinedOutput()
		if err != nil {
			return fmt.Errorf("profiling %s: %v\n%s", shape, err, out)
		}
		fmt.Fprintf(&sb, "\n===== %s =====\n", shape)
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "Benchmark") {
				sb.WriteString(l + "\n")
			}
		}
		for _, order := range []string{"-flat", "-cum"} {
			top, err := exec.Command("go", "tool", "pprof", "-top", order, "-nodecount", "15", bin, prof).CombinedOutput()
			if err != nil {
				return fmt.Errorf("pprof %s: %v\n%s", shape, err, top)
			}
			fmt.Fprintf(&sb, "\n--- %s, top 15 by %s time ---\n%s", shape, order[1:], top)
		}
	}
	return os.WriteFile(file, []byte(sb.String()), 0o644)
}

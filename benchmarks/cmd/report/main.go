// Command report runs hydra's benchmarks against its baselines and peers,
// and turns the results into tables and charts:
//
//	cd benchmarks && go run ./cmd/report
//
// It runs the benchmarks of this module (zap, zerolog, slog, hydra; the
// network ones, to rsyslogd and an HTTP collector, into network.txt) and
// hydra's own ratio benchmarks in the parent module, several counts each,
// writes the raw output to results/, benchstat's comparison to
// results/benchstat.txt, the medians and ratios to results/summary.md and
// between the markers of README.md, and draws results/caller.svg,
// results/throughput.svg and results/network.svg. -skip-run redraws from the raw files of an
// earlier run.
package main

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
)

func main() {
	count := flag.Int("count", 6, "runs of every benchmark; the tables show medians")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime for each run")
	skipRun := flag.Bool("skip-run", false, "do not run the benchmarks: use results/*.txt from an earlier run")
	out := flag.String("out", "results", "directory for the raw results, the summary and the charts")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*count, *benchtime, *skipRun, *out); err != nil {
		log.Fatal("report: ", err)
	}
}

// The raw result files, and the packages whose benchmarks fill them.
var suites = []struct{ file, dir, pattern string }{
	{"peers.txt", ".", "^Benchmark(Caller|Disabled|File|Latency|Console)"},
	{"network.txt", ".", "^Benchmark(Syslog|SyslogParallel|HTTP|NetworkDown)$"},
	{"hydra.txt", "..", "VsFloor|DropVsFloor|FormatVsSlog|Shaping|Memory"},
}

func run(count int, benchtime string, skipRun bool, out string) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run it from the benchmarks directory: cd benchmarks && go run ./cmd/report")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if !skipRun {
		for _, s := range suites {
			if err := bench(s.dir, s.pattern, count, benchtime, filepath.Join(out, s.file)); err != nil {
				return err
			}
		}
	}
	var raw []string
	for _, s := range suites {
		raw = append(raw, filepath.Join(out, s.file))
	}
	if err := benchstat(raw, filepath.Join(out, "benchstat.txt")); err != nil {
		return err
	}
	res, err := read(raw...)
	if err != nil {
		return err
	}
	summary := res.summary()
	if err := os.WriteFile(filepath.Join(out, "summary.md"), []byte(summary), 0o644); err != nil {
		return err
	}
	if err := replaceBetweenMarkers("README.md", summary); err != nil {
		return err
	}
	if err := res.callerChart(filepath.Join(out, "caller.svg")); err != nil {
		return err
	}
	if err := res.throughputChart(filepath.Join(out, "throughput.svg")); err != nil {
		return err
	}
	return res.networkChart(filepath.Join(out, "network.svg"))
}

// bench runs go test -bench in dir, teeing its output to file.
func bench(dir, pattern string, count int, benchtime, file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchmem", "-count", fmt.Sprint(count), "-benchtime", benchtime, "-timeout", "2h", "."}
	log.Printf("%s: go %s", dir, strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Stdout = io.MultiWriter(f, os.Stdout)
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

func benchstat(files []string, out string) error {
	var buf bytes.Buffer
	cmd := exec.Command("go", append([]string{"run", "golang.org/x/perf/cmd/benchstat"}, files...)...)
	cmd.Stdout = &buf
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("benchstat: %w", err)
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// results holds every value measured: name (without the -N GOMAXPROCS
// suffix) -> unit -> one value per run.
type results struct {
	values map[string]map[string][]float64
	cpu    string
	procs  int
}

func read(files ...string) (*results, error) {
	res := &results{values: map[string]map[string][]float64{}}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		r := benchfmt.NewReader(f, file)
		for r.Scan() {
			switch rec := r.Result().(type) {
			case *benchfmt.Result:
				if cpu := rec.GetConfig("cpu"); cpu != "" {
					res.cpu = cpu
				}
				name, procs := splitProcs(string(rec.Name.Full()))
				res.procs = max(res.procs, procs)
				if res.values[name] == nil {
					res.values[name] = map[string][]float64{}
				}
				for _, v := range rec.Values {
					unit, value := v.Unit, v.Value
					if v.OrigUnit != "" { // as printed: ns/op, not the tidied sec/op
						unit, value = v.OrigUnit, v.OrigValue
					}
					res.values[name][unit] = append(res.values[name][unit], value)
				}
			case *benchfmt.SyntaxError:
				return nil, rec
			}
		}
		f.Close()
		if err := r.Err(); err != nil {
			return nil, err
		}
	}
	if len(res.values) == 0 {
		return nil, errors.New("no benchmark results")
	}
	return res, nil
}

// splitProcs splits "Caller/zap-2" into "Caller/zap" and 2.
func splitProcs(name string) (string, int) {
	i := strings.LastIndexByte(name, '-')
	var procs int
	if i < 0 || i < strings.LastIndexByte(name, '/') {
		return name, 1
	}
	if _, err := fmt.Sscan(name[i+1:], &procs); err != nil {
		return name, 1
	}
	return name[:i], procs
}

// median returns the median of the values of name in unit, and whether
// there are any.
func (r *results) median(name, unit string) (float64, bool) {
	vs := slices.Clone(r.values[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// names returns the benchmarks under prefix/, in the order given by
// order (names not in it come last, sorted).
func (r *results) names(prefix string, order ...string) []string {
	var names []string
	for n := range maps.Keys(r.values) {
		if strings.HasPrefix(n, prefix+"/") {
			names = append(names, strings.TrimPrefix(n, prefix+"/"))
		}
	}
	rank := func(n string) int {
		for i, o := range order {
			if n == o || strings.HasPrefix(n, o+"/") {
				return i
			}
		}
		return len(order)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b)) })
	return names
}

func (r *results) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Medians of every run in `results/*.txt`, measured %s on %s, GOMAXPROCS=%d, %s.\n\n",
		time.Now().UTC().Format("2006-01-02"), cmp.Or(r.cpu, "an unnamed CPU"), r.procs, runtime.Version())
	ratio := func(v, base float64) string {
		if base == 0 {
			return ""
		}
		return fmt.Sprintf("%.2fx", v/base)
	}
	loggers := []string{"floor", "slog-json", "slog-text", "zap", "zerolog", "channel", "hydra-json", "hydra-text"}
	for _, suite := range []string{"Caller", "CallerParallel"} {
		if suite == "Caller" {
			b.WriteString("### What a log call costs the caller (a burst that fits the queue; ns per record, lower is better)\n\n")
		} else {
			fmt.Fprintf(&b, "\n### The same from %d goroutines at once (ns per record, all goroutines together)\n\n", r.procs)
		}
		b.WriteString("| logger | ns/op | vs floor | allocs/op |\n|---|---|---|---|\n")
		floor, _ := r.median(suite+"/floor", "ns/op")
		for _, n := range r.names(suite, loggers...) {
			ns, _ := r.median(suite+"/"+n, "ns/op")
			allocs, _ := r.median(suite+"/"+n, "allocs/op")
			fmt.Fprintf(&b, "| %s | %.0f | %s | %.0f |\n", n, ns, ratio(ns, floor), allocs)
		}
	}
	b.WriteString("\nfloor: slog with a handler that does nothing. slog-*, zap, zerolog: synchronous, to io.Discard. " +
		"channel: a channel of cloned records to one goroutine running slog.JSONHandler. hydra: to io.Discard through its queue. " +
		"The allocation of the slog-based rows is slog's: it boxes the int argument (8 bytes for values above 255).\n")

	b.WriteString("\n### hydra's ratios, measured by alternating chunks of records with the baseline in one run\n\n")
	b.WriteString("| benchmark | hydra ns | baseline ns | ratio | target |\n|---|---|---|---|---|\n")
	for _, row := range []struct{ name, base, unit, target string }{
		{"VsFloor/hydra-json", "floor-ns", "x-floor", "<= 1.15"},
		{"VsFloor/hydra-text", "floor-ns", "x-floor", "<= 1.15"},
		{"VsFloor/hydra-json/consumer-held", "floor-ns", "x-floor", ""},
		{"DropVsFloor/drop-newest", "floor-ns", "x-floor", "<= 1.15"},
		{"DropVsFloor/drop-oldest", "floor-ns", "x-floor", "<= 1.15"},
		{"DropVsFloor/drop-newest/routed", "floor-ns", "x-floor", "<= 1.15"},
		{"DropVsFloor/drop-oldest/routed", "floor-ns", "x-floor", "<= 1.15"},
		{"FormatVsSlog/json", "slog-ns", "x-slog", "<= 0.50"},
		{"FormatVsSlog/text", "slog-ns", "x-slog", "<= 0.50"},
		{"FormatVsSlog/json/With", "slog-ns", "x-slog", "<= 0.50"},
		{"FormatVsSlog/text/With", "slog-ns", "x-slog", "<= 0.50"},
	} {
		x, ok := r.median(row.name, row.unit)
		if !ok {
			continue
		}
		h, _ := r.median(row.name, "hydra-ns")
		base, _ := r.median(row.name, row.base)
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.3f | %s |\n", row.name, h, base, x, row.target)
	}
	b.WriteString("\nVsFloor: a burst that fits the queue; consumer-held: the same with the consumer held off the CPU while the caller is timed, which leaves the caller's own work. " +
		"DropVsFloor: a stalled destination with a full queue, every record dropped; with one layer, or routed: a second layer, so the record is read to find its layer first. " +
		"FormatVsSlog: the consumer's formatting against slog's handler (With: two attributes bound by WithAttrs).\n")

	b.WriteString("\n### Caller-side shaping checks, alternating with the floor\n\n| record | vs floor |\n|---|---|\n")
	for _, n := range r.names("Shaping", "accepted", "accepted/rate-limited", "accepted/sampled", "throttled", "sampled-out") {
		x, _ := r.median("Shaping/"+n, "x-floor")
		fmt.Fprintf(&b, "| %s | %.3f |\n", n, x)
	}
	b.WriteString("\naccepted: no RateLimit or Sampling; accepted/*: with one that lets the record pass; throttled and sampled-out: refused, which must cost less than accepted.\n")

	b.WriteString("\n### Sustained throughput to a file (records per second until every record is on disk, higher is better)\n\n")
	b.WriteString("| logger | 1 producer | vs slog | 4 producers | vs slog | lost |\n|---|---|---|---|---|---|\n")
	fileLoggers := []string{"slog-json", "hydra-json", "zap-buffered", "zerolog", "zerolog-diode"}
	base1, _ := r.median("File/slog-json/producers=1", "records/s")
	base4, _ := r.median("File/slog-json/producers=4", "records/s")
	for _, n := range fileLoggers {
		v1, ok1 := r.median("File/"+n+"/producers=1", "records/s")
		v4, ok4 := r.median("File/"+n+"/producers=4", "records/s")
		if !ok1 && !ok4 {
			continue
		}
		lost, _ := r.median("File/"+n+"/producers=4", "lost/op")
		lost1, _ := r.median("File/"+n+"/producers=1", "lost/op")
		fmt.Fprintf(&b, "| %s | %.0f | %s | %.0f | %s | %.0f%% / %.0f%% |\n", n, v1, ratio(v1, base1), v4, ratio(v4, base4), lost1*100, lost*100)
	}
	b.WriteString("\nslog-json: slog.JSONHandler on an *os.File (a write per record). hydra-json: a file destination (lumberjack). " +
		"zap-buffered: zap with a 256 kB BufferedWriteSyncer. zerolog-diode: zerolog's lock-free diode writer, which drops when full and at Close (lost).\n")

	b.WriteString("\n### Caller latency in a burst of 8 goroutines against a slow or stalled destination (ns)\n\n")
	b.WriteString("| destination / logger | p50 | p99 | p99.9 | max | dropped |\n|---|---|---|---|---|---|\n")
	for _, n := range r.names("Latency", "slow-1ms/floor", "slow-1ms/slog-json", "slow-1ms/hydra-block", "slow-1ms/hydra-block-timeout-1ms", "slow-1ms/hydra-drop-newest", "slow-1ms/hydra-drop-oldest", "stalled/") {
		name := "Latency/" + n
		p50, _ := r.median(name, "p50-ns")
		p99, _ := r.median(name, "p99-ns")
		p999, _ := r.median(name, "p99.9-ns")
		mx, _ := r.median(name, "max-ns")
		drops := ""
		if d, ok := r.median(name, "drops/op"); ok {
			drops = fmt.Sprintf("%.0f%%", d*100)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.0f | %.0f | %s |\n", n, p50, p99, p999, mx, drops)
	}
	b.WriteString("\nfloor: slog's front end alone, the same 8 goroutines: what scheduling and garbage collection on this machine add to any logger.\n")

	b.WriteString("\n### Memory: the seed's test, records logged to a file by one goroutine, lossless\n\n")
	b.WriteString("| records | heap growth | resident set growth | allocations per record |\n|---|---|---|---|\n")
	for _, n := range []string{"10000", "1000000"} {
		heap, ok := r.median("Memory/"+n, "heap-MB")
		if !ok {
			continue
		}
		rss, _ := r.median("Memory/"+n, "rss-MB")
		allocs, _ := r.median("Memory/"+n, "allocs/record")
		fmt.Fprintf(&b, "| %s | %.2f MB | %.1f MB | %.2f |\n", n, heap, rss, allocs)
	}
	b.WriteString("\nThe resident set grows by the queue's slots as they are first touched (8192 x 344 bytes) and the batch buffer; " +
		"the allocation is slog's own, boxing the int argument, not hydra's.\n")

	b.WriteString("\n### A call below the level (ns)\n\n| logger | ns/op |\n|---|---|\n")
	for _, n := range r.names("Disabled", "slog-discard", "hydra", "hydra-bound", "zap", "zerolog") {
		ns, _ := r.median("Disabled/"+n, "ns/op")
		fmt.Fprintf(&b, "| %s | %.1f |\n", n, ns)
	}
	r.networkSummary(&b)
	return b.String()
}

// replaceBetweenMarkers puts text between the results markers of file.
func replaceBetweenMarkers(file, text string) error {
	const begin, end = "<!-- results: begin -->\n", "<!-- results: end -->"
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no results markers", file)
	}
	return os.WriteFile(file, []byte(s[:i+len(begin)]+text+"\n"+s[j:]), 0o644)
}

package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testScale sizes the scenarios down for the tests, race detector
// included.
const testScale = "0.05"

func TestDemoPrintsTheSeedsLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "backpressure", "burst.log")
	var out bytes.Buffer
	require.NoError(t, run([]string{"-file", path}, &out))
	got := strings.Split(out.String(), "\n")
	assert.Equal(t, "Backpressure Handling Demo", got[0])
	assert.Equal(t, "========================================", got[1])
	assert.Equal(t, "Backpressure demo complete! Check "+path+".", got[2])
	assert.Regexp(t, `file:\S+burst.log\s+block\s+8192\s+500\s+500\s+0\s+0\s+\d+`, out.String())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Len(t, strings.Split(strings.TrimSpace(string(data)), "\n"), 500)
	assert.Contains(t, string(data), `msg="Burst log 100" layer=BACKPRESSURE goroutine=`)
}

func TestDemoWritesUnderDir(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run([]string{"-dir", dir, "-scenario", "burst"}, &out))
	assert.Contains(t, out.String(), "Check "+filepath.Join(dir, "burst.log")+".")
	assert.FileExists(t, filepath.Join(dir, "burst.log"))
}

func TestDemoUnderPressureShowsDrops(t *testing.T) {
	path := filepath.Join(t.TempDir(), "burst.log")
	var out bytes.Buffer
	require.NoError(t, run([]string{"-file", path, "-goroutines", "8", "-records", "500", "-queue", "16", "-policy", "drop-newest", "-delay", "2ms"}, &out))
	assert.Regexp(t, `writer\s+drop-newest\s+16\s+4000\s+\d+\s+[1-9]\d*\s+0\s+16`, out.String())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `msg="hydra: dropped records" dropped=`)
}

// counts are a printed row's first seven numbers: logged, written,
// dropped, failed, throttled, sampled, and below level (scenarios) or
// ERRORs lost (strategies).
type counts [7]uint64

// tableRows reads the rows of a printed table whose first column is one
// of names.
func tableRows(t *testing.T, out string, names []string) map[string]counts {
	t.Helper()
	rows := map[string]counts{}
	for line := range strings.SplitSeq(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !contains(names, f[0]) {
			continue
		}
		var c counts
		for i := range c {
			n, err := strconv.ParseUint(f[i+1], 10, 64)
			require.NoError(t, err, "row %q, column %d", line, i+1)
			c[i] = n
		}
		rows[f[0]] = c
	}
	require.Len(t, rows, len(names), "a row for each of %v in\n%s", names, out)
	return rows
}

func contains(names []string, s string) bool {
	for _, n := range names {
		if n == s {
			return true
		}
	}
	return false
}

func TestEveryScenarioAccountsForEveryRecord(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	start := time.Now()
	require.NoError(t, run([]string{"-scenario", "all", "-scale", testScale, "-dir", dir}, &out))
	t.Logf("-scenario all -scale %s took %v:\n%s", testScale, time.Since(start), out.String())

	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	rows := tableRows(t, out.String(), names)
	for name, c := range rows {
		logged, written, dropped, failed, throttled, sampled, below := c[0], c[1], c[2], c[3], c[4], c[5], c[6]
		assert.Positive(t, logged, name)
		assert.Equal(t, logged, written+dropped+failed+throttled+sampled+below,
			"%s: logged = written + dropped + failed + throttled + sampled + below level", name)
		assert.Zero(t, failed, name)
	}
	burst := uint64(5 * scaled(100, 0.05))
	assert.Equal(t, counts{burst, burst}, rows["burst"], "5 goroutines x 100 records, scaled")
	debug := scaled(100_000, 0.05)
	assert.Equal(t, uint64(debug), rows["debug-loop"][6], "every DEBUG record is below level")
	assert.Equal(t, uint64(debug/scaled(1000, 0.05)), rows["debug-loop"][1], "one INFO every 1,000")
	messages := scaled(1000, 0.05)
	assert.Equal(t, uint64(messages/min(100, messages)), rows["batch"][0], "100 messages to a record")

	// Drop detection: the notices read back from the file, and OnDrop.
	s := out.String()
	if rows["drops"][2] > 0 {
		assert.Regexp(t, `OnDrop heard of (\d+) dropped records in [1-9]\d* calls; Stats counts (\d+) dropped`, s)
		m := regexp.MustCompile(`OnDrop heard of (\d+) dropped records in \d+ calls; Stats counts (\d+) dropped`).FindStringSubmatch(s)
		require.NotNil(t, m)
		assert.Equal(t, m[1], m[2])
		assert.Equal(t, strconv.FormatUint(rows["drops"][2], 10), m[2])
		assert.Contains(t, s, `level=WARN msg="hydra: dropped records" dropped=`)
	}
	// Queue monitoring: a Monitor record's line.
	assert.Regexp(t, `level=INFO msg="hydra: stats" layer=MONITOR accepted=\d+`, s)
	for _, f := range []string{"burst", "rapid", "controlled", "memory", "events", "debug-loop", "network", "batch", "drops", "monitor"} {
		assert.FileExists(t, filepath.Join(dir, f+".log"))
	}
}

func TestOneScenarioPrintsOneRow(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-scenario", "network", "-scale", testScale, "-dir", t.TempDir()}, &out))
	rows := tableRows(t, out.String(), []string{"network"})
	assert.Equal(t, counts{50, 50}, rows["network"])
	assert.Regexp(t, `the sink took 1 ms per write: \d+ writes? carried the 50 records`, out.String())
}

func TestEveryStrategyAccountsForEveryRecord(t *testing.T) {
	dir := t.TempDir()
	chart := filepath.Join(dir, "s.svg")
	var out bytes.Buffer
	require.NoError(t, run([]string{"-scenario", "strategies", "-scale", testScale, "-dir", dir, "-chart", chart}, &out))
	t.Logf("-scenario strategies -scale %s:\n%s", testScale, out.String())

	var names []string
	for _, s := range strategies {
		names = append(names, s.name)
	}
	rows := tableRows(t, out.String(), names)
	logged := uint64(strategyGoroutines * scaled(strategyRecords, 0.05))
	for name, c := range rows {
		written, dropped, failed, throttled, sampled := c[1], c[2], c[3], c[4], c[5]
		assert.Equal(t, logged, c[0], name)
		assert.Equal(t, c[0], written+dropped+failed+throttled+sampled,
			"%s: logged = written + dropped + failed + throttled + sampled", name)
	}
	for _, name := range []string{"block", "never-drop"} {
		assert.Zero(t, rows[name][6], "%s loses no ERROR record", name)
	}
	assert.Equal(t, counts{logged, logged}, rows["block"], "block loses nothing")
	assert.Zero(t, rows["throttle"][2]+rows["sampling"][2], "shaping drops nothing at the queue")

	data, err := os.ReadFile(chart)
	require.NoError(t, err)
	assert.NoError(t, wellFormed(data))
	for _, name := range names {
		assert.Contains(t, string(data), ">"+name+"</text>")
	}
}

// wellFormed parses an XML document to its end.
func wellFormed(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestChartEscapesText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, writeChart(&b, []row{{name: `a<b & "c"`, logged: 10, written: 5, dropped: 5, p99: time.Microsecond}}))
	assert.NoError(t, wellFormed(b.Bytes()))
	assert.Contains(t, b.String(), "a&lt;b &amp; &#34;c&#34;")
}

func TestMarkdownTables(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-scenario", "rapid", "-scale", testScale, "-dir", t.TempDir(), "-markdown"}, &out))
	assert.Contains(t, out.String(), "| scenario | logged | written | dropped |")
	assert.Regexp(t, `\| rapid \| 500 \| 500 \| 0 \|`, out.String())
}

func TestFlags(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(notADir, nil, 0o600))
	for _, tc := range []struct {
		args   []string
		status int
		stderr string // a part of it
	}{
		{[]string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"-scenario", "nope"}, 2, `unknown scenario "nope"; the scenarios are burst, rapid, controlled, memory, events, debug-loop, network, batch, drops, monitor, all, strategies`},
		{[]string{"-policy", "sometimes"}, 2, `unknown policy "sometimes"`},
		{[]string{"-goroutines", "0"}, 2, "-goroutines 0 must be at least 1"},
		{[]string{"-goroutines", "many"}, 2, `invalid value "many" for flag -goroutines`},
		{[]string{"-records", "-1"}, 2, "-records -1 must be at least 0"},
		{[]string{"-queue", "0"}, 2, "-queue 0 must be between 1 and"},
		{[]string{"-delay", "-1ms"}, 2, "-delay -1ms must not be negative"},
		{[]string{"-delay", "1"}, 2, `invalid value "1" for flag -delay`},
		{[]string{"-scale", "0"}, 2, "-scale 0 must be above 0"},
		{[]string{"-scale", "100"}, 2, "-scale 100 must be above 0 and at most 10"},
		{[]string{"-scenario", "rapid", "-policy", "drop-newest"}, 2, `-policy shapes the burst scenario only, not "rapid"`},
		{[]string{"-chart", "x.svg"}, 2, "-chart draws the strategies table: use it with -scenario strategies"},
		{[]string{"-markdown"}, 2, "-markdown prints the tables of the other scenarios"},
		{[]string{"all"}, 2, `unexpected argument "all": name a scenario with -scenario`},
		{[]string{"-file", filepath.Join(notADir, "burst.log")}, 1, "not a directory"},
		{[]string{"-scenario", "strategies", "-chart", filepath.Join(notADir, "s.svg")}, 1, "not a directory"},
	} {
		var stdout, stderr bytes.Buffer
		status := cli(tc.args, &stdout, &stderr)
		assert.Equal(t, tc.status, status, "%v: %s", tc.args, stderr.String())
		assert.Contains(t, stderr.String(), tc.stderr, "%v", tc.args)
		if tc.status == 2 {
			assert.Contains(t, stderr.String(), "Run with -h for the scenarios and flags.", "%v", tc.args)
		}
		assert.Empty(t, stdout.String(), "%v", tc.args)
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 0, cli([]string{arg}, &stdout, &stderr), arg)
		assert.Empty(t, stderr.String())
		assert.Contains(t, stdout.String(), "Usage: go run ./examples/backpressure [flags]")
		for _, name := range scenarioNames() {
			assert.Contains(t, stdout.String(), "\n  "+name+" ", arg)
		}
		assert.Contains(t, stdout.String(), "-scenario string")
	}
}

func TestParseVmRSS(t *testing.T) {
	n, err := parseVmRSS(strings.NewReader("Name:\tx\nVmPeak:\t  100 kB\nVmRSS:\t    2048 kB\n"))
	require.NoError(t, err)
	assert.Equal(t, int64(2048<<10), n)
	_, err = parseVmRSS(strings.NewReader("Name:\tx\n"))
	assert.Error(t, err)
	_, err = parseVmRSS(strings.NewReader("VmRSS: 12 MB\n"))
	assert.Error(t, err)
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	assert.Equal(t, time.Duration(50), percentile(d, 0.50))
	assert.Equal(t, time.Duration(99), percentile(d, 0.99))
	assert.Equal(t, time.Duration(1), percentile(d[:1], 0.99))
	assert.Zero(t, percentile(nil, 0.5))
}

func TestFormats(t *testing.T) {
	assert.Equal(t, "351ns", fmtDur(351))
	assert.Equal(t, "1.33µs", fmtDur(1330))
	assert.Equal(t, "16.0µs", fmtDur(16_040))
	assert.Equal(t, "997µs", fmtDur(997_400))
	assert.Equal(t, "1.01s", fmtDur(1_010_000_000))
	assert.Equal(t, "+0B", fmtBytes(0))
	assert.Equal(t, "-1.5KiB", fmtBytes(-1536))
	assert.Equal(t, "+2.7MiB", fmtBytes(2_800_000))
}

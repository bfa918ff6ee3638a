package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestDemoUnderPressureShowsDrops(t *testing.T) {
	path := filepath.Join(t.TempDir(), "burst.log")
	var out bytes.Buffer
	require.NoError(t, run([]string{"-file", path, "-goroutines", "8", "-records", "500", "-queue", "16", "-policy", "drop-newest", "-delay", "2ms"}, &out))
	assert.Regexp(t, `writer\s+drop-newest\s+16\s+4000\s+\d+\s+[1-9]\d*\s+0\s+16`, out.String())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `msg="hydra: dropped records" dropped=`)
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
		{[]string{"-policy", "sometimes"}, 2, `unknown policy "sometimes"`},
		{[]string{"-goroutines", "0"}, 2, "-goroutines 0 must be at least 1"},
		{[]string{"-goroutines", "many"}, 2, `invalid value "many" for flag -goroutines`},
		{[]string{"-records", "-1"}, 2, "-records -1 must be at least 0"},
		{[]string{"-queue", "0"}, 2, "-queue 0 must be between 1 and"},
		{[]string{"-delay", "-1ms"}, 2, "-delay -1ms must not be negative"},
		{[]string{"-delay", "1"}, 2, `invalid value "1" for flag -delay`},
		{[]string{"all"}, 2, `unexpected argument "all"`},
		{[]string{"-file", filepath.Join(notADir, "burst.log")}, 1, "not a directory"},
	} {
		var stdout, stderr bytes.Buffer
		status := cli(tc.args, &stdout, &stderr)
		assert.Equal(t, tc.status, status, "%v: %s", tc.args, stderr.String())
		assert.Contains(t, stderr.String(), tc.stderr, "%v", tc.args)
		if tc.status == 2 {
			assert.Contains(t, stderr.String(), "Run with -h for the flags.", "%v", tc.args)
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
		assert.Contains(t, stdout.String(), "-policy value")
	}
}

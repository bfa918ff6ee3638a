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

func TestDemoRejectsBadFlags(t *testing.T) {
	var out bytes.Buffer
	assert.ErrorContains(t, run([]string{"-policy", "sometimes"}, &out), `unknown policy "sometimes"`)
	assert.Error(t, run([]string{"-goroutines", "0"}, &out))
}

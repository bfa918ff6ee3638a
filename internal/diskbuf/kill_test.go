//go:build unix

package diskbuf

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const helperDirEnv = "HYDRA_DISKBUF_HELPER_DIR"

func killSize(i int) int    { return 100 + i*37%4000 }
func killRecords(i int) int { return 1 + i%7 }

func killOptions(dir string) Options {
	return Options{Dir: dir, MaxBytes: 256 << 20, SegmentBytes: 256 << 10}
}

// TestHelperProcess is the child of TestKilledWhileAppending: it appends
// batches to the directory named by the environment until killed, printing
// each batch's number once Append has returned.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("the child process of TestKilledWhileAppending")
	}
	b, err := Open(killOptions(dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		err := b.Append(payload(i, killSize(i)), killRecords(i))
		if errors.Is(err, ErrFull) {
			time.Sleep(time.Minute) // the parent kills us long before
			os.Exit(3)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(i)
	}
}

// A process killed with SIGKILL while appending loses no batch that Append
// had returned for.
func TestKilledWhileAppending(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	kill := func() { _ = cmd.Process.Signal(syscall.SIGKILL) }
	timer := time.AfterFunc(20*time.Second, kill)
	defer timer.Stop()

	last, killed := -1, false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		i, err := strconv.Atoi(sc.Text())
		if err != nil {
			continue // the test framework's own lines
		}
		require.Equal(t, last+1, i, "child's count")
		last = i
		if i >= 2000 && !killed {
			kill()
			killed = true
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	ws, _ := exit.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child ended by %v, want SIGKILL", err)
	require.True(t, killed, "child stopped early, after batch %d", last)

	b := open(t, killOptions(dir))
	recovered := b.Stats().Recovered
	records := 0
	for i := 0; ; i++ {
		p, n, ok, err := b.Next()
		require.NoError(t, err)
		if !ok {
			require.GreaterOrEqual(t, i, last+1, "batches recovered")
			require.LessOrEqual(t, i, last+2, "batches recovered")
			break
		}
		require.Equal(t, payload(i, killSize(i)), p, "batch %d", i)
		require.Equal(t, killRecords(i), n, "records of batch %d", i)
		records += n
		require.NoError(t, b.Ack())
	}
	assert.Equal(t, records, recovered, "Recovered")
	d := b.TakeDamage()
	t.Logf("child reported batch %d done; %d records recovered; damage %+v", last, recovered, d)
	if d.Bytes != 0 {
		// Only a torn tail: a frame whose write the kill cut short.
		assert.LessOrEqual(t, d.Frames, 1, "damage %+v", d)
		assert.Len(t, d.Segments, 1, "damage %+v", d)
	}
}

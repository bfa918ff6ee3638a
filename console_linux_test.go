//go:build linux

package hydra

// The console format's colors (format.go's consoleColor) on a terminal:
// a pseudo-terminal, which Linux opens without a package.

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConsoleColorOnATerminal logs to a writer destination whose Writer
// is a terminal, a pseudo-terminal's: colored unless NO_COLOR is set and
// not empty, or TERM is dumb. stdout and stderr are decided the same way;
// a file destination never is colored, nor another format.
func TestConsoleColorOnATerminal(t *testing.T) {
	tty, screen := openPTY(t)
	for _, tc := range []struct {
		noColor, term string // "unset" for none
		color         bool
	}{
		{"unset", "xterm-256color", true}, {"", "unset", true}, {"1", "xterm", false}, {"false", "xterm", false},
		{"unset", "dumb", false},
	} {
		t.Run(fmt.Sprintf("NO_COLOR=%s,TERM=%s", tc.noColor, tc.term), func(t *testing.T) {
			setenv(t, "NO_COLOR", tc.noColor)
			setenv(t, "TERM", tc.term)
			h := newTest(t, oneLayer(Destination{Type: "writer", Writer: tty, Format: "console", Sync: true}))
			slog.New(h).Error("failed", "err", errors.New("boom"))
			line := readLine(t, screen)
			assert.Contains(t, line, "failed")
			assert.Equal(t, tc.color, strings.Contains(line, "\x1b[91mERR\x1b[0m"), "%q", line)
			assert.Equal(t, tc.color, strings.Contains(line, "\x1b[2merr=\x1b[0m\x1b[91mboom\x1b[0m"), "%q", line)
			if !tc.color {
				assert.NotContains(t, line, "\x1b", "%q", line)
			}
			if tc.color {
				for _, typ := range []destType{typeStdout, typeStderr, typeWriter} {
					assert.True(t, consoleColor(&spec{typ: typ, format: formatConsole}, tty), typ.String())
				}
				assert.False(t, consoleColor(&spec{typ: typeFile, format: formatConsole}, tty), "a file")
				assert.False(t, consoleColor(&spec{typ: typeStdout, format: formatText}, tty), "text")
			}
		})
	}
}

// setenv sets an environment variable for the test, or unsets it for
// "unset".
func setenv(t *testing.T, key, value string) {
	t.Setenv(key, value)
	if value == "unset" {
		os.Unsetenv(key) // t.Setenv restores it
	}
}

// openPTY opens a pseudo-terminal: tty is the terminal a program writes
// to, screen reads what it shows. It skips the test where there is none.
// Both are closed when the test ends.
func openPTY(t *testing.T) (tty, screen *os.File) {
	t.Helper()
	screen, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { screen.Close() })
	var unlock int32
	var n uint32
	rc, err := screen.SyscallConn()
	require.NoError(t, err)
	var errno syscall.Errno
	require.NoError(t, rc.Control(func(fd uintptr) {
		if _, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
			return
		}
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n)))
	}))
	if errno != 0 {
		t.Skipf("no pseudo-terminal: %v", errno)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty, screen
}

// readLine reads what the terminal shows up to the end of a line.
func readLine(t *testing.T, screen *os.File) string {
	t.Helper()
	require.NoError(t, screen.SetReadDeadline(time.Now().Add(10*time.Second)))
	var got []byte
	buf := make([]byte, 1024)
	for !strings.Contains(string(got), "\n") {
		n, err := screen.Read(buf)
		require.NoError(t, err, "read so far: %q", got)
		got = append(got, buf[:n]...)
	}
	return string(got)
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestRunReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	cfgPath, logPath := filepath.Join(dir, "hydra.yaml"), filepath.Join(dir, "app.log")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("default_layer: APP\nlayers:\n  APP:\n    level: info\n    destinations:\n      - {type: file, path: " + logPath + "}\n")

	hup := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	report := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfgPath, time.Millisecond, hup, report) }()

	waitFor := func(what string, cond func(string) bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if b, _ := os.ReadFile(logPath); cond(string(b)) {
				return
			}
		}
		t.Fatalf("no %s in the log", what)
	}
	waitFor("INFO record", func(s string) bool { return strings.Contains(s, "msg=working") })

	write("default_layer: APP\nlayers:\n  APP:\n    level: debug\n    destinations:\n      - {type: file, path: " + logPath + "}\n")
	hup <- syscall.SIGHUP
	waitFor("DEBUG record after the reload", func(s string) bool { return strings.Contains(s, "msg=tick") })

	write("layers: {APP: {level: verbose}}\n") // a mistake: nothing changes
	hup <- syscall.SIGHUP
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(report.String(), "kept") && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := report.String()
	if !strings.Contains(got, "reload: applied") || !strings.Contains(got, `unknown level "verbose"`) {
		t.Errorf("report:\n%s", got)
	}
}

// lockedBuffer is a bytes.Buffer that run writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

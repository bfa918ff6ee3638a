package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRun writes the records through both, uncolored: the same records,
// one line each, except tint's message with a newline, which it writes as
// it is.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, false); err != nil {
		t.Fatal(err)
	}
	hydraOut, tintOut, ok := strings.Cut(out.String(), "\ntint\n")
	if !ok {
		t.Fatalf("no tint section: %q", out.String())
	}
	if n := strings.Count(hydraOut, "\n"); n != 8 {
		t.Errorf("hydra: %d lines, want a title and 7 records:\n%s", n, hydraOut)
	}
	if n := strings.Count(tintOut, "\n"); n != 8 {
		t.Errorf("tint: %d lines, want 7 records, one of them on two:\n%s", n, tintOut)
	}
	for _, out := range []string{hydraOut, tintOut} {
		if strings.Contains(out, "\x1b") {
			t.Errorf("colored: %q", out)
		}
		for _, msg := range []string{"config loaded", "request handled", "database unreachable", "shutting down"} {
			if !strings.Contains(out, msg) {
				t.Errorf("%q missing from:\n%s", msg, out)
			}
		}
	}
}

// This file owns the tests of the console format: golden files of its
// layout, colored and not, in testdata/console (go test -run
// TestConsoleGolden -update rewrites them), and the properties that hold
// for any record.

package slogenc

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/console/*.golden with the output")

// consoleWhen is the time of the golden records, in a zone of its own:
// the console writes the time of day in the record's location.
var consoleWhen = time.Date(2026, 11, 26, 21, 55, 43, 123456789, time.UTC)

// logAt handles a record of consoleWhen with h.
func logAt(t *testing.T, h slog.Handler, level slog.Level, msg string, attrs ...slog.Attr) {
	t.Helper()
	r := slog.NewRecord(consoleWhen, level, msg, 0)
	r.AddAttrs(attrs...)
	require.NoError(t, h.Handle(context.Background(), r))
}

// consoleCase is one golden file: what it logs, and with what options
// (nil: none).
type consoleCase struct {
	name string
	opts func() Options
	log  func(t *testing.T, h slog.Handler)
}

var consoleCases = []consoleCase{
	{name: "levels", log: func(t *testing.T, h slog.Handler) {
		for _, l := range []slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelInfo + 2,
			slog.LevelWarn, slog.LevelWarn + 1, slog.LevelError, slog.LevelError + 4} {
			logAt(t, h, l, "level "+l.String(), slog.Int("n", int(l)))
		}
		logAt(t, h, slog.LevelInfo, "no attributes, no padding after the message")
	}},
	{name: "kinds", log: func(t *testing.T, h slog.Handler) {
		logAt(t, h, slog.LevelInfo, "strings", slog.String("plain", "GET"), slog.String("space", "a b"),
			slog.String("empty", ""), slog.String("quote", `say "hi"`), slog.String("eq", "a=b"),
			slog.String("nl", "one\ntwo"), slog.String("esc", "\x1b[31mred\x1b[0m"), slog.String("uni", "héllo ✓"),
			slog.String("key with space", "v"))
		logAt(t, h, slog.LevelInfo, "numbers", slog.Int("int", -42), slog.Uint64("uint", math.MaxUint64),
			slog.Float64("float", 3.25), slog.Float64("nan", math.NaN()), slog.Bool("bool", true))
		logAt(t, h, slog.LevelInfo, "times", slog.Duration("elapsed", 1500*time.Microsecond),
			slog.Duration("uptime", 49*time.Hour+time.Second), slog.Time("at", consoleWhen.In(zones[1])))
		logAt(t, h, slog.LevelInfo, "any", slog.Any("struct", struct {
			A int
			B string
		}{1, "two"}), slog.Any("text", textM{"x y"}), slog.Any("bytes", []byte("raw")),
			slog.Any("map", map[string]int{"b": 2, "a": 1}), slog.Any("nil", nil),
			slog.Any("valuer", valuer{slog.StringValue("resolved")}),
			slog.Any("src", &slog.Source{Function: "f", File: "/a/b/c.go", Line: 3}))
		logAt(t, h, slog.LevelInfo, "groups", slog.Group("req", slog.String("method", "GET"),
			slog.Group("url", slog.String("path", "/x"))), slog.Group("empty"), slog.Int("after", 1))
	}},
	{name: "with", log: func(t *testing.T, h slog.Handler) {
		bound := h.WithAttrs([]slog.Attr{slog.String("service", "api"), slog.Int("pid", 4242)})
		logAt(t, bound, slog.LevelInfo, "bound and own", slog.Int("status", 200))
		logAt(t, bound, slog.LevelInfo, "bound only")
		g := bound.WithGroup("req").WithAttrs([]slog.Attr{slog.Int("id", 7)}).WithGroup("db")
		logAt(t, g, slog.LevelWarn, "in groups", slog.Duration("took", 3*time.Second), slog.Group("row", slog.Int("n", 1)))
		logAt(t, g, slog.LevelWarn, "groups without attributes of the record")
		logAt(t, h.WithGroup("g"), slog.LevelInfo, "a group with nothing in it")
	}},
	{name: "messages", log: func(t *testing.T, h slog.Handler) {
		logAt(t, h, slog.LevelInfo, "short", slog.Int("a", 1))
		logAt(t, h, slog.LevelInfo, "a message of exactly forty runes, padded", slog.Int("a", 1))
		logAt(t, h, slog.LevelInfo, "a message that is longer than forty runes goes on, unpadded", slog.Int("a", 1))
		logAt(t, h, slog.LevelInfo, "ünïcödé ✓ 日本", slog.Int("a", 1))
		logAt(t, h, slog.LevelInfo, "a newline\nthat cannot forge a record", slog.Int("a", 1))
		logAt(t, h, slog.LevelInfo, "an escape \x1b[2J that cannot reach the terminal")
		logAt(t, h, slog.LevelInfo, "", slog.String("msg", "empty"))
		logAt(t, h, slog.LevelInfo, "")
		r := slog.NewRecord(time.Time{}, slog.LevelInfo, "no time", 0)
		require.NoError(t, h.Handle(context.Background(), r))
	}},
	{name: "errors", log: func(t *testing.T, h slog.Handler) {
		err := fmt.Errorf("open config: %w", os.ErrNotExist)
		logAt(t, h, slog.LevelError, "load failed", slog.Any("err", err), slog.String("path", "/etc/app.yaml"))
		logAt(t, h, slog.LevelError, "an error under another key", slog.Any("cause", errors.New("boom")))
		logAt(t, h, slog.LevelWarn, "the key says error", slog.String("error", "timeout"), slog.Int("err", 3))
		logAt(t, h, slog.LevelError, "in a group", slog.Group("db", slog.Any("err", errors.New("gone"))))
	}},
	{name: "source", opts: func() Options { return Options{AddSource: true, ReplaceAttr: fixedSources()} },
		log: func(t *testing.T, h slog.Handler) {
			logAt(t, h, slog.LevelInfo, "listening", slog.String("addr", ":8080"))
			logAt(t, h, slog.LevelDebug, "no directory", slog.String("file", "main.go"))
			logAt(t, h, slog.LevelWarn, "source dropped")
			logAt(t, h, slog.LevelError, "path with a space")
		}},
	{name: "replace", opts: func() Options {
		return Options{ReplaceAttr: replaceForConsole, Redact: NewRedactor("***", []string{"password"}, []*regexp.Regexp{regexp.MustCompile(`tok-[0-9]+`)})}
	},
		log: func(t *testing.T, h slog.Handler) {
			logAt(t, h, slog.LevelInfo, "time dropped, strings upper", slog.String("user", "ann"), slog.String("password", "hunter2"))
			logAt(t, h, slog.LevelDebug-4, "a level renamed", slog.String("drop", "me"))
			logAt(t, h, slog.LevelWarn, "token tok-123 in the message", slog.String("note", "and tok-456 here"))
			logAt(t, h, slog.LevelError, "a message replaced by a number")
		}},
}

// fixedSources returns a ReplaceAttr that puts fixed sources in place of
// the records', chosen by their level, for golden output that does not
// depend on where this file is. (ReplaceAttr sees the level before the
// source.)
func fixedSources() func([]string, slog.Attr) slog.Attr {
	var level slog.Level
	return func(groups []string, a slog.Attr) slog.Attr {
		switch {
		case len(groups) > 0:
		case a.Key == slog.LevelKey:
			level = a.Value.Any().(slog.Level)
		case a.Key == slog.SourceKey:
			switch level {
			case slog.LevelDebug:
				return slog.Any(a.Key, &slog.Source{File: "main.go", Line: 7})
			case slog.LevelWarn:
				return slog.Attr{}
			case slog.LevelError:
				return slog.Any(a.Key, &slog.Source{File: "/home/me/my app/main.go", Line: 9})
			}
			return slog.Any(a.Key, &slog.Source{Function: "main.main", File: "/home/me/src/app/server/main.go", Line: 42})
		}
		return a
	}
}

func replaceForConsole(groups []string, a slog.Attr) slog.Attr {
	switch {
	case len(groups) == 0 && a.Key == slog.TimeKey:
		return slog.Attr{}
	case len(groups) == 0 && a.Key == slog.LevelKey:
		if l := a.Value.Any().(slog.Level); l < slog.LevelDebug {
			return slog.String(a.Key, "TRACE")
		}
	case len(groups) == 0 && a.Key == slog.MessageKey && a.Value.String() == "a message replaced by a number":
		return slog.Int(a.Key, 42)
	case a.Key == "drop":
		return slog.Attr{}
	case a.Value.Kind() == slog.KindString:
		return slog.String(a.Key, strings.ToUpper(a.Value.String()))
	}
	return a
}

// TestConsoleGolden formats the records of consoleCases, uncolored and
// colored, and wants the bytes of testdata/console/<case>[.color].golden.
func TestConsoleGolden(t *testing.T) {
	for _, tc := range consoleCases {
		for _, color := range []bool{false, true} {
			name := tc.name
			if color {
				name += ".color"
			}
			t.Run(name, func(t *testing.T) {
				var opts Options
				if tc.opts != nil {
					opts = tc.opts()
				}
				opts.Console, opts.Color = true, color
				var out bytes.Buffer
				enc := New(opts)
				var h slog.Handler = &encHandler{enc: enc, pre: enc.Root(), out: &out}
				tc.log(t, h)
				path := filepath.Join("testdata", "console", name+".golden")
				if *update {
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, os.WriteFile(path, out.Bytes(), 0o644))
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "go test -run TestConsoleGolden -update writes it")
				assert.Equal(t, string(want), out.String())
			})
		}
	}
}

// TestConsoleLines holds for every value the tests know, with every
// ReplaceAttr, colored or not: see checkConsoleLine; and the padding of
// the head never trails a line.
func TestConsoleLines(t *testing.T) {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	for repName, rep := range replaceAttrs {
		for _, color := range []bool{false, true} {
			enc := New(Options{Console: true, Color: color, AddSource: true, ReplaceAttr: rep})
			for _, a := range append(valueCases(), slog.String("esc", "\x1b[2J\x1b]0;title\x07")) {
				r := slog.NewRecord(when, slog.LevelInfo, "m\x1b[1m", pcs[0])
				r.AddAttrs(a)
				line := string(enc.Append(nil, enc.Root(), &r))
				where := fmt.Sprintf("ReplaceAttr %s, %s", repName, a.Key)
				checkConsoleLine(t, line, color, where)
				require.False(t, strings.HasSuffix(line, " \n"), "%s: padding trails: %q", where, line)
			}
		}
	}
}

// ourColors are the escape sequences the console format writes.
var ourColors = regexp.MustCompile(`\x1b\[(0|2|9[1-4])m`)

// checkConsoleLine checks what holds for any console output: a record is
// one line, and the only escape sequences are the encoder's own colors,
// none when not colored.
func checkConsoleLine(t *testing.T, line string, color bool, where string) {
	t.Helper()
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Fatalf("%s, color %v: not one line: %q", where, color, line)
	}
	plain := ourColors.ReplaceAllString(line, "")
	if strings.Contains(plain, "\x1b") || !color && plain != line {
		t.Fatalf("%s, color %v: escape sequences not the encoder's: %q", where, color, line)
	}
}

// TestConsoleAligns wants the attributes of records with messages of
// different lengths, and levels with offsets, in one column, colored or
// not, and a message too long for it followed by one space.
func TestConsoleAligns(t *testing.T) {
	ours := regexp.MustCompile(`\x1b\[[0-9]*m`)
	for _, color := range []bool{false, true} {
		enc := New(Options{Console: true, Color: color})
		col := -1
		for _, msg := range []string{"", "a", "request handled", "ünïcödé ✓", strings.Repeat("x", 38)} { // 38: room for "+2"
			for _, l := range []slog.Level{slog.LevelInfo, slog.LevelWarn + 2} {
				r := slog.NewRecord(when, l, msg, 0)
				r.AddAttrs(slog.String("k", "v"))
				line := ours.ReplaceAllString(string(enc.Append(nil, enc.Root(), &r)), "")
				i := strings.Index(line, " k=v")
				require.Positive(t, i, line)
				got := utf8.RuneCountInString(line[:i])
				if col < 0 {
					col = got
				}
				assert.Equal(t, col, got, "color %v: %q", color, line)
			}
		}
		assert.Equal(t, consoleHeadWidth, col)
		r := slog.NewRecord(when, slog.LevelInfo, strings.Repeat("y", 41), 0)
		r.AddAttrs(slog.String("k", "v"))
		line := ours.ReplaceAllString(string(enc.Append(nil, enc.Root(), &r)), "")
		assert.Equal(t, "21:55:43.123 INF "+strings.Repeat("y", 41)+" k=v\n", line)
	}
}

// TestConsoleSource writes the real source of a record, directory and
// file, and the line.
func TestConsoleSource(t *testing.T) {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	_, _, line, _ := runtime.Caller(0)
	enc := New(Options{Console: true, AddSource: true})
	r := slog.NewRecord(when, slog.LevelInfo, "m", pcs[0])
	got := string(enc.Append(nil, enc.Root(), &r))
	assert.Equal(t, fmt.Sprintf("21:55:43.123 INF slogenc/console_test.go:%d m\n", line-1), got)
}

func TestShortFile(t *testing.T) {
	for path, want := range map[string]string{
		"/home/me/app/server/main.go": "server/main.go",
		"server/main.go":              "server/main.go",
		"main.go":                     "main.go",
		"/main.go":                    "/main.go",
		"":                            "",
	} {
		assert.Equal(t, want, shortFile(path), path)
	}
}

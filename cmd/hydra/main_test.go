package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/good.golden")

func runHydra(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	code = run(args, &out, &errs)
	return code, out.String(), errs.String()
}

// Each broken file is rejected with exit status 1 and a message naming
// the file, the line and the key.
func TestCheckBrokenFiles(t *testing.T) {
	t.Setenv("HYDRA_CHECK_UNSET_DIR", "")
	os.Unsetenv("HYDRA_CHECK_UNSET_DIR")
	for file, want := range map[string]string{
		"unknown_key.yaml":     "line 6: layers.API.destinations[0].async.queue_sise: unknown key (did you mean queue_size?)",
		"wrong_type.yaml":      "line 4: layers.API.destinations: want a list, got a mapping",
		"bad_level.yaml":       `line 3: layers.API.level: unknown level "verbose"`,
		"bad_duration.yaml":    `line 5: layers.API.destinations[0].async.block_timeout: want a duration such as 250ms, 1.5s or 1h30m, got "5"`,
		"bad_policy.yaml":      `line 3: async.overflow: unknown policy "drop" (want block, drop-newest or drop-oldest)`,
		"bad_regexp.yaml":      "line 4: redact_patterns[1]: error parsing regexp: missing closing ): `(unclosed`",
		"negative_queue.yaml":  "line 7: layers.API.destinations[0].async.queue_size: -5 is not between 0",
		"unset_env.yaml":       "line 5: layers.API.destinations[0].path: environment variable HYDRA_CHECK_UNSET_DIR is not set",
		"func_field.yaml":      "line 1: on_error: OnError cannot be written in a file: set it in code",
		"syntax_error.yaml":    "line 5: invalid YAML: did not find expected key",
		"no_destinations.yaml": "line 3: layers.API.destinations: a layer needs at least one destination",
		"bad_json.json":        "line 4: invalid JSON: invalid character '}' looking for beginning of object key string",
	} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", file)
			code, stdout, stderr := runHydra(t, "check", path)
			if code != 1 || stdout != "" {
				t.Fatalf("exit status %d, stdout %q; want 1 and nothing", code, stdout)
			}
			if want := "hydra: " + path + ": " + want; !strings.HasPrefix(stderr, want) {
				t.Errorf("stderr:\n%s\nwant it to start with\n%s", stderr, want)
			}
			if n := strings.Count(stderr, "\n"); n != 1 {
				t.Errorf("stderr has %d lines, want 1:\n%s", n, stderr)
			}
		})
	}
}

// Every problem is printed: those of the file's shape and values with
// their lines, and those of its meaning, which New finds, with the file.
func TestCheckEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("layers:\n  A:\n    level: loud\n    destinations: [{type: stdout, queue_size: 2}]\n  B: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runHydra(t, "check", bad)
	want := "hydra: " + bad + `: line 3: layers.A.level: unknown level "loud" (want debug, info, warn or error, with an optional +N or -N, or a number)
hydra: ` + bad + `: line 4: layers.A.destinations[0].queue_size: unknown key here (queue_size is a key of async)
hydra: ` + bad + `: line 5: layers.B.destinations: a layer needs at least one destination (type null discards its records)
`
	if code != 1 || stderr != want {
		t.Errorf("exit status %d, stderr:\n%s\nwant 1 and\n%s", code, stderr, want)
	}

	path := filepath.Join("testdata", "meaning.yaml")
	code, _, stderr = runHydra(t, "check", path)
	want = "hydra: " + path + `: layer "API": Destinations[0] (file): Path is required` + "\n"
	if code != 1 || stderr != want {
		t.Errorf("exit status %d, stderr:\n%s\nwant 1 and\n%s", code, stderr, want)
	}
}

func TestCheckGoodFile(t *testing.T) {
	code, stdout, stderr := runHydra(t, "check", filepath.Join("testdata", "good.yaml"))
	if code != 0 || stderr != "" {
		t.Fatalf("exit status %d, stderr %q; want 0 and nothing", code, stderr)
	}
	golden := filepath.Join("testdata", "good.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Errorf("stdout:\n%s\nwant (go test -update to accept):\n%s", stdout, want)
	}
}

// The example configurations of the repository pass.
func TestCheckExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/config/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, file := range files {
		if code, _, stderr := runHydra(t, "check", file); code != 0 {
			t.Errorf("%s: exit status %d:\n%s", file, code, stderr)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		code       int
		stdout     bool // the usage on stdout (asked for) or stderr (a mistake)
		wantStderr string
	}{
		{nil, 2, false, "hydra: no command\n"},
		{[]string{"lint", "x.yaml"}, 2, false, `hydra: unknown command "lint"` + "\n"},
		{[]string{"check"}, 2, false, "hydra: check takes one FILE\n"},
		{[]string{"check", "a.yaml", "b.yaml"}, 2, false, "hydra: check takes one FILE\n"},
		{[]string{"-x"}, 2, false, "hydra: flag provided but not defined: -x\n"},
		{[]string{"check", "-x", "a.yaml"}, 2, false, "hydra: flag provided but not defined: -x\n"},
		{[]string{"-h"}, 0, true, ""},
		{[]string{"--help"}, 0, true, ""},
		{[]string{"help"}, 0, true, ""},
		{[]string{"check", "-h"}, 0, true, ""},
	} {
		code, stdout, stderr := runHydra(t, tc.args...)
		if code != tc.code {
			t.Errorf("%q: exit status %d, want %d", tc.args, code, tc.code)
		}
		if tc.stdout {
			if stdout != usage || stderr != "" {
				t.Errorf("%q: stdout %q, stderr %q; want the usage on stdout", tc.args, stdout, stderr)
			}
		} else if stdout != "" || stderr != tc.wantStderr+usage {
			t.Errorf("%q: stdout %q, stderr %q; want %q and the usage on stderr", tc.args, stdout, stderr, tc.wantStderr)
		}
	}
}

func TestCheckUnreadableFile(t *testing.T) {
	code, _, stderr := runHydra(t, "check", "testdata/missing.yaml")
	if want := "hydra: cannot read config file: open testdata/missing.yaml: no such file or directory\n"; code != 1 || stderr != want {
		t.Errorf("exit status %d, stderr %q; want 1 and %q", code, stderr, want)
	}
	code, _, stderr = runHydra(t, "check", "main.go")
	if want := "hydra: config file main.go: cannot tell its format from its name (want .yaml, .yml or .json)\n"; code != 1 || stderr != want {
		t.Errorf("exit status %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

// A default layer that the file does not configure is added, writing to
// stderr: check says so, and names a layer it was probably meant to be.
func TestCheckAddedDefaultLayer(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ file, want string }{
		{"default_layer: app\nlayers:\n  APP:\n    destinations: [{type: stdout}]\n",
			"\nLayer app is not in the file: as the default layer, it was added, writing text to stderr at INFO. Did you mean APP?\n"},
		{"layers:\n  APP:\n    destinations: [{type: stdout}]\n",
			"\nLayer DEFAULT is not in the file: as the default layer, it was added, writing text to stderr at INFO.\n"},
	} {
		path := filepath.Join(dir, "hydra.yaml")
		if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runHydra(t, "check", path)
		if code != 0 || stderr != "" || !strings.HasSuffix(stdout, tc.want) {
			t.Errorf("exit status %d, stderr %q, stdout:\n%s\nwant 0, nothing, and stdout ending in\n%s", code, stderr, stdout, tc.want)
		}
	}
}

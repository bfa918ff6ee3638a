package hydra

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseConfigLevel(t *testing.T) {
	for text, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "Warn": slog.LevelWarn, "warning": slog.LevelWarn,
		"ERROR": slog.LevelError, "INFO+2": 2, "error-1": 7, "debug+0": -4, "-4": -4, "8": 8, "0": 0, " info ": 0,
		"+3": 3,
	} {
		got, err := parseConfigLevel(text)
		require.NoError(t, err, text)
		require.Equal(t, want, got, text)
	}
	for _, text := range []string{"", "verbose", "info+", "info+x", "info+-1", "+", "info 2", "1.5", "trace", "99999999999"} {
		_, err := parseConfigLevel(text)
		require.ErrorContains(t, err, "unknown level", text)
	}
}

func TestParseFileMode(t *testing.T) {
	for text, want := range map[string]os.FileMode{"0640": 0o640, "640": 0o640, "0o600": 0o600, "0": 0, "777": 0o777, "0755": 0o755} {
		got, err := parseFileMode(text)
		require.NoError(t, err, text)
		require.Equal(t, want, got, text)
	}
	for text, want := range map[string]string{
		"rw-r--r--": "want permission bits in octal", "0648": "want permission bits in octal", "": "want permission bits",
		"-1": "want permission bits", "+640": "want permission bits", "1777": "has bits other than permissions", "0o": "want permission bits",
	} {
		_, err := parseFileMode(text)
		require.ErrorContains(t, err, want, text)
	}
}

func TestSetConfigScalar(t *testing.T) {
	var d Destination
	var a AsyncOptions
	var r RateLimit
	var rot Rotation
	for _, tc := range []struct {
		v          reflect.Value
		text, want string // want: "" for no error
	}{
		{reflect.ValueOf(&d.Sync).Elem(), "TRUE", ""},
		{reflect.ValueOf(&d.Sync).Elem(), "yes", `want true or false, got "yes"`},
		{reflect.ValueOf(&a.QueueSize).Elem(), "1024", ""},
		{reflect.ValueOf(&a.QueueSize).Elem(), "1e3", `want an integer, got "1e3"`},
		{reflect.ValueOf(&a.QueueSize).Elem(), "99999999999999999999", "is out of range"},
		{reflect.ValueOf(&a.Overflow).Elem(), "DROP_OLDEST", ""},
		{reflect.ValueOf(&a.Overflow).Elem(), "drop", `unknown policy "drop"`},
		{reflect.ValueOf(&a.BlockTimeout).Elem(), "250ms", ""},
		{reflect.ValueOf(&a.BlockTimeout).Elem(), "5", "want a duration"},
		{reflect.ValueOf(&r.PerSecond).Elem(), "0.5", ""},
		{reflect.ValueOf(&r.PerSecond).Elem(), "fast", `want a number, got "fast"`},
		{reflect.ValueOf(&rot.MaxSizeMB).Elem(), "-1", ""},
	} {
		err := setConfigScalar(tc.v, tc.text)
		if tc.want == "" {
			require.NoError(t, err, tc.text)
		} else {
			require.ErrorContains(t, err, tc.want, tc.text)
		}
	}
	require.True(t, d.Sync)
	require.Equal(t, AsyncOptions{QueueSize: 1024, Overflow: DropOldest, BlockTimeout: 250 * time.Millisecond}, a)
	require.Equal(t, 0.5, r.PerSecond)
	require.Equal(t, -1, rot.MaxSizeMB)
}

// The limits ParseConfig checks are New's: each value a rule rejects,
// Check rejects too, and what a rule accepts in a valid Config stays valid.
func TestConfigRulesAreNews(t *testing.T) {
	dir := t.TempDir()
	// holders put a valid value of each type where a Config holds one,
	// and return a pointer to it.
	holders := map[reflect.Type]func(*Config) any{
		reflect.TypeFor[Layer](): func(c *Config) any {
			l := &Layer{Destinations: []Destination{{Type: "null"}}}
			c.Layers = map[string]Layer{"A": *l}
			return l
		},
		reflect.TypeFor[Destination](): func(c *Config) any {
			c.Layers = map[string]Layer{"A": {Destinations: []Destination{{Type: "null"}}}}
			return &c.Layers["A"].Destinations[0]
		},
		reflect.TypeFor[AsyncOptions](): func(c *Config) any { return &c.Async },
		reflect.TypeFor[Rotation](): func(c *Config) any {
			c.Layers = map[string]Layer{"A": {Destinations: []Destination{{Type: "file", Path: filepath.Join(dir, "a.log")}}}}
			return &c.Layers["A"].Destinations[0].Rotation
		},
		reflect.TypeFor[Breaker](): func(c *Config) any {
			c.Layers = map[string]Layer{"A": {Destinations: []Destination{{Type: "stdout", Breaker: &Breaker{}}}}}
			return c.Layers["A"].Destinations[0].Breaker
		},
		reflect.TypeFor[Sampling](): func(c *Config) any {
			s := &Sampling{First: 1}
			c.Layers = map[string]Layer{"A": {Destinations: []Destination{{Type: "null"}}, Sampling: s}}
			return s
		},
		reflect.TypeFor[RateLimit](): func(c *Config) any {
			r := &RateLimit{PerSecond: 1}
			c.Layers = map[string]Layer{"A": {Destinations: []Destination{{Type: "null"}}, RateLimit: r}}
			return r
		},
		reflect.TypeFor[Monitor](): func(c *Config) any {
			c.Monitor = &Monitor{Layer: DefaultLayerName}
			return c.Monitor
		},
	}
	for typ, rules := range configRules {
		hold := holders[typ]
		require.NotNil(t, hold, "no holder for %v", typ)
		for name, rule := range rules {
			var cfg Config
			v := reflect.ValueOf(hold(&cfg)).Elem()
			_, err := Check(cfg)
			require.NoError(t, err, "%v.%s: the holder's Config", typ, name)
			require.Empty(t, rule(v.FieldByName(name)), "%v.%s: the holder's value", typ, name)

			f := v.FieldByName(name)
			switch f.Kind() {
			case reflect.Int, reflect.Int64:
				f.SetInt(-1)
			case reflect.Float64:
				f.SetFloat(0)
			case reflect.String:
				f.SetString("bogus")
			case reflect.Slice:
				f.Set(reflect.Zero(f.Type()))
			default:
				t.Fatalf("%v.%s: no bad value for %v", typ, name, f.Type())
			}
			if typ == reflect.TypeFor[Layer]() { // a map's value: set it back
				cfg.Layers["A"] = v.Interface().(Layer)
			}
			require.NotEmpty(t, rule(f), "%v.%s = %v", typ, name, f)
			_, err = Check(cfg)
			require.Error(t, err, "%v.%s = %v: the rule is stricter than New", typ, name, f)
		}
	}
}

func TestQueueSizeLimit(t *testing.T) {
	for _, n := range []int{0, 1, MaxQueueSize} {
		_, err := ParseConfig([]byte(fmt.Sprintf("async: {queue_size: %d}", n)), "yaml")
		require.NoError(t, err, n)
	}
	for _, n := range []int{-1, MaxQueueSize + 1} {
		_, err := ParseConfig([]byte(fmt.Sprintf("async: {queue_size: %d}", n)), "yaml")
		require.ErrorContains(t, err, fmt.Sprintf("hydra: line 1: async.queue_size: %d is not between 0", n))
		_, err = Check(Config{Async: AsyncOptions{QueueSize: n}})
		require.Error(t, err, n)
	}
}

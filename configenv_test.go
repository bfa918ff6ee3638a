package hydra

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"DIR": "/var/log", "EMPTY": "", "LEVEL": "warn", "A_1": "x"}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	for in, want := range map[string]string{
		"plain":                       "plain",
		"${DIR}/app.log":              "/var/log/app.log",
		"${DIR:-logs}/app.log":        "/var/log/app.log",
		"${NOPE:-logs}/app.log":       "logs/app.log",
		"${EMPTY:-fallback}":          "fallback",
		"[${EMPTY}]":                  "[]",
		"${LEVEL}${A_1}":              "warnx",
		"$${DIR}":                     "${DIR}",
		"$$":                          "$",
		"cost: $5, $":                 "cost: $5, $",
		"^token=\\S+$":                "^token=\\S+$",
		"${NOPE:-}":                   "",
		"${NOPE:-a:-b}":               "a:-b",
		"${NOPE:-${DIR}":              "${DIR",
		"$$$${DIR}":                   "$${DIR}",
		"a$$b":                        "a$b",
		"${DIR}${NOPE:-/x}${EMPTY}$$": "/var/log/x$",
	} {
		got, err := expandEnv(in, lookup)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for in, want := range map[string]string{
		"${NOPE}/app.log":    "environment variable NOPE is not set (${NOPE:-value} gives a default)",
		"${NOPE}${GONE}":     "environment variables NOPE, GONE are not set",
		"${DIR":              `"${DIR" has a ${ without its }`,
		"${}":                `"" is not a variable name`,
		"${1X}":              `"1X" is not a variable name`,
		"${DIR-x}":           `"DIR-x" is not a variable name`,
		"${ DIR }":           `" DIR " is not a variable name`,
		"${DIR:=x}":          `"DIR:=x" is not a variable name`,
		"x ${NOPE:-a} ${DIR": "has a ${ without its }",
	} {
		_, err := expandEnv(in, lookup)
		require.ErrorContains(t, err, want, in)
	}
}

// Variables are expanded in values, of every type, and not in keys.
func TestParseConfigExpandsEnv(t *testing.T) {
	t.Setenv("HYDRA_TEST_DIR", "/srv/logs")
	t.Setenv("HYDRA_TEST_QUEUE", "64")
	t.Setenv("HYDRA_TEST_LEVEL", "debug")
	cfg, err := ParseConfig([]byte(`
async: {queue_size: "${HYDRA_TEST_QUEUE}", block_timeout: "${HYDRA_TEST_WAIT:-1s}"}
layers:
  ${HYDRA_TEST_DIR}:
    level: ${HYDRA_TEST_LEVEL}
    destinations: [{type: file, path: "${HYDRA_TEST_DIR}/api.log", file_mode: "${HYDRA_TEST_MODE:-0640}"}]
`), "yaml")
	require.NoError(t, err)
	require.Equal(t, 64, cfg.Async.QueueSize)
	require.Equal(t, "1s", cfg.Async.BlockTimeout.String())
	l, ok := cfg.Layers["${HYDRA_TEST_DIR}"]
	require.True(t, ok, "a key is not expanded")
	require.Equal(t, "DEBUG", l.Level.Level().String())
	require.Equal(t, "/srv/logs/api.log", l.Destinations[0].Path)
	require.Equal(t, "-rw-r-----", l.Destinations[0].FileMode.String())

	_, err = ParseConfig([]byte("layers:\n  A:\n    destinations:\n      - type: file\n        path: ${HYDRA_TEST_UNSET_DIR}/a.log\n"), "yaml")
	require.EqualError(t, err, "hydra: line 5: layers.A.destinations[0].path: environment variable HYDRA_TEST_UNSET_DIR is not set (${HYDRA_TEST_UNSET_DIR:-value} gives a default)")
}

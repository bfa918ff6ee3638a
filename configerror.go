// This file owns the problems found in a configuration file: where each
// is (the file, the line, the key's path) and how it is worded, and the
// error that joins them.

package hydra

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// configError is one problem in a configuration file: where, and what.
type configError struct {
	file string
	line int    // 0: unknown
	path string // the key's path, as layers.API.destinations[1].format; "": the whole file
	err  error
}

func (e *configError) Error() string {
	var b strings.Builder
	b.WriteString("hydra: ")
	if e.file != "" {
		b.WriteString(e.file + ": ")
	}
	if e.line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.line)
	}
	if e.path != "" {
		b.WriteString(e.path + ": ")
	}
	b.WriteString(e.err.Error())
	return b.String()
}

func (e *configError) Unwrap() error { return e.err }

// unknownKey describes a key that type t does not have, with the key it
// was probably meant to be, or where it belongs.
func unknownKey(t reflect.Type, key string) error {
	if s := suggestKey(t, key); s != "" {
		return fmt.Errorf("unknown key (did you mean %s?)", s)
	}
	switch known, where := keyElsewhere(key); {
	case known == key:
		return fmt.Errorf("unknown key here (%s is a key of %s)", key, strings.Join(where, " and "))
	case known != "":
		return fmt.Errorf("unknown key (did you mean %s, a key of %s?)", known, strings.Join(where, " and "))
	}
	return fmt.Errorf("unknown key (want %s)", configKeyList(t))
}

// configKeyList lists the keys of struct type t, for messages.
func configKeyList(t reflect.Type) string {
	var keys []string
	for _, f := range configFields(t) {
		if !f.code {
			keys = append(keys, f.key)
		}
	}
	return strings.Join(keys, ", ")
}

// describeNode names what a node is, for messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinKeyPath appends a key or a name to a path: layers.API, or
// layers["my layer"] for a name that is not plain.
func joinKeyPath(path, name string) string {
	switch {
	case !plainKey.MatchString(name):
		return fmt.Sprintf("%s[%q]", path, name)
	case path == "":
		return name
	}
	return path + "." + name
}

// joinConfigErrors joins the problems found, each once, in the order of
// their lines.
func joinConfigErrors(errs []error) error {
	seen := map[string]bool{}
	var out []error
	for _, err := range errs {
		if msg := err.Error(); !seen[msg] {
			seen[msg] = true
			out = append(out, err)
		}
	}
	slices.SortStableFunc(out, func(a, b error) int {
		return cmp.Compare(a.(*configError).line, b.(*configError).line)
	})
	return errors.Join(out...)
}

// This file owns the walk from a configuration file's tree of nodes to a
// Config. It goes by reflection over the config types, so that a field
// added to them is read from its key with no new code here, and it goes on
// after a problem, so that every problem is reported at once, each with
// its key's path and line.

package hydra

import (
	"cmp"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxConfigValues bounds the values a file may hold once its aliases are
// expanded, against a small file that names a large tree many times over.
const maxConfigValues = 100_000

// configDecoder walks one file's nodes into a Config.
type configDecoder struct {
	file    string                      // for messages; "" for ParseConfig
	lookup  func(string) (string, bool) // the environment
	errs    []error                     // every problem found
	visited int                         // values seen, against maxConfigValues
}

// fail records a problem; none after the file was found to expand to too
// many values: the walk was cut short, and what it misses is no problem.
func (d *configDecoder) fail(n *yaml.Node, path string, err error) {
	if d.visited > maxConfigValues {
		return
	}
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &configError{file: d.file, line: line, path: path, err: err})
}

func (d *configDecoder) failf(n *yaml.Node, path, format string, args ...any) {
	d.fail(n, path, fmt.Errorf(format, args...))
}

// follow returns n, or the node an alias n names; nil once the file has
// expanded to too many values, which is reported once.
func (d *configDecoder) follow(n *yaml.Node, path string) *yaml.Node {
	if d.visited++; d.visited == maxConfigValues {
		d.failf(n, path, "the file holds more than %d values once its aliases are expanded", maxConfigValues)
		d.visited++
	}
	if d.visited > maxConfigValues {
		return nil
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// value decodes n into v, a settable value of a config type, at path.
// key is the node of n's key, if it has one: a key missing in n is
// reported on its line. A null leaves v as it is: the field keeps its
// default.
func (d *configDecoder) value(n, key *yaml.Node, path string, v reflect.Value) {
	if n = d.follow(n, path); n == nil {
		return
	}
	t := v.Type()
	if n.Tag == "!!null" && t.Kind() != reflect.String {
		return
	}
	switch {
	case hasConfigKeys(t) && t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		d.value(n, key, path, p.Elem())
		v.Set(p)
	case hasConfigKeys(t) && t.Kind() == reflect.Map:
		d.mapping(n, path, v)
	case hasConfigKeys(t):
		d.structure(n, key, path, v)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.failf(n, path, "want a list, got %s", describeNode(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(item, nil, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
		}
		v.Set(s)
	default:
		d.scalar(n, path, v)
	}
}

// scalar decodes a scalar node into v.
func (d *configDecoder) scalar(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.failf(n, path, "want %s, got %s", configWant(v.Type()), describeNode(n))
		return
	}
	text := n.Value
	if n.Tag == "!!null" && (text == "~" || text == "") {
		text = "" // a string left empty; but null, as the Type of a destination, is "null"
	}
	text, err := expandEnv(text, d.lookup)
	if err == nil {
		err = setConfigScalar(v, text)
	}
	if err != nil {
		d.fail(n, path, err)
	}
}

// mapping decodes a mapping node into v, a map keyed by names (layers).
// The names are used as written: no variable is expanded in a key.
func (d *configDecoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.failf(n, path, "want a mapping of names, got %s", describeNode(n))
		return
	}
	m := reflect.MakeMap(v.Type())
	for _, e := range d.entries(n, path) {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(e.val, e.key, joinKeyPath(path, e.key.Value), elem)
		m.SetMapIndex(reflect.ValueOf(e.key.Value).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

// structure decodes a mapping node into v, a struct, by the keys of its
// fields, and then checks the limits of its fields (see configRules).
func (d *configDecoder) structure(n, key *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.failf(n, path, "want a mapping of keys (%s), got %s", configKeyList(v.Type()), describeNode(n))
		return
	}
	written := map[string]*yaml.Node{}
	for _, e := range d.entries(n, path) {
		name, at := e.key.Value, joinKeyPath(path, e.key.Value)
		f, ok := configFieldByKey(v.Type(), name)
		switch {
		case path == "" && strings.HasPrefix(name, "x-"):
			// An extension, as in Compose files: a place for anchors.
		case !ok:
			d.fail(e.key, at, unknownKey(v.Type(), name))
			if meant, ok := configFieldByKey(v.Type(), suggestKey(v.Type(), name)); ok && written[meant.name] == nil {
				written[meant.name] = nil // not missing: misspelt, and reported
			}
		case f.code:
			d.failf(e.key, at, "%s cannot be written in a file: set it in code, after loading", f.name)
		default:
			before := len(d.errs)
			d.value(e.val, e.key, at, v.Field(f.index))
			written[f.name] = e.val
			if len(d.errs) > before {
				written[f.name] = nil // reported: its limits are not checked
			}
		}
	}
	for _, f := range configFields(v.Type()) {
		rule := configRules[v.Type()][f.name]
		w, ok := written[f.name]
		if rule == nil || ok && w == nil {
			continue
		}
		if problem := rule(v.Field(f.index)); problem != "" {
			at := cmp.Or(w, key, n) // a missing key: the mapping that lacks it
			d.failf(at, joinKeyPath(path, f.key), "%s", problem)
		}
	}
}

// configPair is one key and its value in a mapping.
type configPair struct{ key, val *yaml.Node }

// entries returns the pairs of mapping n, then those that its merge keys
// (<<: *anchor) bring in and n does not set itself, the first merged
// mapping winning. A key written twice is an error.
func (d *configDecoder) entries(n *yaml.Node, path string) []configPair {
	var own, merged []configPair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind == yaml.ScalarNode && k.Tag == "!!merge":
			merged = append(merged, d.merged(val, path)...)
		case k.Kind != yaml.ScalarNode:
			d.failf(k, path, "a key must be a name, got %s", describeNode(k))
		case seen[k.Value] != nil:
			d.failf(k, joinKeyPath(path, k.Value), "the key appears twice (first on line %d)", seen[k.Value].Line)
		default:
			seen[k.Value] = k
			own = append(own, configPair{k, val})
		}
	}
	for _, e := range merged {
		if seen[e.key.Value] == nil {
			seen[e.key.Value] = e.key
			own = append(own, e)
		}
	}
	return own
}

// merged returns the pairs that the value of a merge key brings in: a
// mapping's, or those of a list of mappings.
func (d *configDecoder) merged(val *yaml.Node, path string) []configPair {
	if val = d.follow(val, path); val == nil {
		return nil
	}
	switch val.Kind {
	case yaml.MappingNode:
		return d.entries(val, path)
	case yaml.SequenceNode:
		var es []configPair
		for _, item := range val.Content {
			if item = d.follow(item, path); item != nil && item.Kind == yaml.MappingNode {
				es = append(es, d.entries(item, path)...)
			} else if item != nil {
				d.failf(item, path, "<< merges mappings, got %s", describeNode(item))
			}
		}
		return es
	}
	d.failf(val, path, "<< merges a mapping or a list of mappings, got %s", describeNode(val))
	return nil
}

// This file owns the keys of a configuration file: each field of the
// config types has one, its Go name in snake_case, unless the field can
// only be set in code (a func, or an interface other than slog.Leveler).
// It also finds the known key a misspelt one was meant to be.

package hydra

import (
	"encoding"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

var (
	configLevelerType     = reflect.TypeFor[slog.Leveler]()
	configLevelType       = reflect.TypeFor[slog.Level]()
	configDurationType    = reflect.TypeFor[time.Duration]()
	configFileModeType    = reflect.TypeFor[os.FileMode]()
	configUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// configKey returns the key of a field: its name in snake_case, an acronym
// kept in one piece (MaxSizeMB: max_size_mb, PerSecond: per_second).
func configKey(name string) string {
	rs := []rune(name)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (!unicode.IsUpper(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// configField is a field of a config type, as a configuration file sees it.
type configField struct {
	key   string
	name  string // the Go name, for messages about code-only fields
	index int
	code  bool // set only in code: a key for it is an error
}

var configFieldCache sync.Map // reflect.Type → []field

// configFields returns the exported fields of struct type t with their keys.
func configFields(t reflect.Type) []configField {
	if fs, ok := configFieldCache.Load(t); ok {
		return fs.([]configField)
	}
	var fs []configField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fs = append(fs, configField{key: configKey(f.Name), name: f.Name, index: i, code: !isConfigData(f.Type)})
	}
	configFieldCache.Store(t, fs)
	return fs
}

// configFieldByKey returns the field of struct type t with the given key.
func configFieldByKey(t reflect.Type, key string) (configField, bool) {
	for _, f := range configFields(t) {
		if f.key == key {
			return f, true
		}
	}
	return configField{}, false
}

// isConfigData reports whether a value of type t can be written in a file.
func isConfigData(t reflect.Type) bool {
	switch {
	case t == configLevelerType, t == configLevelType, t == configDurationType, t == configFileModeType:
		return true
	case t.Implements(configUnmarshalerType), reflect.PointerTo(t).Implements(configUnmarshalerType):
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	case reflect.Struct:
		return true
	case reflect.Pointer, reflect.Slice:
		return isConfigData(t.Elem())
	case reflect.Map:
		return t.Key().Kind() == reflect.String && isConfigData(t.Elem())
	}
	return false
}

// configKeyPaths returns the path of every key a file may hold under a value of
// type t, prefixed by prefix: "layers.*" for any key of a map,
// "destinations[]" for any item of a list. A type met again on the way
// down (Fallback is a Destination) ends the path there.
func configKeyPaths(t reflect.Type, prefix string) []string {
	return configKeyPathsIn(t, prefix, nil)
}

func configKeyPathsIn(t reflect.Type, prefix string, seen []reflect.Type) []string {
	for t.Kind() == reflect.Pointer && !t.Implements(configUnmarshalerType) {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Slice && hasConfigKeys(t.Elem()):
		return configKeyPathsIn(t.Elem(), prefix+"[]", seen)
	case t.Kind() == reflect.Map:
		return configKeyPathsIn(t.Elem(), prefix+".*", seen)
	case !hasConfigKeys(t) || slices.Contains(seen, t):
		return nil
	}
	var paths []string
	for _, f := range configFields(t) {
		if f.code {
			continue
		}
		p := f.key
		if prefix != "" {
			p = prefix + "." + f.key
		}
		paths = append(paths, p)
		paths = append(paths, configKeyPathsIn(t.Field(f.index).Type, p, append(seen, t))...)
	}
	return paths
}

// hasConfigKeys reports whether values of type t are written as a mapping of
// keys: a map, or a struct that is not a scalar in disguise (a Regexp is
// written as a string).
func hasConfigKeys(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer && !t.Implements(configUnmarshalerType) {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Map:
		return true
	case reflect.Struct:
		return !reflect.PointerTo(t).Implements(configUnmarshalerType)
	}
	return false
}

// suggestKey returns the key, of the keys of struct type t, that key was
// probably meant to be, or "" when none is close.
func suggestKey(t reflect.Type, key string) string {
	var keys []string
	for _, f := range configFields(t) {
		if !f.code {
			keys = append(keys, f.key)
		}
	}
	return closestKey(keys, key)
}

// closestKey returns the key, of keys, that key was probably meant to be,
// or "" when none is close: the same words in another case or spelling
// (queueSize, Queue-Size), a key one or two edits away (queue_sise), or
// the one key that has all its words (backups: max_backups).
func closestKey(keys []string, key string) string {
	split := strings.NewReplacer("-", "_", " ", "_")
	words := func(s string) []string { return strings.Split(split.Replace(strings.ToLower(s)), "_") }
	norm := func(s string) string { return strings.Join(words(s), "") }
	best, bestDist := "", 3
	if len(key) <= 4 {
		bestDist = 2
	}
	var within []string // the keys that have every word of key
	for _, k := range keys {
		if norm(k) == norm(key) {
			return k
		}
		if d := editDistance(norm(k), norm(key)); d < bestDist {
			best, bestDist = k, d
		}
		kw := words(k)
		if !slices.Contains(within, k) && !slices.ContainsFunc(words(key), func(w string) bool { return !slices.Contains(kw, w) }) {
			within = append(within, k)
		}
	}
	if best == "" && len(within) == 1 {
		best = within[0]
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// keyElsewhere finds a key put at the wrong level (queue_size goes under
// async, not in a destination): it returns the key, or the known key
// closest to it, and the mappings that have that key, as "async",
// "destinations[i]" or "the top level"; "" when no key is close.
func keyElsewhere(key string) (known string, parents []string) {
	paths := configKeyPaths(reflect.TypeFor[Config](), "")
	var keys []string
	for _, p := range paths {
		keys = append(keys, p[strings.LastIndexByte(p, '.')+1:])
	}
	if known = closestKey(keys, key); known == "" {
		return "", nil
	}
	for i, p := range paths {
		if keys[i] != known {
			continue
		}
		name := "the top level"
		if j := strings.LastIndexByte(p, '.'); j >= 0 {
			segs := strings.Split(strings.ReplaceAll(strings.ReplaceAll(p[:j], "[]", "[i]"), ".*", ".NAME"), ".")
			name = segs[len(segs)-1]
			if name == "NAME" {
				name = segs[len(segs)-2] + ".NAME"
			}
		}
		if !slices.Contains(parents, name) {
			parents = append(parents, name)
		}
	}
	return known, parents
}

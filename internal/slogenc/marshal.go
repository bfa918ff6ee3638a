// This file owns the fast path of slog.Any values in the JSON format:
// the unnamed types that logs carry most (strings, numbers, slices of
// them, maps from strings to them) written as encoding/json writes them,
// without reflection. Anything else goes to encoding/json, as in slog.

package slogenc

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// maxMarshalDepth is how deep the fast path follows []any and
// map[string]any; deeper values, cycles among them, are left to
// encoding/json, which reports a cycle as slog shows it.
const maxMarshalDepth = 16

// maxKeptKeys bounds the scratch in which map keys are sorted, kept from
// one record to the next.
const maxKeptKeys = 1024

// appendMarshaled writes a as encoding/json (without HTML escaping) would,
// if a is one of the types below, and reports whether it did; otherwise it
// writes nothing. Only unnamed types are matched: a named one may have
// its own MarshalJSON or MarshalText.
func (s *encodeState) appendMarshaled(a any) bool {
	buf, ok := s.e.marshal(s.buf, a, 0)
	if ok {
		s.buf = buf
	}
	return ok
}

// marshal and the functions below append to buf and return it, and false
// if they met a value they leave to encoding/json. They take the Encoder,
// for its scratch, and not the encodeState: that lives on Append's stack,
// and passing it to a function value would move it to the heap.
func (e *Encoder) marshal(buf []byte, a any, depth int) ([]byte, bool) {
	if depth > maxMarshalDepth {
		return buf, false
	}
	switch v := a.(type) {
	case nil:
		return append(buf, "null"...), true
	case string:
		return appendMarshaledString(buf, v), true
	case bool:
		return strconv.AppendBool(buf, v), true
	case int:
		return strconv.AppendInt(buf, int64(v), 10), true
	case int64:
		return strconv.AppendInt(buf, v, 10), true
	case uint64:
		return strconv.AppendUint(buf, v, 10), true
	case float64:
		return marshalFloat(e, buf, v, depth)
	case []string:
		return marshalSlice(e, buf, v, depth, marshalString)
	case []int:
		return marshalSlice(e, buf, v, depth, marshalInt)
	case []int64:
		return marshalSlice(e, buf, v, depth, marshalInt64)
	case []float64:
		return marshalSlice(e, buf, v, depth, marshalFloat)
	case []any:
		return marshalSlice(e, buf, v, depth, (*Encoder).marshal)
	case map[string]string:
		return marshalMap(e, buf, v, depth, marshalString)
	case map[string]int:
		return marshalMap(e, buf, v, depth, marshalInt)
	case map[string]int64:
		return marshalMap(e, buf, v, depth, marshalInt64)
	case map[string]float64:
		return marshalMap(e, buf, v, depth, marshalFloat)
	case map[string]bool:
		return marshalMap(e, buf, v, depth, marshalBool)
	case map[string]any:
		return marshalMap(e, buf, v, depth, (*Encoder).marshal)
	}
	return buf, false
}

func marshalString(_ *Encoder, buf []byte, v string, _ int) ([]byte, bool) {
	return appendMarshaledString(buf, v), true
}

func marshalInt(_ *Encoder, buf []byte, v int, _ int) ([]byte, bool) {
	return strconv.AppendInt(buf, int64(v), 10), true
}

func marshalInt64(_ *Encoder, buf []byte, v int64, _ int) ([]byte, bool) {
	return strconv.AppendInt(buf, v, 10), true
}

func marshalBool(_ *Encoder, buf []byte, v bool, _ int) ([]byte, bool) {
	return strconv.AppendBool(buf, v), true
}

// marshalFloat leaves NaN and the infinities to encoding/json, whose error
// slog writes.
func marshalFloat(_ *Encoder, buf []byte, v float64, _ int) ([]byte, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return buf, false
	}
	return appendFiniteJSONFloat(buf, v), true
}

// marshalSlice writes a slice as encoding/json does: null if nil.
func marshalSlice[E any](e *Encoder, buf []byte, v []E, depth int, elem func(*Encoder, []byte, E, int) ([]byte, bool)) ([]byte, bool) {
	if v == nil {
		return append(buf, "null"...), true
	}
	buf = append(buf, '[')
	for i, x := range v {
		if i > 0 {
			buf = append(buf, ',')
		}
		var ok bool
		if buf, ok = elem(e, buf, x, depth+1); !ok {
			return buf, false
		}
	}
	return append(buf, ']'), true
}

// marshalMap writes a map as encoding/json does: null if nil, its keys
// sorted. The keys are sorted in the encoder's scratch, one map's after
// the enclosing map's.
func marshalMap[V any](e *Encoder, buf []byte, m map[string]V, depth int, elem func(*Encoder, []byte, V, int) ([]byte, bool)) ([]byte, bool) {
	if m == nil {
		return append(buf, "null"...), true
	}
	base := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	keys := e.keys[base:]
	slices.Sort(keys)
	ok := true
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendMarshaledString(buf, k)
		buf = append(buf, ':')
		if buf, ok = elem(e, buf, m[k], depth+1); !ok {
			break
		}
	}
	clear(e.keys[base:]) // keep no strings alive (a nested map may have moved e.keys)
	e.keys = e.keys[:base]
	if base == 0 && cap(e.keys) > maxKeptKeys {
		e.keys = nil // do not keep a huge map's memory
	}
	return append(buf, '}'), ok
}

// appendMarshaledString writes str as a JSON string as encoding/json does
// without HTML escaping: as slog escapes its own strings, but for '\b' and
// '\f', which encoding/json writes as such and slog as \u0008 and \u000c.
// Both are ASCII: cutting the string at them changes nothing else.
func appendMarshaledString(buf []byte, str string) []byte {
	buf = append(buf, '"')
	for {
		i := strings.IndexAny(str, "\b\f")
		if i < 0 {
			break
		}
		buf = appendEscapedJSONString(buf, str[:i])
		if str[i] == '\b' {
			buf = append(buf, '\\', 'b')
		} else {
			buf = append(buf, '\\', 'f')
		}
		str = str[i+1:]
	}
	buf = appendEscapedJSONString(buf, str)
	return append(buf, '"')
}

package slogenc

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// marshalJSON is what slog writes for a slog.Any value in the JSON format:
// encoding/json without HTML escaping, without the newline.
func marshalJSON(t testing.TB, a any) (string, bool) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return err.Error(), false
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

// checkMarshaled checks the fast path against encoding/json for a: the
// same bytes where it writes a, nothing where it does not.
func checkMarshaled(t testing.TB, a any) (handled bool) {
	t.Helper()
	s := encodeState{e: New(Options{JSON: true}), buf: []byte("x")}
	handled = s.appendMarshaled(a)
	want, ok := marshalJSON(t, a)
	if !handled {
		if string(s.buf) != "x" {
			t.Fatalf("%#v: left %q behind", a, s.buf)
		}
		return false
	}
	if !ok {
		t.Fatalf("%#v: written as %q, but encoding/json fails: %s", a, s.buf[1:], want)
	}
	if got := string(s.buf[1:]); got != want {
		t.Fatalf("%#v:\n got %s\nwant %s", a, got, want)
	}
	if len(s.e.keys) != 0 {
		t.Fatalf("%#v: %d keys left in the scratch", a, len(s.e.keys))
	}
	return true
}

type namedStrings []string

func (namedStrings) MarshalJSON() ([]byte, error) { return []byte(`"mine"`), nil }

func TestMarshaledMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", `quo"te`, `back\slash`, "\b\f\n\r\t\x00\x1f", "<&>", "\u2028\u2029", "\xff\xfe", "ünï",
		`\u0008`, "a\bb\fc", "\b", strings.Repeat("x\f", 100)}
	deep := any("bottom")
	for range maxMarshalDepth + 2 {
		deep = []any{deep}
	}
	handled := []any{
		nil, "s", true, false, 0, -1, math.MaxInt, math.MinInt64, int64(42), uint64(math.MaxUint64),
		0.0, math.Copysign(0, -1), 1.5, 1e-7, 1e-6, 1e20, 1e21, math.MaxFloat64, math.SmallestNonzeroFloat64,
		strs, []string{}, []string(nil), []int{1, -2, 3}, []int(nil), []int64{math.MinInt64}, []float64{0.1, 1e300, -1e-300},
		[]any{}, []any(nil), []any{nil, "a", 1, 2.5, true, []string{"x"}, map[string]any{"k": []any{1}}},
		map[string]string{}, map[string]string(nil), map[string]int{"c": 3, "a": 1, "b": 2}, map[string]int64{"z": -1},
		map[string]float64{"f": 0.5}, map[string]bool{"t": true, "f": false},
		map[string]any{"b": map[string]any{"y": 1, "x": []any{map[string]int{"q": 1, "p": 2}}}, "a": nil, "\b<k>": "\f"},
	}
	for _, s := range strs {
		handled = append(handled, s, map[string]string{s: s})
	}
	for _, a := range handled {
		assert.True(t, checkMarshaled(t, a), "%#v is for the fast path", a)
	}
	// Named types, kinds it leaves alone, values encoding/json refuses,
	// and values nested deeper than it follows: encoding/json writes them.
	for _, a := range []any{
		namedStrings{"a"}, time.Duration(5), int8(3), float32(0.1), []byte("b"), struct{ X int }{1},
		math.NaN(), math.Inf(1), []float64{1, math.NaN()}, []any{1, math.Inf(-1)}, map[string]any{"a": struct{}{}},
		[]any{1, namedStrings{"b"}}, map[int]string{1: "a"}, deep,
	} {
		assert.False(t, checkMarshaled(t, a), "%#v is for encoding/json", a)
	}
}

func TestMarshaledDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := encodeState{e: New(Options{JSON: true}), buf: make([]byte, 0, 1024)}
	vals := []any{[]string{"alpha", "beta"}, map[string]int{"a": 1, "b": 2, "c": 3}, []any{1, "x", map[string]any{"k": 2.5}}}
	s.e.keys = make([]string, 0, 8)
	for _, v := range vals {
		allocs := testing.AllocsPerRun(100, func() {
			s.buf = s.buf[:0]
			require.True(t, s.appendMarshaled(v))
		})
		assert.Zero(t, allocs, "%#v", v)
	}
}

// marshalable returns a value of a type the JSON fast path writes, now and
// then with one nested that it does not.
func (g *gen) marshalable() any {
	g.depth++
	defer func() { g.depth-- }()
	n := g.intn(8)
	if g.depth > maxMarshalDepth+2 {
		return g.str()
	}
	switch g.intn(17) {
	case 0:
		return nil
	case 1:
		return g.str()
	case 2:
		return g.byte()&1 == 1
	case 3:
		return int(g.uint64())
	case 4:
		return int64(g.uint64())
	case 5:
		return g.uint64()
	case 6:
		return math.Float64frombits(g.uint64()) // NaN and infinities too
	case 7:
		if n == 0 {
			return []string(nil)
		}
		v := make([]string, n-1)
		for i := range v {
			v[i] = g.str()
		}
		return v
	case 8:
		v := make([]int, n)
		for i := range v {
			v[i] = int(int8(g.byte()))
		}
		return v
	case 9:
		v := make([]float64, n)
		for i := range v {
			v[i] = []float64{0, 1.5, -2, 1e21, 1e-7, 123456.789, math.MaxFloat64, math.Inf(1)}[g.intn(8)]
		}
		return v
	case 10, 11:
		if n == 0 {
			return []any(nil)
		}
		v := make([]any, n-1)
		for i := range v {
			v[i] = g.marshalable()
		}
		return v
	case 12:
		v := map[string]string{}
		for range n {
			v[g.str()] = g.str()
		}
		return v
	case 13:
		v := map[string]int{}
		for range n {
			v[g.str()] = int(g.uint64())
		}
		return v
	case 14, 15:
		if n == 0 {
			return map[string]any(nil)
		}
		v := map[string]any{}
		for range n {
			v[g.str()] = g.marshalable()
		}
		return v
	default:
		return []any{struct{ X string }{g.str()}, namedStrings{}, int8(1), map[string]bool{g.str(): true},
			map[string]int64{g.str(): 1}, map[string]float64{g.str(): 0.25}, []int64{-1}}[g.intn(7)]
	}
}

func FuzzMarshaled(f *testing.F) {
	for _, seed := range []string{"", "\x0a\x03\x0e\x02\x01", "\x0e\x05\x01a\x0b\x04\x07\x02", "\x07\x05\x2a\x10\x0f"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{data: data}
		checkMarshaled(t, g.marshalable())
	})
}

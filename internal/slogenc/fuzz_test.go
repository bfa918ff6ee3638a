// This file owns FuzzEncoder, the differential test on records made from
// the fuzzer's bytes; its corpus is in testdata/fuzz/FuzzEncoder.

package slogenc

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// gen turns fuzz input into records, attributes and WithAttrs/WithGroup
// chains, so that the fuzzer's mutations change them in meaningful ways.
// It reads zeros once the input runs out.
type gen struct {
	data  []byte
	depth int
}

func (g *gen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *gen) intn(n int) int { return int(g.byte()) % n }

func (g *gen) uint64() uint64 {
	var b [8]byte
	for i := range b {
		b[i] = g.byte()
	}
	return binary.LittleEndian.Uint64(b[:])
}

// str returns a short string: one of a few that matter, or raw bytes,
// which may be invalid UTF-8.
func (g *gen) str() string {
	special := []string{"", "a", "layer", "msg", "time", "level", "source", "a.b", "k=v", "sp ace", "quo\"te",
		"new\nline", "tab\t", "ünï", "\u2028", "\xff", "=", `\`, "<&>"}
	if n := g.intn(2*len(special) + 2); n < len(special) {
		return special[n]
	} else if n == 2*len(special)+1 {
		return strings.Repeat("huge\n\"", 1+int(g.byte())*100) // up to 150 kB
	}
	n := g.intn(12)
	b := make([]byte, n)
	for i := range b {
		b[i] = g.byte()
	}
	return string(b)
}

var fuzzZones = []*time.Location{time.UTC, time.FixedZone("A", 3600), time.FixedZone("B", -9*3600-30*60), time.Local}

func (g *gen) time() time.Time {
	switch g.intn(4) {
	case 0:
		return time.Time{}
	case 1: // any second in years 1 to 10000 and beyond
		return time.Unix(int64(g.uint64()%(300e9))-62135596800, int64(g.uint64()%1e9)).In(fuzzZones[g.intn(len(fuzzZones))])
	default:
		return time.Unix(0, int64(g.uint64())).In(fuzzZones[g.intn(len(fuzzZones))])
	}
}

func (g *gen) value() slog.Value {
	switch g.intn(16) {
	case 0, 1:
		return slog.StringValue(g.str())
	case 2:
		return slog.Int64Value(int64(g.uint64()))
	case 3:
		return slog.Uint64Value(g.uint64())
	case 4:
		return slog.Float64Value(math.Float64frombits(g.uint64()))
	case 5:
		return slog.Float64Value([]float64{0, 1.5, -2, 1e21, 1e-7, 123456.789, math.NaN(), math.Inf(-1)}[g.intn(8)])
	case 6:
		return slog.BoolValue(g.byte()&1 == 1)
	case 7:
		return slog.DurationValue(time.Duration(g.uint64()))
	case 8:
		return slog.TimeValue(g.time())
	case 9:
		anys := []any{errors.New(g.str()), textM{g.str()}, textErr{}, jsonM{}, jsonErr{}, errAndJSON{}, []byte(g.str()),
			myBytes(g.str()), nil, map[string]any{g.str(): g.str()}, panicStringer{}, (*nilStringer)(nil), struct{ X string }{g.str()},
			&slog.Source{Function: g.str(), File: g.str(), Line: g.intn(3)}, slog.Level(int8(g.byte())), g.marshalable()}
		return slog.AnyValue(anys[g.intn(len(anys))])
	case 10, 11:
		if g.depth < 3 {
			g.depth++
			defer func() { g.depth-- }()
			return slog.GroupValue(g.attrs(4)...)
		}
		return slog.StringValue("deep")
	case 12:
		return slog.AnyValue(valuer{g.value()})
	case 13:
		return slog.AnyValue(panicValuer{})
	default:
		return slog.IntValue(g.intn(300))
	}
}

func (g *gen) attrs(max int) []slog.Attr {
	as := make([]slog.Attr, g.intn(max+1))
	for i := range as {
		if g.intn(10) == 0 {
			as[i] = slog.Attr{} // empty: to be elided
			continue
		}
		as[i] = slog.Attr{Key: g.str(), Value: g.value()}
	}
	return as
}

// fuzzReps are the ReplaceAttr functions the fuzzer chooses from: none, one
// that deletes by key and one that rewrites kinds.
var fuzzReps = []func([]string, slog.Attr) slog.Attr{
	nil,
	func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == "a" || a.Key == slog.TimeKey || len(groups) > 1 {
			return slog.Attr{}
		}
		return a
	},
	func(groups []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindInt64 {
			return slog.Group(a.Key, slog.String(strings.Join(groups, "."), a.Value.String()))
		}
		return a
	},
}

// vanishes reports whether every attribute in as would be elided, as the
// encoder decides it: then slog's output for a group holding them is wrong
// (see TestEncoderFixesSlogBugs), and only hydra's is checked.
func vanishes(as []slog.Attr, groups []string, rep func([]string, slog.Attr) slog.Attr) bool {
	for _, a := range as {
		if !elided(a, groups, rep) {
			return false
		}
	}
	return true
}

func elided(a slog.Attr, groups []string, rep func([]string, slog.Attr) slog.Attr) bool {
	a = resolveForVanish(a, groups, rep)
	if a.Equal(slog.Attr{}) {
		return true
	}
	if src, ok := a.Value.Any().(*slog.Source); ok && a.Value.Kind() == slog.KindAny && (src == nil || *src == slog.Source{}) {
		return true
	}
	if a.Value.Kind() != slog.KindGroup || len(a.Value.Group()) == 0 {
		return false
	}
	if a.Key != "" {
		groups = append(slices.Clip(groups), a.Key)
	}
	return vanishes(a.Value.Group(), groups, rep)
}

// resolveForVanish resolves a and applies rep as the encoder does, and
// turns a non-empty *slog.Source into the group the JSON format makes of it
// (whose fields ReplaceAttr may remove as well).
func resolveForVanish(a slog.Attr, groups []string, rep func([]string, slog.Attr) slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if rep != nil && a.Value.Kind() != slog.KindGroup {
		a = rep(groups, a)
		a.Value = a.Value.Resolve()
	}
	if src, ok := a.Value.Any().(*slog.Source); ok && a.Value.Kind() == slog.KindAny && src != nil && *src != (slog.Source{}) {
		a.Value = sourceGroup(src)
	}
	return a
}

// anyVanishing reports whether some group among as, at any depth, vanishes.
func anyVanishing(as []slog.Attr, groups []string, rep func([]string, slog.Attr) slog.Attr) bool {
	for _, a := range as {
		a = resolveForVanish(a, groups, rep)
		if a.Value.Kind() != slog.KindGroup || len(a.Value.Group()) == 0 {
			continue
		}
		sub := groups
		if a.Key != "" {
			sub = append(slices.Clip(groups), a.Key)
		}
		if vanishes(a.Value.Group(), sub, rep) || anyVanishing(a.Value.Group(), sub, rep) {
			return true
		}
	}
	return false
}

var fuzzPC = func() uintptr {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	return pcs[0]
}()

// FuzzEncoder feeds random records (every slog.Kind, nested and empty
// groups, LogValuers, odd strings and numbers, panicking methods) through
// random WithAttrs/WithGroup chains to the encoder and to slog, in both
// formats, with and without AddSource and ReplaceAttr. Every output is
// exactly one line, JSON output is valid JSON, and the bytes equal slog's
// unless slog's are wrong (a group that vanishes). The console format of
// the same record is one line too, with no escape sequence but its own.
func FuzzEncoder(f *testing.F) {
	for _, seed := range []string{
		"", "\x00", "\x01\x01\x01\x05\x00\x01\x02\x03",
		"\x00\x00\x02\x03a\x0ab\x0bc\x09d\x0d",
		"\x01\x01\x01\x01\x04\x0a\x02\x0b\x03\x0c\x00\x0d",
		"\x00\x01\x00\x02\x0c\x03\x0a\x10\x0a\x11",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{data: data}
		format := []string{"text", "json"}[g.intn(2)]
		addSource := g.intn(2) == 1
		rep := fuzzReps[g.intn(len(fuzzReps))]
		var chain []op
		var groups []string // the groups the chain opens, as ReplaceAttr sees them
		mayVanish := false
		for range g.intn(4) {
			if g.intn(2) == 0 {
				// slog.Logger never passes an empty name to WithGroup
				// (slog's own handlers would open a group "" then).
				if name := g.str(); name != "" {
					chain = append(chain, op{group: name})
					groups = append(groups, name)
				}
				continue
			}
			as := g.attrs(3)
			mayVanish = mayVanish || anyVanishing(as, groups, rep)
			chain = append(chain, op{attrs: func() []slog.Attr { return slices.Clone(as) }})
		}
		r := slog.NewRecord(g.time(), slog.Level(int8(g.byte())), g.str(), fuzzPC)
		as := g.attrs(7)
		r.AddAttrs(as...)
		mayVanish = mayVanish || anyVanishing(as, groups, rep)

		p := newPair(t, format, addSource, rep)
		got, want := p.handle(t, chain, r)
		if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
			t.Fatalf("not exactly one line: %q", got)
		}
		if p.json && !json.Valid([]byte(got)) {
			t.Fatalf("not JSON: %s", got)
		}
		if !mayVanish && got != want {
			t.Fatalf("differs from slog:\nhydra: %s\nslog:  %s", got, want)
		}

		// The console format has no slog to compare with, but what holds
		// for any record must hold.
		color := g.intn(2) == 1
		enc := New(Options{Console: true, Color: color, AddSource: addSource, ReplaceAttr: rep})
		var out bytes.Buffer
		var h slog.Handler = &encHandler{enc: enc, pre: enc.Root(), out: &out}
		for _, o := range chain {
			if o.attrs != nil {
				h = h.WithAttrs(o.attrs())
			} else {
				h = h.WithGroup(o.group)
			}
		}
		if err := h.Handle(context.Background(), r.Clone()); err != nil {
			t.Fatal(err)
		}
		checkConsoleLine(t, out.String(), color, "console")
	})
}

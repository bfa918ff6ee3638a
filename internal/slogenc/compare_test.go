// This file owns what the differential tests share: a slog.Handler
// around an Encoder, paired with slog's own handler of the same options,
// and values of every kind.

package slogenc

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// encHandler is a slog.Handler that formats with an Encoder, as a hydra
// text or JSON destination does: WithAttrs and WithGroup derive a
// Preformat from the handler's, and Handle appends the record to out.
// Like hydra's Handler, it ignores an empty WithAttrs or WithGroup.
type encHandler struct {
	enc *Encoder
	pre *Preformat
	out *bytes.Buffer
}

func (h *encHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *encHandler) Handle(_ context.Context, r slog.Record) error {
	h.out.Write(h.enc.Append(nil, h.pre, &r))
	return nil
}

func (h *encHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	return &encHandler{enc: h.enc, pre: h.enc.WithAttrs(h.pre, as), out: h.out}
}

func (h *encHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &encHandler{enc: h.enc, pre: h.pre.WithGroup(name), out: h.out}
}

// pair is an encHandler and a slog handler with the same options, both
// writing to buffers.
type pair struct {
	hydra, slog     slog.Handler
	hydraOut, want  *bytes.Buffer
	format          string
	addSource, json bool
}

func newPair(t testing.TB, format string, addSource bool, rep func([]string, slog.Attr) slog.Attr) *pair {
	t.Helper()
	p := &pair{hydraOut: &bytes.Buffer{}, want: &bytes.Buffer{}, format: format, addSource: addSource, json: format == "json"}
	opts := &slog.HandlerOptions{AddSource: addSource, ReplaceAttr: rep, Level: slog.Level(math.MinInt32)}
	if p.json {
		p.slog = slog.NewJSONHandler(p.want, opts)
	} else {
		p.slog = slog.NewTextHandler(p.want, opts)
	}
	enc := New(Options{JSON: p.json, AddSource: addSource, ReplaceAttr: rep})
	p.hydra = &encHandler{enc: enc, pre: enc.Root(), out: p.hydraOut}
	return p
}

// op is one step of a WithAttrs/WithGroup chain.
type op struct {
	group string
	attrs func() []slog.Attr // a fresh slice each time: WithAttrs owns it
}

// handle applies the chain to both handlers, handles r with both, and
// returns hydra's output and slog's.
func (p *pair) handle(t testing.TB, chain []op, r slog.Record) (got, want string) {
	t.Helper()
	p.hydraOut.Reset()
	p.want.Reset()
	for _, pick := range []*slog.Handler{&p.hydra, &p.slog} {
		h := *pick
		for _, o := range chain {
			if o.attrs != nil {
				h = h.WithAttrs(o.attrs())
			} else {
				h = h.WithGroup(o.group)
			}
		}
		require.NoError(t, h.Handle(context.Background(), r.Clone()))
	}
	return normalizePanics(p.hydraOut.String()), normalizePanics(p.want.String())
}

// normalizePanics cuts the stack trace slog adds when a LogValue method
// panics: the encoder resolves in other frames than slog's handler (and
// hydra on the caller's goroutine), so the frames differ.
func normalizePanics(s string) string {
	return panicStack.ReplaceAllString(s, "LogValue panicked")
}

var panicStack = regexp.MustCompile(`LogValue panicked(\\n|\n)called from[^"]*`)

type textM struct{ s string }

func (m textM) MarshalText() ([]byte, error) { return []byte("<" + m.s + ">"), nil }

type textErr struct{}

func (textErr) MarshalText() ([]byte, error) { return nil, errors.New("no text") }

type jsonM struct{}

func (jsonM) MarshalJSON() ([]byte, error) { return []byte(`{"b":[1,2]}`), nil }

type jsonErr struct{}

func (jsonErr) MarshalJSON() ([]byte, error) { return nil, errors.New("no json") }

type errAndJSON struct{}

func (errAndJSON) Error() string                { return "err" }
func (errAndJSON) MarshalJSON() ([]byte, error) { return []byte(`"as json"`), nil }

type nilStringer struct{ s *string }

func (n *nilStringer) String() string { return *n.s }

type panicStringer struct{}

func (panicStringer) String() string               { panic("stringer exploded") }
func (panicStringer) MarshalText() ([]byte, error) { panic("text exploded") }
func (panicStringer) MarshalJSON() ([]byte, error) { panic("json exploded") }

type valuer struct{ v slog.Value }

func (v valuer) LogValue() slog.Value { return v.v }

type panicValuer struct{}

func (panicValuer) LogValue() slog.Value { panic("valuer exploded") }

type myBytes []byte

var (
	zones = []*time.Location{time.UTC, time.FixedZone("X", -7*3600-30*60), time.FixedZone("Y", 13*3600+45*60)}
	when  = time.Date(2026, 11, 26, 21, 55, 43, 123456789, time.UTC)
)

// valueCases are attributes of every kind, with the strings and numbers
// that need escaping, quoting or special formatting.
func valueCases() []slog.Attr {
	var nilPtr *nilStringer
	return []slog.Attr{
		slog.String("s", "plain"), slog.String("empty", ""), slog.String("space", "a b"),
		slog.String("quote", `say "hi"`), slog.String("eq", "a=b"), slog.String("nl", "line\nnext\r\t"),
		slog.String("ctl", "\x00\x01\x1f\x7f"), slog.String("uni", "héllo wörld ✓ 日本"),
		slog.String("bad", "bad\xffutf8\xc3"), slog.String("seps", "\u2028\u2029\u00a0\u0085"),
		slog.String("html", "<a href='x'>&amp;</a>"), slog.String("back\\slash", `c:\path`),
		slog.String("", "empty key"), slog.String("key with space", "v"), slog.String("k=v", "v"),
		slog.Int("i", -42), slog.Int64("max", math.MaxInt64), slog.Uint64("u", math.MaxUint64),
		slog.Float64("f", 3.25), slog.Float64("neg0", math.Copysign(0, -1)), slog.Float64("tiny", 1e-7),
		slog.Float64("huge", 1e21), slog.Float64("big", 123456789.125), slog.Float64("nan", math.NaN()),
		slog.Float64("inf", math.Inf(1)), slog.Float64("ninf", math.Inf(-1)), slog.Float64("e", 1.5e300),
		slog.Bool("t", true), slog.Bool("f", false),
		slog.Duration("d0", 0), slog.Duration("dns", 7), slog.Duration("dus", 1500), slog.Duration("dms", 2*time.Millisecond+300*time.Microsecond),
		slog.Duration("dh", 49*time.Hour+time.Minute+500*time.Millisecond), slog.Duration("dneg", -90*time.Second),
		slog.Duration("dmin", math.MinInt64),
		slog.Time("t0", when), slog.Time("tz", when.In(zones[1])), slog.Time("tz2", when.In(zones[2])),
		slog.Time("tsec", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), slog.Time("tms", time.Date(2026, 1, 2, 3, 4, 5, 1e6, time.UTC)),
		slog.Time("tzero", time.Time{}), // year 10000 is in TestEncoderFixesSlogBugs
		slog.Time("y0", time.Date(0, 6, 1, 0, 0, 0, 5, time.UTC)), slog.Time("local", when.Local()),
		slog.Any("err", errors.New("boom\nbang")), slog.Any("nilerr", error(nil)), slog.Any("tm", textM{"x y"}),
		slog.Any("tmerr", textErr{}), slog.Any("jm", jsonM{}), slog.Any("jmerr", jsonErr{}), slog.Any("errjson", errAndJSON{}),
		slog.Any("bytes", []byte("raw\x00bytes")), slog.Any("mybytes", myBytes("named")),
		slog.Any("map", map[string]int{"b": 2, "a": 1}), slog.Any("slice", []string{"x", "<y>"}),
		slog.Any("struct", struct {
			A int
			B string `json:"b"`
		}{1, "two"}),
		slog.Any("nilptr", nilPtr), slog.Any("panics", panicStringer{}), slog.Any("nil", nil),
		slog.Any("addr", netip.MustParseAddr("192.0.2.1")), slog.Any("level", slog.LevelWarn+2),
		slog.Any("valuer", valuer{slog.IntValue(7)}), slog.Any("valuer-group", valuer{slog.GroupValue(slog.Int("x", 1), slog.Any("nested", valuer{slog.StringValue("deep")}))}),
		slog.Any("panicvaluer", panicValuer{}),
		slog.Any("src", &slog.Source{Function: "f", File: "/a b/c.go", Line: 3}), slog.Any("emptysrc", &slog.Source{}),
		slog.Group("g", slog.Int("a", 1), slog.Group("h", slog.String("b", "x y"))),
		slog.Group("", slog.Int("inlined", 1)), slog.Group("emptygroup"),
		slog.Any("emptyvalue", slog.GroupValue()),
		{},
	}
}

// replaceAttrs are ReplaceAttr functions that exercise what it can do.
var replaceAttrs = map[string]func([]string, slog.Attr) slog.Attr{
	"none": nil,
	"upper strings": func(groups []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindString {
			return slog.String(strings.ToUpper(a.Key), strings.ToUpper(a.Value.String()))
		}
		return a
	},
	"drop time, rename level, group paths": func(groups []string, a slog.Attr) slog.Attr {
		switch {
		case len(groups) == 0 && a.Key == slog.TimeKey:
			return slog.Attr{}
		case len(groups) == 0 && a.Key == slog.LevelKey:
			return slog.Any("severity", a.Value)
		case len(groups) > 0:
			return slog.String(strings.Join(groups, "/")+":"+a.Key, a.Value.Kind().String())
		}
		return a
	},
	"into groups and valuers": func(groups []string, a slog.Attr) slog.Attr {
		switch a.Value.Kind() {
		case slog.KindInt64:
			return slog.Group(a.Key, slog.String("was", a.Value.String()), slog.Attr{})
		case slog.KindBool:
			return slog.Any(a.Key, valuer{slog.StringValue("resolved")})
		case slog.KindAny:
			if src, ok := a.Value.Any().(*slog.Source); ok {
				return slog.String(a.Key, src.Function)
			}
		}
		return a
	},
}

// referenceRecord is the record of the reference measurements, as
// slog.Logger builds it.
func referenceRecord(i int) slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request handled", 0)
	r.AddAttrs(slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", time.Millisecond), slog.Int("i", i))
	return r
}

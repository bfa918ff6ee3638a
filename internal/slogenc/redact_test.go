package slogenc

import (
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestEncoderRedacts checks what Options.Redact hides: the message's
// matches, a redacted key's whole value at any depth and in the bound
// attributes, and a string's matches; and that ReplaceAttr sees the masked
// value, not the secret.
func TestEncoderRedacts(t *testing.T) {
	rd := NewRedactor("***", []string{"password"}, []*regexp.Regexp{regexp.MustCompile(`\d{4}-\d{4}`)})
	var seen []string
	rep := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		seen = append(seen, a.Value.String())
		return a
	}
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "card 1234-5678", 0)
	r.AddAttrs(slog.String("PassWord", "hunter2"), slog.Group("g", slog.Group("password", slog.Int("x", 1)), slog.String("note", "0000-1111 ok")))
	for _, tc := range []struct {
		json bool
		want string
	}{
		{false, "level=INFO msg=\"card ***\" b.password=*** b.PassWord=*** b.g.password=*** b.g.note=\"*** ok\"\n"},
		{true, `{"level":"INFO","msg":"card ***","b":{"password":"***","PassWord":"***","g":{"password":"***","note":"*** ok"}}}` + "\n"},
	} {
		seen = seen[:0]
		e := New(Options{JSON: tc.json, ReplaceAttr: rep, Redact: rd})
		p := e.WithAttrs(e.Root().WithGroup("b"), []slog.Attr{slog.String("password", "s3cr3t")})
		assert.Equal(t, tc.want, string(e.Append(nil, p, &r)))
		assert.NotContains(t, seen, "hunter2", "ReplaceAttr saw a secret")
	}
}

// Without ReplaceAttr, the JSON format writes its built-in attributes on
// a path of its own: the message is redacted there too.
func TestEncoderRedactsWithoutReplaceAttr(t *testing.T) {
	rd := NewRedactor("***", []string{"password"}, []*regexp.Regexp{regexp.MustCompile(`\d{4}-\d{4}`)})
	r := slog.NewRecord(time.Time{}, slog.LevelWarn+1, "card 1234-5678", 0)
	r.AddAttrs(slog.String("password", "hunter2"))
	for json, want := range map[bool]string{
		false: "level=WARN+1 msg=\"card ***\" password=***\n",
		true:  `{"level":"WARN+1","msg":"card ***","password":"***"}` + "\n",
	} {
		e := New(Options{JSON: json, Redact: rd})
		assert.Equal(t, want, string(e.Append(nil, e.Root(), &r)))
	}
}

func TestNewRedactorWithNothingToRedact(t *testing.T) {
	assert.Nil(t, NewRedactor("***", nil, nil))
}

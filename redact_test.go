package hydra

// Redaction (redact.go) in text, JSON and handler destinations.

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	cardNumber  = regexp.MustCompile(`\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b`)
	bearerToken = regexp.MustCompile(`Bearer [A-Za-z0-9._~+/-]+=*`)
	secrets     = []string{"hunter2", "s3cr3t", "tok-123", "4111 1111 1111 1111", "eyJhbGciOi.abc", "apikey-xyz", "in-a-group", "nested-secret"}
)

// recordingHandler is a handler destination that keeps the records and bound
// attributes it is given, rendered as text.
type recordingHandler struct {
	mu    *sync.Mutex
	out   *strings.Builder
	bound []slog.Attr
}

func (r recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (r recordingHandler) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.WriteString(rec.Message)
	for _, a := range r.bound {
		r.out.WriteString(" " + a.String())
	}
	rec.Attrs(func(a slog.Attr) bool {
		r.out.WriteString(" " + a.String())
		return true
	})
	r.out.WriteString("\n")
	return nil
}
func (r recordingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	r.bound = append(append([]slog.Attr(nil), r.bound...), as...)
	return r
}
func (r recordingHandler) WithGroup(string) slog.Handler { return r }

func TestRedaction(t *testing.T) {
	text, js := &syncBuffer{}, &syncBuffer{}
	rec := recordingHandler{mu: new(sync.Mutex), out: new(strings.Builder)}
	cfg := oneLayer(
		Destination{Type: "writer", Writer: text},
		Destination{Type: "writer", Writer: js, Format: "json"},
		Destination{Type: "handler", Handler: rec},
	)
	cfg.Redact = []string{"password", "token", "API_KEY", "credentials"}
	cfg.RedactPatterns = []*regexp.Regexp{cardNumber, bearerToken}
	h := newTest(t, cfg)
	l := slog.New(h).With("api_key", "apikey-xyz").WithGroup("req").With("Password", "s3cr3t")
	l.Info("paid with 4111 1111 1111 1111, auth Bearer eyJhbGciOi.abc",
		"user", "ada",
		"Token", "tok-123",
		slog.Group("form", "password", "hunter2", slog.Group("deeper", "TOKEN", "nested-secret")),
		slog.Group("credentials", "anything", "in-a-group"),
		"note", "card 4111-1111-1111-1111 on file",
	)
	require.NoError(t, h.Close())
	for _, tc := range []struct{ name, out string }{
		{"text", text.String()},
		{"json", js.String()},
		{"handler", rec.out.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, secret := range secrets {
				assert.NotContains(t, tc.out, secret)
			}
			assert.Contains(t, tc.out, "ada", "the rest is kept")
			assert.GreaterOrEqual(t, strings.Count(tc.out, Redacted), 8, "output: %s", tc.out)
		})
	}
	assert.Contains(t, text.String(), `req.form.deeper.TOKEN=[REDACTED]`)
	assert.Contains(t, js.String(), `"credentials":"[REDACTED]"`)
	assert.Contains(t, js.String(), `"msg":"paid with [REDACTED], auth [REDACTED]"`)
}

func TestRedactConfigErrors(t *testing.T) {
	_, err := New(Config{Redact: []string{"ok", ""}, RedactPatterns: []*regexp.Regexp{nil}})
	require.ErrorContains(t, err, "hydra: Config.Redact[1] is empty")
	require.ErrorContains(t, err, "hydra: Config.RedactPatterns[0] is nil")
}

package netsend

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// httpServer starts an httptest server with h, closed at cleanup; stop is
// closed first, for handlers that stall until the test ends.
func httpServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, stop <-chan struct{})) string {
	t.Helper()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r, stop) }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	return srv.URL + "/ingest"
}

// request is what a test server saw of one request.
type request struct {
	header http.Header
	body   []byte
}

func TestHTTPDelivers(t *testing.T) {
	tests := []struct {
		name            string
		opts            Options
		wantType        string
		wantGzip        bool
		wantHeaderKey   string
		wantHeaderValue string
	}{
		{name: "plain", wantType: "application/x-ndjson"},
		{name: "gzip", opts: Options{Gzip: true}, wantType: "application/x-ndjson", wantGzip: true},
		{name: "headers and content type", opts: Options{Headers: map[string]string{"Authorization": "Bearer t0k"}, ContentType: "text/plain"},
			wantType: "text/plain", wantHeaderKey: "Authorization", wantHeaderValue: "Bearer t0k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan request, 4)
			url := httpServer(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
				b, _ := io.ReadAll(r.Body)
				got <- request{r.Header, b}
			})
			s, err := HTTP(url, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i, records := range [][]string{{`{"a":1}` + "\n", `{"b":2}` + "\n"}, {`{"c":3}` + "\n"}} {
				p, ends := batch(records...)
				if n, err := s.Send(p, ends); n != len(ends) || err != nil {
					t.Fatalf("Send %d = %d, %v, want %d, nil", i, n, err, len(ends))
				}
				req := <-got
				body := req.body
				if tt.wantGzip {
					if ce := req.header.Get("Content-Encoding"); ce != "gzip" {
						t.Fatalf("Content-Encoding %q, want gzip", ce)
					}
					zr, err := gzip.NewReader(strings.NewReader(string(body)))
					if err != nil {
						t.Fatal(err)
					}
					if body, err = io.ReadAll(zr); err != nil {
						t.Fatal(err)
					}
				}
				if string(body) != string(p) {
					t.Fatalf("server got %q, want %q", body, p)
				}
				if ct := req.header.Get("Content-Type"); ct != tt.wantType {
					t.Fatalf("Content-Type %q, want %q", ct, tt.wantType)
				}
				if tt.wantHeaderKey != "" && req.header.Get(tt.wantHeaderKey) != tt.wantHeaderValue {
					t.Fatalf("header %s = %q, want %q", tt.wantHeaderKey, req.header.Get(tt.wantHeaderKey), tt.wantHeaderValue)
				}
			}
		})
	}
}

func TestHTTPAnswers(t *testing.T) {
	date := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantRetry  bool
		wantAfter  time.Duration
		wantInText string
	}{
		{name: "503 Retry-After seconds", status: 503, header: map[string]string{"Retry-After": "2"}, wantRetry: true, wantAfter: 2 * time.Second,
			wantInText: "503 Service Unavailable"},
		{name: "503 Retry-After date", status: 503, wantRetry: true, wantAfter: 30 * time.Second, header: map[string]string{
			"Date": date.Format(http.TimeFormat), "Retry-After": date.Add(30 * time.Second).Format(http.TimeFormat)}},
		{name: "503 Retry-After date passed", status: 503, wantRetry: true, header: map[string]string{
			"Date": date.Format(http.TimeFormat), "Retry-After": date.Add(-time.Minute).Format(http.TimeFormat)}},
		{name: "503 Retry-After garbage", status: 503, header: map[string]string{"Retry-After": "soon"}, wantRetry: true},
		{name: "429", status: 429, header: map[string]string{"Retry-After": "1"}, wantRetry: true, wantAfter: time.Second,
			wantInText: "429 Too Many Requests"},
		{name: "408", status: 408, wantRetry: true},
		{name: "500", status: 500, wantRetry: true},
		{name: "400 with a body", status: 400, body: "bad json at line 1\n", wantInText: "400 Bad Request: bad json at line 1"},
		{name: "401", status: 401},
		{name: "long body cut", status: 400, body: strings.Repeat("y", 5000), wantInText: ": " + strings.Repeat("y", 512)},
		{name: "redirect not followed", status: 307, header: map[string]string{"Location": "/elsewhere"}, wantInText: "307 Temporary Redirect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := httpServer(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
				_, _ = io.Copy(io.Discard, r.Body)
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			s, err := HTTP(url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			n, err := s.Send(batch("a\n", "b\n"))
			var he *HTTPError
			if n != 0 || !errors.As(err, &he) {
				t.Fatalf("Send = %d, %v, want 0 and an *HTTPError", n, err)
			}
			if he.StatusCode != tt.status || he.RetryAfter != tt.wantAfter {
				t.Fatalf("HTTPError{StatusCode: %d, RetryAfter: %v}, want {%d, %v}", he.StatusCode, he.RetryAfter, tt.status, tt.wantAfter)
			}
			if len(he.Body) > 512 {
				t.Fatalf("Body is %d bytes, want 512 at most", len(he.Body))
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "netsend: POST "+url+": ") || !strings.Contains(msg, tt.wantInText) {
				t.Fatalf("error %q, want it to name POST %s and say %q", msg, url, tt.wantInText)
			}
			retry, after := Retryable(err)
			if retry != tt.wantRetry || after != tt.wantAfter {
				t.Fatalf("Retryable = %v, %v, want %v, %v", retry, after, tt.wantRetry, tt.wantAfter)
			}
		})
	}
}

func TestHTTPConnectionClosedIsRetryable(t *testing.T) {
	url := httpServer(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	})
	s, err := HTTP(url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.Send(batch("a\n"))
	var he *HTTPError
	if n != 0 || !errors.As(err, &he) || he.StatusCode != 0 || he.Err == nil {
		t.Fatalf("Send = %d, %v, want 0 and a network HTTPError", n, err)
	}
	if !strings.Contains(err.Error(), url) {
		t.Fatalf("error %q does not name %s", err, url)
	}
	if retry, _ := Retryable(err); !retry {
		t.Fatalf("Retryable(%v) = false, want true", err)
	}
}

// stallHTTP answers nothing until the client goes or the test ends.
func stallHTTP(_ http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-stop:
	}
}

func TestHTTPStalledServerTimesOut(t *testing.T) {
	const timeout = 200 * time.Millisecond
	s, err := HTTP(httpServer(t, stallHTTP), Options{WriteTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	took := within(t, 5*time.Second, func() { n, err = s.Send(batch("a\n")) })
	if n != 0 || err == nil {
		t.Fatalf("Send = %d, %v, want 0 and a timeout", n, err)
	}
	var timeoutErr interface{ Timeout() bool }
	if !errors.As(err, &timeoutErr) || !timeoutErr.Timeout() {
		t.Fatalf("Send error %v, want a timeout", err)
	}
	if took < timeout || took > timeout+time.Second {
		t.Fatalf("Send took %v, want about %v", took, timeout)
	}
	if retry, _ := Retryable(err); !retry {
		t.Fatalf("Retryable(%v) = false, want true", err)
	}
}

func TestHTTPCloseDuringStalledRequest(t *testing.T) {
	s, err := HTTP(httpServer(t, stallHTTP), Options{WriteTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	go func() {
		_, err := s.Send(batch("a\n"))
		sent <- err
	}()
	time.Sleep(100 * time.Millisecond) // let the request reach the server
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	select {
	case err := <-sent:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Send in flight when closed: %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Send still blocked 2s after Close")
	}
	if n, err := s.Send(batch("b\n")); n != 0 || !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close = %d, %v, want 0, ErrClosed", n, err)
	}
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://host/path", "http://host/path"},
		{"https://user:pass@host/p?token=abc&x=1", "https://user:xxxxx@host/p?token=xxxxx&x=xxxxx"},
		{"http://host/?a=1&a=2", "http://host/?a=xxxxx"},
		{"::not a url", "::not a url"},
	} {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

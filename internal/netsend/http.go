// This file owns the HTTP sender: one POST per batch to an http:// or
// https:// URL, over one client and transport of its own.

package netsend

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

var _ Sender = (*httpSender)(nil)

// Limits on reading an answer.
const (
	maxErrorBody = 512      // bytes of a non-2xx answer kept in HTTPError.Body
	maxDrain     = 64 << 10 // bytes read from an answer so its connection can be reused
)

// HTTP returns a Sender that POSTs each batch as one request body to rawURL
// (http:// or https://). With opts.Gzip the body is gzip-compressed and sent
// with Content-Encoding: gzip; opts.Headers are set on every request, and
// Content-Type is opts.ContentType (default application/x-ndjson). Each
// request, answer included, is bounded by opts.WriteTimeout.
//
// A 2xx answer delivers every record of the batch; any other answer
// delivers none and Send returns an [*HTTPError]. Redirects are not
// followed: a 3xx is such an answer, since a redirected POST may lose its
// body.
//
// The Sender has one http.Client with its own Transport: connections are
// kept alive and reused (answers are drained and closed), TLS is configured
// by a clone of opts.TLS, and a proxy is taken from the environment
// (HTTP_PROXY, HTTPS_PROXY, NO_PROXY). Close closes idle connections and
// cancels a request in flight.
func HTTP(rawURL string, opts Options) (Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("netsend: HTTP URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("netsend: HTTP URL %q: scheme %q (want http or https)", RedactURL(rawURL), u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("netsend: HTTP URL %q: missing host", RedactURL(rawURL))
	}
	opts = opts.withDefaults()
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsFor(opts.TLS),
		TLSHandshakeTimeout: opts.DialTimeout,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &httpSender{
		url:   u,
		shown: RedactURL(rawURL),
		client: &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		transport: transport,
		opts:      opts,
		ctx:       ctx,
		cancel:    cancel,
	}, nil
}

// httpSender is the Sender that HTTP returns.
type httpSender struct {
	url       *url.URL
	shown     string // url for messages: see RedactURL
	client    *http.Client
	transport *http.Transport
	opts      Options

	ctx    context.Context // cancelled by Close: ends a request in flight
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
}

// Send POSTs p as one request.
func (s *httpSender) Send(p []byte, ends []int) (int, error) {
	if err := checkBatch(p, ends); err != nil {
		return 0, err
	}
	if len(ends) == 0 {
		return 0, nil
	}
	if s.isClosed() {
		return 0, ErrClosed
	}
	err := s.post(p)
	if s.isClosed() {
		// Close may have run while the answer was drained, before its
		// connection went back to the idle pool: close it again.
		s.transport.CloseIdleConnections()
		if he, ok := err.(*HTTPError); ok && he.StatusCode == 0 {
			return 0, ErrClosed // the request failed because Close cancelled it
		}
	}
	if err != nil {
		return 0, err
	}
	return len(ends), nil
}

// post sends one request with body p and reads its answer.
func (s *httpSender) post(p []byte) error {
	body := p
	if s.opts.Gzip {
		// A fresh buffer per request: the transport may read a body after
		// the request returned, so a buffer reused by the next Send could
		// change under it.
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(p) // writes to a bytes.Buffer do not fail
		if err := zw.Close(); err != nil {
			return &HTTPError{URL: s.shown, Err: fmt.Errorf("gzip: %w", err)}
		}
		body = buf.Bytes()
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.WriteTimeout)
	defer cancel()

	// p belongs to the caller once Send returns, but net/http may read a
	// request body after Do returned (http.RoundTripper's doc says so).
	// Every body handed to net/http reads through one gate that is shut
	// before Send returns, so no read of p can happen afterwards.
	g := &gate{}
	defer g.shut()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url.String(), g.reader(body))
	if err != nil {
		return &HTTPError{URL: s.shown, Err: err}
	}
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return g.reader(body), nil }
	req.Header.Set("Content-Type", s.opts.ContentType)
	if s.opts.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range s.opts.Headers {
		req.Header.Set(k, v)
	}

	resp, err := s.client.Do(req)
	if err != nil {
		// Do wraps its error in a *url.Error that names the URL again,
		// unredacted: HTTPError names it once, redacted.
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return &HTTPError{URL: s.shown, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		return nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	return &HTTPError{
		URL:        s.shown,
		StatusCode: resp.StatusCode,
		RetryAfter: retryAfter(resp.Header, time.Now()),
		Body:       string(bytes.TrimSpace(head)),
	}
}

func (s *httpSender) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close cancels a request in flight and closes idle connections. It is
// idempotent.
func (s *httpSender) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.transport.CloseIdleConnections()
	return nil
}

// gate lets request bodies read a batch until it is shut; after shut
// returns, no body reads the batch again.
type gate struct {
	mu   sync.Mutex
	done bool
}

func (g *gate) shut() {
	g.mu.Lock()
	g.done = true
	g.mu.Unlock()
}

// reader returns a body that reads b through g.
func (g *gate) reader(b []byte) io.ReadCloser { return &gatedReader{g: g, b: b} }

// gatedReader reads its bytes while its gate is open.
type gatedReader struct {
	g *gate
	b []byte
}

func (r *gatedReader) Read(p []byte) (int, error) {
	r.g.mu.Lock()
	defer r.g.mu.Unlock()
	if r.g.done {
		return 0, ErrClosed
	}
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *gatedReader) Close() error { return nil }

// RedactURL returns u as messages and names show it: its password and the
// values of its query replaced by "xxxxx", since either may hold a token.
// A URL that does not parse is returned as it is.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	if p.RawQuery != "" {
		q := p.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		p.RawQuery = q.Encode()
	}
	return p.Redacted()
}

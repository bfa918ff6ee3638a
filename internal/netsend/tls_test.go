package netsend

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority made for a test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // the CA certificate, PEM
}

// newCA makes a CA and writes its certificate to dir/name.pem.
func newCA(t *testing.T, dir, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name+".pem")
	writePEM(t, file, "CERTIFICATE", der)
	return &testCA{cert: cert, key: key, file: file}
}

// issue makes a certificate signed by ca for 127.0.0.1, writes it and its
// key to dir/name.pem and dir/name-key.pem, and returns it and the paths.
func (ca *testCA) issue(t *testing.T, dir, name string, usage x509.ExtKeyUsage) (tls.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certFile, keyFile
}

func writePEM(t *testing.T, file, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tlsServer listens on loopback with cfg and sends on the returned channel
// all that its first connection reads, once that connection ends.
func tlsServer(t *testing.T, cfg *tls.Config) (string, <-chan []byte) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		got <- b
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return "tls://" + ln.Addr().String(), got
}

func TestStreamTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "ca")
	otherCA := newCA(t, dir, "other-ca")
	serverCert, _, _ := ca.issue(t, dir, "server", x509.ExtKeyUsageServerAuth)
	_, clientCertFile, clientKeyFile := ca.issue(t, dir, "client", x509.ExtKeyUsageClientAuth)
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(ca.cert)

	tests := []struct {
		name              string
		caFile            string
		certFile, keyFile string
		requireClientCert bool
		wantCertError     bool
	}{
		{name: "server verified by the CA", caFile: ca.file},
		{name: "client certificate required and given", caFile: ca.file, certFile: clientCertFile, keyFile: clientKeyFile, requireClientCert: true},
		{name: "wrong CA", caFile: otherCA.file, wantCertError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serverCfg := &tls.Config{Certificates: []tls.Certificate{serverCert}}
			if tt.requireClientCert {
				serverCfg.ClientAuth = tls.RequireAndVerifyClientCert
				serverCfg.ClientCAs = clientCAs
			}
			addr, got := tlsServer(t, serverCfg)
			cfg, err := LoadTLS(tt.caFile, tt.certFile, tt.keyFile, "", false)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Stream(addr, Options{TLS: cfg, DialTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			p, ends := batch("one\n", "two\n", "three\n")
			n, err := s.Send(p, ends)
			if tt.wantCertError {
				if err == nil || n != 0 {
					t.Fatalf("Send = %d, %v, want 0 and a certificate error", n, err)
				}
				if !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("error %q does not say certificate", err)
				}
				if retry, _ := Retryable(err); retry {
					t.Fatalf("Retryable(%v) = true, want false", err)
				}
				_ = s.Close()
				return
			}
			if err != nil || n != len(ends) {
				t.Fatalf("Send = %d, %v, want %d, nil", n, err, len(ends))
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if b := <-got; string(b) != string(p) {
				t.Fatalf("server read %q, want %q", b, p)
			}
		})
	}
}

func TestLoadTLSErrors(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "ca")
	_, certFile, keyFile := ca.issue(t, dir, "client", x509.ExtKeyUsageClientAuth)
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM at all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")

	tests := []struct {
		name                      string
		caFile, certFile, keyFile string
		wantErr                   []string // substrings of the error
	}{
		{name: "missing CA file", caFile: missing, wantErr: []string{missing, "no such file"}},
		{name: "CA file not PEM", caFile: garbage, wantErr: []string{garbage, "no PEM certificate"}},
		{name: "certificate without key", certFile: certFile, wantErr: []string{certFile, "no key file"}},
		{name: "key without certificate", keyFile: keyFile, wantErr: []string{keyFile, "no certificate file"}},
		{name: "missing certificate file", certFile: missing, keyFile: keyFile, wantErr: []string{missing, "no such file"}},
		{name: "missing key file", certFile: certFile, keyFile: missing, wantErr: []string{missing, "no such file"}},
		{name: "certificate not PEM", certFile: garbage, keyFile: keyFile, wantErr: []string{garbage, "PEM"}},
		{name: "key not PEM", certFile: certFile, keyFile: garbage, wantErr: []string{garbage, "PEM"}},
		{name: "key of another certificate", certFile: certFile, keyFile: filepath.Join(dir, "ca.pem"), wantErr: []string{certFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadTLS(tt.caFile, tt.certFile, tt.keyFile, "", false)
			if err == nil {
				t.Fatalf("LoadTLS = %v, want an error", cfg)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestLoadTLSSettings(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "ca")
	_, certFile, keyFile := ca.issue(t, dir, "client", x509.ExtKeyUsageClientAuth)
	cfg, err := LoadTLS(ca.file, certFile, keyFile, "logs.example.com", true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.ServerName != "logs.example.com" || !cfg.InsecureSkipVerify ||
		cfg.RootCAs == nil || len(cfg.Certificates) != 1 {
		t.Fatalf("LoadTLS = MinVersion %x, ServerName %q, Insecure %v, RootCAs %v, %d certificates",
			cfg.MinVersion, cfg.ServerName, cfg.InsecureSkipVerify, cfg.RootCAs != nil, len(cfg.Certificates))
	}
	cfg, err = LoadTLS("", "", "", "", false)
	if err != nil || cfg.RootCAs != nil || cfg.MinVersion != tls.VersionTLS12 {
		t.Fatalf("LoadTLS with no files = %+v, %v, want system roots and TLS 1.2", cfg, err)
	}
}

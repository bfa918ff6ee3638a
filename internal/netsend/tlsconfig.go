// This file owns LoadTLS: a TLS client configuration built from PEM files.

package netsend

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// LoadTLS builds a TLS client configuration from files, with TLS 1.2 at
// least:
//   - caFile: PEM certificates trusted to verify the server, in a fresh pool;
//     "" uses the system roots;
//   - certFile and keyFile: a PEM client certificate and its key, both or
//     neither;
//   - serverName: the name the server's certificate is verified against
//     (and sent in SNI), instead of the host of the address;
//   - insecure: skip verifying the server's certificate (InsecureSkipVerify).
//
// An error names the file and what is wrong with it.
func LoadTLS(caFile, certFile, keyFile, serverName string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         serverName,
		InsecureSkipVerify: insecure, //nolint:gosec // the user asked for it
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("netsend: TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("netsend: TLS CA file %s: no PEM certificate in it", caFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case certFile == "" && keyFile == "":
		return cfg, nil
	case keyFile == "":
		return nil, fmt.Errorf("netsend: TLS client certificate %s: no key file given (want both or neither)", certFile)
	case certFile == "":
		return nil, fmt.Errorf("netsend: TLS client key %s: no certificate file given (want both or neither)", keyFile)
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("netsend: TLS client certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("netsend: TLS client key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("netsend: TLS client certificate %s, key %s: %w", certFile, keyFile, err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	return cfg, nil
}

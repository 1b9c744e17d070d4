package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
)

// TLS is the server certificate of the client-facing listeners (gateway TCP
// and WebSocket, domain REST). Plain is the default, for local development;
// with IM_TLS_CERT and IM_TLS_KEY (PEM files) those listeners speak only
// TLS. The loopback ops listeners (metrics, health, pprof) stay plain.
type TLS struct {
	// Config is nil when TLS is off.
	Config *tls.Config
}

// LoadTLS reads IM_TLS_CERT and IM_TLS_KEY and loads the pair at start, so
// a certificate that does not load or does not match its key stops the
// service with a message naming the setting, not at the first handshake.
func LoadTLS(e *Env) TLS {
	certFile, keyFile := e.String("IM_TLS_CERT", ""), e.String("IM_TLS_KEY", "")
	if certFile == "" && keyFile == "" {
		return TLS{}
	}
	e.Check(certFile != "", "IM_TLS_CERT", "required when IM_TLS_KEY is set")
	e.Check(keyFile != "", "IM_TLS_KEY", "required when IM_TLS_CERT is set")
	if certFile == "" || keyFile == "" {
		return TLS{}
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		e.Problem("IM_TLS_CERT", "%v", err)
	}
	keyPEM, kerr := os.ReadFile(keyFile)
	if kerr != nil {
		e.Problem("IM_TLS_KEY", "%v", kerr)
	}
	if err != nil || kerr != nil {
		return TLS{}
	}
	return TLS{Config: serverTLS(e, certPEM, keyPEM)}
}

func serverTLS(e *Env, certPEM, keyPEM []byte) *tls.Config {
	if block, _ := pem.Decode(certPEM); block == nil || block.Type != "CERTIFICATE" {
		e.Problem("IM_TLS_CERT", "not a PEM certificate")
		return nil
	} else if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		e.Problem("IM_TLS_CERT", "%v", err)
		return nil
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		e.Problem("IM_TLS_KEY", "does not load or does not match IM_TLS_CERT: %v", err)
		return nil
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}

// Listener returns ln speaking TLS when TLS is on, ln itself when off.
func (t TLS) Listener(ln net.Listener) net.Listener {
	if t.Config == nil {
		return ln
	}
	return tls.NewListener(ln, t.Config)
}

package notify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tramite/tramite/procedure"
)

// CaptureServer is an SMTP server on 127.0.0.1 that keeps every message
// it receives as DIR/NNN.eml (0600). It offers STARTTLS with a
// self-signed certificate made at start and AUTH PLAIN and LOGIN with
// random credentials. It is part of tramite's demo story: the quick start
// and the desktop client's demo mode send their mail to it, so nothing
// leaves the machine. It is not a mail server for production.
type CaptureServer struct {
	srv      *smtp.Server
	ln       net.Listener
	dir      string
	pool     *x509.CertPool
	user     string
	password string

	mu    sync.Mutex
	next  int
	files []string
	done  chan struct{}
}

// NewCaptureServer starts a CaptureServer writing into dir (created 0700
// if missing). Numbering continues after the NNN.eml files already there,
// and skips the numbers another server on the same folder takes meanwhile.
func NewCaptureServer(dir string) (*CaptureServer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, procedure.Errorf(procedure.EINVALID, "no se pudo crear la carpeta de correos %s: %v", dir, err)
	}
	serverTLS, pool, err := selfSigned("localhost", "127.0.0.1")
	if err != nil {
		return nil, fmt.Errorf("capture server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("capture server: %w", err)
	}
	s := &CaptureServer{ln: ln, dir: dir, pool: pool, user: "demo", password: randomHex(12), next: 1, done: make(chan struct{})}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	for _, m := range matches {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(m), "%d.eml", &n); err == nil && n >= s.next {
			s.next = n + 1
		}
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &captureSession{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.TLSConfig = serverTLS
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 32 << 20
	s.srv.MaxRecipients = 100
	s.srv.ErrorLog = discardLogger{}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr returns the server's address, 127.0.0.1:port.
func (s *CaptureServer) Addr() string { return s.ln.Addr().String() }

// Config returns a Config that sends to this server: STARTTLS trusting its
// certificate, its credentials, and from as the sender.
func (s *CaptureServer) Config(from procedure.Address) Config {
	host, port, _ := net.SplitHostPort(s.Addr())
	var p int
	fmt.Sscanf(port, "%d", &p)
	return Config{Host: host, Port: p, Username: s.user, Password: s.password, From: from, TLS: StartTLS,
		TLSConfig: &tls.Config{RootCAs: s.pool, ServerName: "localhost"}}
}

// Files returns the paths of the messages received so far, in order.
func (s *CaptureServer) Files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.files...)
}

// Close stops the server and waits for it. It closes the listener too:
// the server's Close misses a listener that Serve, started in its own
// goroutine, has not registered yet, and Serve would then accept on it
// for ever.
func (s *CaptureServer) Close() error {
	err := s.srv.Close()
	s.ln.Close()
	<-s.done
	if errors.Is(err, smtp.ErrServerClosed) {
		err = nil
	}
	return err
}

// store writes raw as the next free NNN.eml. Another capture server may
// write into the same folder (two clients on one profile directory): a
// number it took first is skipped, not an error.
func (s *CaptureServer) store(raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	refuse := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "cannot store the message"}
	var f *os.File
	var p string
	for tries := 0; ; tries++ {
		p = filepath.Join(s.dir, fmt.Sprintf("%03d.eml", s.next))
		var err error
		f, err = os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || tries >= 10000 {
			return refuse
		}
		s.next++
	}
	_, werr := f.Write(raw)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(p)
		return refuse
	}
	s.next++
	s.files = append(s.files, p)
	return nil
}

type captureSession struct {
	s    *CaptureServer
	auth bool
}

func (c *captureSession) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (c *captureSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != c.s.user || pass != c.s.password {
			return smtp.ErrAuthFailed
		}
		c.auth = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (c *captureSession) Mail(from string, _ *smtp.MailOptions) error {
	if !c.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (c *captureSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (c *captureSession) Reset()                               {}
func (c *captureSession) Logout() error                        { return nil }

func (c *captureSession) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	return c.s.store(b.Bytes())
}

// loginServer is the server side of SASL LOGIN, which go-sasl lacks.
type loginServer struct {
	state    int
	username string
	check    func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	switch l.state {
	case 0:
		if resp == nil {
			l.state = 1
			return []byte("Username:"), false, nil
		}
		l.username, l.state = string(resp), 2
		return []byte("Password:"), false, nil
	case 1:
		l.username, l.state = string(resp), 2
		return []byte("Password:"), false, nil
	case 2:
		l.state = 3
		return nil, true, l.check(l.username, string(resp))
	}
	return nil, true, errors.New("unexpected LOGIN response")
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...interface{}) {}
func (discardLogger) Println(...interface{})        {}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// selfSigned makes a server TLS config with a fresh self-signed ECDSA
// certificate for hosts, and a pool that trusts it.
func selfSigned(hosts ...string) (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, nil, err
	}
	tmpl := x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "tramite demo SMTP", Organization: []string{"tramite"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, strings.TrimSpace(h))
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12}, pool, nil
}

package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fault is what the test server does at a stage instead of going on.
type fault struct {
	code  int           // reply with this SMTP code
	cut   bool          // close the connection (in DATA: after reading part of the body)
	stall time.Duration // wait this long (or until the client leaves) before replying
}

type received struct {
	from  string
	rcpts []string
	raw   []byte
}

// server is a real go-smtp server on 127.0.0.1 with STARTTLS (self-signed
// certificate) and AUTH PLAIN/LOGIN, whose replies can be scripted.
type server struct {
	t        testing.TB
	srv      *smtp.Server
	ln       net.Listener
	pool     *x509.CertPool
	implicit bool
	discard  bool // count the bytes of messages instead of keeping them
	nbytes   int64

	mu     sync.Mutex
	faults map[string][]fault
	msgs   []received
	conns  map[*smtp.Conn]bool
}

const (
	testUser = "tramite@agetic.gob.bo"
	testPass = "s3cr3t-smtp"
)

// testCert is the one self-signed certificate of the test servers, so that
// a server restarted on the same port is trusted like the first.
var (
	certOnce sync.Once
	certTLS  *tls.Config
	certPool *x509.CertPool
	certErr  error
)

func testCert() (*tls.Config, *x509.CertPool, error) {
	certOnce.Do(func() { certTLS, certPool, certErr = notify.SelfSigned("localhost", "127.0.0.1") })
	return certTLS, certPool, certErr
}

type serverOpt func(*smtp.Server, *server)

func noTLS(s *smtp.Server, _ *server) { s.TLSConfig = nil; s.AllowInsecureAuth = true }

func implicitTLS(_ *smtp.Server, ts *server) { ts.implicit = true }

func startServer(t testing.TB, addr string, opts ...serverOpt) *server {
	t.Helper()
	tlsCfg, pool, err := testCert()
	if err != nil {
		t.Fatal(err)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ts := &server{t: t, pool: pool, faults: map[string][]fault{}, conns: map[*smtp.Conn]bool{}}
	ts.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		ts.mu.Lock()
		ts.conns[c] = true // STARTTLS starts a second session on the same connection
		ts.mu.Unlock()
		return &session{s: ts, conn: c}, nil
	}))
	ts.srv.Domain = "localhost"
	ts.srv.TLSConfig = tlsCfg
	ts.srv.ErrorLog = nopLogger{}
	for _, o := range opts {
		o(ts.srv, ts)
	}
	var ln net.Listener
	for i := 0; ; i++ {
		if ts.implicit {
			ln, err = tls.Listen("tcp", addr, tlsCfg)
		} else {
			ln, err = net.Listen("tcp", addr)
		}
		if err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond) // the port of a stopped server may take a moment
	}
	if err != nil {
		t.Fatal(err)
	}
	ts.ln = ln
	go ts.srv.Serve(ln)
	t.Cleanup(func() { ts.srv.Close() })
	return ts
}

func (s *server) addr() (string, int) {
	a := s.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// script queues faults for a stage: "mail", "rcpt", "data".
func (s *server) script(stage string, f ...fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[stage] = append(s.faults[stage], f...)
}

func (s *server) next(stage string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[stage]
	if len(q) == 0 {
		return fault{}, false
	}
	s.faults[stage] = q[1:]
	return q[0], true
}

func (s *server) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *server) bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nbytes
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func (s *server) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

type session struct {
	s     *server
	conn  *smtp.Conn
	auth  bool
	from  string
	rcpts []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(u, p string) error {
		if u != testUser || p != testPass {
			return smtp.ErrAuthFailed
		}
		ss.auth = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, u, p string) error { return check(u, p) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) apply(stage string) error {
	f, ok := ss.s.next(stage)
	if !ok {
		return nil
	}
	if f.stall > 0 {
		ss.conn.Conn().SetReadDeadline(time.Now().Add(f.stall))
		io.Copy(io.Discard, ss.conn.Conn()) // returns when the client leaves or the stall ends
		ss.conn.Close()
		return errors.New("stalled")
	}
	if f.cut {
		ss.conn.Close()
		return errors.New("cut")
	}
	return &smtp.SMTPError{Code: f.code, EnhancedCode: smtp.EnhancedCode{f.code / 100, 0, 0}, Message: "scripted reply " + strings.Repeat("x", 0)}
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	if err := ss.apply("mail"); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.apply("rcpt"); err != nil {
		return err
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	f, ok := ss.s.next("data")
	if ok && f.cut {
		io.CopyN(io.Discard, r, 512) // read part of the body, then cut
		ss.conn.Close()
		return errors.New("cut")
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	if ok {
		if f.stall > 0 {
			ss.conn.Conn().SetReadDeadline(time.Now().Add(f.stall))
			io.Copy(io.Discard, ss.conn.Conn())
			ss.conn.Close()
			return errors.New("stalled")
		}
		return &smtp.SMTPError{Code: f.code, EnhancedCode: smtp.EnhancedCode{f.code / 100, 0, 0}, Message: "scripted reply"}
	}
	ss.s.mu.Lock()
	ss.s.nbytes += int64(b.Len())
	if !ss.s.discard {
		ss.s.msgs = append(ss.s.msgs, received{from: ss.from, rcpts: ss.rcpts, raw: b.Bytes()})
	}
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.rcpts = "", nil }
func (ss *session) Logout() error { return nil }

type loginServer struct {
	state int
	user  string
	check func(u, p string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.state {
	case 0:
		if resp == nil {
			l.state = 1
			return []byte("Username:"), false, nil
		}
		l.user, l.state = string(resp), 2
		return []byte("Password:"), false, nil
	case 1:
		l.user, l.state = string(resp), 2
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...interface{}) {}
func (nopLogger) Println(...interface{})        {}

var from = procedure.Address{Name: "Trámites UIT", Email: "tramites@agetic.gob.bo"}

// config returns a Config for s with short timeouts.
func config(t testing.TB, s *server) notify.Config {
	host, port := s.addr()
	return notify.Config{Host: host, Port: port, Username: testUser, Password: testPass, From: from,
		TLS: notify.StartTLS, TLSConfig: &tls.Config{RootCAs: s.pool, ServerName: "localhost"},
		DialTimeout: 5 * time.Second, CommandTimeout: 2 * time.Second, MailDir: t.TempDir()}
}

// fixture is a memory store with an engine and a test clock for the dispatcher.
type fixture struct {
	store procedure.Store
	eng   *procedure.Engine
	clock *clock
}

func newFixture(t testing.TB) *fixture {
	store := procedure.NewMemoryStore()
	return &fixture{store: store, eng: proceduretest.NewEngine(t, store), clock: newClock()}
}

// render stores a version of every document the case's outbox owes, with
// content, and marks its item sent, as report.Processor would.
func (f *fixture) render(t testing.TB, caseID string, content []byte) {
	t.Helper()
	ctx := context.Background()
	items, err := f.store.Outbox(ctx, procedure.OutboxQuery{CaseID: caseID, Kind: procedure.EffectDocument, Status: procedure.OutboxPending})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if _, err := f.store.PutDocument(ctx, procedure.Document{CaseID: caseID, Topic: it.Topic, Number: it.Number, Seq: it.Seq,
			Content: content}); err != nil {
			t.Fatal(err)
		}
		it.Status = procedure.OutboxSent
		if err := f.store.UpdateOutbox(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) dispatcher(t testing.TB, cfg notify.Config, opts ...notify.Option) *notify.Dispatcher {
	t.Helper()
	opts = append([]notify.Option{notify.WithClock(f.clock), notify.WithBackoff(time.Second, time.Minute), notify.WithOwner("test")}, opts...)
	d, err := notify.NewDispatcher(f.store, f.eng, cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// start opens a PR01 case: one email, the notice to the Jefe de la UIT.
func (f *fixture) start(t testing.TB, secret string) procedure.Case {
	t.Helper()
	c, err := f.eng.Start(context.Background(), procedure.StartRequest{Procedure: manual.CodePR01,
		Actor: proceduretest.Solicitante, Inputs: proceduretest.PR01Request("Sistema de Correspondencia", secret)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) emails(t testing.TB, status procedure.OutboxStatus) []procedure.OutboxItem {
	t.Helper()
	items, err := f.store.Outbox(context.Background(), procedure.OutboxQuery{Kind: procedure.EffectEmail, Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// pdf returns a small valid PDF.
func pdf(pad int) []byte {
	body := "BT /F1 12 Tf 72 720 Td (Nota Interna) Tj ET"
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := []int{}
	obj := func(s string) {
		offs = append(offs, b.Len())
		b.WriteString(s)
	}
	obj("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	obj("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n")
	obj("3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj\n")
	stream := body + "\n" + strings.Repeat("% relleno\n", pad)
	obj("4 0 obj << /Length " + itoa(len(stream)) + " >> stream\n" + stream + "\nendstream endobj\n")
	obj("5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n")
	xref := b.Len()
	b.WriteString("xref\n0 6\n0000000000 65535 f \n")
	for _, o := range offs {
		s := itoa(o)
		b.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	b.WriteString("trailer << /Size 6 /Root 1 0 R >>\nstartxref\n" + itoa(xref) + "\n%%EOF\n")
	return b.Bytes()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// parsed is a received message, decoded.
type parsed struct {
	header      mail.Header
	text, html  string
	attachments map[string][]byte
}

func parse(t testing.TB, raw []byte) parsed {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	p := parsed{header: r.Header, attachments: map[string][]byte{}}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parse part: %v", err)
		}
		b, _ := io.ReadAll(part.Body)
		switch h := part.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := h.ContentType()
			if ct == "text/html" {
				p.html = string(b)
			} else {
				p.text = string(b)
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			p.attachments[name] = b
		}
	}
	return p
}

func addrs(t testing.TB, h mail.Header, key string) []string {
	t.Helper()
	l, err := h.AddressList(key)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	var out []string
	for _, a := range l {
		out = append(out, a.Address)
	}
	return out
}

// archived reads every archive under mailDir and returns each item's
// message and the damaged bytes met; an item archived twice fails the
// test.
func archived(t testing.TB, mailDir string) (map[string][]byte, int) {
	t.Helper()
	paths, err := notify.Archives(mailDir)
	if err != nil {
		t.Fatal(err)
	}
	out, damaged := map[string][]byte{}, 0
	for _, p := range paths {
		msgs, bad, err := notify.ReadArchive(p)
		if err != nil {
			t.Fatal(err)
		}
		damaged += bad
		for _, m := range msgs {
			if _, dup := out[m.Item]; dup {
				t.Errorf("%s archived twice", m.Item)
			}
			out[m.Item] = m.Raw
		}
	}
	return out, damaged
}

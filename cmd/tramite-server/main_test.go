package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// The command under test, built once (with -race when the tests run with
// it) into a temporary directory that TestMain removes.
var (
	buildOnce sync.Once
	binDir    string
	binary    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// build returns the path of the built command.
func build(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "tramite-server-test-"); buildErr != nil {
			return
		}
		binary = filepath.Join(binDir, "tramite-server")
		// Without -race even when the tests run with it: the race detector
		// makes bcrypt about a hundred times slower, and the demo people's
		// hashes alone then keep a loaded machine from listening for over a
		// minute. The server package's own tests run its code under -race.
		args := []string{"build", "-o", binary}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// environ is the test's environment without TRAMITE_ variables, so that a
// developer's settings do not leak into the server under test, plus vars.
func environ(vars ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRAMITE_") {
			env = append(env, kv)
		}
	}
	return append(env, vars...)
}

// logBuffer collects a process's standard error.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the JSON log records with message msg.
func (b *logBuffer) lines(msg string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(b.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// proc is a running tramite-server.
type proc struct {
	t    testing.TB
	cmd  *exec.Cmd
	log  *logBuffer
	base string // http(s)://host:port
	done chan struct{}
	err  error // the exit status, once done is closed
}

// start runs the server in dir with the given variables (listening on a
// port of its choice on 127.0.0.1, logging JSON, unless vars say
// otherwise) and waits until it listens. The test's end stops it.
func start(t testing.TB, dir string, vars []string, args ...string) *proc {
	t.Helper()
	vars = append([]string{"TRAMITE_LISTEN=127.0.0.1:0", "TRAMITE_LOG_FORMAT=json"}, vars...)
	p := &proc{t: t, log: &logBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(build(t), args...)
	p.cmd.Dir, p.cmd.Env, p.cmd.Stderr = dir, environ(vars...), p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop() })
	deadline := time.After(2 * time.Minute)
	for {
		if ls := p.log.lines("listening"); len(ls) > 0 {
			addr, _ := ls[0]["addr"].(string)
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				t.Fatalf("listening on %q: %v", addr, err)
			}
			scheme := "http"
			if ls[0]["tls"] == true {
				scheme = "https"
			}
			p.base = scheme + "://127.0.0.1:" + port
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("the server exited before listening (%v):\n%s", p.err, p.log)
		case <-deadline:
			t.Fatalf("the server did not listen within two minutes:\n%s", p.log)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// terminate sends SIGTERM and returns the exit status and how long the
// exit took, failing the test after timeout.
func (p *proc) terminate(timeout time.Duration) (time.Duration, error) {
	p.t.Helper()
	t0 := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
		return time.Since(t0), p.err
	case <-time.After(timeout):
		p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("the server did not stop within %s of SIGTERM:\n%s", timeout, p.log)
		return 0, nil
	}
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// runToExit runs the server in dir and returns its exit status and
// standard error; it must exit within half a minute.
func runToExit(t *testing.T, dir string, vars []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, build(t), args...)
	var stderr bytes.Buffer
	cmd.Dir, cmd.Env, cmd.Stderr = dir, environ(vars...), &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the server did not exit:\n%s", stderr.String())
	}
	return stderr.String(), err
}

// client is one person's session on a server.
type client struct {
	t     testing.TB
	http  *http.Client
	base  string
	token string
}

var plainClient = &http.Client{Timeout: 30 * time.Second}

// signIn signs id in with the demo password.
func signIn(t testing.TB, hc *http.Client, base, id string) *client {
	t.Helper()
	c := &client{t: t, http: hc, base: base}
	var s struct {
		Token string          `json:"token"`
		Actor procedure.Actor `json:"actor"`
	}
	if st := c.call(http.MethodPost, "/api/v1/session", map[string]string{"username": id, "password": demoPassword(id)}, &s); st != http.StatusCreated {
		t.Fatalf("sign-in of %s: status %d", id, st)
	}
	if s.Token == "" || s.Actor.ID != id {
		t.Fatalf("sign-in of %s answered %+v", id, s)
	}
	c.token = s.Token
	return c
}

// call sends a JSON request and decodes a 2xx JSON answer into out; it
// returns the status.
func (c *client) call(method, path string, body, out any) int {
	c.t.Helper()
	st, data, err := c.try(method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if st/100 == 2 && out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return st
}

// try sends a JSON request and returns the status and the body.
func (c *client) try(method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// startPR01 starts a PR01 case as this client (a requester).
func (c *client) startPR01(system, secret string) procedure.Case {
	c.t.Helper()
	var cs procedure.Case
	body := map[string]any{"procedure": manual.CodePR01, "inputs": proceduretest.PR01Request(system, secret)}
	if st := c.call(http.MethodPost, "/api/v1/cases", body, &cs); st != http.StatusCreated {
		c.t.Fatalf("start a case: status %d", st)
	}
	return cs
}

// fire fires ev on the case at version and returns the case after it.
func (c *client) fire(cs procedure.Case, ev procedure.EventName, in procedure.Inputs) procedure.Case {
	c.t.Helper()
	var out procedure.Case
	body := map[string]any{"inputs": in, "version": cs.Version}
	if st := c.call(http.MethodPost, "/api/v1/cases/"+cs.ID+"/events/"+string(ev), body, &out); st != http.StatusOK {
		c.t.Fatalf("%s on %s: status %d", ev, cs.ID, st)
	}
	return out
}

// eventStream is an open GET /api/v1/events.
type eventStream struct {
	ids    chan string // the IDs of the "case" events
	closed chan struct{}
	body   io.Closer
}

// events opens the client's event stream and returns once the server has
// subscribed it (it has written its first line).
func (c *client) events() *eventStream {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+"/api/v1/events", nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	hc := *c.http
	hc.Timeout = 0 // a stream lasts
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		c.t.Fatalf("events: status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	es := &eventStream{ids: make(chan string, 1000), closed: make(chan struct{}), body: resp.Body}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() {
		c.t.Fatalf("the event stream ended at once: %v", sc.Err())
	}
	go func() {
		defer close(es.closed)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "case":
				var ev struct{ ID string }
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev) == nil {
					es.ids <- ev.ID
				}
			case line == "":
				event = ""
			}
		}
	}()
	c.t.Cleanup(func() { resp.Body.Close() })
	return es
}

// expect waits up to within for the stream to name id, skipping others,
// and returns how long it waited.
func (es *eventStream) expect(t testing.TB, id string, within time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	timeout := time.After(within)
	for {
		select {
		case got := <-es.ids:
			if got == id {
				return time.Since(t0)
			}
		case <-es.closed:
			t.Fatalf("the event stream ended before naming %s", id)
		case <-timeout:
			t.Fatalf("the event stream did not name %s within %s", id, within)
		}
	}
}

func TestTrialServesAndStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	p := start(t, dir, nil, "-demo")

	// The trial's files, in the working directory.
	st, err := os.Stat(filepath.Join(dir, "tramite-server.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("sealing key: %v, mode %v; want a 0600 file made at first start", err, st.Mode())
	}
	if _, err := os.Stat(filepath.Join(dir, "tramite-server.db")); err != nil {
		t.Fatalf("database: %v", err)
	}

	resp, err := http.Get(p.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("/healthz = %d %q", resp.StatusCode, body)
	}

	wrong := &client{t: t, http: plainClient, base: p.base}
	if st := wrong.call(http.MethodPost, "/api/v1/session", map[string]string{"username": "ana", "password": "demo-bruno"}, nil); st != http.StatusUnauthorized {
		t.Fatalf("a wrong password: status %d, want 401", st)
	}
	ana := signIn(t, plainClient, p.base, "ana")
	carla := signIn(t, plainClient, p.base, "carla")
	stream := carla.events()

	cs := ana.startPR01("Sistema de Planillas", "clave-de-prueba")
	stream.expect(t, cs.ID, 5*time.Second)
	cs = carla.fire(cs, manual.EventForward, nil)
	stream.expect(t, cs.ID, 5*time.Second)

	// The document processor runs in the server: step 1's Nota de
	// Remisión appears.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var docs []procedure.Document
		if st := ana.call(http.MethodGet, "/api/v1/cases/"+cs.ID+"/documents", nil, &docs); st != http.StatusOK {
			t.Fatalf("documents: status %d", st)
		}
		if len(docs) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no document rendered within 30 s:\n%s", p.log)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// SIGTERM with an event stream open: the stream ends, the process
	// exits 0 within a few seconds.
	took, err := p.terminate(10 * time.Second)
	if err != nil {
		t.Fatalf("exit: %v\n%s", err, p.log)
	}
	if took > 5*time.Second {
		t.Errorf("stopping took %s", took)
	}
	select {
	case <-stream.closed:
	case <-time.After(5 * time.Second):
		t.Error("the event stream is still open after the server stopped")
	}
	if len(p.log.lines("stopped")) != 1 {
		t.Errorf("no \"stopped\" in the log:\n%s", p.log)
	}
	t.Logf("stopped in %s", took.Round(time.Millisecond))

	// Started again on the same database: the demo people are not saved
	// again, and the session survived the restart.
	p = start(t, dir, nil, "-demo")
	carla.base = p.base
	if st := carla.call(http.MethodGet, "/api/v1/session", nil, nil); st != http.StatusOK {
		t.Fatalf("the session after a restart: status %d", st)
	}
	if n := len(p.log.lines("demo people created: anyone can sign in as them with the password demo-<username>")); n != 0 {
		t.Fatalf("the demo people were saved again on a database that had them")
	}
}

// TestEventStreamOutlivesTimeouts opens a stream on a server whose read
// and write timeouts are one second and expects it to carry an event three
// seconds later.
func TestEventStreamOutlivesTimeouts(t *testing.T) {
	p := start(t, t.TempDir(), []string{"TRAMITE_HTTP_READ_TIMEOUT=1s", "TRAMITE_HTTP_WRITE_TIMEOUT=1s"}, "-demo")
	ana := signIn(t, plainClient, p.base, "ana")
	stream := ana.events()
	time.Sleep(3 * time.Second)
	cs := ana.startPR01("Mesa de Ayuda", "x")
	stream.expect(t, cs.ID, 5*time.Second)
}

func TestRefusesPlainHTTPBeyondLoopback(t *testing.T) {
	dir := t.TempDir()
	for _, listen := range []string{"0.0.0.0:0", ":0"} {
		stderr, err := runToExit(t, dir, []string{"TRAMITE_LISTEN=" + listen})
		if err == nil {
			t.Fatalf("listen %s without TLS: the server started", listen)
		}
		for _, w := range []string{"sin TLS", "TRAMITE_TLS_CERT", "TRAMITE_TLS_KEY", "127.0.0.1"} {
			if !strings.Contains(stderr, w) {
				t.Errorf("listen %s: the error does not say %q:\n%s", listen, w, stderr)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tramite-server.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused start made the database: %v", err)
	}
}

func TestRefusesUnknownConfigField(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, "server.json", `{"listen": "127.0.0.1:0", "smtp": {"host": "", "pasword_file": "/etc/tramite/smtp"}}`, 0o600)
	stderr, err := runToExit(t, dir, nil, "-config", path)
	if err == nil {
		t.Fatal("the server started with an unknown field")
	}
	if !strings.Contains(stderr, `"pasword_file"`) || !strings.Contains(stderr, path) {
		t.Fatalf("the error does not name the field and the file:\n%s", stderr)
	}
}

// TestTLS serves HTTPS (HTTP/2) on every interface from certificate files.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, roots := selfSigned(t, dir)
	p := start(t, dir, []string{"TRAMITE_LISTEN=0.0.0.0:0", "TRAMITE_TLS_CERT=" + certFile, "TRAMITE_TLS_KEY=" + keyFile}, "-demo")
	if !strings.HasPrefix(p.base, "https://") {
		t.Fatalf("base %s", p.base)
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}}
	resp, err := hc.Get(p.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Fatalf("/healthz over TLS: %d %s, want 200 over HTTP/2", resp.StatusCode, resp.Proto)
	}
	ana := signIn(t, hc, p.base, "ana")
	stream := ana.events()
	cs := ana.startPR01("Portal", "x")
	stream.expect(t, cs.ID, 5*time.Second)
	// Plain HTTP on the TLS port: net/http answers 400, never the API.
	if resp, err := plainClient.Get(strings.Replace(p.base, "https://", "http://", 1) + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP answered on the TLS port")
		}
	}
	if _, err := p.terminate(10 * time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.log)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key (0600) into
// dir and returns their paths and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tramite-server test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// TestSecretsStayOutOfTheLog configures every secret the server reads
// from a file, with a mail server and a directory that cannot be reached,
// signs in (the directory is down, the local account answers), fails a
// sign-in and starts a case with credentials, and looks for each secret in
// the log and in -print-config.
func TestSecretsStayOutOfTheLog(t *testing.T) {
	dir := t.TempDir()
	canaries := map[string]string{
		"smtp": "canary-smtp-7Qx2", "ldap": "canary-ldap-9Zp4", "password": "canary-password-3Kd8", "credentials": "canary-credentials-5Wm1",
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := closed.Addr().(*net.TCPAddr)
	closed.Close()
	vars := []string{
		"TRAMITE_SMTP_HOST=127.0.0.1", fmt.Sprintf("TRAMITE_SMTP_PORT=%d", deadAddr.Port), "TRAMITE_SMTP_TLS=insecure",
		"TRAMITE_SMTP_USERNAME=tramite", "TRAMITE_SMTP_FROM=tramites@example.bo",
		"TRAMITE_SMTP_PASSWORD_FILE=" + writeFile(t, "smtp", canaries["smtp"]+"\n", 0o600),
		fmt.Sprintf("TRAMITE_LDAP_URL=ldap://127.0.0.1:%d", deadAddr.Port), "TRAMITE_LDAP_BIND_DN=cn=tramite,dc=example,dc=bo",
		"TRAMITE_LDAP_BIND_PASSWORD_FILE=" + writeFile(t, "ldap", canaries["ldap"]+"\n", 0o600),
		"TRAMITE_LDAP_BASE_DN=ou=personas,dc=example,dc=bo", "TRAMITE_LDAP_TIMEOUT=1s",
		`TRAMITE_LDAP_GROUPS=[{"dn":"cn=jefes,ou=grupos,dc=example,dc=bo","role":"jefe_uit"}]`,
		"TRAMITE_LOG_LEVEL=debug",
	}
	p := start(t, dir, vars, "-demo")
	ana := signIn(t, plainClient, p.base, "ana")
	bad := &client{t: t, http: plainClient, base: p.base}
	if st := bad.call(http.MethodPost, "/api/v1/session", map[string]string{"username": "ana", "password": canaries["password"]}, nil); st/100 == 2 {
		t.Fatalf("a wrong password signed in: %d", st)
	}
	ana.startPR01("Sistema con credenciales", canaries["credentials"])
	time.Sleep(3 * time.Second) // the dispatcher tries the mail server, the processor renders
	if _, err := p.terminate(10 * time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.log)
	}
	var printed bytes.Buffer
	cmd := exec.Command(build(t), "-print-config")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, environ(vars...), &printed, &printed
	if err := cmd.Run(); err != nil {
		t.Fatalf("-print-config: %v\n%s", err, printed.String())
	}
	for what, c := range canaries {
		if strings.Contains(p.log.String(), c) {
			t.Errorf("the %s secret is in the log", what)
		}
		if strings.Contains(printed.String(), c) {
			t.Errorf("the %s secret is in -print-config", what)
		}
	}
	if len(p.log.lines("LDAP sign-in")) != 1 {
		t.Errorf("the directory is not in use:\n%s", p.log)
	}
}

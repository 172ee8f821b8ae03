// Command tramite-server is the agency's tramite server: it holds the
// database, the sealing key, the signing identity and the SMTP
// credentials, answers the desks' API (package server) for the signed-in
// actor only, and runs the document processor and the mail dispatcher.
// Several replicas may share one PostgreSQL database: sessions, the change
// feed and the outbox claims are kept there, so a session made on one
// replica is valid on all, a step fired on one reaches the event streams
// of all, and each document and email is produced once.
//
//	tramite-server -config /etc/tramite/server.json
//	tramite-server -print-config        # the effective configuration, then exit
//	tramite-server -demo                # a trial with the demo people
//
// The configuration comes from its defaults, then the JSON file given
// with -config (an unknown field is refused), then environment variables
// (TRAMITE_DATABASE_URL, TRAMITE_LISTEN, TRAMITE_TLS_CERT…; see Config for
// every field and its variable). Secrets — the database, SMTP, LDAP and
// PKCS#12 passwords, the sealing and signing keys — are read from files
// whose paths the configuration names; they are never taken from the
// command line or the environment, and never logged or printed.
//
// Without a configuration the server runs a trial in the working
// directory: SQLite in tramite-server.db, plain HTTP on 127.0.0.1:8443, a
// sealing key made at first start in tramite-server.key (0600), the
// development signing identity, local accounts, and no mail server (mail
// waits in the outbox). Plain HTTP is refused on any address but
// loopback: give a certificate, or listen on 127.0.0.1 behind a proxy
// that terminates TLS.
//
// GET /healthz answers 200 "ok" while the database answers, for a load
// balancer. SIGINT or SIGTERM stops accepting connections, closes the
// event streams, lets requests in flight finish (up to
// http.shutdown_timeout), stops the processor and the dispatcher, and
// closes the database.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/server"
	"github.com/tramite/tramite/server/ldapauth"
	"github.com/tramite/tramite/storage"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "tramite-server:", err)
		os.Exit(1)
	}
}

// secretEnv are variables other tramite programs read secrets from. The
// server refuses them: its secrets come from files.
var secretEnv = map[string]string{
	procedure.KeyEnv:             "sealing_key_file (TRAMITE_SEALING_KEY_FILE)",
	"TRAMITE_SMTP_PASSWORD":      "smtp.password_file (TRAMITE_SMTP_PASSWORD_FILE)",
	"TRAMITE_LDAP_BIND_PASSWORD": "ldap.bind_password_file (TRAMITE_LDAP_BIND_PASSWORD_FILE)",
	"TRAMITE_SIGNING_PASSWORD":   "signing.password_file (TRAMITE_SIGNING_PASSWORD_FILE)",
	"TRAMITE_DATABASE_PASSWORD":  "database_password_file (TRAMITE_DATABASE_PASSWORD_FILE)",
}

// run is the command: it parses args, loads the configuration, and serves
// until SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) error {
	fl := flag.NewFlagSet("tramite-server", flag.ContinueOnError)
	fl.SetOutput(stderr)
	configPath := fl.String("config", "", "JSON configuration file, e.g. /etc/tramite/server.json (default: none, the trial defaults)")
	printConfig := fl.Bool("print-config", false, "print the effective configuration (secrets redacted) and exit")
	demo := fl.Bool("demo", false, "save the demo people (password demo-<username>) when the database has nobody; for a trial only")
	bind := fl.String("bind-certificate", "", "PERSONA=certificado.pem: register the signing certificate (PEM) of a person, so that the server accepts what they sign with it, and exit")
	unbind := fl.String("unbind-certificate", "", "certificado.pem: unregister a signing certificate (a lost or replaced token), and exit")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("argumento inesperado %q: la configuración va en el archivo de -config o en variables TRAMITE_*", fl.Arg(0))
	}
	cfg, err := LoadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	if *demo {
		cfg.Demo = true
	}
	if *printConfig {
		if err := cfg.WriteJSON(stdout); err != nil {
			return err
		}
		return cfg.Validate()
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *bind != "" {
		return bindCertificate(ctx, cfg, *bind, stdout)
	}
	if *unbind != "" {
		return unbindCertificate(ctx, cfg, *unbind, stdout)
	}
	for name, instead := range secretEnv {
		if _, ok := getenv(name); ok {
			return fmt.Errorf("la variable %s contiene un secreto, y el servidor solo los lee de archivos: póngalo en un archivo (chmod 600), nombre el archivo en %s y quite la variable", name, instead)
		}
	}
	logger, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Config: cfg, Logger: logger}
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", time.Duration(cfg.HTTP.ShutdownTimeout).String())
	case err := <-m.ServeErr():
		logger.Error("serving stopped", "err", err)
	}
	stop() // a second signal ends the process at once
	if err := m.Close(); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

func newLogger(c LogConfig, w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(c.Level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(c.Format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// Main is one running server: its database, engine, API, HTTP listener
// and background workers. Open starts it; Close stops it gracefully.
type Main struct {
	// Config is the validated configuration.
	Config Config
	// Logger receives the log; nil discards it.
	Logger *slog.Logger

	log      *slog.Logger
	store    storage.Backend
	engine   *procedure.Engine
	api      *server.Server
	apiClose func() error
	http     *http.Server
	ln       net.Listener
	serveErr chan error
	stop     context.CancelFunc // ends the background work
	workers  sync.WaitGroup
}

// Open reads the secrets, opens the database, builds the engine, the API,
// the document processor and the mail dispatcher, starts listening and
// starts the background work. ctx bounds only the opening. After an
// error, Close releases what was opened.
func (m *Main) Open(ctx context.Context) error {
	cfg := m.Config
	m.log = m.Logger
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.serveErr = make(chan error, 1)

	target := strings.TrimSpace(cfg.Database)
	if cfg.DatabasePasswordFile != "" {
		pw, err := readSecret("database_password_file", cfg.DatabasePasswordFile)
		if err != nil {
			return err
		}
		if target, err = withPassword(target, pw); err != nil {
			return err
		}
	}
	sealer, err := openSealer(cfg.SealingKeyFile, storage.IsPostgres(target))
	if err != nil {
		return err
	}
	if m.store, err = storage.Open(ctx, target); err != nil {
		return fmt.Errorf("abrir la base de datos %s: %w", storage.Describe(target), err)
	}
	sessions, ok := m.store.(procedure.Sessions)
	if !ok {
		return fmt.Errorf("la base de datos %s no guarda sesiones (procedure.Sessions): actualice tramite", storage.Describe(target))
	}
	defs, cal, err := definitions(cfg.Deadlines)
	if err != nil {
		return err
	}
	if m.engine, err = procedure.NewEngine(m.store, procedure.WithDefinitions(defs...), procedure.WithDirectory(m.store), procedure.WithSealer(sealer),
		procedure.WithCalendar(cal), procedure.WithLogger(m.log)); err != nil {
		return err
	}
	if cfg.Demo {
		if err := seedDemo(ctx, m.store, m.log); err != nil {
			return err
		}
	}
	auth, err := authenticators(cfg, m.store, m.log)
	if err != nil {
		return err
	}
	signing, err := m.personalSigning(cfg)
	if err != nil {
		return err
	}
	m.api, err = server.New(server.Config{Engine: m.engine, Store: m.store, People: m.store, Sessions: sessions, Feed: m.store,
		Auth: auth, Clock: procedure.SystemClock, Logger: m.log,
		IdleTimeout: time.Duration(cfg.Sessions.IdleTimeout), MaxAge: time.Duration(cfg.Sessions.MaxAge),
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes, Signing: signing})
	if err != nil {
		return err
	}
	m.apiClose = sync.OnceValue(m.api.Close)
	proc, disp, err := m.workersFor(cfg)
	if err != nil {
		return err
	}
	if err := m.listen(cfg); err != nil {
		return err
	}
	m.startWorkers(proc, disp)
	m.log.Info("listening", "addr", m.ln.Addr().String(), "tls", cfg.TLS.Cert != "", "database", storage.Describe(target),
		"ldap", cfg.LDAP.URL != "", "local_accounts", cfg.LocalAccounts, "mail", disp != nil)
	return nil
}

// Addr returns the address the server listens on, once Open succeeded.
func (m *Main) Addr() net.Addr { return m.ln.Addr() }

// ServeErr receives the error that stopped serving before Close, if any.
func (m *Main) ServeErr() <-chan error { return m.serveErr }

// Close stops the server: it stops accepting connections, closes the event
// streams, waits for the requests in flight, stops the processor and the
// dispatcher, and closes the database, all within the configured
// shutdown timeout; then it cuts what is left.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), max(time.Duration(m.Config.HTTP.ShutdownTimeout), time.Second))
	defer cancel()
	var errs []error
	if m.http != nil {
		// Shutdown closes the listener, then runs apiClose (see listen),
		// which ends the event streams, then waits for the rest.
		if err := m.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("requests still in flight at the shutdown timeout: %w", err))
			m.http.Close()
		}
	}
	if m.apiClose != nil {
		if err := m.apiClose(); err != nil {
			errs = append(errs, fmt.Errorf("close the API: %w", err))
		}
	}
	if m.stop != nil {
		m.stop()
		done := make(chan struct{})
		go func() { m.workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			errs = append(errs, errors.New("the document processor or the mail dispatcher did not stop in time"))
		}
	}
	if m.store != nil {
		if err := m.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close the database: %w", err))
		}
	}
	return errors.Join(errs...)
}

// listen builds the HTTP server and starts serving.
func (m *Main) listen(cfg Config) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", m.healthz)
	mux.Handle("/", m.api.Handler())
	// The event stream outlives ReadTimeout and WriteTimeout: net/http
	// lifts the read deadline once a request without a body is read, and
	// the API lifts the write deadline of GET /api/v1/events
	// (TestEventStreamOutlivesTimeouts).
	m.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: time.Duration(cfg.HTTP.ReadHeaderTimeout),
		ReadTimeout:       time.Duration(cfg.HTTP.ReadTimeout),
		WriteTimeout:      time.Duration(cfg.HTTP.WriteTimeout),
		IdleTimeout:       time.Duration(cfg.HTTP.IdleTimeout),
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
		ErrorLog:          log.New(httpErrorLog{m.log}, "", 0),
	}
	m.http.RegisterOnShutdown(func() {
		if err := m.apiClose(); err != nil {
			m.log.Warn("close the API", "err", err)
		}
	})
	if cfg.TLS.Cert != "" {
		cert, err := loadCertificate(cfg.TLS.Cert, cfg.TLS.Key)
		if err != nil {
			return err
		}
		m.http.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("escuchar en %s: %w", cfg.Listen, err)
	}
	m.ln = ln
	go func() {
		var err error
		if m.http.TLSConfig != nil {
			err = m.http.ServeTLS(ln, "", "")
		} else {
			err = m.http.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			m.serveErr <- err
		}
	}()
	return nil
}

// healthz answers 200 "ok" when the database answers a query within three
// seconds, 503 otherwise.
func (m *Main) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// A case that cannot exist: ENOTFOUND proves the database answered.
	if _, err := m.store.Case(ctx, "healthz"); err != nil && procedure.ErrorCode(err) != procedure.ENOTFOUND {
		m.log.Warn("health check: the database does not answer", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "database unavailable\n")
		return
	}
	io.WriteString(w, "ok\n")
}

// httpErrorLog sends net/http's own messages to the log: TLS handshake
// failures (scanners, health probes) at debug level, the rest as warnings.
type httpErrorLog struct{ log *slog.Logger }

func (h httpErrorLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.Contains(msg, "TLS handshake error") {
		level = slog.LevelDebug
	}
	h.log.Log(context.Background(), level, "http server", "msg", msg)
	return len(p), nil
}

// withPassword puts password into a postgres:// URL.
func withPassword(target, password string) (string, error) {
	u, err := url.Parse(target)
	if err != nil || u.User == nil || u.User.Username() == "" {
		return "", fmt.Errorf("database_password_file necesita una dirección postgres://usuario@servidor/base con el usuario")
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String(), nil
}

// openSealer loads the sealing key. On PostgreSQL the key must exist:
// replicas that each made their own could not read each other's secrets.
func openSealer(path string, shared bool) (procedure.Sealer, error) {
	if _, err := os.Stat(path); shared && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no existe la clave de cifrado %s: en PostgreSQL todas las réplicas deben usar la misma; créela una vez "+
			"(umask 077; head -c 32 /dev/urandom | base64 > %s) y cópiela a cada réplica", path, path)
	}
	key, err := procedure.LoadKey(path)
	if err != nil {
		return nil, fmt.Errorf("clave de cifrado %s: %w", path, err)
	}
	return procedure.NewAESSealer(key)
}

// loadCertificate loads the server's TLS certificate and key.
func loadCertificate(certFile, keyFile string) (tls.Certificate, error) {
	if st, err := os.Stat(keyFile); err == nil && st.Mode().Perm()&0o004 != 0 {
		return tls.Certificate{}, fmt.Errorf("tls.key: el archivo %s es legible por cualquier usuario: ejecute chmod 600 (o 640 con el grupo del servicio)", keyFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificado TLS (%s, %s): %w", certFile, keyFile, err)
	}
	return cert, nil
}

// caPool reads a PEM bundle of CA certificates; empty path means nil (the
// system's roots).
func caPool(what, path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: %s no contiene certificados PEM", what, path)
	}
	return pool, nil
}

// authenticators returns the ways to sign in: the directory first, when
// configured, then the local accounts.
func authenticators(cfg Config, people procedure.People, log *slog.Logger) ([]server.Authenticator, error) {
	var auth []server.Authenticator
	if l := cfg.LDAP; l.URL != "" {
		lc := ldapauth.Config{URL: l.URL, StartTLS: l.StartTLS, BindDN: l.BindDN, BaseDN: l.BaseDN, UserFilter: l.UserFilter,
			NameAttribute: l.NameAttribute, EmailAttribute: l.EmailAttribute, UnitAttribute: l.UnitAttribute,
			GroupBaseDN: l.GroupBaseDN, DisabledFilter: l.DisabledFilter, Timeout: time.Duration(l.Timeout)}
		if l.BindPasswordFile != "" {
			pw, err := readSecret("ldap.bind_password_file", l.BindPasswordFile)
			if err != nil {
				return nil, err
			}
			lc.BindPassword = pw
		}
		roots, err := caPool("ldap.ca_file", l.CAFile)
		if err != nil {
			return nil, err
		}
		if roots != nil {
			lc.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
		}
		for _, g := range l.Groups {
			lc.Groups = append(lc.Groups, ldapauth.GroupRole{GroupDN: g.DN, Role: procedure.RoleID(g.Role), Interim: g.Interim})
		}
		a, err := ldapauth.New(lc)
		if err != nil {
			return nil, fmt.Errorf("ldap: %w", err)
		}
		log.Info("LDAP sign-in", "directory", a.String())
		auth = append(auth, a)
	}
	if cfg.LocalAccounts {
		auth = append(auth, server.LocalAccounts(people))
	}
	return auth, nil
}

// owner names this replica in outbox claims: host name and process ID.
func owner(kind string) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return kind + "/" + host + "/" + strconv.Itoa(os.Getpid())
}

// workersFor builds the document processor and, when a mail server is
// configured, the mail dispatcher (nil otherwise: mail waits in the
// outbox).
func (m *Main) workersFor(cfg Config) (*report.Processor, *notify.Dispatcher, error) {
	var signers report.Signers
	if !cfg.Signing.Personal {
		id, err := signingIdentity(cfg.Signing, m.log)
		if err != nil {
			return nil, nil, err
		}
		signers = report.SameSigner(id)
	}
	if cfg.DocumentsDir != "" {
		if err := os.MkdirAll(cfg.DocumentsDir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("documents_dir: %w", err)
		}
	}
	in := cfg.Institution
	proc, err := report.NewProcessor(m.store, m.engine, report.ProcessorConfig{
		Options: report.Options{Institution: report.Institution{Name: in.Name, Unit: in.Unit, City: in.City}, VerifyURL: in.VerifyURL},
		Signers: signers, Directory: m.store, Dir: cfg.DocumentsDir, Owner: owner("report")})
	if err != nil {
		return nil, nil, err
	}
	s := cfg.SMTP
	if s.Host == "" {
		m.log.Info("no SMTP server configured: mail waits in the outbox")
		return proc, nil, nil
	}
	mode, err := notify.ParseTLSMode(s.TLS)
	if err != nil {
		return nil, nil, err
	}
	nc := notify.Config{Host: s.Host, Port: s.Port, Username: s.Username, From: procedure.Address{Name: s.FromName, Email: s.From},
		TLS: mode, MailDir: s.MailDir, Institution: notify.Institution{Name: in.Name, Unit: in.Unit}}
	if s.PasswordFile != "" {
		if nc.Password, err = readSecret("smtp.password_file", s.PasswordFile); err != nil {
			return nil, nil, err
		}
	}
	roots, err := caPool("smtp.ca_file", s.CAFile)
	if err != nil {
		return nil, nil, err
	}
	if roots != nil {
		nc.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	}
	disp, err := notify.NewDispatcher(m.store, m.engine, nc, notify.WithLogger(m.log), notify.WithOwner(owner("notify")))
	if err != nil {
		return nil, nil, fmt.Errorf("smtp: %w", err)
	}
	return proc, disp, nil
}

// bindCertificate registers, in the database, the signing certificate of
// a person: spec is "person=file.pem".
func bindCertificate(ctx context.Context, cfg Config, spec string, stdout io.Writer) error {
	actorID, path, ok := strings.Cut(spec, "=")
	if !ok || actorID == "" || path == "" {
		return fmt.Errorf("-bind-certificate %q: escriba PERSONA=certificado.pem", spec)
	}
	cert, err := readCertificate("-bind-certificate", path)
	if err != nil {
		return err
	}
	return withCertificates(ctx, cfg, func(certs procedure.Certificates) error {
		b := procedure.CertificateOf(actorID, cert)
		if err := certs.PutCertificate(ctx, b); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "El certificado %s (serie %s, emitido por %s, vence el %s) queda registrado a nombre de %s.\n",
			b.Subject, b.Serial, b.Issuer, cert.NotAfter.Format("2006-01-02"), actorID)
		return err
	})
}

// unbindCertificate removes the registration of a signing certificate.
func unbindCertificate(ctx context.Context, cfg Config, path string, stdout io.Writer) error {
	cert, err := readCertificate("-unbind-certificate", path)
	if err != nil {
		return err
	}
	return withCertificates(ctx, cfg, func(certs procedure.Certificates) error {
		b := procedure.CertificateOf("", cert)
		owner, err := certs.CertificateOwner(ctx, b.Issuer, b.Serial)
		if err != nil {
			return err
		}
		if err := certs.RemoveCertificate(ctx, b.Issuer, b.Serial); err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "El certificado %s (serie %s) ya no está registrado a nombre de %s: lo que se firme con él será rechazado.\n",
			b.Subject, b.Serial, owner.ActorID)
		return err
	})
}

// readCertificate reads the first PEM certificate of a file.
func readCertificate(flag, path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil, fmt.Errorf("%s: %s no contiene un certificado PEM", flag, path)
		}
		if b.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: el certificado no es válido: %w", flag, path, err)
			}
			return cert, nil
		}
	}
}

// withCertificates opens the configured database and runs fn on its
// register of certificates.
func withCertificates(ctx context.Context, cfg Config, fn func(procedure.Certificates) error) error {
	target := strings.TrimSpace(cfg.Database)
	if cfg.DatabasePasswordFile != "" {
		pw, err := readSecret("database_password_file", cfg.DatabasePasswordFile)
		if err != nil {
			return err
		}
		if target, err = withPassword(target, pw); err != nil {
			return err
		}
	}
	store, err := storage.Open(ctx, target)
	if err != nil {
		return fmt.Errorf("abrir la base de datos %s: %w", storage.Describe(target), err)
	}
	defer store.Close()
	certs, ok := store.(procedure.Certificates)
	if !ok {
		return fmt.Errorf("la base de datos %s no guarda certificados: actualice tramite", storage.Describe(target))
	}
	return fn(certs)
}

// personalSigning returns what takes the signatures people make at their
// desks, when signing.personal is set; nil otherwise.
func (m *Main) personalSigning(cfg Config) (*report.Signing, error) {
	c := cfg.Signing
	if !c.Personal {
		return nil, nil
	}
	certs, ok := m.store.(procedure.Certificates)
	if !ok {
		return nil, fmt.Errorf("signing.personal: la base de datos no guarda los certificados de las personas: actualice tramite")
	}
	roots, err := caPool("signing.ca_file", c.CAFile)
	if err != nil {
		return nil, err
	}
	tsaRoots, err := caPool("signing.tsa_ca_file", c.TSACAFile)
	if err != nil {
		return nil, err
	}
	in := cfg.Institution
	ltv := c.TSA != ""
	if !ltv {
		m.log.Warn("personal signatures without a time-stamping authority: they stop verifying when the certificates expire; set signing.tsa")
	}
	return report.NewSigning(m.engine, m.store, certs, report.SigningConfig{TSA: c.TSA,
		Options: report.Options{Institution: report.Institution{Name: in.Name, Unit: in.Unit, City: in.City}},
		Verify:  report.VerifyOptions{Roots: roots, TSARoots: tsaRoots, RequireTimestamp: ltv, RequireRevocation: ltv}})
}

// signingIdentity loads the identity that signs the documents: a PKCS#12
// file, a PEM key with its chain, or the development identity.
func signingIdentity(c SigningConfig, log *slog.Logger) (report.Identity, error) {
	if c.Key == "" {
		id, err := report.NewDevIdentity(c.DevDir)
		if err != nil {
			return id, fmt.Errorf("identidad de firma de desarrollo: %w", err)
		}
		log.Warn("documents are signed with the development identity: set signing.key (TRAMITE_SIGNING_KEY) for production", "dir", c.DevDir)
		return id, nil
	}
	st, err := os.Stat(c.Key)
	if err != nil {
		return report.Identity{}, fmt.Errorf("signing.key: %w", err)
	}
	if st.Mode().Perm()&0o004 != 0 {
		return report.Identity{}, fmt.Errorf("signing.key: el archivo %s es legible por cualquier usuario: ejecute chmod 600 (o 640 con el grupo del servicio)", c.Key)
	}
	data, err := os.ReadFile(c.Key)
	if err != nil {
		return report.Identity{}, fmt.Errorf("signing.key: %w", err)
	}
	password := ""
	if c.PasswordFile != "" {
		if password, err = readSecret("signing.password_file", c.PasswordFile); err != nil {
			return report.Identity{}, err
		}
	}
	var id report.Identity
	switch ext := strings.ToLower(filepath.Ext(c.Key)); {
	case ext == ".p12" || ext == ".pfx" || !strings.Contains(string(data), "-----BEGIN"):
		id, err = report.LoadPKCS12Identity(data, password)
	default:
		chain := data
		if c.Cert != "" {
			if chain, err = os.ReadFile(c.Cert); err != nil {
				return report.Identity{}, fmt.Errorf("signing.cert: %w", err)
			}
		}
		id, err = report.LoadPEMIdentity(data, chain)
	}
	if err != nil {
		return report.Identity{}, fmt.Errorf("signing.key %s: %w", c.Key, err)
	}
	log.Info("documents are signed by", "subject", id.Certificate().Subject.String(), "not_after", id.Certificate().NotAfter)
	return id, nil
}

// Intervals of the background work when the change feed is quiet.
const (
	documentsInterval = 2 * time.Second
	mailInterval      = 15 * time.Second
)

// startWorkers runs the document processor and the mail dispatcher until
// Close. Both drain at once when the change feed names a case, and on
// their interval otherwise; the store's claims let replicas share the work.
func (m *Main) startWorkers(proc *report.Processor, disp *notify.Dispatcher) {
	ctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	wake := make(chan struct{}, 1)
	if feed, err := m.store.Watch(ctx); err != nil {
		m.log.Warn("no change feed: the background work runs on its interval only", "err", err)
	} else {
		m.workers.Go(func() {
			for range feed {
				select {
				case wake <- struct{}{}:
				default:
				}
				if disp != nil {
					disp.Wake()
				}
			}
		})
	}
	m.workers.Go(func() {
		t := time.NewTicker(documentsInterval)
		defer t.Stop()
		for {
			rs, err := proc.Drain(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				m.log.Warn("document processor", "err", err)
			}
			for _, r := range rs {
				if r.Err != nil {
					m.log.Warn("document not rendered", "item", r.Item.ID, "case", r.Item.CaseID, "attempt", r.Item.Attempts, "status", r.Item.Status, "err", r.Err)
				} else {
					m.log.Debug("document rendered", "case", r.Item.CaseID, "topic", r.Item.Topic, "version", r.Document.Version)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-wake:
			}
		}
	})
	if disp != nil {
		m.workers.Go(func() {
			if err := disp.Run(ctx); err != nil && ctx.Err() == nil {
				m.log.Error("mail dispatcher stopped", "err", err)
			}
		})
	}
	if m.Config.Deadlines.File != "" {
		// Every replica sweeps: each late step is escalated once however
		// many do (procedure.Engine.Escalate).
		m.workers.Go(func() { m.engine.RunEscalation(ctx, time.Duration(m.Config.Deadlines.Interval)) })
	}
}

// definitions returns the procedures the server runs: the manual's, and
// when a deadline file is configured, after them the same with its
// deadlines (current for new cases); and the working-day calendar.
func definitions(cfg DeadlinesConfig) ([]*procedure.Definition, procedure.Calendar, error) {
	cal, err := cfg.calendar()
	if err != nil {
		return nil, nil, err
	}
	defs := manual.Definitions()
	if cfg.File == "" {
		return defs, cal, nil
	}
	data, err := os.ReadFile(cfg.File)
	if err != nil {
		return nil, nil, fmt.Errorf("plazos: %w", err)
	}
	withDeadlines, err := procedure.ApplyDeadlines(data, defs)
	if err != nil {
		return nil, nil, fmt.Errorf("plazos %s: %w", cfg.File, err)
	}
	return append(defs, withDeadlines...), cal, nil
}

// seedDemo saves the demo people with the password "demo-" and their
// username when the database has nobody yet, as the desktop client's demo
// mode does.
func seedDemo(ctx context.Context, people procedure.People, log *slog.Logger) error {
	as, err := people.Actors(ctx)
	if err != nil || len(as) > 0 {
		return err
	}
	var ids []string
	for _, a := range proceduretest.Actors() {
		if err := people.SaveActor(ctx, a); err != nil {
			return fmt.Errorf("demo %s: %w", a.ID, err)
		}
		h, err := bcrypt.GenerateFromPassword([]byte(demoPassword(a.ID)), bcrypt.DefaultCost)
		if err != nil {
			return err
		}
		if err := people.SetPasswordHash(ctx, a.ID, h); err != nil {
			return fmt.Errorf("demo %s: %w", a.ID, err)
		}
		ids = append(ids, a.ID)
	}
	log.Warn("demo people created: anyone can sign in as them with the password demo-<username>", "people", strings.Join(ids, ","))
	return nil
}

// demoPassword is a demo person's password, as in the desktop client.
func demoPassword(id string) string { return "demo-" + id }

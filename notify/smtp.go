package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tramite/tramite/procedure"
)

// deadlineConn bounds every Read and Write by timeout, so that a server
// that stalls in any phase (greeting, TLS, a command's reply, the DATA
// body) ends the attempt instead of hanging it.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(b)
}

// client is one SMTP connection, reused for a batch of messages: set up
// by go-smtp, its transactions written by tx.
type client struct {
	c    *smtp.Client
	raw  net.Conn
	stop func() bool
	tx   *transactions
}

func tlsConfig(cfg Config) *tls.Config {
	var t *tls.Config
	if cfg.TLSConfig != nil {
		t = cfg.TLSConfig.Clone()
	} else {
		t = &tls.Config{}
	}
	if t.ServerName == "" {
		t.ServerName = cfg.Host
	}
	if t.MinVersion == 0 {
		t.MinVersion = tls.VersionTLS12
	}
	return t
}

// connError is a failure to set up a connection: not the fault of any
// message, so messages stay pending.
func connError(cfg Config, what string, err error) error {
	return &procedure.Error{Code: procedure.EINVALID, Op: "smtp " + cfg.Addr(), Message: what, Err: err}
}

// dial connects, protects the connection as cfg says, says EHLO and
// authenticates.
func dial(ctx context.Context, cfg Config) (*client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	addr := cfg.Addr()
	d := net.Dialer{Timeout: cfg.dialTimeout()}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &procedure.Error{Code: procedure.EINTERNAL, Op: "smtp " + addr,
			Message: fmt.Sprintf("no se pudo conectar con el servidor de correo %s: verifique el servidor y el puerto, y que esté en línea", addr), Err: err}
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	fail := func(e error) (*client, error) {
		stop()
		raw.Close()
		return nil, e
	}
	conn := net.Conn(&deadlineConn{Conn: raw, timeout: cfg.commandTimeout()})
	helo := cfg.HeloName
	if helo == "" {
		helo = "localhost"
	}
	// session is the connection the transactions are written on.
	session := conn
	var c *smtp.Client
	switch cfg.TLS {
	case ImplicitTLS:
		tc := tls.Client(conn, tlsConfig(cfg))
		hctx, cancel := context.WithTimeout(ctx, cfg.dialTimeout())
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return fail(tlsError(cfg, err))
		}
		c, session = smtp.NewClient(tc), tc
	case StartTLS:
		// STARTTLS is said here rather than by go-smtp, which keeps the
		// TLS connection to itself: the transactions are written on it.
		tc, greeting, err := startTLS(ctx, conn, cfg, helo)
		if err != nil {
			return fail(err)
		}
		c, session = smtp.NewClient(&replayConn{Conn: tc, head: []byte("220 " + greeting + "\r\n")}), tc
	default:
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout = cfg.commandTimeout()
	c.SubmissionTimeout = cfg.commandTimeout()
	if err := c.Hello(helo); err != nil {
		// With STARTTLS the handshake runs on the first EHLO after it.
		c.Close()
		if isCertError(err) {
			return fail(tlsError(cfg, err))
		}
		return fail(&procedure.Error{Code: procedure.EINTERNAL, Op: "smtp " + addr,
			Message: fmt.Sprintf("el servidor de correo %s no aceptó el saludo EHLO", addr), Err: err})
	}
	if cfg.Username != "" {
		if err := auth(c, cfg); err != nil {
			c.Close()
			return fail(err)
		}
	}
	pipelining, _ := c.Extension("PIPELINING")
	return &client{c: c, raw: raw, stop: stop, tx: newTransactions(session, pipelining && !cfg.NoPipelining)}, nil
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

func isCertError(err error) bool {
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ie x509.CertificateInvalidError
	var ce *tls.CertificateVerificationError
	return errors.As(err, &ue) || errors.As(err, &he) || errors.As(err, &ie) || errors.As(err, &ce)
}

func tlsError(cfg Config, err error) error {
	if isCertError(err) {
		return connError(cfg, fmt.Sprintf("no se pudo verificar el certificado TLS de %s: revise el nombre del servidor o instale la autoridad certificadora de la institución", cfg.Addr()), err)
	}
	return &procedure.Error{Code: procedure.EINTERNAL, Op: "smtp " + cfg.Addr(),
		Message: fmt.Sprintf("falló la negociación TLS con %s: verifique el puerto y el modo TLS (587 con STARTTLS, 465 con TLS implícito)", cfg.Addr()), Err: err}
}

func auth(c *smtp.Client, cfg Config) error {
	mech := strings.ToUpper(cfg.AuthMechanism)
	if mech == "" {
		switch {
		case c.SupportsAuth(sasl.Plain):
			mech = sasl.Plain
		case c.SupportsAuth(sasl.Login):
			mech = sasl.Login
		default:
			return connError(cfg, fmt.Sprintf("el servidor %s no ofrece autenticación PLAIN ni LOGIN: revise el modo TLS o deje vacío el usuario si el servidor no pide autenticación", cfg.Addr()), nil)
		}
	}
	var sc sasl.Client
	if mech == sasl.Login {
		sc = &loginClient{username: cfg.Username, password: cfg.Password}
	} else {
		sc = sasl.NewPlainClient("", cfg.Username, cfg.Password)
	}
	if err := c.Auth(sc); err != nil {
		return authError(cfg, mech, err)
	}
	return nil
}

// authError says why AUTH failed. A refusal (5xx) or an exchange the
// client cannot follow is a configuration problem (EINVALID); a temporary
// refusal (4xx) or a lost connection may pass (EINTERNAL).
func authError(cfg Config, mech string, err error) error {
	addr := cfg.Addr()
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se) && se.Code/100 == 4:
		return &procedure.Error{Code: procedure.EINTERNAL, Op: "smtp " + addr,
			Message: fmt.Sprintf("el servidor %s no pudo autenticar por ahora (%d %s): se volverá a intentar", addr, se.Code, se.Message), Err: err}
	case errors.As(err, &se) && (se.Code == 502 || se.Code == 504):
		return connError(cfg, fmt.Sprintf("el servidor %s no acepta la autenticación %s (%d %s): elija otro mecanismo o deje que se elija solo", addr, mech, se.Code, se.Message), err)
	case errors.As(err, &se):
		return connError(cfg, fmt.Sprintf("la autenticación falló: el servidor %s rechazó el usuario o la contraseña (%d %s): revise las credenciales SMTP", addr, se.Code, se.Message), err)
	case errors.Is(err, errLoginSteps):
		return connError(cfg, fmt.Sprintf("la autenticación falló: el servidor %s pidió en AUTH LOGIN algo más que el usuario y la contraseña: use AUTH PLAIN o revise el servidor", addr), err)
	case isNetError(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &procedure.Error{Code: procedure.EINTERNAL, Op: "smtp " + addr, Message: "se perdió la conexión durante la autenticación", Err: err}
	}
	return connError(cfg, fmt.Sprintf("la autenticación %s falló: la respuesta del servidor %s no se pudo interpretar", mech, addr), err)
}

// close says QUIT and closes the connection.
func (cl *client) close() {
	cl.stop()
	cl.tx.quit()
	cl.c.Close()
}

// abort closes the connection without QUIT.
func (cl *client) abort() {
	cl.stop()
	cl.c.Close()
}

// outcome of one message on a connection.
type outcome struct {
	// reply is the server's 250 text when sent.
	reply string
	// rejected lists recipients refused with a permanent error while
	// others were accepted.
	rejected []string
	// err is nil when sent.
	err error
	// temporary: retry later; otherwise permanent.
	temporary bool
	// broken: the connection cannot be used again.
	broken bool
}

func classify(stage string, err error) outcome {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		if se.Code == 530 {
			// "Authentication required" speaks of the configuration, not
			// of the message: every message would get it. Keep the item
			// pending (it is retried, and fails only after the maximum
			// number of attempts) and stop the batch.
			return outcome{err: fmt.Errorf("%s: %w (el servidor exige autenticación: revise el usuario y la contraseña SMTP en Ajustes)", stage, err),
				temporary: true, broken: true}
		}
		return outcome{err: fmt.Errorf("%s: %w", stage, err), temporary: se.Code/100 != 5, broken: se.Code == 421}
	}
	return outcome{err: fmt.Errorf("%s: %w", stage, err), temporary: true, broken: true}
}

// send sends one message on the connection.
func (cl *client) send(from string, rcpts []string, msg []byte) outcome {
	return cl.tx.send(from, rcpts, msg)
}

// TestConnection connects to the server of cfg, protects the connection,
// authenticates and says QUIT. The desktop client's "probar conexión"
// button calls it; the error's message (procedure.ErrorMessage) says what
// to fix.
func TestConnection(ctx context.Context, cfg Config) error {
	cl, err := dial(ctx, cfg)
	if err != nil {
		return err
	}
	if err := cl.c.Noop(); err != nil {
		cl.abort()
		return &procedure.Error{Code: procedure.EINTERNAL, Op: "smtp " + cfg.Addr(), Message: "el servidor de correo no respondió a NOOP", Err: err}
	}
	cl.close()
	return nil
}

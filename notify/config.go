package notify

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
)

// TLSMode says how the connection to the SMTP server is protected.
type TLSMode int

const (
	// StartTLS connects in plain text (usually port 587 or 25) and requires
	// the server to upgrade with STARTTLS before anything else is sent. It
	// is the default.
	StartTLS TLSMode = iota
	// ImplicitTLS connects with TLS from the first byte (port 465).
	ImplicitTLS
	// Insecure sends in plain text. It is accepted only for a server on
	// the loopback interface (tests, a local relay).
	Insecure
)

// String returns the mode's name as used in configuration files.
func (m TLSMode) String() string {
	switch m {
	case StartTLS:
		return "starttls"
	case ImplicitTLS:
		return "tls"
	case Insecure:
		return "insecure"
	}
	return "TLSMode(" + strconv.Itoa(int(m)) + ")"
}

// ParseTLSMode parses "starttls", "tls" (or "implicit", "ssl") and
// "insecure" (or "none").
func ParseTLSMode(s string) (TLSMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "starttls":
		return StartTLS, nil
	case "tls", "implicit", "ssl", "smtps":
		return ImplicitTLS, nil
	case "insecure", "none", "plain":
		return Insecure, nil
	}
	return 0, procedure.Errorf(procedure.EINVALID, "modo TLS desconocido %q: use starttls, tls o insecure", s)
}

// Defaults of Config.
const (
	DefaultDialTimeout    = 15 * time.Second
	DefaultCommandTimeout = 60 * time.Second
)

// Config is the mail configuration of a Dispatcher and of TestConnection.
type Config struct {
	// Host and Port of the SMTP server. Port 0 means 587, or 465 with
	// ImplicitTLS.
	Host string
	Port int
	// Username and Password for AUTH; no AUTH when Username is empty.
	Username string
	Password string
	// AuthMechanism forces "PLAIN" or "LOGIN"; empty picks PLAIN when the
	// server offers it, else LOGIN.
	AuthMechanism string
	// From is the institutional sender, e.g. {"Trámites UIT", "tramites@agetic.gob.bo"}.
	From procedure.Address
	// Institution is who sends the mail, as the emails of any procedure
	// may name it: {{.Institution.Name}} and {{.Institution.Unit}} in an
	// EmailDef's templates (a footer of one's own, beside the procedure's
	// own reference, {{.Procedure.Code}} or {{.Procedure.Resolution}}).
	// Empty fields read as empty.
	Institution Institution
	// TLS is how the connection is protected (default StartTLS).
	TLS TLSMode
	// TLSConfig, when set, is used for the handshake (for a private CA:
	// set RootCAs). ServerName defaults to Host.
	TLSConfig *tls.Config
	// DialTimeout bounds connecting (and the TLS handshake); CommandTimeout
	// bounds every command's reply and every write, DATA included.
	DialTimeout    time.Duration
	CommandTimeout time.Duration
	// HeloName is the name given in EHLO (default "localhost").
	HeloName string
	// NoPipelining sends each command of a message and waits for its reply
	// before the next, even when the server offers PIPELINING (RFC 2920):
	// for a server that offers it and mishandles it. By default MAIL,
	// RCPT and DATA go out together.
	NoPipelining bool
	// Domain is the right-hand side of Message-IDs ("tramite.<Domain>");
	// default: the domain of From.
	Domain string
	// Kinds switches email topics (procedure.EmailDef.Topic) on or off; a
	// topic that is absent is on.
	Kinds map[string]bool
	// MailDir keeps, in .journal, the batch journals that narrow the
	// exactly-once window (see the package documentation), and in
	// enviados/<YYYY-MM>/ the archive of every sent message, byte for byte:
	// the journals whose outcomes the store has (read them with Archives,
	// ReadArchive and WriteMbox). Files are created 0600 in 0700 folders.
	// Empty keeps no journal and no archive (and leaves only the
	// Message-ID to recognise a resend).
	MailDir string
}

// Institution is the institution that sends a procedure's emails.
type Institution struct {
	// Name is the institution ("Agencia de Gobierno Electrónico…").
	Name string
	// Unit is the unit that runs the procedures ("Unidad de
	// Infraestructura Tecnológica").
	Unit string
}

// Enabled reports whether email of topic is switched on.
func (c Config) Enabled(topic string) bool {
	on, ok := c.Kinds[topic]
	return !ok || on
}

// Addr returns host:port, with the default port filled in.
func (c Config) Addr() string {
	port := c.Port
	if port == 0 {
		port = 587
		if c.TLS == ImplicitTLS {
			port = 465
		}
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

func (c Config) domain() string {
	if c.Domain != "" {
		return c.Domain
	}
	if i := strings.LastIndexByte(c.From.Email, '@'); i >= 0 {
		return c.From.Email[i+1:]
	}
	return "localhost"
}

func (c Config) dialTimeout() time.Duration {
	if c.DialTimeout > 0 {
		return c.DialTimeout
	}
	return DefaultDialTimeout
}

func (c Config) commandTimeout() time.Duration {
	if c.CommandTimeout > 0 {
		return c.CommandTimeout
	}
	return DefaultCommandTimeout
}

// Validate checks the configuration and returns an *procedure.Error
// (EINVALID) listing every problem, each saying what to fix.
func (c Config) Validate() error {
	var p []string
	if strings.TrimSpace(c.Host) == "" {
		p = append(p, "falta el servidor SMTP (Host)")
	}
	if c.Port < 0 || c.Port > 65535 {
		p = append(p, fmt.Sprintf("el puerto %d no es válido (1-65535)", c.Port))
	}
	if c.From.Email == "" {
		p = append(p, "falta la dirección del remitente institucional (From)")
	} else if _, err := mail.ParseAddress(c.From.Email); err != nil {
		p = append(p, fmt.Sprintf("la dirección del remitente %q no es válida", c.From.Email))
	}
	switch c.TLS {
	case StartTLS, ImplicitTLS:
	case Insecure:
		if !isLoopback(c.Host) {
			p = append(p, fmt.Sprintf("el modo sin cifrado solo se permite con un servidor local (127.0.0.1 o localhost), no con %q: use starttls o tls", c.Host))
		}
	default:
		p = append(p, fmt.Sprintf("modo TLS desconocido %d: use StartTLS, ImplicitTLS o Insecure", c.TLS))
	}
	switch strings.ToUpper(c.AuthMechanism) {
	case "", "PLAIN", "LOGIN":
	default:
		p = append(p, fmt.Sprintf("mecanismo de autenticación %q no soportado: use PLAIN o LOGIN", c.AuthMechanism))
	}
	if c.Username == "" && c.Password != "" {
		p = append(p, "hay contraseña pero falta el usuario SMTP (Username)")
	}
	if len(p) == 0 {
		return nil
	}
	return &procedure.Error{Code: procedure.EINVALID, Op: "notify config",
		Message: "la configuración de correo tiene problemas: " + strings.Join(p, "; "), Problems: p}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

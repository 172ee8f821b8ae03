package main

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/tramite/tramite/calendar"
	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/server"
	"github.com/tramite/tramite/server/ldapauth"
	"github.com/tramite/tramite/storage"
)

// Config is the server's configuration. It holds no secret: passwords and
// keys are named by the path of the file that holds them (the *_file
// fields), read at start and never logged or printed. Each field is read,
// in this order, from its default (DefaultConfig), the JSON configuration
// file, and the environment variable in its env tag.
type Config struct {
	// Database is a SQLite file path or a postgres:// URL.
	Database string `json:"database" env:"TRAMITE_DATABASE_URL"`
	// DatabasePasswordFile holds the PostgreSQL password, put into the URL
	// at start; libpq's PGPASSFILE and ~/.pgpass work too.
	DatabasePasswordFile string `json:"database_password_file" env:"TRAMITE_DATABASE_PASSWORD_FILE"`
	// Listen is the host:port to serve on. Plain HTTP (no TLS) is refused
	// unless the host is a loopback address.
	Listen string    `json:"listen" env:"TRAMITE_LISTEN"`
	TLS    TLSConfig `json:"tls"`
	// SealingKeyFile holds the AES-256 key (32 bytes, base64) that seals
	// the credentials of PR01's step 1. On SQLite a missing file is created
	// (0600) at first start; on PostgreSQL it must exist, the same on every
	// replica.
	SealingKeyFile string `json:"sealing_key_file" env:"TRAMITE_SEALING_KEY_FILE"`
	// DocumentsDir, when set, also receives every document version as a
	// PDF file; the database keeps them either way.
	DocumentsDir string            `json:"documents_dir" env:"TRAMITE_DOCUMENTS_DIR"`
	Signing      SigningConfig     `json:"signing"`
	Institution  InstitutionConfig `json:"institution"`
	SMTP         SMTPConfig        `json:"smtp"`
	LDAP         LDAPConfig        `json:"ldap"`
	// LocalAccounts signs people in with the passwords kept in the
	// database, after the directory when LDAP is configured too.
	LocalAccounts bool          `json:"local_accounts" env:"TRAMITE_LOCAL_ACCOUNTS"`
	Sessions      SessionConfig `json:"sessions"`
	HTTP          HTTPConfig    `json:"http"`
	Log           LogConfig     `json:"log"`
	// Deadlines are the agency's deadlines on the steps, an extension the
	// manual does not set, and the working-day calendar they run in.
	Deadlines DeadlinesConfig `json:"deadlines"`
	// Demo saves the demo people (password "demo-" and the username) when
	// the database has nobody yet. For a trial only: anyone who reads this
	// can sign in as them.
	Demo bool `json:"demo" env:"TRAMITE_DEMO"`
}

// DeadlinesConfig names the agency's deadlines and its calendar.
type DeadlinesConfig struct {
	// File holds the deadlines (the JSON procedure.ApplyDeadlines reads;
	// manual.ExampleDeadlines is an example); empty for none: the manual's
	// procedures as the manual words them.
	File string `json:"file" env:"TRAMITE_DEADLINES_FILE"`
	// Department is the department whose holiday the agency observes.
	Department string `json:"department" env:"TRAMITE_DEADLINES_DEPARTMENT"`
	// DaysOff are the days off the agency declares, besides the holidays.
	DaysOff []calendar.DayOff `json:"days_off" env:"TRAMITE_DEADLINES_DAYS_OFF"`
	// Opens and Closes are the working hours, "HH:MM".
	Opens  string `json:"opens" env:"TRAMITE_DEADLINES_OPENS"`
	Closes string `json:"closes" env:"TRAMITE_DEADLINES_CLOSES"`
	// Interval is how often the server sweeps for late steps.
	Interval Duration `json:"interval" env:"TRAMITE_DEADLINES_INTERVAL"`
}

// calendar returns the working-day calendar the configuration describes.
func (c DeadlinesConfig) calendar() (*calendar.Calendar, error) {
	return calendar.New(calendar.Settings{Department: c.Department, DaysOff: c.DaysOff, Opens: c.Opens, Closes: c.Closes})
}

// TLSConfig names the server's certificate: both fields or neither.
type TLSConfig struct {
	// Cert is the PEM certificate chain, the server's certificate first.
	Cert string `json:"cert" env:"TRAMITE_TLS_CERT"`
	// Key is the PEM private key.
	Key string `json:"key" env:"TRAMITE_TLS_KEY"`
}

// SigningConfig names the identity that signs the documents.
type SigningConfig struct {
	// Key is a PKCS#12 file (.p12, .pfx) or a PEM private key. Empty
	// signs with a development identity kept in DevDir.
	Key string `json:"key" env:"TRAMITE_SIGNING_KEY"`
	// Cert is the PEM certificate chain of a PEM Key; empty reads the
	// chain from the Key file itself.
	Cert string `json:"cert" env:"TRAMITE_SIGNING_CERT"`
	// PasswordFile holds the password of a PKCS#12 Key.
	PasswordFile string `json:"password_file" env:"TRAMITE_SIGNING_PASSWORD_FILE"`
	// DevDir keeps the development identity, made at first start, when
	// Key is empty. Never for production.
	DevDir string `json:"dev_dir" env:"TRAMITE_SIGNING_DEV_DIR"`
	// Personal has each person sign at their own desk, with their own
	// certificate, bound to them with -bind-certificate: the server signs
	// nothing itself (Key and DevDir are not used) and accepts a signed
	// version only after verifying it (POST
	// /api/v1/cases/{id}/documents/{topic}/signatures).
	Personal bool `json:"personal" env:"TRAMITE_SIGNING_PERSONAL"`
	// CAFile holds, in PEM, the certification authorities whose signers
	// are trusted (the ATT root, ADSIB, ...); required with Personal.
	CAFile string `json:"ca_file" env:"TRAMITE_SIGNING_CA_FILE"`
	// TSA is the address of the RFC 3161 time-stamping authority the
	// desks use; with it, every personal signature must carry a timestamp
	// and the signer's revocation status (long-term validation).
	TSA string `json:"tsa" env:"TRAMITE_SIGNING_TSA"`
	// TSACAFile holds the roots of the time-stamping authority when they
	// are not in CAFile.
	TSACAFile string `json:"tsa_ca_file" env:"TRAMITE_SIGNING_TSA_CA_FILE"`
}

// InstitutionConfig is the header of the documents.
type InstitutionConfig struct {
	Name string `json:"name" env:"TRAMITE_INSTITUTION_NAME"`
	Unit string `json:"unit" env:"TRAMITE_INSTITUTION_UNIT"`
	City string `json:"city" env:"TRAMITE_INSTITUTION_CITY"`
	// VerifyURL is the base of the address where the agency verifies its
	// documents, carried by their QR code and footer; empty (the default)
	// when it publishes none.
	VerifyURL string `json:"verify_url" env:"TRAMITE_VERIFY_URL"`
}

// SMTPConfig is the mail server. Without Host no mail is sent: it waits in
// the outbox until a server is configured.
type SMTPConfig struct {
	Host string `json:"host" env:"TRAMITE_SMTP_HOST"`
	// Port 0 means 587, or 465 with TLS "tls".
	Port     int    `json:"port" env:"TRAMITE_SMTP_PORT"`
	Username string `json:"username" env:"TRAMITE_SMTP_USERNAME"`
	// PasswordFile holds the SMTP password.
	PasswordFile string `json:"password_file" env:"TRAMITE_SMTP_PASSWORD_FILE"`
	// From is the institutional sender address; FromName its display name.
	From     string `json:"from" env:"TRAMITE_SMTP_FROM"`
	FromName string `json:"from_name" env:"TRAMITE_SMTP_FROM_NAME"`
	// TLS is "starttls", "tls" (implicit, port 465) or "insecure" (a
	// loopback relay only).
	TLS string `json:"tls" env:"TRAMITE_SMTP_TLS"`
	// CAFile is a PEM bundle of the CAs that may sign the SMTP server's
	// certificate; empty trusts the system's.
	CAFile string `json:"ca_file" env:"TRAMITE_SMTP_CA_FILE"`
	// MailDir keeps a copy of every sent message and the journal that
	// narrows the exactly-once window; replicas should share it.
	MailDir string `json:"mail_dir" env:"TRAMITE_SMTP_MAIL_DIR"`
}

// LDAPConfig is the agency's directory (see ldapauth.Config). Without URL
// nobody signs in through LDAP.
type LDAPConfig struct {
	URL      string `json:"url" env:"TRAMITE_LDAP_URL"`
	StartTLS bool   `json:"start_tls" env:"TRAMITE_LDAP_START_TLS"`
	// CAFile is a PEM bundle of the CAs that may sign the directory's
	// certificate; empty trusts the system's.
	CAFile string `json:"ca_file" env:"TRAMITE_LDAP_CA_FILE"`
	// BindDN is the service account; BindPasswordFile holds its password.
	BindDN           string   `json:"bind_dn" env:"TRAMITE_LDAP_BIND_DN"`
	BindPasswordFile string   `json:"bind_password_file" env:"TRAMITE_LDAP_BIND_PASSWORD_FILE"`
	BaseDN           string   `json:"base_dn" env:"TRAMITE_LDAP_BASE_DN"`
	UserFilter       string   `json:"user_filter" env:"TRAMITE_LDAP_USER_FILTER"`
	GroupBaseDN      string   `json:"group_base_dn" env:"TRAMITE_LDAP_GROUP_BASE_DN"`
	NameAttribute    string   `json:"name_attribute" env:"TRAMITE_LDAP_NAME_ATTRIBUTE"`
	EmailAttribute   string   `json:"email_attribute" env:"TRAMITE_LDAP_EMAIL_ATTRIBUTE"`
	UnitAttribute    string   `json:"unit_attribute" env:"TRAMITE_LDAP_UNIT_ATTRIBUTE"`
	DisabledFilter   string   `json:"disabled_filter" env:"TRAMITE_LDAP_DISABLED_FILTER"`
	Timeout          Duration `json:"timeout" env:"TRAMITE_LDAP_TIMEOUT"`
	// Groups maps directory groups to roles. In the environment: a JSON
	// array, e.g. [{"dn":"cn=jefes,ou=grupos,dc=agencia","role":"jefe_uit"}].
	Groups []LDAPGroup `json:"groups" env:"TRAMITE_LDAP_GROUPS"`
}

// LDAPGroup maps membership of one group to a role.
type LDAPGroup struct {
	DN      string `json:"dn"`
	Role    string `json:"role"`
	Interim bool   `json:"interim,omitempty"`
}

// SessionConfig bounds the sign-ins.
type SessionConfig struct {
	// IdleTimeout ends a session unused for that long.
	IdleTimeout Duration `json:"idle_timeout" env:"TRAMITE_SESSION_IDLE_TIMEOUT"`
	// MaxAge ends a session that long after sign-in, however active.
	MaxAge Duration `json:"max_age" env:"TRAMITE_SESSION_MAX_AGE"`
}

// HTTPConfig are the limits of the HTTP server.
type HTTPConfig struct {
	ReadHeaderTimeout Duration `json:"read_header_timeout" env:"TRAMITE_HTTP_READ_HEADER_TIMEOUT"`
	// ReadTimeout and WriteTimeout bound a whole request and its
	// response; the event stream (GET /api/v1/events) is exempt.
	ReadTimeout  Duration `json:"read_timeout" env:"TRAMITE_HTTP_READ_TIMEOUT"`
	WriteTimeout Duration `json:"write_timeout" env:"TRAMITE_HTTP_WRITE_TIMEOUT"`
	// IdleTimeout closes a keep-alive connection idle that long.
	IdleTimeout    Duration `json:"idle_timeout" env:"TRAMITE_HTTP_IDLE_TIMEOUT"`
	MaxHeaderBytes int      `json:"max_header_bytes" env:"TRAMITE_HTTP_MAX_HEADER_BYTES"`
	// MaxBodyBytes bounds a request body; larger ones answer 413.
	MaxBodyBytes int64 `json:"max_body_bytes" env:"TRAMITE_HTTP_MAX_BODY_BYTES"`
	// ShutdownTimeout is how long a SIGTERM waits for requests in flight
	// and the background work before closing anyway.
	ShutdownTimeout Duration `json:"shutdown_timeout" env:"TRAMITE_HTTP_SHUTDOWN_TIMEOUT"`
}

// LogConfig is where the log goes: standard error, as text or JSON.
type LogConfig struct {
	// Level is "debug", "info", "warn" or "error".
	Level string `json:"level" env:"TRAMITE_LOG_LEVEL"`
	// Format is "text" or "json".
	Format string `json:"format" env:"TRAMITE_LOG_FORMAT"`
}

// DefaultConfig is a trial that runs out of the box in the working
// directory: SQLite in tramite-server.db, plain HTTP on 127.0.0.1:8443, a
// sealing key made at first start, the development signing identity, local
// accounts, and no mail server (mail waits in the outbox).
func DefaultConfig() Config {
	inst := report.DefaultInstitution()
	return Config{
		Database:       "tramite-server.db",
		Listen:         "127.0.0.1:8443",
		SealingKeyFile: "tramite-server.key",
		Signing:        SigningConfig{DevDir: "tramite-server-dev-identity"},
		Institution:    InstitutionConfig{Name: inst.Name, Unit: inst.Unit, City: inst.City},
		SMTP:           SMTPConfig{TLS: "starttls", FromName: "Trámites UIT"},
		LDAP: LDAPConfig{UserFilter: ldapauth.DefaultUserFilter, NameAttribute: ldapauth.DefaultNameAttribute,
			EmailAttribute: ldapauth.DefaultEmailAttribute, UnitAttribute: ldapauth.DefaultUnitAttribute,
			DisabledFilter: ldapauth.DefaultDisabledFilter, Timeout: Duration(ldapauth.DefaultTimeout), Groups: []LDAPGroup{}},
		LocalAccounts: true,
		Sessions:      SessionConfig{IdleTimeout: Duration(server.DefaultIdleTimeout), MaxAge: Duration(server.DefaultMaxAge)},
		HTTP: HTTPConfig{ReadHeaderTimeout: Duration(10 * time.Second), ReadTimeout: Duration(time.Minute),
			WriteTimeout: Duration(2 * time.Minute), IdleTimeout: Duration(2 * time.Minute), MaxHeaderBytes: 64 << 10,
			MaxBodyBytes: server.DefaultMaxBodyBytes, ShutdownTimeout: Duration(30 * time.Second)},
		Log:       LogConfig{Level: "info", Format: "text"},
		Deadlines: DeadlinesConfig{Department: "La Paz", DaysOff: []calendar.DayOff{}, Opens: "08:30", Closes: "16:30", Interval: Duration(time.Minute)},
	}
}

// LoadConfig returns DefaultConfig overlaid with the JSON file at path
// (none when path is empty) and then with the environment, as getenv
// reads it. A field the file or the environment gets wrong, an unknown
// field of the file included, is an error that names it.
func LoadConfig(path string, getenv func(string) (string, bool)) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("configuración: %w", err)
		}
		if err := decodeConfig(data, &cfg); err != nil {
			return cfg, fmt.Errorf("configuración %s: %w", path, err)
		}
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), getenv); err != nil {
		return cfg, fmt.Errorf("configuración del entorno: %w", err)
	}
	return cfg, nil
}

// decodeConfig overlays the JSON document data on cfg, refusing unknown
// fields and trailing data.
func decodeConfig(data []byte, cfg *Config) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("JSON no válido en la línea %d: %v", lineOf(data, syn.Offset), err)
		case errors.As(err, &typ):
			return fmt.Errorf("el campo %q debe ser %s, no %s (línea %d)", typ.Field, typeName(typ.Type), typ.Value, lineOf(data, typ.Offset))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			// encoding/json has no error type for this one.
			name := strings.TrimPrefix(err.Error(), "json: unknown field ")
			return fmt.Errorf("campo desconocido %s: revise su nombre (los campos están en la referencia de configuración, o en tramite-server -print-config)", name)
		}
		return err
	}
	if dec.More() {
		return errors.New("hay datos después del objeto JSON")
	}
	return nil
}

func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[Duration]():
		return "una duración como \"30s\" o \"5m\""
	case t.Kind() == reflect.String:
		return "un texto"
	case t.Kind() == reflect.Bool:
		return "true o false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "un número entero"
	case t.Kind() == reflect.Slice:
		return "una lista"
	case t.Kind() == reflect.Struct:
		return "un objeto"
	}
	return t.String()
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// applyEnv sets every field of v (a struct) whose env tag names a variable
// that getenv finds, recursing into nested structs.
func applyEnv(v reflect.Value, getenv func(string) (string, bool)) error {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		name := f.Tag.Get("env")
		if name == "" {
			if f.Type.Kind() == reflect.Struct {
				if err := applyEnv(fv, getenv); err != nil {
					return err
				}
			}
			continue
		}
		s, ok := getenv(name)
		if !ok {
			continue
		}
		if err := setField(fv, strings.TrimSpace(s)); err != nil {
			return fmt.Errorf("%s=%q: %w", name, s, err)
		}
	}
	return nil
}

func setField(fv reflect.Value, s string) error {
	if fv.Addr().Type().Implements(textUnmarshaler) {
		return fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("debe ser true o false")
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return errors.New("debe ser un número entero")
		}
		fv.SetInt(n)
	case reflect.Slice:
		p := reflect.New(fv.Type())
		if s != "" {
			if err := json.Unmarshal([]byte(s), p.Interface()); err != nil {
				return fmt.Errorf("debe ser una lista JSON: %v", err)
			}
		}
		fv.Set(p.Elem())
	default:
		return fmt.Errorf("tipo %s sin lectura del entorno", fv.Type())
	}
	return nil
}

// Duration is a time.Duration written as in Go ("30s", "5m", "1h30m").
type Duration time.Duration

// MarshalText writes the duration as "1m30s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "30s", "5m", "1h30m"; a bare "0" is zero.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("%q no es una duración como \"30s\" o \"5m\"", b)
	}
	*d = Duration(v)
	return nil
}

// Validate checks what can be checked without opening anything and returns
// every problem at once, each saying what to change.
func (c Config) Validate() error {
	var p []string
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(c.Database) == "" {
		bad("database (TRAMITE_DATABASE_URL) está vacío: dé la ruta de un archivo SQLite o una dirección postgres://")
	}
	if c.DatabasePasswordFile != "" && !storage.IsPostgres(c.Database) {
		bad("database_password_file solo corresponde a una base PostgreSQL")
	}
	host, _, err := net.SplitHostPort(c.Listen)
	switch {
	case err != nil:
		bad("listen (TRAMITE_LISTEN) %q no es una dirección host:puerto, por ejemplo 127.0.0.1:8443 o 0.0.0.0:8443", c.Listen)
	case (c.TLS.Cert == "") != (c.TLS.Key == ""):
		bad("tls.cert (TRAMITE_TLS_CERT) y tls.key (TRAMITE_TLS_KEY) van juntos: dé los dos archivos o ninguno")
	case c.TLS.Cert == "" && !isLoopback(host):
		bad("listen %q sin TLS: HTTP sin cifrar solo se permite en la interfaz local (127.0.0.1, ::1 o localhost). "+
			"Dé el certificado y la clave en tls.cert y tls.key (TRAMITE_TLS_CERT, TRAMITE_TLS_KEY), "+
			"o escuche en 127.0.0.1 detrás de un proxy que termine TLS", c.Listen)
	}
	if strings.TrimSpace(c.SealingKeyFile) == "" {
		bad("sealing_key_file (TRAMITE_SEALING_KEY_FILE) está vacío")
	}
	if c.Signing.Personal && c.Signing.CAFile == "" {
		bad("signing.personal pide signing.ca_file (TRAMITE_SIGNING_CA_FILE): las entidades certificadoras cuyos certificados se aceptan")
	}
	if !c.Signing.Personal && (c.Signing.CAFile != "" || c.Signing.TSA != "" || c.Signing.TSACAFile != "") {
		bad("signing.ca_file, signing.tsa y signing.tsa_ca_file son de las firmas personales: active signing.personal (TRAMITE_SIGNING_PERSONAL)")
	}
	if !c.Signing.Personal && c.Signing.Key == "" && c.Signing.DevDir == "" {
		bad("signing.key (TRAMITE_SIGNING_KEY) y signing.dev_dir están vacíos: dé la identidad de firma o un directorio para la de desarrollo")
	}
	if c.Signing.Key == "" && (c.Signing.Cert != "" || c.Signing.PasswordFile != "") {
		bad("signing.cert y signing.password_file acompañan a signing.key (TRAMITE_SIGNING_KEY), que está vacío")
	}
	if c.SMTP.Host != "" {
		mode, err := notify.ParseTLSMode(c.SMTP.TLS)
		if err != nil {
			bad("smtp.tls (TRAMITE_SMTP_TLS) %q: use starttls, tls o insecure", c.SMTP.TLS)
		} else if mode == notify.Insecure && !isLoopback(c.SMTP.Host) {
			bad("smtp.tls insecure solo se permite con un servidor SMTP local (127.0.0.1), no con %q", c.SMTP.Host)
		}
		if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
			bad("smtp.port (TRAMITE_SMTP_PORT) %d no es un puerto (1-65535)", c.SMTP.Port)
		}
		if c.SMTP.From == "" {
			bad("smtp.from (TRAMITE_SMTP_FROM) está vacío: dé la dirección institucional del remitente")
		}
		if c.SMTP.PasswordFile != "" && c.SMTP.Username == "" {
			bad("smtp.password_file sin smtp.username (TRAMITE_SMTP_USERNAME)")
		}
	}
	if _, err := c.Deadlines.calendar(); err != nil {
		bad("deadlines (TRAMITE_DEADLINES_…): %v", err)
	}
	if c.LDAP.URL == "" && !c.LocalAccounts {
		bad("nadie podría ingresar: configure ldap.url (TRAMITE_LDAP_URL) o active local_accounts (TRAMITE_LOCAL_ACCOUNTS)")
	}
	if c.Demo && !c.LocalAccounts {
		bad("demo necesita local_accounts: las personas de demostración ingresan con contraseñas locales")
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{
		{"sessions.idle_timeout", c.Sessions.IdleTimeout}, {"sessions.max_age", c.Sessions.MaxAge},
		{"http.read_header_timeout", c.HTTP.ReadHeaderTimeout}, {"http.read_timeout", c.HTTP.ReadTimeout},
		{"http.write_timeout", c.HTTP.WriteTimeout}, {"http.idle_timeout", c.HTTP.IdleTimeout},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout}, {"ldap.timeout", c.LDAP.Timeout},
		{"deadlines.interval", c.Deadlines.Interval},
	} {
		if d.v < 0 {
			bad("%s no puede ser negativo (%s)", d.name, time.Duration(d.v))
		}
	}
	if c.HTTP.MaxHeaderBytes < 0 || c.HTTP.MaxBodyBytes < 0 {
		bad("http.max_header_bytes y http.max_body_bytes no pueden ser negativos")
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		bad("log.level (TRAMITE_LOG_LEVEL) %q: use debug, info, warn o error", c.Log.Level)
	}
	if f := strings.ToLower(c.Log.Format); f != "text" && f != "json" {
		bad("log.format (TRAMITE_LOG_FORMAT) %q: use text o json", c.Log.Format)
	}
	if len(p) == 0 {
		return nil
	}
	return errors.New("configuración no válida:\n  - " + strings.Join(p, "\n  - "))
}

// isLoopback reports whether host names this machine only: a loopback IP
// or "localhost". An empty host (every interface) is not.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}

// Redacted returns the configuration as it may be printed or logged: the
// database URL without its password. Every other secret is only a file
// name in a Config.
func (c Config) Redacted() Config {
	c.Database = storage.Describe(c.Database)
	return c
}

// WriteJSON writes the redacted configuration as an indented JSON document
// that LoadConfig reads back.
func (c Config) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c.Redacted())
}

// readSecret reads a secret from the file at path, without its trailing
// line break. A file that every user may read is refused.
func readSecret(what, path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: no existe el archivo %s", what, path)
		}
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if st.Mode().Perm()&0o004 != 0 {
		return "", fmt.Errorf("%s: el archivo %s es legible por cualquier usuario: ejecute chmod 600 (o 640 con el grupo del servicio)", what, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s: el archivo %s está vacío", what, filepath.Base(path))
	}
	return s, nil
}

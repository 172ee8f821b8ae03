package desk

import (
	"context"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the zones on machines without a zone database

	"github.com/tramite/tramite/procedure"
)

// Prefs is where settings persist; fyne.Preferences satisfies it.
type Prefs interface {
	String(key string) string
	SetString(key, value string)
}

// Settings are the client's settings, edited in Ajustes.
type Settings struct {
	SMTPHost     string
	SMTPPort     int
	SMTPUser     string
	SMTPPassword string
	// SMTPSecurity is "starttls", "tls" or "none".
	SMTPSecurity string
	MailFrom     string
	// SigningCert and SigningKey are PEM files of the signing identity.
	SigningCert string
	SigningKey  string
	// Signer says where the signed-in person's own signing identity is,
	// when documents are signed at this desk: a PKCS#12 file, or a
	// PKCS#11 module and token label. Its password or PIN is asked each
	// time and kept nowhere.
	Signer Signer
	// Institution header of the documents.
	Institution string
	Unit        string
	City        string
	// Database is the SQLite file or PostgreSQL URL used from the next start.
	Database string
	// Server is the address of the agency's tramite server
	// (https://…); when set, the client signs in there from the next start
	// and keeps no database, key or SMTP password of its own.
	Server string
	// TimeZone is the IANA zone the client shows times in
	// (DefaultTimeZone unless set): the agency's, whatever the zone of
	// the machine, as the documents and emails show them.
	TimeZone string
}

// DefaultTimeZone is the agency's zone.
const DefaultTimeZone = "America/La_Paz"

// Location returns the zone of TimeZone; the agency's when it is empty or
// unknown (SaveSettings refuses an unknown one).
func (s Settings) Location() *time.Location {
	name := s.TimeZone
	if name == "" {
		name = DefaultTimeZone
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return laPaz
}

// laPaz is America/La_Paz without the zone database: UTC-4 all year.
var laPaz = time.FixedZone("-04", -4*60*60)

// DefaultSettings are the settings before anything is saved.
func DefaultSettings() Settings {
	return Settings{SMTPPort: 587, SMTPSecurity: "starttls", MailFrom: "tramites@agetic.gob.bo",
		Institution: "Agencia de Gobierno Electrónico y Tecnologías de Información y Comunicación",
		Unit:        "Unidad de Infraestructura Tecnológica", City: "La Paz", TimeZone: DefaultTimeZone}
}

const prefix = "tramite."

// Preferences keeps the client's settings in Prefs (in memory when nil),
// the SMTP password sealed. Service and remote clients embed one.
type Preferences struct {
	prefs  Prefs
	sealer procedure.Sealer
	mu     sync.Mutex
	mem    map[string]string
}

// NewPreferences returns the settings kept in p; sealer seals the SMTP
// password (without one, no password is stored).
func NewPreferences(p Prefs, sealer procedure.Sealer) *Preferences {
	return &Preferences{prefs: p, sealer: sealer, mem: map[string]string{}}
}

func (s *Preferences) get(k string) string {
	if s.prefs != nil {
		return s.prefs.String(prefix + k)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mem[k]
}

func (s *Preferences) set(k, v string) {
	if s.prefs != nil {
		s.prefs.SetString(prefix+k, v)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mem[k] = v
}

// Settings returns the saved settings, defaults filled in. The SMTP
// password is decrypted with the Sealer; it is never stored in clear.
func (s *Preferences) Settings() Settings {
	d := DefaultSettings()
	str := func(k, def string) string {
		if v := s.get(k); v != "" {
			return v
		}
		return def
	}
	out := Settings{
		SMTPHost: str("smtp.host", d.SMTPHost), SMTPUser: str("smtp.user", ""),
		SMTPSecurity: str("smtp.security", d.SMTPSecurity), MailFrom: str("smtp.from", d.MailFrom),
		SigningCert: str("sign.cert", ""), SigningKey: str("sign.key", ""),
		Signer:      Signer{File: str("signer.file", ""), Module: str("signer.module", ""), Token: str("signer.token", "")},
		Institution: str("inst.name", d.Institution), Unit: str("inst.unit", d.Unit), City: str("inst.city", d.City),
		Database: str("db", ""), Server: str("server", ""), TimeZone: str("tz", d.TimeZone),
	}
	out.SMTPPort, _ = strconv.Atoi(str("smtp.port", strconv.Itoa(d.SMTPPort)))
	if sealed := s.get("smtp.password"); sealed != "" && s.sealer != nil {
		if b, err := base64.StdEncoding.DecodeString(sealed); err == nil {
			if p, err := s.sealer.Open(b); err == nil {
				out.SMTPPassword = string(p)
			}
		}
	}
	return out
}

// SaveSettings validates and stores settings. EINVALID for a bad port or
// a server address that is not an http(s) URL.
func (s *Preferences) SaveSettings(st Settings) error {
	if st.Server != "" {
		u, err := url.Parse(st.Server)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return procedure.Errorf(procedure.EINVALID, "la dirección del servidor debe ser una URL https://…")
		}
	}
	if st.SMTPPort < 0 || st.SMTPPort > 65535 {
		return procedure.Errorf(procedure.EINVALID, "el puerto SMTP debe estar entre 1 y 65535")
	}
	if st.TimeZone != "" {
		if _, err := time.LoadLocation(st.TimeZone); err != nil || strings.EqualFold(st.TimeZone, "local") {
			return procedure.Errorf(procedure.EINVALID, "zona horaria desconocida %q; use un nombre como America/La_Paz", st.TimeZone)
		}
	}
	switch st.SMTPSecurity {
	case "", "starttls", "tls", "none":
	default:
		return procedure.Errorf(procedure.EINVALID, "seguridad SMTP desconocida %q", st.SMTPSecurity)
	}
	s.set("smtp.host", st.SMTPHost)
	s.set("smtp.port", strconv.Itoa(st.SMTPPort))
	s.set("smtp.user", st.SMTPUser)
	s.set("smtp.security", st.SMTPSecurity)
	s.set("smtp.from", st.MailFrom)
	s.set("sign.cert", st.SigningCert)
	s.set("sign.key", st.SigningKey)
	s.set("signer.file", st.Signer.File)
	s.set("signer.module", st.Signer.Module)
	s.set("signer.token", st.Signer.Token)
	s.set("inst.name", st.Institution)
	s.set("inst.unit", st.Unit)
	s.set("inst.city", st.City)
	s.set("db", st.Database)
	s.set("server", st.Server)
	s.set("tz", st.TimeZone)
	sealed := ""
	if st.SMTPPassword != "" {
		if s.sealer == nil {
			return procedure.Errorf(procedure.EINTERNAL, "no hay una clave de cifrado para guardar la contraseña SMTP")
		}
		b, err := s.sealer.Seal([]byte(st.SMTPPassword))
		if err != nil {
			return err
		}
		sealed = base64.StdEncoding.EncodeToString(b)
	}
	s.set("smtp.password", sealed)
	return nil
}

// TestSMTP tries a connection to the SMTP server of st. It may take
// seconds: call it off the UI goroutine.
func (s *Service) TestSMTP(ctx context.Context, st Settings) error {
	if s.cfg.TestSMTP == nil {
		return procedure.Errorf(procedure.EINTERNAL, "este cliente no incluye el envío de correo")
	}
	if st.SMTPHost == "" {
		return procedure.Errorf(procedure.EINVALID, "falta el servidor SMTP")
	}
	return s.cfg.TestSMTP(ctx, st)
}

// ReadSettings reads the settings kept in p, before a Service exists (the
// client needs the database path to open the store).
func ReadSettings(p Prefs, sealer procedure.Sealer) Settings {
	return NewPreferences(p, sealer).Settings()
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/calendar"
	"github.com/tramite/tramite/procedure/manual"
)

// env returns a getenv over vars.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func writeFile(t testing.TB, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return path
}

func TestDefaultsRunAsTheyAre(t *testing.T) {
	cfg, err := LoadConfig("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Fatalf("LoadConfig without a file or variables = %+v, want the defaults", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	if cfg.Database != "tramite-server.db" || cfg.Listen != "127.0.0.1:8443" || cfg.TLS.Cert != "" || cfg.SMTP.Host != "" || !cfg.LocalAccounts {
		t.Fatalf("defaults = %+v, want SQLite, plain loopback HTTP, no SMTP, local accounts", cfg)
	}
}

// TestEveryFieldHasAVariable walks Config: every setting has a JSON name
// and its own TRAMITE_ variable.
func TestEveryFieldHasAVariable(t *testing.T) {
	seen := map[string]string{}
	var walk func(t reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				t.Errorf("%s.%s has no JSON name", path, f.Name)
			}
			envName := f.Tag.Get("env")
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[Duration]() && envName == "" {
				walk(f.Type, path+"."+name)
				continue
			}
			if !strings.HasPrefix(envName, "TRAMITE_") {
				t.Errorf("%s.%s has no TRAMITE_ variable", path, name)
			}
			if other, dup := seen[envName]; dup {
				t.Errorf("%s is the variable of %s and of %s", envName, other, path+"."+name)
			}
			seen[envName] = path + "." + name
		}
	}
	walk(reflect.TypeFor[Config](), "")
	if len(seen) < 40 {
		t.Errorf("only %d variables", len(seen))
	}
}

func TestFileThenEnvironment(t *testing.T) {
	path := writeFile(t, "server.json", `{
  "database": "postgres://tramite@db.example.bo/tramite",
  "listen": "0.0.0.0:443",
  "tls": {"cert": "/etc/tramite/cert.pem", "key": "/etc/tramite/key.pem"},
  "smtp": {"host": "smtp.example.bo", "from": "tramites@example.bo"},
  "ldap": {"url": "ldaps://ldap.example.bo", "base_dn": "dc=example,dc=bo",
           "groups": [{"dn": "cn=jefes,dc=example,dc=bo", "role": "jefe_uit"}]},
  "http": {"write_timeout": "45s"}
}`, 0o600)
	cfg, err := LoadConfig(path, env(map[string]string{
		"TRAMITE_LISTEN":              "0.0.0.0:8443",
		"TRAMITE_SMTP_PORT":           "465",
		"TRAMITE_SMTP_TLS":            "tls",
		"TRAMITE_LOCAL_ACCOUNTS":      "false",
		"TRAMITE_HTTP_READ_TIMEOUT":   "90s",
		"TRAMITE_HTTP_MAX_BODY_BYTES": "2097152",
		"TRAMITE_LDAP_GROUPS":         `[{"dn":"cn=ai,dc=example,dc=bo","role":"jefe_uit","interim":true}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Database = "postgres://tramite@db.example.bo/tramite"
	want.Listen = "0.0.0.0:8443"
	want.TLS = TLSConfig{Cert: "/etc/tramite/cert.pem", Key: "/etc/tramite/key.pem"}
	want.SMTP.Host, want.SMTP.From, want.SMTP.Port, want.SMTP.TLS = "smtp.example.bo", "tramites@example.bo", 465, "tls"
	want.LDAP.URL, want.LDAP.BaseDN = "ldaps://ldap.example.bo", "dc=example,dc=bo"
	want.LDAP.Groups = []LDAPGroup{{DN: "cn=ai,dc=example,dc=bo", Role: "jefe_uit", Interim: true}}
	want.LocalAccounts = false
	want.HTTP.WriteTimeout = Duration(45 * time.Second)
	want.HTTP.ReadTimeout = Duration(90 * time.Second)
	want.HTTP.MaxBodyBytes = 2 << 20
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("config =\n%+v\nwant\n%+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBadFileOrVariableIsNamed(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		env        map[string]string
		want       []string
	}{
		{"unknown field", `{"listen": "127.0.0.1:1", "listn": "0.0.0.0:1"}`, nil, []string{`"listn"`, "campo desconocido"}},
		{"unknown nested field", `{"smtp": {"hots": "x"}}`, nil, []string{`"hots"`}},
		{"wrong type", `{"smtp": {"port": "587"}}`, nil, []string{"smtp.port", "número entero", "línea 1"}},
		{"bad duration", "{\n\"http\": {\"read_timeout\": \"soon\"}}", nil, []string{"soon", "duración"}},
		{"syntax", "{\n\"listen\": }", nil, []string{"línea 2"}},
		{"trailing data", `{} {}`, nil, []string{"después"}},
		{"bad variable", `{}`, map[string]string{"TRAMITE_SMTP_PORT": "cinco"}, []string{"TRAMITE_SMTP_PORT", "número entero"}},
		{"bad bool", `{}`, map[string]string{"TRAMITE_DEMO": "si"}, []string{"TRAMITE_DEMO", "true o false"}},
		{"bad groups", `{}`, map[string]string{"TRAMITE_LDAP_GROUPS": "jefes=jefe_uit"}, []string{"TRAMITE_LDAP_GROUPS", "lista JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeFile(t, "server.json", tc.file, 0o600), env(tc.env))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string // "" for valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"IPv6 loopback", func(c *Config) { c.Listen = "[::1]:8443" }, ""},
		{"localhost", func(c *Config) { c.Listen = "localhost:8443" }, ""},
		{"TLS anywhere", func(c *Config) { c.Listen, c.TLS = "0.0.0.0:443", TLSConfig{Cert: "c.pem", Key: "k.pem"} }, ""},
		{"plain on every interface", func(c *Config) { c.Listen = ":8443" }, "TRAMITE_TLS_CERT"},
		{"plain on a LAN address", func(c *Config) { c.Listen = "10.0.0.5:8443" }, "sin TLS"},
		{"no port", func(c *Config) { c.Listen = "127.0.0.1" }, "host:puerto"},
		{"cert without key", func(c *Config) { c.TLS.Cert = "c.pem" }, "van juntos"},
		{"no database", func(c *Config) { c.Database = " " }, "TRAMITE_DATABASE_URL"},
		{"password file on SQLite", func(c *Config) { c.DatabasePasswordFile = "pw" }, "PostgreSQL"},
		{"no way to sign in", func(c *Config) { c.LocalAccounts = false }, "nadie podría ingresar"},
		{"demo without local accounts", func(c *Config) {
			c.Demo, c.LocalAccounts, c.LDAP.URL = true, false, "ldap://127.0.0.1"
		}, "demo"},
		{"SMTP without sender", func(c *Config) { c.SMTP.Host = "smtp.example.bo" }, "smtp.from"},
		{"SMTP insecure far away", func(c *Config) {
			c.SMTP = SMTPConfig{Host: "smtp.example.bo", From: "a@example.bo", TLS: "insecure"}
		}, "insecure"},
		{"SMTP insecure local", func(c *Config) { c.SMTP = SMTPConfig{Host: "127.0.0.1", From: "a@example.bo", TLS: "insecure"} }, ""},
		{"negative timeout", func(c *Config) { c.HTTP.WriteTimeout = -1 }, "http.write_timeout"},
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, "log.level"},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, "log.format"},
		{"signing cert without key", func(c *Config) { c.Signing.Cert = "c.pem" }, "signing.cert"},
		{"deadlines in Cochabamba", func(c *Config) { c.Deadlines.Department = "Cochabamba" }, ""},
		{"deadlines in no department", func(c *Config) { c.Deadlines.Department = "" }, ""},
		{"deadlines in an unknown department", func(c *Config) { c.Deadlines.Department = "Atlántida" }, `el departamento "Atlántida" no existe`},
		{"deadlines with a bad day off", func(c *Config) { c.Deadlines.DaysOff = []calendar.DayOff{{Date: "24/12/2026"}} }, "AAAA-MM-DD"},
		{"deadlines closing before opening", func(c *Config) { c.Deadlines.Opens, c.Deadlines.Closes = "16:00", "08:00" }, "cerrar después de abrir"},
		{"deadlines swept never", func(c *Config) { c.Deadlines.Interval = -1 }, "deadlines.interval"},
		{"personal signatures without CAs", func(c *Config) { c.Signing.Personal = true }, "signing.ca_file"},
		{"a TSA without personal signatures", func(c *Config) { c.Signing.TSA = "http://127.0.0.1:3180" }, "signing.personal"},
		{"personal signatures, no identity of its own", func(c *Config) {
			c.Signing = SigningConfig{Personal: true, CAFile: "ca.pem", TSA: "http://127.0.0.1:3180"}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted, want an error saying %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestDeadlinesFile(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "plazos.json"), filepath.Join(dir, "malos.json")
	if err := os.WriteFile(good, manual.ExampleDeadlines(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`[{"procedure":"UIT/ASS-PR01","version":"2","deadlines":{"steps":[{"step":6,"workdays":3}]}}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig().Deadlines
	defs, cal, err := definitions(cfg)
	if err != nil || len(defs) != 2 || cal == nil {
		t.Fatalf("no file: %d definitions, calendar %v, %v; want the manual's two and a calendar", len(defs), cal, err)
	}
	cfg.File = good
	defs, _, err = definitions(cfg)
	if err != nil || len(defs) != 4 || defs[3].Deadlines == nil {
		t.Fatalf("the example file: %d definitions, %v; want four, the last with deadlines", len(defs), err)
	}
	cfg.File = bad
	if _, _, err = definitions(cfg); err == nil || !strings.Contains(err.Error(), "ningún trámite espera el paso 6") {
		t.Errorf("a bad file: %v", err)
	}
	cfg.File = filepath.Join(dir, "no-existe.json")
	if _, _, err = definitions(cfg); err == nil || !strings.Contains(err.Error(), "plazos:") {
		t.Errorf("a missing file: %v", err)
	}
}

func TestPrintConfigRedactsAndReadsBack(t *testing.T) {
	var out, errOut bytes.Buffer
	vars := map[string]string{
		"TRAMITE_DATABASE_URL":       "postgres://tramite:Sup3rS3cret@db.example.bo/tramite?sslmode=verify-full",
		"TRAMITE_SMTP_PASSWORD_FILE": "/run/credentials/tramite/smtp",
	}
	if err := run(context.Background(), []string{"-print-config"}, &out, &errOut, env(vars)); err != nil {
		t.Fatalf("print-config: %v (%s)", err, errOut.String())
	}
	if strings.Contains(out.String(), "Sup3rS3cret") {
		t.Fatalf("the password is printed:\n%s", out.String())
	}
	for _, w := range []string{`"database": "postgres://tramite:xxxxx@db.example.bo/tramite?sslmode=verify-full"`,
		`"password_file": "/run/credentials/tramite/smtp"`, `"write_timeout": "2m0s"`} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("print-config does not show %s:\n%s", w, out.String())
		}
	}
	back, err := LoadConfig(writeFile(t, "printed.json", out.String(), 0o600), env(nil))
	if err != nil {
		t.Fatalf("the printed configuration does not read back: %v", err)
	}
	want, _ := LoadConfig("", env(vars))
	if want = want.Redacted(); !reflect.DeepEqual(back, want) {
		t.Fatalf("read back %+v, want %+v", back, want)
	}
}

func TestPrintConfigSaysWhatIsInvalid(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-print-config"}, &out, &errOut, env(map[string]string{"TRAMITE_LISTEN": "0.0.0.0:8443"}))
	if err == nil || !strings.Contains(err.Error(), "sin TLS") {
		t.Fatalf("err = %v, want the plain-HTTP refusal", err)
	}
	if !strings.Contains(out.String(), `"listen": "0.0.0.0:8443"`) {
		t.Fatalf("the configuration is not printed first:\n%s", out.String())
	}
}

func TestSecretsInTheEnvironmentAreRefused(t *testing.T) {
	for _, name := range []string{"TRAMITE_SECRET_KEY", "TRAMITE_SMTP_PASSWORD", "TRAMITE_LDAP_BIND_PASSWORD"} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), nil, &out, &errOut, env(map[string]string{name: "abc"}))
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "_FILE") {
			t.Errorf("%s: err = %v, want a refusal naming it and its _FILE variable", name, err)
		}
		if strings.Contains(errOut.String()+fmtErr(err), "abc") {
			t.Errorf("%s: the secret is repeated: %v", name, err)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestArgumentsAreRefused(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"hunter2"}, &out, &errOut, env(nil))
	if err == nil || !strings.Contains(err.Error(), "argumento inesperado") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadSecret(t *testing.T) {
	s, err := readSecret("smtp.password_file", writeFile(t, "pw", "clave con espacios \n", 0o600))
	if err != nil || s != "clave con espacios " {
		t.Fatalf("readSecret = %q, %v; want the line without its line break", s, err)
	}
	if _, err := readSecret("smtp.password_file", writeFile(t, "pw", "x\n", 0o644)); err == nil || !strings.Contains(err.Error(), "chmod") {
		t.Fatalf("a world-readable secret: err = %v, want a refusal saying chmod", err)
	}
	if _, err := readSecret("smtp.password_file", writeFile(t, "pw", "x\n", 0o640)); err != nil {
		t.Fatalf("a secret readable by the service's group: %v", err)
	}
	if _, err := readSecret("smtp.password_file", writeFile(t, "pw", "\n", 0o600)); err == nil || !strings.Contains(err.Error(), "vacío") {
		t.Fatalf("an empty secret: err = %v", err)
	}
	if _, err := readSecret("smtp.password_file", filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "smtp.password_file") {
		t.Fatalf("a missing secret: err = %v", err)
	}
}

func TestWithPassword(t *testing.T) {
	got, err := withPassword("postgres://tramite@db.example.bo:5432/tramite?sslmode=require", "p@ss/word")
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://tramite:p%40ss%2Fword@db.example.bo:5432/tramite?sslmode=require"; got != want {
		t.Fatalf("withPassword = %s, want %s", got, want)
	}
	if _, err := withPassword("postgres://db.example.bo/tramite", "x"); err == nil {
		t.Fatal("a URL without a user took a password")
	}
}

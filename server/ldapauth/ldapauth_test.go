package ldapauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// testGroups maps the fixture's groups to the four roles; cn=biblioteca is
// left unmapped on purpose.
var testGroups = []GroupRole{
	{GroupDN: "cn=solicitantes," + groupsDN, Role: manual.RoleSolicitante},
	{GroupDN: "cn=jefe-uit," + groupsDN, Role: manual.RoleJefeUIT},
	{GroupDN: "cn=jefe-uit-ai," + groupsDN, Role: manual.RoleJefeUIT, Interim: true},
	{GroupDN: "cn=responsables-ss," + groupsDN, Role: manual.RoleResponsableSS},
	{GroupDN: "CN=Profesionales-SS,ou=grupos," + suffix, Role: manual.RoleProfesionalSS},
}

func testConfig(url string) Config {
	return Config{
		URL:          url,
		BindDN:       serviceDN,
		BindPassword: servicePW,
		BaseDN:       peopleDN,
		GroupBaseDN:  groupsDN,
		Groups:       testGroups,
		Timeout:      3 * time.Second,
	}
}

func newAuth(t testing.TB, cfg Config) *Authenticator {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func user(uid string) testUser {
	for _, u := range fixtureUsers {
		if u.uid == uid {
			return u
		}
	}
	panic("no fixture user " + uid)
}

func want(uid string, grants ...procedure.Grant) procedure.Actor {
	u := user(uid)
	return procedure.Actor{ID: uid, Name: u.name, Email: u.email(), Unit: u.unit, Grants: grants}
}

func grant(r procedure.RoleID) procedure.Grant { return procedure.Grant{Role: r} }

// allPasswords are every secret of the fixture, which no error may contain.
func allPasswords() []string {
	pws := []string{servicePW, rootPW}
	for _, u := range fixtureUsers {
		pws = append(pws, pw(u.uid))
	}
	return pws
}

// checkNoSecret fails if err's text, in any form, holds a password.
func checkNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	text := fmt.Sprintf("%v %+v %#v %s", err, err, err, procedure.ErrorMessage(err))
	for _, p := range allPasswords() {
		if strings.Contains(text, p) {
			t.Errorf("error holds a password: %s", text)
		}
	}
}

// checkRefusal asserts err is the one refusal every failed sign-in gives.
func checkRefusal(t *testing.T, err error, reason string) {
	t.Helper()
	if err == nil {
		t.Fatal("signed in; want a refusal")
	}
	checkNoSecret(t, err)
	if got := procedure.ErrorCode(err); got != procedure.EFORBIDDEN {
		t.Errorf("ErrorCode = %q, want %q (%v)", got, procedure.EFORBIDDEN, err)
	}
	if got := procedure.ErrorMessage(err); got != RefusalMessage {
		t.Errorf("ErrorMessage = %q, want %q", got, RefusalMessage)
	}
	if got, want := err.Error(), "ldapauth: "+RefusalMessage; got != want {
		t.Errorf("Error() = %q, want %q for every refusal", got, want)
	}
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("%v (%T) is not a *Refusal", err, err)
	}
	if r.Reason() != reason {
		t.Errorf("Reason() = %q, want %q", r.Reason(), reason)
	}
}

// checkUnavailable asserts err says the directory could not be reached and
// is not a refusal.
func checkUnavailable(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error; want the directory to be unavailable")
	}
	checkNoSecret(t, err)
	var r *Refusal
	if errors.As(err, &r) {
		t.Fatalf("a directory that cannot be used gave a refusal (%s): %v", r.Reason(), err)
	}
	if got := procedure.ErrorCode(err); got != procedure.EINTERNAL {
		t.Errorf("ErrorCode = %q, want %q (%v)", got, procedure.EINTERNAL, err)
	}
	if msg := procedure.ErrorMessage(err); !strings.Contains(msg, "no se pudo contactar con el directorio") {
		t.Errorf("ErrorMessage = %q, want it to say the directory could not be reached", msg)
	}
}

func TestAuthenticate(t *testing.T) {
	s := startSlapd(t, slapdOptions{ppolicy: true})
	ctx := context.Background()

	signIns := []struct {
		username, password string
		want               procedure.Actor
	}{
		{"ana", pw("ana"), want("ana", grant(manual.RoleSolicitante))},
		// In jefe-uit and jefe-uit-ai: the full grant wins.
		{"carla", pw("carla"), want("carla", grant(manual.RoleJefeUIT))},
		{"diego", pw("diego"), want("diego", procedure.Grant{Role: manual.RoleJefeUIT, Interim: true}, grant(manual.RoleProfesionalSS))},
		{"elena", pw("elena"), want("elena", grant(manual.RoleResponsableSS))},
		{"fabio", pw("fabio"), want("fabio", grant(manual.RoleProfesionalSS))},
		// Only her memberOf names the group.
		{"julia", pw("julia"), want("julia", grant(manual.RoleProfesionalSS))},
		// The ID is the username in lower case, without surrounding spaces.
		{"ANA", pw("ana"), want("ana", grant(manual.RoleSolicitante))},
		{"  Ana\t", pw("ana"), want("ana", grant(manual.RoleSolicitante))},
	}
	refusals := []struct {
		name, username, password, reason string
	}{
		{"wrong password", "ana", pw("carla"), ReasonBadPassword},
		{"wrong password, no group", "hugo", "nope", ReasonBadPassword},
		{"unknown user", "zacarias", "whatever", ReasonUnknownUser},
		{"empty password", "ana", "", ReasonEmptyPassword},
		{"empty password, unknown user", "zacarias", "", ReasonEmptyPassword},
		{"disabled (ppolicy lock)", "gabriel", pw("gabriel"), ReasonDisabled},
		{"disabled, wrong password", "gabriel", "nope", ReasonDisabled},
		{"in no mapped group", "hugo", pw("hugo"), ReasonNoGroup},
		{"two entries", "homonimo", pw("homonimo"), ReasonAmbiguousUser},
		{"empty username", "", pw("ana"), ReasonInvalidUsername},
		{"blank username", "   ", pw("ana"), ReasonInvalidUsername},
		{"inner space", "ana quispe", pw("ana"), ReasonInvalidUsername},
		{"control character", "ana\x00", pw("ana"), ReasonInvalidUsername},
		{"overlong", strings.Repeat("a", maxUsernameLen+1), pw("ana"), ReasonInvalidUsername},
		// Filter injection: escaped, these match no uid at all. Unescaped,
		// "an*" would find ana alone and sign her in, "*" every user.
		{"injection *", "*", pw("ana"), ReasonUnknownUser},
		{"injection an*", "an*", pw("ana"), ReasonUnknownUser},
		{"injection )(uid=*", ")(uid=*", pw("ana"), ReasonUnknownUser},
		{"injection ana)(uid=*", "ana)(uid=*", pw("ana"), ReasonUnknownUser},
		{"injection *)(|(uid=*", "*)(|(uid=*", pw("ana"), ReasonUnknownUser},
		{"injection backslash", `\2a`, pw("ana"), ReasonUnknownUser},
		{"injection NUL escape", `ana\00`, pw("ana"), ReasonUnknownUser},
	}

	// With GroupBaseDN, one search finds the groups; without it, each mapped
	// group is asked about the user.
	for _, mode := range []struct {
		name        string
		groupBaseDN string
	}{{"GroupBaseDN", groupsDN}, {"per-group", ""}} {
		t.Run(mode.name, func(t *testing.T) {
			cfg := testConfig(s.URL)
			cfg.GroupBaseDN = mode.groupBaseDN
			a := newAuth(t, cfg)
			for _, tc := range signIns {
				t.Run("signs in "+strings.TrimSpace(tc.username), func(t *testing.T) {
					got, err := a.Authenticate(ctx, tc.username, tc.password)
					if err != nil {
						t.Fatalf("Authenticate(%q): %v", tc.username, err)
					}
					if !reflect.DeepEqual(got, tc.want) {
						t.Errorf("Authenticate(%q) =\n%+v, want\n%+v", tc.username, got, tc.want)
					}
				})
			}
			for _, tc := range refusals {
				t.Run("refuses "+tc.name, func(t *testing.T) {
					actor, err := a.Authenticate(ctx, tc.username, tc.password)
					if !reflect.DeepEqual(actor, procedure.Actor{}) {
						t.Errorf("a refusal returned an actor: %+v", actor)
					}
					checkRefusal(t, err, tc.reason)
				})
			}
		})
	}

	// The fixture accepts unauthenticated binds (a DN with an empty
	// password), so the empty-password refusal above is the authenticator's
	// own doing, not the directory's.
	t.Run("fixture accepts unauthenticated binds", func(t *testing.T) {
		c, err := ldap.DialURL(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.UnauthenticatedBind(user("ana").dn()); err != nil {
			t.Fatalf("unauthenticated bind refused by the fixture: %v", err)
		}
	})
}

// On a stock Debian slapd (no ppolicy overlay) the default DisabledFilter
// names an attribute the server does not know: it matches no one and is no
// error. A directory that marks disabled accounts another way says so in
// DisabledFilter.
func TestDisabledFilterOnStockSlapd(t *testing.T) {
	s := startSlapd(t, slapdOptions{})
	ctx := context.Background()

	a := newAuth(t, testConfig(s.URL))
	if a.cfg.DisabledFilter != DefaultDisabledFilter {
		t.Fatalf("DisabledFilter = %q, want the default %q", a.cfg.DisabledFilter, DefaultDisabledFilter)
	}
	for _, uid := range []string{"ana", "gabriel"} {
		if _, err := a.Authenticate(ctx, uid, pw(uid)); err != nil {
			t.Errorf("default DisabledFilter on stock slapd: %s: %v", uid, err)
		}
	}

	cfg := testConfig(s.URL)
	cfg.DisabledFilter = "(employeeType=inactivo)"
	a = newAuth(t, cfg)
	_, err := a.Authenticate(ctx, "gabriel", pw("gabriel"))
	checkRefusal(t, err, ReasonDisabled)
	if got, err := a.Authenticate(ctx, "ana", pw("ana")); err != nil || got.ID != "ana" {
		t.Errorf("ana with DisabledFilter (employeeType=inactivo): %+v, %v", got, err)
	}
}

func TestTLS(t *testing.T) {
	s := startSlapd(t, slapdOptions{tls: true})
	ctx := context.Background()
	trusted := &tls.Config{RootCAs: s.CA, MinVersion: tls.VersionTLS12}

	for _, tc := range []struct {
		name     string
		url      string
		startTLS bool
	}{{"ldaps", s.LDAPSURL, false}, {"StartTLS", s.URL, true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(tc.url)
			cfg.StartTLS = tc.startTLS
			cfg.TLSConfig = trusted
			got, err := newAuth(t, cfg).Authenticate(ctx, "elena", pw("elena"))
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if w := want("elena", grant(manual.RoleResponsableSS)); !reflect.DeepEqual(got, w) {
				t.Errorf("got %+v, want %+v", got, w)
			}
			_, err = newAuth(t, cfg).Authenticate(ctx, "elena", "nope")
			checkRefusal(t, err, ReasonBadPassword)

			// A certificate the configured roots do not vouch for is the
			// directory being unusable, not a refusal.
			cfg.TLSConfig = &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}
			_, err = newAuth(t, cfg).Authenticate(ctx, "elena", pw("elena"))
			checkUnavailable(t, err)
		})
	}
}

func TestDirectoryUnavailable(t *testing.T) {
	ctx := context.Background()
	s := startSlapd(t, slapdOptions{})

	t.Run("nothing listening", func(t *testing.T) {
		a := newAuth(t, testConfig(fmt.Sprintf("ldap://127.0.0.1:%d", freePort(t))))
		start := time.Now()
		_, err := a.Authenticate(ctx, "ana", pw("ana"))
		checkUnavailable(t, err)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s", d)
		}
	})

	t.Run("wrong service password", func(t *testing.T) {
		cfg := testConfig(s.URL)
		cfg.BindPassword = "not-the-service-password"
		_, err := newAuth(t, cfg).Authenticate(ctx, "ana", pw("ana"))
		checkUnavailable(t, err)
	})

	t.Run("base DN does not exist", func(t *testing.T) {
		cfg := testConfig(s.URL)
		cfg.BaseDN = "ou=nadie," + suffix
		_, err := newAuth(t, cfg).Authenticate(ctx, "ana", pw("ana"))
		checkUnavailable(t, err)
	})

	t.Run("no answer within Timeout", func(t *testing.T) {
		cfg := testConfig(blackHole(t))
		cfg.Timeout = 300 * time.Millisecond
		a := newAuth(t, cfg)
		start := time.Now()
		_, err := a.Authenticate(ctx, "ana", pw("ana"))
		d := time.Since(start)
		checkUnavailable(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v: want it to wrap context.DeadlineExceeded", err)
		}
		if d < 250*time.Millisecond || d > 2*time.Second {
			t.Errorf("took %s with a Timeout of %s", d, cfg.Timeout)
		}
	})

	// Last: it kills the shared slapd.
	t.Run("slapd killed", func(t *testing.T) {
		a := newAuth(t, testConfig(s.URL))
		if _, err := a.Authenticate(ctx, "ana", pw("ana")); err != nil {
			t.Fatalf("before the kill: %v", err)
		}
		s.stop()
		start := time.Now()
		_, err := a.Authenticate(ctx, "ana", pw("ana"))
		checkUnavailable(t, err)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s", d)
		}
	})
}

func TestContext(t *testing.T) {
	cfg := testConfig(blackHole(t))
	cfg.Timeout = 10 * time.Second
	a := newAuth(t, cfg)

	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		_, err := a.Authenticate(ctx, "ana", pw("ana"))
		checkUnavailable(t, err)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%v: want it to wrap context.Canceled", err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("took %s", d)
		}
	})

	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := a.Authenticate(ctx, "ana", pw("ana"))
		checkUnavailable(t, err)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%v: want it to wrap context.Canceled", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s after a cancel at 100ms", d)
		}
	})

	t.Run("deadline shorter than Timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := a.Authenticate(ctx, "ana", pw("ana"))
		checkUnavailable(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v: want it to wrap context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s with a 150ms deadline", d)
		}
	})
}

func TestConcurrentSignIns(t *testing.T) {
	s := startSlapd(t, slapdOptions{})
	a := newAuth(t, testConfig(s.URL))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uid := []string{"ana", "carla", "elena", "fabio"}[i%4]
			if got, err := a.Authenticate(context.Background(), uid, pw(uid)); err != nil || got.ID != uid {
				errs <- fmt.Errorf("%s: %+v, %v", uid, got, err)
			}
			if _, err := a.Authenticate(context.Background(), uid, "nope"); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
				errs <- fmt.Errorf("%s with a wrong password: %v", uid, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNew(t *testing.T) {
	valid := testConfig("ldap://ldap.agencia.gob.bo")

	a := newAuth(t, Config{URL: "ldaps://ldap.agencia.gob.bo", BindDN: serviceDN, BindPassword: servicePW,
		BaseDN: peopleDN, Groups: testGroups})
	if got, want := a.cfg, (Config{URL: "ldaps://ldap.agencia.gob.bo", BindDN: serviceDN, BindPassword: servicePW,
		BaseDN: peopleDN, Groups: testGroups, UserFilter: "(uid=%s)", NameAttribute: "cn", EmailAttribute: "mail",
		UnitAttribute: "ou", DisabledFilter: DefaultDisabledFilter, Timeout: 5 * time.Second}); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n%+v, want\n%+v", got, want)
	}
	if a.addr != "ldap.agencia.gob.bo:636" || !a.ldaps || a.tls == nil || a.tls.ServerName != "ldap.agencia.gob.bo" {
		t.Errorf("ldaps:// gives addr %q, ldaps %t, tls %v", a.addr, a.ldaps, a.tls)
	}
	if a := newAuth(t, valid); a.addr != "ldap.agencia.gob.bo:389" || a.ldaps || a.tls != nil {
		t.Errorf("ldap:// gives addr %q, ldaps %t, tls %v", a.addr, a.ldaps, a.tls)
	}
	anon := valid
	anon.BindDN, anon.BindPassword = "", ""
	newAuth(t, anon)

	for _, tc := range []struct {
		field  string
		change func(*Config)
	}{
		{"URL", func(c *Config) { c.URL = "" }},
		{"URL", func(c *Config) { c.URL = "http://ldap.agencia.gob.bo" }},
		{"URL", func(c *Config) { c.URL = "ldap://" }},
		{"URL", func(c *Config) { c.URL = "ldap://ldap.agencia.gob.bo/dc=agencia?uid" }},
		{"StartTLS", func(c *Config) { c.URL, c.StartTLS = "ldaps://ldap.agencia.gob.bo", true }},
		{"BindPassword", func(c *Config) { c.BindPassword = "" }},
		{"BindDN", func(c *Config) { c.BindDN = "" }},
		{"BindDN", func(c *Config) { c.BindDN = "no es un DN" }},
		{"BaseDN", func(c *Config) { c.BaseDN = "" }},
		{"BaseDN", func(c *Config) { c.BaseDN = "ou=personas,,=" }},
		{"GroupBaseDN", func(c *Config) { c.GroupBaseDN = "grupos" }},
		{"UserFilter", func(c *Config) { c.UserFilter = "(uid=ana)" }},
		{"UserFilter", func(c *Config) { c.UserFilter = "(uid=%s" }},
		{"DisabledFilter", func(c *Config) { c.DisabledFilter = "inactivo" }},
		{"NameAttribute", func(c *Config) { c.NameAttribute = "nombre completo" }},
		{"EmailAttribute", func(c *Config) { c.EmailAttribute = "(mail)" }},
		{"UnitAttribute", func(c *Config) { c.UnitAttribute = "ou*" }},
		{"Timeout", func(c *Config) { c.Timeout = -time.Second }},
		{"Groups", func(c *Config) { c.Groups = nil }},
		{"Groups[1].GroupDN", func(c *Config) {
			c.Groups = []GroupRole{testGroups[0], {GroupDN: "jefes", Role: manual.RoleJefeUIT}}
		}},
		{"Groups[0].Role", func(c *Config) { c.Groups = []GroupRole{{GroupDN: "cn=jefes," + groupsDN}} }},
	} {
		cfg := valid
		tc.change(&cfg)
		a, err := New(cfg)
		if err == nil {
			t.Errorf("%s: New accepted %+v", tc.field, cfg)
			continue
		}
		if a != nil {
			t.Errorf("%s: New returned an Authenticator with an error", tc.field)
		}
		if got := procedure.ErrorCode(err); got != procedure.EINVALID {
			t.Errorf("%s: ErrorCode = %q, want %q", tc.field, got, procedure.EINVALID)
		}
		if msg := procedure.ErrorMessage(err); !strings.Contains(msg, tc.field+":") || !strings.HasPrefix(msg, "configuración LDAP no válida: ") {
			t.Errorf("%s: message %q does not name the field", tc.field, msg)
		}
		if strings.Contains(err.Error(), servicePW) {
			t.Errorf("%s: error holds the service password: %v", tc.field, err)
		}
	}

	// Every problem is reported at once.
	_, err := New(Config{})
	var perr *procedure.Error
	if !errors.As(err, &perr) || len(perr.Problems) != 3 {
		t.Errorf("New(Config{}) = %v; want 3 problems (URL, BaseDN, Groups)", err)
	}
}

// Printing a Config or an Authenticator, in any verb, never shows the
// service password.
func TestPasswordNotPrinted(t *testing.T) {
	cfg := testConfig("ldap://ldap.agencia.gob.bo")
	a := newAuth(t, cfg)
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg),
		fmt.Sprintf("%v %+v %#v %s", a, a, a, a), fmt.Sprintf("%v", []any{cfg, a}),
	} {
		if strings.Contains(s, servicePW) {
			t.Errorf("printed the service password: %s", s)
		}
		if !strings.Contains(s, serviceDN) {
			t.Errorf("printed without the bind DN: %s", s)
		}
	}
}

// Package ldapauth signs agency staff in to the tramite server against the
// agency's LDAP directory (OpenLDAP, 389 Directory Server, Active Directory).
//
// An [Authenticator] connects to the directory for every sign-in, binds as a
// service account, finds exactly one entry for the username, refuses it if it
// matches [Config.DisabledFilter], checks the password by binding as the
// entry's DN and maps the entry's group memberships to procedure roles
// ([Config.Groups]). The result is a [procedure.Actor] whose ID is the
// username in lower case.
//
// Every refusal — unknown or ambiguous user, wrong or empty password, disabled
// account, no mapped group — is the same error to callers: its
// [procedure.ErrorCode] is [procedure.EFORBIDDEN] and its
// [procedure.ErrorMessage] is "usuario o contraseña incorrectos", so a sign-in
// form cannot be used to learn which accounts exist. The reason is kept for
// the server's audit log only, in [Refusal.Reason]. A directory that cannot
// be reached, or that refuses the service account, is not a refusal: it is an
// [procedure.EINTERNAL] error that says the directory could not be reached.
//
// Passwords (the user's and the service account's) never appear in an error,
// in a log line or in the text of a Config or an Authenticator.
package ldapauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/tramite/tramite/procedure"
)

// Defaults applied by [New] to the fields of [Config] left empty.
const (
	DefaultUserFilter     = "(uid=%s)"
	DefaultNameAttribute  = "cn"
	DefaultEmailAttribute = "mail"
	DefaultUnitAttribute  = "ou"
	// DefaultDisabledFilter matches accounts locked by OpenLDAP's ppolicy
	// overlay (pwdAccountLockedTime is set by the overlay, or by an
	// administrator to 000001010000Z for a permanent lock). On a stock Debian
	// slapd without ppolicy the attribute is not even defined: slapd then
	// evaluates the filter as Undefined, so it matches no one and disables
	// nobody, without an error. Directories that mark disabled accounts some
	// other way set [Config.DisabledFilter] to their own filter.
	DefaultDisabledFilter = "(pwdAccountLockedTime=*)"
	DefaultTimeout        = 5 * time.Second
)

// maxUsernameLen bounds the username accepted before anything is sent to the
// directory.
const maxUsernameLen = 256

// Reasons a sign-in is refused, as [Refusal.Reason] returns them.
const (
	// ReasonInvalidUsername: empty, too long, not UTF-8, or holding spaces or
	// control characters; refused without asking the directory.
	ReasonInvalidUsername = "invalid-username"
	// ReasonEmptyPassword: refused before any bind (an empty-password simple
	// bind is an unauthenticated bind, which many servers accept).
	ReasonEmptyPassword = "empty-password"
	// ReasonUnknownUser: no entry matches the user filter.
	ReasonUnknownUser = "unknown-user"
	// ReasonAmbiguousUser: more than one entry matches the user filter.
	ReasonAmbiguousUser = "ambiguous-user"
	// ReasonDisabled: the entry matches the disabled filter.
	ReasonDisabled = "disabled"
	// ReasonBadPassword: the directory refused the user's bind.
	ReasonBadPassword = "bad-password"
	// ReasonNoGroup: the password is right but the user belongs to no
	// mapped group, so holds no role.
	ReasonNoGroup = "no-group"
)

// RefusalMessage is the Spanish message of every refusal.
const RefusalMessage = "usuario o contraseña incorrectos"

// unavailableMessage is the Spanish message of every error that is not a
// refusal: the directory is down, slow, or refuses the service account.
const unavailableMessage = "no se pudo contactar con el directorio institucional (LDAP); intente nuevamente o avise al administrador del sistema"

// GroupRole maps membership of one directory group to a procedure role.
type GroupRole struct {
	// GroupDN is the group's distinguished name, e.g.
	// "cn=jefe-uit,ou=grupos,dc=agencia,dc=gob,dc=bo".
	GroupDN string
	// Role is the role its members hold.
	Role procedure.RoleID
	// Interim says members hold the role ad interim (a.i.).
	Interim bool
}

// Config describes the directory and how its entries become actors. The zero
// values of the optional fields take the defaults [New] documents.
type Config struct {
	// URL of the directory: ldap://host[:port] or ldaps://host[:port].
	// A plain ldap:// URL without StartTLS sends passwords in clear text:
	// use it only towards 127.0.0.1 or a trusted link.
	URL string
	// StartTLS upgrades an ldap:// connection to TLS before binding.
	StartTLS bool
	// TLSConfig is used for ldaps:// and StartTLS (RootCAs holding the
	// agency's CA, for instance). Nil means the system roots; ServerName
	// defaults to the URL's host.
	TLSConfig *tls.Config
	// BindDN and BindPassword are the service account used to search the
	// directory. Both empty searches anonymously.
	BindDN       string
	BindPassword string
	// BaseDN is where user entries are searched (whole subtree).
	BaseDN string
	// UserFilter finds the user; every %s is replaced by the username,
	// escaped with ldap.EscapeFilter. Default "(uid=%s)".
	UserFilter string
	// NameAttribute, EmailAttribute and UnitAttribute name the entry's
	// attributes for the actor's name (default "cn"), email ("mail") and
	// unit ("ou": the requesting unit the person belongs to).
	NameAttribute  string
	EmailAttribute string
	UnitAttribute  string
	// Groups maps groups to roles; a user in none of them is refused.
	// Membership is read from groupOfNames entries whose member attribute
	// holds the user's DN, and from the user's own memberOf values when the
	// directory keeps them (Active Directory, OpenLDAP's memberof overlay).
	Groups []GroupRole
	// GroupBaseDN is where groups are searched with (member=<user DN>).
	// Empty checks each mapped group directly instead (one base-object
	// search per group), which works wherever the groups live.
	GroupBaseDN string
	// DisabledFilter: a user whose entry also matches it is refused.
	// Default [DefaultDisabledFilter]; e.g. "(employeeType=inactivo)" or
	// "(shadowExpire=1)" for directories that mark accounts that way.
	DisabledFilter string
	// Timeout bounds one whole sign-in: connecting, TLS, binds and
	// searches. Default 5s.
	Timeout time.Duration
}

// String describes the configuration without the service password, so that
// logging a Config never leaks it.
func (c Config) String() string {
	pw := ""
	if c.BindPassword != "" {
		pw = "[oculta]"
	}
	return fmt.Sprintf("ldapauth.Config{URL: %q, StartTLS: %t, BindDN: %q, BindPassword: %s, BaseDN: %q, UserFilter: %q, GroupBaseDN: %q, Groups: %d, DisabledFilter: %q, Timeout: %s}",
		c.URL, c.StartTLS, c.BindDN, pw, c.BaseDN, c.UserFilter, c.GroupBaseDN, len(c.Groups), c.DisabledFilter, c.Timeout)
}

// GoString is String, so that %#v does not print the password either.
func (c Config) GoString() string { return c.String() }

// Authenticator signs people in against one directory. It is safe for
// concurrent use; each sign-in opens its own connection.
type Authenticator struct {
	cfg    Config
	ldaps  bool
	addr   string // host:port
	tls    *tls.Config
	groups []mappedGroup
}

type mappedGroup struct {
	GroupRole
	dn *ldap.DN
}

// String describes the authenticator without the service password.
func (a *Authenticator) String() string { return "ldapauth.Authenticator{" + a.cfg.String() + "}" }

// GoString is String.
func (a *Authenticator) GoString() string { return a.String() }

// New validates cfg, fills in its defaults and returns an Authenticator. A
// bad configuration is a [procedure.EINVALID] error whose Spanish message
// names the field; Problems lists every problem found.
func New(cfg Config) (*Authenticator, error) {
	if cfg.UserFilter == "" {
		cfg.UserFilter = DefaultUserFilter
	}
	if cfg.NameAttribute == "" {
		cfg.NameAttribute = DefaultNameAttribute
	}
	if cfg.EmailAttribute == "" {
		cfg.EmailAttribute = DefaultEmailAttribute
	}
	if cfg.UnitAttribute == "" {
		cfg.UnitAttribute = DefaultUnitAttribute
	}
	if cfg.DisabledFilter == "" {
		cfg.DisabledFilter = DefaultDisabledFilter
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	a := &Authenticator{cfg: cfg}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	host := ""
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		bad("URL: falta la dirección del directorio (ldap://servidor o ldaps://servidor)")
	case err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" || u.Hostname() == "":
		bad("URL: %q no es una dirección ldap://servidor[:puerto] ni ldaps://servidor[:puerto]", cfg.URL)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		bad("URL: %q debe tener solo esquema, servidor y puerto", cfg.URL)
	default:
		a.ldaps = u.Scheme == "ldaps"
		host = u.Hostname()
		port := u.Port()
		if port == "" {
			port = ldap.DefaultLdapPort
			if a.ldaps {
				port = ldap.DefaultLdapsPort
			}
		}
		a.addr = net.JoinHostPort(host, port)
		if cfg.StartTLS && a.ldaps {
			bad("StartTLS: no corresponde con una URL ldaps://, que ya cifra la conexión")
		}
	}
	if a.ldaps || cfg.StartTLS {
		if cfg.TLSConfig != nil {
			a.tls = cfg.TLSConfig.Clone()
		} else {
			a.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if a.tls.ServerName == "" {
			a.tls.ServerName = host
		}
	}

	switch {
	case cfg.BindDN == "" && cfg.BindPassword != "":
		bad("BindDN: falta el DN de la cuenta de servicio a la que corresponde BindPassword")
	case cfg.BindDN != "" && cfg.BindPassword == "":
		bad("BindPassword: falta la contraseña de la cuenta de servicio %q (sin ella el enlace sería anónimo)", cfg.BindDN)
	case cfg.BindDN != "":
		if _, err := ldap.ParseDN(cfg.BindDN); err != nil {
			bad("BindDN: %q no es un DN válido", cfg.BindDN)
		}
	}
	if cfg.BaseDN == "" {
		bad("BaseDN: falta la base de búsqueda de usuarios (por ejemplo ou=personas,dc=agencia,dc=gob,dc=bo)")
	} else if _, err := ldap.ParseDN(cfg.BaseDN); err != nil {
		bad("BaseDN: %q no es un DN válido", cfg.BaseDN)
	}
	if cfg.GroupBaseDN != "" {
		if _, err := ldap.ParseDN(cfg.GroupBaseDN); err != nil {
			bad("GroupBaseDN: %q no es un DN válido", cfg.GroupBaseDN)
		}
	}
	if !strings.Contains(cfg.UserFilter, "%s") {
		bad("UserFilter: %q debe contener %%s, donde va el nombre de usuario", cfg.UserFilter)
	} else if _, err := ldap.CompileFilter(userFilter(cfg.UserFilter, "usuario")); err != nil {
		bad("UserFilter: %q no es un filtro LDAP válido", cfg.UserFilter)
	}
	if _, err := ldap.CompileFilter(cfg.DisabledFilter); err != nil {
		bad("DisabledFilter: %q no es un filtro LDAP válido", cfg.DisabledFilter)
	}
	for _, f := range []struct{ field, value string }{
		{"NameAttribute", cfg.NameAttribute}, {"EmailAttribute", cfg.EmailAttribute}, {"UnitAttribute", cfg.UnitAttribute},
	} {
		if !validAttribute(f.value) {
			bad("%s: %q no es un nombre de atributo LDAP", f.field, f.value)
		}
	}
	if cfg.Timeout < 0 {
		bad("Timeout: %s no puede ser negativo", cfg.Timeout)
	}
	if len(cfg.Groups) == 0 {
		bad("Groups: no hay ningún grupo asociado a un rol; nadie podría ingresar")
	}
	for i, g := range cfg.Groups {
		dn, err := ldap.ParseDN(g.GroupDN)
		if g.GroupDN == "" || err != nil || len(dn.RDNs) == 0 {
			bad("Groups[%d].GroupDN: %q no es un DN válido", i, g.GroupDN)
			continue
		}
		if g.Role == "" || strings.ContainsFunc(string(g.Role), unicode.IsSpace) {
			bad("Groups[%d].Role: falta el rol (solicitante, jefe_uit, responsable_ss o profesional_ss) del grupo %q", i, g.GroupDN)
			continue
		}
		a.groups = append(a.groups, mappedGroup{GroupRole: g, dn: dn})
	}
	if len(problems) > 0 {
		return nil, &procedure.Error{
			Code:     procedure.EINVALID,
			Op:       "ldapauth.New",
			Message:  "configuración LDAP no válida: " + strings.Join(problems, "; "),
			Problems: problems,
		}
	}
	return a, nil
}

// userFilter substitutes the escaped username into the configured filter.
func userFilter(filter, username string) string {
	return strings.ReplaceAll(filter, "%s", ldap.EscapeFilter(username))
}

// validAttribute reports whether s looks like an attribute description
// (a name or an OID, with options).
func validAttribute(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == ';') {
			return false
		}
	}
	return true
}

// Refusal is the error of every refused sign-in. Its Error and
// [procedure.ErrorMessage] are the same for every reason ("usuario o
// contraseña incorrectos"), [procedure.ErrorCode] is
// [procedure.EFORBIDDEN]; only Reason tells why, for the audit log. Get it
// with errors.As:
//
//	var r *ldapauth.Refusal
//	if errors.As(err, &r) {
//		audit.Record(username, "sign-in refused", r.Reason())
//	}
type Refusal struct {
	reason string
	err    *procedure.Error
}

func refuse(reason string) error {
	return &Refusal{reason: reason, err: &procedure.Error{Code: procedure.EFORBIDDEN, Op: "ldapauth", Message: RefusalMessage}}
}

// Error returns the same text for every reason.
func (r *Refusal) Error() string { return r.err.Error() }

// Unwrap returns the [procedure.Error] (code EFORBIDDEN) the refusal stands
// for, so that [procedure.ErrorCode] and [procedure.ErrorMessage] see it.
func (r *Refusal) Unwrap() error { return r.err }

// Reason says why the sign-in was refused: one of the Reason constants.
// Record it in the audit log; never show it to the person signing in.
func (r *Refusal) Reason() string { return r.reason }

// unavailable is the error of a directory that could not be used.
func unavailable(ctx context.Context, what string, err error) error {
	cerr := context.Cause(ctx)
	if dl, ok := ctx.Deadline(); ok && cerr == nil && !time.Now().Before(dl) {
		// The socket deadline or the request timer fired at the deadline,
		// a moment before the context's own timer.
		cerr = context.DeadlineExceeded
	}
	if cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return &procedure.Error{Code: procedure.EINTERNAL, Op: "ldapauth: " + what, Message: unavailableMessage, Err: err}
}

// Authenticate signs username in with password. It returns the actor, with
// the roles of the mapped groups the user belongs to, or a [*Refusal] (code
// EFORBIDDEN, always the same message), or an EINTERNAL error when the
// directory cannot be reached or used. Config.Timeout and ctx bound the
// whole call.
func (a *Authenticator) Authenticate(ctx context.Context, username, password string) (procedure.Actor, error) {
	username = strings.TrimSpace(username)
	if !validUsername(username) {
		return procedure.Actor{}, refuse(ReasonInvalidUsername)
	}
	if password == "" {
		return procedure.Actor{}, refuse(ReasonEmptyPassword)
	}
	if ctx.Err() != nil {
		return procedure.Actor{}, unavailable(ctx, "conexión", ctx.Err())
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()

	conn, release, err := a.connect(ctx)
	if err != nil {
		return procedure.Actor{}, err
	}
	defer release()

	if a.cfg.BindDN != "" {
		if err := conn.Bind(a.cfg.BindDN, a.cfg.BindPassword); err != nil {
			return procedure.Actor{}, unavailable(ctx, "enlace de la cuenta de servicio", err)
		}
	}

	// The user.
	attrs := []string{a.cfg.NameAttribute, a.cfg.EmailAttribute, a.cfg.UnitAttribute, "memberOf"}
	res, err := conn.Search(a.search(a.cfg.BaseDN, ldap.ScopeWholeSubtree, userFilter(a.cfg.UserFilter, username), attrs, 2))
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return procedure.Actor{}, refuse(ReasonAmbiguousUser)
	case err != nil:
		return procedure.Actor{}, unavailable(ctx, "búsqueda del usuario", err)
	case len(res.Entries) == 0:
		return procedure.Actor{}, refuse(ReasonUnknownUser)
	case len(res.Entries) > 1:
		return procedure.Actor{}, refuse(ReasonAmbiguousUser)
	}
	entry := res.Entries[0]

	// Disabled: does the entry itself match DisabledFilter?
	res, err = conn.Search(a.search(entry.DN, ldap.ScopeBaseObject, a.cfg.DisabledFilter, []string{"1.1"}, 1))
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return procedure.Actor{}, refuse(ReasonUnknownUser) // deleted meanwhile
	case err != nil:
		return procedure.Actor{}, unavailable(ctx, "consulta de cuenta deshabilitada", err)
	case len(res.Entries) > 0:
		return procedure.Actor{}, refuse(ReasonDisabled)
	}

	// Groups, read as the service account before binding as the user (who
	// may not be allowed to read them); judged after the password.
	grants, err := a.grants(ctx, conn, entry)
	if err != nil {
		return procedure.Actor{}, err
	}

	// The password. Never empty here (checked above), so this is never an
	// unauthenticated bind.
	if err := conn.Bind(entry.DN, password); err != nil {
		if ldap.IsErrorAnyOf(err, ldap.LDAPResultInvalidCredentials, ldap.LDAPResultInappropriateAuthentication) {
			return procedure.Actor{}, refuse(ReasonBadPassword)
		}
		return procedure.Actor{}, unavailable(ctx, "enlace del usuario", err)
	}
	if len(grants) == 0 {
		return procedure.Actor{}, refuse(ReasonNoGroup)
	}

	id := strings.ToLower(username)
	name := strings.TrimSpace(entry.GetEqualFoldAttributeValue(a.cfg.NameAttribute))
	if name == "" {
		name = id
	}
	return procedure.Actor{
		ID:     id,
		Name:   name,
		Email:  strings.TrimSpace(entry.GetEqualFoldAttributeValue(a.cfg.EmailAttribute)),
		Unit:   strings.TrimSpace(entry.GetEqualFoldAttributeValue(a.cfg.UnitAttribute)),
		Grants: grants,
	}, nil
}

// validUsername refuses what no directory account is named: empty or overlong
// names, invalid UTF-8, and names with spaces or control characters (LDAP
// matching ignores repeated and surrounding spaces, so "ana" and "ana  "
// would find the same entry under two actor IDs).
func validUsername(s string) bool {
	if s == "" || len(s) > maxUsernameLen || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// search builds a search request bounded by the configured timeout.
func (a *Authenticator) search(base string, scope int, filter string, attrs []string, sizeLimit int) *ldap.SearchRequest {
	seconds := int(math.Ceil(a.cfg.Timeout.Seconds()))
	return ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, sizeLimit, seconds, false, filter, attrs, nil)
}

// grants returns the grants of the mapped groups entry belongs to, in the
// order of Config.Groups; a role held both fully and ad interim is held fully.
func (a *Authenticator) grants(ctx context.Context, conn *ldap.Conn, entry *ldap.Entry) ([]procedure.Grant, error) {
	member := make([]bool, len(a.groups))
	mark := func(dn string) {
		parsed, err := ldap.ParseDN(dn)
		if err != nil {
			return
		}
		for i, g := range a.groups {
			if g.dn.EqualFold(parsed) {
				member[i] = true
			}
		}
	}
	for _, dn := range entry.GetEqualFoldAttributeValues("memberOf") {
		mark(dn)
	}
	filter := "(member=" + ldap.EscapeFilter(entry.DN) + ")"
	if a.cfg.GroupBaseDN != "" {
		res, err := conn.Search(a.search(a.cfg.GroupBaseDN, ldap.ScopeWholeSubtree, filter, []string{"1.1"}, 0))
		if err != nil {
			return nil, unavailable(ctx, "búsqueda de grupos", err)
		}
		for _, e := range res.Entries {
			mark(e.DN)
		}
	} else {
		for i, g := range a.groups {
			if member[i] {
				continue
			}
			res, err := conn.Search(a.search(g.GroupDN, ldap.ScopeBaseObject, filter, []string{"1.1"}, 1))
			if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
				continue // a mapped group that does not exist has no members
			}
			if err != nil {
				return nil, unavailable(ctx, "búsqueda de grupos", err)
			}
			if len(res.Entries) > 0 {
				mark(g.GroupDN)
			}
		}
	}
	var grants []procedure.Grant
	for i, g := range a.groups {
		if !member[i] {
			continue
		}
		k := -1
		for j := range grants {
			if grants[j].Role == g.Role {
				k = j
			}
		}
		switch {
		case k < 0:
			grants = append(grants, procedure.Grant{Role: g.Role, Interim: g.Interim})
		case !g.Interim:
			grants[k].Interim = false
		}
	}
	return grants, nil
}

// connect dials the directory within ctx, with TLS as configured, and
// returns the connection and a function that closes it. Cancelling ctx, or
// reaching its deadline, closes the socket, so every blocked operation
// returns at once.
func (a *Authenticator) connect(ctx context.Context) (*ldap.Conn, func(), error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", a.addr)
	if err != nil {
		return nil, nil, unavailable(ctx, "conexión", err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	deadline, _ := ctx.Deadline()
	if err := raw.SetDeadline(deadline); err != nil {
		stop()
		raw.Close()
		return nil, nil, unavailable(ctx, "conexión", err)
	}
	var nc net.Conn = raw
	if a.ldaps {
		tc := tls.Client(raw, a.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			stop()
			raw.Close()
			return nil, nil, unavailable(ctx, "TLS", err)
		}
		nc = tc
	}
	conn := ldap.NewConn(nc, a.ldaps)
	conn.Start()
	conn.SetTimeout(time.Until(deadline))
	release := func() {
		conn.Close()
		stop()
		raw.Close()
	}
	if a.cfg.StartTLS {
		if err := conn.StartTLS(a.tls); err != nil {
			release()
			return nil, nil, unavailable(ctx, "StartTLS", err)
		}
	}
	return conn, release, nil
}
